/* SPDX-License-Identifier: MIT */
/*
 * attack-vmrun: runs VMRUN itself, with RAX naming a VMCB it built in its
 * own memory (intercepting nothing) and then a guessed VMM address. Nested
 * virtualization is not offered: VMRUN is intercepted and must raise #UD.
 * A RAX that is no page address at all (all ones) fails the CPU's own
 * check first on AMD: #GP(0), before any intercept (AMD APM, VMRUN
 * exceptions). On Intel VMRUN is no instruction at all: #UD always.
 */
#include "attack.h"

#define SVM_INSN_LEN 3 /* 0f 01 d8..df */

static uint8_t fake_vmcb[4096] __attribute__((aligned(4096)));

static void op_vmrun(void *arg)
{
	asm volatile("vmrun" ::"a"(*(uint64_t *)arg) : "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	/* The hypercall flavour follows the vendor: VMMCALL on AMD and Hygon. */
	const int amd = guest_hypercall_insn()[2] == 'm';
	uint64_t rax;

	(void)si;
	attack_begin("attack-vmrun");
	rax = (uint64_t)(uintptr_t)fake_vmcb;
	attack_expect(attack_try(op_vmrun, &rax, SVM_INSN_LEN), VEC_UD, "vmrun, VMCB in guest memory");
	rax = 0x3fe00000;
	attack_expect(attack_try(op_vmrun, &rax, SVM_INSN_LEN), VEC_UD, "vmrun, VMCB at a VMM guess");
	rax = ~0ull;
	attack_expect(attack_try(op_vmrun, &rax, SVM_INSN_LEN), amd ? VEC_GP : VEC_UD,
		      "vmrun, rax all ones");
	attack_end();
}
