/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-efer: tries to turn on EFER.SVME (and so run its own VMRUN,
 * VMLOAD, VMSAVE), and to set reserved EFER bits. The VMM emulates EFER:
 * SVME reads as clear, a write that sets it or any reserved bit raises #GP,
 * and a refused write changes nothing.
 */
#include "attack.h"

#define MSR_EFER 0xc0000080u
#define EFER_SVME (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_RESERVED_BIT (1ull << 20)

int guest_main(const struct hvm_start_info *si)
{
	struct attack_fault r;
	uint64_t efer, after;

	(void)si;
	attack_begin("attack-msr-efer");
	r = attack_rdmsr(MSR_EFER, &efer);
	attack_check(r.vector == ATTACK_NO_FAULT, "EFER reads (%#lx)", efer);
	attack_check(!(efer & EFER_SVME), "EFER.SVME reads clear");
	attack_check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "EFER shows long mode");
	attack_expect(attack_wrmsr(MSR_EFER, efer | EFER_SVME), VEC_GP, "set EFER.SVME");
	attack_expect(attack_wrmsr(MSR_EFER, efer | EFER_RESERVED_BIT), VEC_GP, "set EFER bit 20");
	attack_expect(attack_wrmsr(MSR_EFER, efer | 1ull << 63), VEC_GP, "set EFER bit 63");
	r = attack_rdmsr(MSR_EFER, &after);
	attack_check(r.vector == ATTACK_NO_FAULT && after == efer, "EFER unchanged (%#lx)", after);
	attack_end();
}
