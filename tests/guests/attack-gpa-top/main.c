/* SPDX-License-Identifier: MIT */
/*
 * attack-gpa-top: reads the first guest-physical byte past the top of its
 * own memory map, where a VMM that rounds or over-maps guest memory (or
 * lays guests side by side) would expose a neighbour. The nested page
 * tables map nothing there: the VMM must stop the guest.
 */
#include "attack.h"

int guest_main(const struct hvm_start_info *si)
{
	attack_begin("attack-gpa-top");
	attack_stop_read(attack_mem_top(si), "the first byte past this guest's memory");
}
