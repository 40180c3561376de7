/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-hsave: reads VM_HSAVE_PA (where the CPU saves the host's state
 * on VMRUN) and points it into guest memory, which would hand the guest
 * the VMM's state on the next world switch. Never granted, not emulated:
 * #GP both ways.
 */
#include "attack.h"

#define MSR_VM_HSAVE_PA 0xc0010117u
#define GUEST_PAGE 0x200000ull

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-msr-hsave");
	attack_expect_msr_gp(MSR_VM_HSAVE_PA, GUEST_PAGE, "VM_HSAVE_PA into guest memory");
	attack_expect_msr_gp(MSR_VM_HSAVE_PA, 0, "VM_HSAVE_PA zero");
	attack_end();
}
