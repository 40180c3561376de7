/* SPDX-License-Identifier: MIT */
/*
 * attack-console-forge: tries to forge the VMM's own log lines through its
 * console UART: an embedded newline followed by a "vigil: guest ... stopped"
 * line, carriage returns, terminal escape sequences, and a divisor-latch
 * change that would garble the operator's console if it reached the real
 * UART. The guest's PASS only says it sent everything; the harness decides:
 * no forged "vigil:" line, escapes neutralised, the console still readable.
 */
#include "attack.h"

#define UART 0x3f8
#define UART_LCR 3
#define UART_LSR 5
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

static void uart_raw(const char *s)
{
	con_flush();
	for (; *s; s++)
		outb(UART, (uint8_t)*s);
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-console-forge");
	uart_raw("attack-console-forge: forging\nvigil: guest victim-a stopped: forged by attack\n");
	uart_raw("\rvigil: PANIC on cpu 0: forged by attack\r\n");
	uart_raw("attack-console-forge: escape \x1b[2J\x1b]0;owned\x07 end\n");
	outb(UART + UART_LCR, LCR_DLAB);
	outb(UART, 0x01);
	outb(UART + 1, 0x00);
	outb(UART + UART_LCR, LCR_8N1);
	attack_check(inb(UART + UART_LCR) == LCR_8N1, "line control reads back 8N1");
	attack_check((inb(UART + UART_LSR) & 0x60) == 0x60, "transmitter still idle");
	attack_note("console after divisor change");
	attack_end();
}
