/* SPDX-License-Identifier: MIT */
/*
 * attack-io-port92: sets the fast-reset bit of System Control Port A (0x92)
 * and toggles A20. Port 0x92 is never granted: it reads all ones, the
 * write is dropped, and this guest lives on.
 */
#include "attack.h"

#define PORT_A 0x92
#define PORT_A_RESET 0x01
#define PORT_A_A20 0x02

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-io-port92");
	attack_check(inb(PORT_A) == 0xff, "port A reads all ones");
	attack_note("writing %#x to port %#x", PORT_A_RESET, PORT_A);
	outb(PORT_A, PORT_A_RESET);
	outb(PORT_A, 0); /* A20 off */
	outb(PORT_A, PORT_A_A20 | PORT_A_RESET);
	attack_check(1, "still running after the fast-reset writes");
	attack_end();
}
