/* SPDX-License-Identifier: MIT */
/*
 * Numbers the bench-only exit path in arch/x86/svm/svm_entry.S uses,
 * generated from C like arch/x86/asm-offsets.c (mk/bench.mk turns each
 * "->NAME value" marker into a #define in build/bench/gen/bench-offsets.h).
 */
#include <stddef.h>
#include "arch/x86/svm/vmcb.h"
#include "kernel/mm.h"
#include "bench/fastpath.h"

#define DEFINE(sym, val) __asm__ volatile("\n->" #sym " %0" ::"i"(val))

void bench_offsets(void);
void bench_offsets(void)
{
	DEFINE(BENCH_VMCB_EXIT_CODE, offsetof(struct vmcb, ctl.exit_code));
	DEFINE(BENCH_VMCB_RAX, offsetof(struct vmcb, save.rax));
	DEFINE(BENCH_VMCB_RIP, offsetof(struct vmcb, save.rip));
	DEFINE(BENCH_EXIT_CPUID, SVM_EXIT_CPUID);
	DEFINE(BENCH_LEAF, BENCH_FAST_LEAF);
	DEFINE(BENCH_INSN_LEN, BENCH_CPUID_LEN);
	/* the VMCB is reached through the physmap: phys_to_virt() of a page
	 * from page_alloc(), which never lies inside the image */
	DEFINE(BENCH_PHYSMAP_BASE, PHYSMAP_BASE);
}
