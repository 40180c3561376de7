/* SPDX-License-Identifier: MIT */
/*
 * attack-skinit: SKINIT with EAX naming a secure loader block in its own
 * memory: a late launch would reinitialise the CPU into code of the
 * guest's choosing with DMA protection over it. Intercepted: #UD.
 */
#include "attack.h"

#define SVM_INSN_LEN 3

static uint8_t slb[65536] __attribute__((aligned(65536)));

static void op_skinit(void *arg)
{
	asm volatile("skinit" ::"a"((uint32_t)(uintptr_t)arg) : "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-skinit");
	slb[0] = 4;  /* entry point offset */
	slb[2] = 16; /* length */
	attack_expect(attack_try(op_skinit, slb, SVM_INSN_LEN), VEC_UD, "skinit, SLB in guest memory");
	attack_end();
}
