/* SPDX-License-Identifier: MIT */
/*
 * attack-gpa-write: writes where a neighbour guest would sit if guests
 * shared one guest-physical layout side by side: twice this guest's top.
 * Nothing is mapped there: the VMM must stop the guest on the write.
 */
#include "attack.h"

#define ATTACK_PATTERN 0x4141414141414141ull

int guest_main(const struct hvm_start_info *si)
{
	attack_begin("attack-gpa-write");
	attack_stop_write(2 * attack_mem_top(si), ATTACK_PATTERN, "a guessed neighbour guest");
}
