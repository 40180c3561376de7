/* SPDX-License-Identifier: MIT */
/*
 * attack-vmm-write: overwrites where the VMM's image (and the page-table
 * pool inside it) would lie: a 2 MiB aligned base high in low memory. The
 * nested page tables hold only this guest's memory: the write must stop it.
 */
#include "attack.h"

#define TARGET 0x3fc00000ull
#define ATTACK_PATTERN 0xcccccccccccccccc /* int3 int3 ... */

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-vmm-write");
	attack_stop_write(TARGET, ATTACK_PATTERN, "a guessed base of the VMM's image");
}
