/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-apic-base: relocates the local APIC (IA32_APIC_BASE) onto
 * guest memory or onto the VMM, and switches it to x2APIC mode. The APIC
 * is the host's: reads and writes raise #GP.
 */
#include "attack.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_ENABLE (1ull << 11)
#define APIC_X2 (1ull << 10)

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-msr-apic-base");
	attack_expect_msr_gp(MSR_APIC_BASE, 0x200000 | APIC_ENABLE, "APIC base onto guest memory");
	attack_expect(attack_wrmsr(MSR_APIC_BASE, 0x3fe00000 | APIC_ENABLE), VEC_GP,
		      "APIC base onto a guessed VMM address");
	attack_expect(attack_wrmsr(MSR_APIC_BASE, 0xfee00000 | APIC_ENABLE | APIC_X2), VEC_GP,
		      "x2APIC mode on");
	attack_expect(attack_wrmsr(MSR_APIC_BASE, 0xfee00000), VEC_GP, "APIC off");
	attack_end();
}
