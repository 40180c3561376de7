/* SPDX-License-Identifier: MIT */
/*
 * void svm_enter(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_pa)
 *
 * One world switch. Register contract:
 *   in:  RDI = guest GPRs (struct guest_regs; RAX is taken from the VMCB),
 *        RSI = VMCB physical address, RDX = host VMSAVE area physical address.
 *   out: guest GPRs saved back into *regs; callee-saved host registers kept.
 * GIF is cleared from the guest VMLOAD until the host VMLOAD, so no NMI can
 * run VMM code with the guest's FS/GS/TR loaded. VMLOAD/VMSAVE swap the
 * state VMRUN does not (FS, GS, TR, LDTR, KernelGsBase, STAR family,
 * SYSENTER): the guest never sees the VMM's per-CPU base, and the VMM gets
 * its own back before any C code runs.
 */
#include "gen/asm-offsets.h"
#ifdef VIGIL_BENCH_FASTPATH
#include "bench-offsets.h"	/* bench build only: mk/bench.mk */
#endif

	.text
	.globl svm_enter
svm_enter:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdx			/* [rsp+8]: host state area */
	pushq	%rdi			/* [rsp]:   guest regs */
	clgi
	movq	%rsi, %rax
	vmload
	movq	GREGS_RBX(%rdi), %rbx
	movq	GREGS_RCX(%rdi), %rcx
	movq	GREGS_RDX(%rdi), %rdx
	movq	GREGS_RSI(%rdi), %rsi
	movq	GREGS_RBP(%rdi), %rbp
	movq	GREGS_R8(%rdi), %r8
	movq	GREGS_R9(%rdi), %r9
	movq	GREGS_R10(%rdi), %r10
	movq	GREGS_R11(%rdi), %r11
	movq	GREGS_R12(%rdi), %r12
	movq	GREGS_R13(%rdi), %r13
	movq	GREGS_R14(%rdi), %r14
	movq	GREGS_R15(%rdi), %r15
	movq	GREGS_RDI(%rdi), %rdi
#ifdef VIGIL_BENCH_FASTPATH
.Lbench_vmrun:
#endif
	vmrun
#ifdef VIGIL_BENCH_FASTPATH
	/*
	 * Bench build only (build/bench/vmm-bench.elf, never the shipped
	 * image): CPUID leaf BENCH_LEAF is stepped over right here and the
	 * guest resumed, the smallest exit path there is (docs/benchmarks.md).
	 * Every GPR but RAX (the VMCB address) and RSP holds the guest's
	 * value: borrow RCX through the stack.
	 */
	pushq	%rcx
	movabsq	$BENCH_PHYSMAP_BASE, %rcx
	addq	%rax, %rcx
	cmpl	$BENCH_EXIT_CPUID, BENCH_VMCB_EXIT_CODE(%rcx)
	jne	1f
	cmpl	$BENCH_LEAF, BENCH_VMCB_RAX(%rcx)
	jne	1f
	addq	$BENCH_INSN_LEN, BENCH_VMCB_RIP(%rcx)
	popq	%rcx
	jmp	.Lbench_vmrun
1:	popq	%rcx
#endif
	vmsave				/* RAX is the VMCB address again */
	xchgq	%rdi, (%rsp)		/* RDI = regs, [rsp] = guest RDI */
	movq	%rbx, GREGS_RBX(%rdi)
	movq	%rcx, GREGS_RCX(%rdi)
	movq	%rdx, GREGS_RDX(%rdi)
	movq	%rsi, GREGS_RSI(%rdi)
	movq	%rbp, GREGS_RBP(%rdi)
	movq	%r8, GREGS_R8(%rdi)
	movq	%r9, GREGS_R9(%rdi)
	movq	%r10, GREGS_R10(%rdi)
	movq	%r11, GREGS_R11(%rdi)
	movq	%r12, GREGS_R12(%rdi)
	movq	%r13, GREGS_R13(%rdi)
	movq	%r14, GREGS_R14(%rdi)
	movq	%r15, GREGS_R15(%rdi)
	popq	GREGS_RDI(%rdi)
	popq	%rax			/* host state area */
	vmload
	stgi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
