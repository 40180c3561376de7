/* SPDX-License-Identifier: MIT */
/*
 * attack-io-kbd: resets the machine through the keyboard controller: the
 * "pulse reset line" command (0xfe to port 0x64), then a write of the
 * controller's output port with the reset bit low. Ports 0x60/0x64 are
 * never granted: the writes are dropped, reads give all ones, and this
 * guest lives on.
 */
#include "attack.h"

#define KBD_DATA 0x60
#define KBD_CMD 0x64
#define KBD_PULSE_RESET 0xfe
#define KBD_WRITE_OUTPUT 0xd1

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-io-kbd");
	attack_check(inb(KBD_CMD) == 0xff, "controller status reads all ones");
	attack_note("writing %#x to port %#x", KBD_PULSE_RESET, KBD_CMD);
	outb(KBD_CMD, KBD_PULSE_RESET);
	outb(KBD_CMD, KBD_WRITE_OUTPUT);
	outb(KBD_DATA, 0x00); /* output port bit 0 low: reset */
	attack_check(inb(KBD_DATA) == 0xff, "controller data reads all ones");
	attack_check(1, "still running after the reset commands");
	attack_end();
}
