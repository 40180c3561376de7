/* SPDX-License-Identifier: MIT */
/*
 * attack-gpa-4g: reads guest-physical 4 GiB, the first address above the
 * 32-bit hole, where a firmware-style layout would remap RAM. Nothing is
 * mapped there for this guest: the VMM must stop it.
 */
#include "attack.h"

#define TARGET 0x100000000ull

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-gpa-4g");
	attack_stop_read(TARGET, "4 GiB");
}
