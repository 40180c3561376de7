/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-host: MSRs that hold machine-wide state the VMM depends on:
 * the TSC (its time), SYSCFG and HWCR (memory encryption, MTRR and SMM
 * controls), the MTRR default type (memory types of all RAM), feature
 * control, the VMX capabilities, DEBUGCTL, and PAT with an invalid type.
 * Only TSC reads are emulated; everything else raises #GP.
 */
#include "attack.h"

#define MSR_TSC 0x10u
#define MSR_PAT 0x277u

static const struct {
	uint32_t msr;
	uint64_t val;
	const char *name;
} host_msrs[] = {
	{ 0x3a, 0x5, "IA32_FEATURE_CONTROL" },
	{ 0x1d9, 0x1, "DEBUGCTL" },
	{ 0x2ff, 0x0, "MTRR default type (all uncached)" },
	{ 0x480, 0x0, "IA32_VMX_BASIC" },
	{ 0xc0010010, 0x0, "SYSCFG" },
	{ 0xc0010015, 0x0, "HWCR" },
};

int guest_main(const struct hvm_start_info *si)
{
	struct attack_fault r;
	uint64_t tsc, pat;

	(void)si;
	attack_begin("attack-msr-host");
	r = attack_rdmsr(MSR_TSC, &tsc);
	attack_check(r.vector == ATTACK_NO_FAULT, "TSC reads (emulated)");
	attack_expect(attack_wrmsr(MSR_TSC, 0), VEC_GP, "wrmsr TSC <- 0");
	r = attack_rdmsr(MSR_PAT, &pat);
	attack_check(r.vector == ATTACK_NO_FAULT, "PAT reads (%#lx)", pat);
	attack_expect(attack_wrmsr(MSR_PAT, 0x0202020202020202ull), VEC_GP, "PAT with reserved type 2");
	/* Each reserved encoding alone, in one entry of an otherwise valid PAT:
	 * a check that misses one of them lets the guest load it. */
	attack_expect(attack_wrmsr(MSR_PAT, 0x0007040600070403ull), VEC_GP, "PAT with reserved type 3");
	attack_expect(attack_wrmsr(MSR_PAT, 0x0807040600070406ull), VEC_GP, "PAT with a type above 7 (8)");
	attack_expect(attack_wrmsr(MSR_PAT, 0xff07040600070406ull), VEC_GP, "PAT with type 0xff");
	r = attack_rdmsr(MSR_PAT, &tsc);
	attack_check(r.vector == ATTACK_NO_FAULT && tsc == pat, "PAT unchanged by the refused writes (%#lx)", tsc);
	attack_check(attack_wrmsr(MSR_PAT, 0x0105040600070406ull).vector == ATTACK_NO_FAULT,
		     "PAT with every valid type (0, 1, 4, 5, 6, 7) is taken");
	attack_check(attack_wrmsr(MSR_PAT, pat).vector == ATTACK_NO_FAULT, "PAT restored");
	for (size_t i = 0; i < sizeof(host_msrs) / sizeof(host_msrs[0]); i++)
		attack_expect_msr_gp(host_msrs[i].msr, host_msrs[i].val, host_msrs[i].name);
	attack_end();
}
