/* SPDX-License-Identifier: MIT */
/*
 * attack-efer-lme: clears EFER.LME while paging is on. The architecture
 * forbids that change (#GP): accepted, it would leave the guest's saved
 * state inconsistent (long mode active, not enabled), which a VMM must not
 * let a guest build. The VMM emulates EFER: it must raise #GP and keep
 * EFER as it was.
 */
#include "attack.h"

#define MSR_EFER 0xc0000080u
#define EFER_LME (1ull << 8)

int guest_main(const struct hvm_start_info *si)
{
	struct attack_fault r;
	uint64_t efer, after;

	(void)si;
	attack_begin("attack-efer-lme");
	r = attack_rdmsr(MSR_EFER, &efer);
	attack_check(r.vector == ATTACK_NO_FAULT && (efer & EFER_LME), "EFER reads with LME (%#lx)",
		     efer);
	attack_expect(attack_wrmsr(MSR_EFER, efer & ~EFER_LME), VEC_GP,
		      "clear EFER.LME with paging on");
	r = attack_rdmsr(MSR_EFER, &after);
	attack_check(r.vector == ATTACK_NO_FAULT && after == efer, "EFER unchanged (%#lx)", after);
	if (after != efer) /* put long mode back as well as we can */
		(void)attack_wrmsr(MSR_EFER, efer);
	attack_end();
}
