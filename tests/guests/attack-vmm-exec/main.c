/* SPDX-License-Identifier: MIT */
/*
 * attack-vmm-exec: jumps to where the VMM's text would lie, hoping to run
 * it with guest privileges. The fetch is outside this guest's memory: the
 * VMM must stop the guest (an NPT fault on the instruction fetch).
 */
#include "attack.h"

#define TARGET 0x3fa00000ull

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-vmm-exec");
	attack_stop_fetch(TARGET, "a guessed base of the VMM's text");
}
