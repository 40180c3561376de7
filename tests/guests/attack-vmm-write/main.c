/* SPDX-License-Identifier: MIT */
/*
 * attack-vmm-write: overwrites the VMM's image (and the page-table pool
 * inside it) with int3 bytes. The stub loads the image at a 2 MiB aligned
 * base high in low memory, so the guest writes the first bytes of every
 * 2 MiB page down from 1 GiB: were host RAM reachable, the VMM's text would
 * be hit. The nested page tables hold only this guest's memory: the first
 * write must stop it.
 */
#include "attack.h"

#define SCAN_TOP 0x40000000ull /* 1 GiB: the top of the test machine's RAM */
#define SCAN_BOTTOM 0x1000000ull
#define CHUNK 0x200000ull
#define ATTACK_PATTERN 0xccccccccccccccccull /* int3 int3 ... */

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-vmm-write");
	attack_announce("write %#llx at every 2 MiB page down from gpa %#llx (the VMM's image)",
			ATTACK_PATTERN, SCAN_TOP - CHUNK);
	for (uint64_t pa = SCAN_TOP - CHUNK; pa >= SCAN_BOTTOM; pa -= CHUNK)
		*(volatile uint64_t *)(uintptr_t)pa = ATTACK_PATTERN;
	attack_survived("wrote %#llx..%#llx without being stopped", SCAN_BOTTOM, SCAN_TOP);
}
