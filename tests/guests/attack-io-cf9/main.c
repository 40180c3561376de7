/* SPDX-License-Identifier: MIT */
/*
 * attack-io-cf9: writes the reset control register (0xcf9): "hard reset"
 * then "full reset". If it reached the chipset, the whole machine would
 * reset (the test machine would power off). Port 0xcf9 is never granted:
 * the writes are dropped, the register reads all ones, and this guest
 * lives on to say so.
 */
#include "attack.h"

#define RST_CNT 0xcf9
#define RST_HARD 0x06 /* SYS_RST | RST_CPU */
#define RST_FULL 0x0e /* ... | FULL_RST */

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-io-cf9");
	attack_note("writing %#x then %#x to port %#x", RST_HARD, RST_FULL, RST_CNT);
	outb(RST_CNT, RST_HARD);
	outb(RST_CNT, RST_FULL);
	attack_check(inb(RST_CNT) == 0xff, "reset control reads all ones");
	attack_check(1, "still running after both reset writes");
	attack_end();
}
