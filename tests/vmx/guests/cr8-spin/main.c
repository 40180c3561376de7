/* SPDX-License-Identifier: MIT */
/*
 * cr8-spin: after one line, moves to and from CR8 for ever and does
 * nothing else. On VMX every such move exits and the VMM answers it; a
 * guest looping on them must still pass the VMM's safe point at every
 * exit: the channel tier (tests/channel/t_channel.py --vendor vmx) runs
 * it beside the others, applies a live patch (a rendezvous of every CPU),
 * stops and starts it, and reads its exit counters in the inventory.
 */
#include "guest.h"

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	printf("cr8-spin: spinning on MOV CR8\n");
	for (uint64_t i = 0;; i++) {
		uint64_t tpr = i & 15, back;

		__asm__ volatile("mov %1, %%cr8\n\tmov %%cr8, %0" : "=r"(back) : "r"(tpr) : "memory");
		if (back != tpr) {
			verdict(VERDICT_FAIL, "cr8-spin: CR8 read %lu after writing %lu", back, tpr);
			hc_exit(1);
		}
	}
}
