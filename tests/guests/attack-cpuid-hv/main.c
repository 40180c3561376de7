/* SPDX-License-Identifier: MIT */
/*
 * attack-cpuid-hv: reads the hypervisor leaves for anything beyond the
 * documented contract (docs/guests.md): 0x40000000 gives the highest leaf
 * and "VigilVigilVi" only, whatever the subleaf; 0x40000001 the hypercall
 * ABI version and zeros; nothing above. A VMM address, a build id or a
 * host detail there would be a leak.
 */
#include "attack.h"

#define HV_BASE 0x40000000u
#define SIG_EBX 0x69676956u /* "Vigi" */
#define SIG_ECX 0x6769566cu /* "lVig" */
#define SIG_EDX 0x69566c69u /* "ilVi" */

int guest_main(const struct hvm_start_info *si)
{
	struct cpuid_regs r;
	unsigned odd = 0;

	(void)si;
	attack_begin("attack-cpuid-hv");
	for (uint32_t sub = 0; sub < 4; sub++) {
		r = cpuid_count(HV_BASE, sub == 3 ? 0xffffffffu : sub);
		if (r.eax != HV_BASE + 1 || r.ebx != SIG_EBX || r.ecx != SIG_ECX || r.edx != SIG_EDX)
			odd++;
	}
	attack_check(!odd, "0x40000000: max leaf 0x40000001 and the signature, any subleaf");
	r = cpuid_count(HV_BASE + 1, 7);
	attack_check(r.eax == HC_ABI_VERSION && !(r.ebx | r.ecx | r.edx),
		     "0x40000001: %#x %#x %#x %#x, want the ABI version and zeros", r.eax, r.ebx,
		     r.ecx, r.edx);
	r = cpuid(HV_BASE + 2);
	attack_check(!(r.eax | r.ebx | r.ecx | r.edx), "0x40000002 reads zeros");
	attack_end();
}
