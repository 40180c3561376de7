/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-apic-base: relocates the local APIC (IA32_APIC_BASE) onto
 * guest memory or onto the VMM, switches it to x2APIC mode, and turns it
 * off. The guest's APIC is the VMM's virtual xAPIC at 0xfee00000: the MSR
 * reads that (enabled, this vCPU the bootstrap processor), writing back
 * the same value is accepted, and every change raises #GP.
 */
#include "attack.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BSP (1ull << 8)
#define APIC_X2 (1ull << 10)
#define APIC_ENABLE (1ull << 11)
#define APIC_VALUE (0xfee00000ull | APIC_ENABLE | APIC_BSP)

int guest_main(const struct hvm_start_info *si)
{
	struct attack_fault f;
	uint64_t base = 0;

	(void)si;
	attack_begin("attack-msr-apic-base");
	f = attack_rdmsr(MSR_APIC_BASE, &base);
	attack_check(!f.count && base == APIC_VALUE, "APIC base reads %#llx (%llu faults), want %#llx",
		     (unsigned long long)base, (unsigned long long)f.count, (unsigned long long)APIC_VALUE);
	f = attack_wrmsr(MSR_APIC_BASE, APIC_VALUE);
	attack_check(!f.count, "writing back the same value is accepted (%llu faults)", (unsigned long long)f.count);
	attack_expect(attack_wrmsr(MSR_APIC_BASE, 0x200000 | APIC_ENABLE | APIC_BSP), VEC_GP,
		      "APIC base onto guest memory");
	attack_expect(attack_wrmsr(MSR_APIC_BASE, 0x3fe00000 | APIC_ENABLE | APIC_BSP), VEC_GP,
		      "APIC base onto a guessed VMM address");
	attack_expect(attack_wrmsr(MSR_APIC_BASE, APIC_VALUE | APIC_X2), VEC_GP, "x2APIC mode on");
	attack_expect(attack_wrmsr(MSR_APIC_BASE, 0xfee00000 | APIC_BSP), VEC_GP, "APIC off");
	attack_expect(attack_wrmsr(MSR_APIC_BASE, APIC_VALUE & ~APIC_BSP), VEC_GP, "not the BSP");
	f = attack_rdmsr(MSR_APIC_BASE, &base);
	attack_check(!f.count && base == APIC_VALUE, "APIC base unchanged after the refusals (%#llx)",
		     (unsigned long long)base);
	attack_end();
}
