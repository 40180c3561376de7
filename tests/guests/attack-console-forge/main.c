/* SPDX-License-Identifier: MIT */
/*
 * attack-console-forge: tries to forge the VMM's own log lines through its
 * console UART: an embedded newline followed by a "vigil: guest ... stopped"
 * line, carriage returns, terminal escape sequences, backspaces and DELs
 * enough to erase its own prefix, a wait so that its unfinished line is
 * printed before it tries to erase that, and a divisor-latch change that
 * would garble the operator's console if it reached the real UART. The
 * guest's PASS only says it sent everything; the harness decides: no
 * forged "vigil:" line, escapes neutralised, no erasure into a prefix, the
 * console still readable.
 */
#include "attack.h"

#define UART 0x3f8
#define UART_LCR 3
#define UART_LSR 5
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
/* Long enough for the VMM to print an unfinished line (a few ticks):
 * counted in exits, which both emulators run at a similar pace. */
#define ERASE_WAIT_EXITS 20000

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
	uart_raw("erase\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b"
		 "vigil: guest victim-b stopped: forged by erasing\n");
	uart_raw("wait");
	for (int i = 0; i < ERASE_WAIT_EXITS; i++) /* the VMM prints the unfinished line meanwhile */
		(void)inb(UART + UART_LSR);
	uart_raw("\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f"
		 "\rvigil: guest victim-b stopped: forged after a wait\n");
	outb(UART + UART_LCR, LCR_DLAB);
	outb(UART, 0x01);
	outb(UART + 1, 0x00);
	outb(UART + UART_LCR, LCR_8N1);
	attack_check(inb(UART + UART_LCR) == LCR_8N1, "line control reads back 8N1");
	attack_check((inb(UART + UART_LSR) & 0x60) == 0x60, "transmitter still idle");
	attack_note("console after divisor change");
	attack_end();
}
