/* SPDX-License-Identifier: MIT */
/*
 * attack-gpa-64g: reads guest-physical 64 GiB, far past any declared
 * memory (a 1 GiB or 512 GiB nested-page-table entry mapped too generously
 * would cover it). The VMM must stop the guest.
 */
#include "attack.h"

#define TARGET 0x1000000000ull

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-gpa-64g");
	attack_stop_read(TARGET, "64 GiB");
}
