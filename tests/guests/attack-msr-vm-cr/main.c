/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-vm-cr: reads VM_CR and sets its SVMDIS and LOCK bits (which
 * would disable SVM under the VMM until reset), and tries the SVM lock key.
 * Both are the host's: #GP both ways.
 */
#include "attack.h"

#define MSR_VM_CR 0xc0010114u
#define MSR_SVM_KEY 0xc0010118u
#define VM_CR_LOCK (1ull << 3)
#define VM_CR_SVMDIS (1ull << 4)

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-msr-vm-cr");
	attack_expect_msr_gp(MSR_VM_CR, VM_CR_SVMDIS | VM_CR_LOCK, "VM_CR SVMDIS|LOCK");
	attack_expect_msr_gp(MSR_SVM_KEY, 0x5a5a5a5a5a5a5a5aull, "SVM_KEY");
	attack_end();
}
