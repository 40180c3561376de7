/* SPDX-License-Identifier: MIT */
/*
 * attack-cpuid-virt: asks CPUID for what would let it attack the
 * virtualization layer or learn the host: SVM and SKINIT (0x80000001), the
 * SVM feature leaf (0x8000000a), VMX, MONITOR and x2APIC (leaf 1), and the
 * host's APIC ID in leaf 1. All hidden: the bits clear, 0x8000000a all
 * zeros, the hypervisor bit set, the APIC ID the vCPU's own index.
 */
#include "attack.h"

#define ECX1_VMX (1u << 5)
#define ECX1_MONITOR (1u << 3)
#define ECX1_X2APIC (1u << 21)
#define ECX1_HYPERVISOR (1u << 31)
#define ECX81_SVM (1u << 2)
#define ECX81_SKINIT (1u << 12)

int guest_main(const struct hvm_start_info *si)
{
	struct cpuid_regs r;

	(void)si;
	attack_begin("attack-cpuid-virt");
	r = cpuid(1);
	attack_check(!(r.ecx & ECX1_VMX), "leaf 1: VMX hidden (ecx %#x)", r.ecx);
	attack_check(!(r.ecx & ECX1_MONITOR), "leaf 1: MONITOR hidden");
	attack_check(!(r.ecx & ECX1_X2APIC), "leaf 1: x2APIC hidden");
	attack_check(r.ecx & ECX1_HYPERVISOR, "leaf 1: hypervisor bit set");
	attack_check(r.ebx >> 24 == 0, "leaf 1: APIC ID is the vCPU's (%u), not the host's",
		     r.ebx >> 24);
	r = cpuid(0x80000001u);
	attack_check(!(r.ecx & ECX81_SVM), "leaf 0x80000001: SVM hidden (ecx %#x)", r.ecx);
	attack_check(!(r.ecx & ECX81_SKINIT), "leaf 0x80000001: SKINIT hidden");
	r = cpuid(0x8000000au);
	attack_check(!(r.eax | r.ebx | r.ecx | r.edx), "leaf 0x8000000a: %#x %#x %#x %#x, want zeros",
		     r.eax, r.ebx, r.ecx, r.edx);
	attack_end();
}
