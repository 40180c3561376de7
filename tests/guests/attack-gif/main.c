/* SPDX-License-Identifier: MIT */
/*
 * attack-gif: CLGI (clear the global interrupt flag: no interrupt, NMI or
 * SMI would reach this CPU, so the VMM could never take it back) and STGI.
 * Both are intercepted: #UD each.
 */
#include "attack.h"

#define SVM_INSN_LEN 3

static void op_clgi(void *arg)
{
	(void)arg;
	asm volatile("clgi" ::: "memory");
}

static void op_stgi(void *arg)
{
	(void)arg;
	asm volatile("stgi" ::: "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-gif");
	attack_expect(attack_try(op_clgi, NULL, SVM_INSN_LEN), VEC_UD, "clgi");
	attack_expect(attack_try(op_stgi, NULL, SVM_INSN_LEN), VEC_UD, "stgi");
	attack_end();
}
