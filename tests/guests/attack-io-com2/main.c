/* SPDX-License-Identifier: MIT */
/*
 * attack-io-com2: drives the management channel's UART (COM2, 0x2f8): it
 * writes a forged line, sets the divisor latch, and uses the scratch
 * register to learn whether a real UART answers. COM2 is never granted to
 * a guest: every read must give all ones and nothing may reach the port
 * (the harness also watches the machine's second serial port).
 */
#include "attack.h"

#define COM2 0x2f8
#define UART_LCR 3
#define UART_SCR 7
#define LCR_DLAB 0x80

static const char forged[] = "vigil: operator command from attack-io-com2\n";

int guest_main(const struct hvm_start_info *si)
{
	unsigned bad = 0;

	(void)si;
	attack_begin("attack-io-com2");
	for (unsigned r = 0; r < 8; r++)
		if (inb(COM2 + r) != 0xff)
			bad++;
	attack_check(!bad, "every COM2 register reads 0xff (%u did not)", bad);
	outb(COM2 + UART_SCR, 0x5a);
	attack_check(inb(COM2 + UART_SCR) == 0xff, "scratch register does not keep 0x5a");
	outb(COM2 + UART_LCR, LCR_DLAB);
	outb(COM2, 1); /* divisor 1: 115200 baud */
	outb(COM2 + UART_LCR, 0x03);
	attack_check(inb(COM2 + UART_LCR) == 0xff, "line control does not read back");
	for (const char *c = forged; *c; c++)
		outb(COM2, (uint8_t)*c);
	attack_note("wrote a forged line to COM2");
	attack_end();
}
