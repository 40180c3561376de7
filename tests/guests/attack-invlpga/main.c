/* SPDX-License-Identifier: MIT */
/*
 * attack-invlpga: INVLPGA for ASID 0 (the host's own translations) and for
 * other guests' ASIDs: flushing them is a denial of service at best, and
 * the instruction is the VMM's alone. Intercepted: #UD each.
 */
#include "attack.h"

#define SVM_INSN_LEN 3

static void op_invlpga(void *arg)
{
	uint32_t asid = (uint32_t)(uintptr_t)arg;

	asm volatile("invlpga %%rax, %%ecx" ::"a"(0xffffffff80000000ull), "c"(asid) : "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	char what[40];

	(void)si;
	attack_begin("attack-invlpga");
	for (uintptr_t asid = 0; asid < 4; asid++) {
		snprintf(what, sizeof(what), "invlpga, ASID %lu", (unsigned long)asid);
		attack_expect(attack_try(op_invlpga, (void *)asid, SVM_INSN_LEN), VEC_UD, what);
	}
	attack_end();
}
