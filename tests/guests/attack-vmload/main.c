/* SPDX-License-Identifier: MIT */
/*
 * attack-vmload: VMSAVE into its own memory (which would capture hidden
 * state: FS/GS/TR/LDTR bases, the SYSCALL MSRs of whoever ran last) and
 * VMLOAD from a crafted page (which would load them). Both are
 * intercepted: #UD, and the page VMSAVE named stays untouched.
 */
#include "attack.h"

#define SVM_INSN_LEN 3

static uint8_t save_area[4096] __attribute__((aligned(4096)));

static void op_vmsave(void *arg)
{
	asm volatile("vmsave" ::"a"(*(uint64_t *)arg) : "memory");
}

static void op_vmload(void *arg)
{
	asm volatile("vmload" ::"a"(*(uint64_t *)arg) : "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t rax = (uint64_t)(uintptr_t)save_area;
	unsigned written = 0;

	(void)si;
	attack_begin("attack-vmload");
	attack_expect(attack_try(op_vmsave, &rax, SVM_INSN_LEN), VEC_UD, "vmsave to guest memory");
	for (size_t i = 0; i < sizeof(save_area); i++)
		written += save_area[i] != 0;
	attack_check(!written, "save area untouched (%u bytes written)", written);
	for (size_t i = 0; i < sizeof(save_area); i++)
		save_area[i] = 0x41;
	attack_expect(attack_try(op_vmload, &rax, SVM_INSN_LEN), VEC_UD, "vmload a crafted page");
	rax = 0x3fe00000;
	attack_expect(attack_try(op_vmsave, &rax, SVM_INSN_LEN), VEC_UD, "vmsave to a VMM guess");
	attack_end();
}
