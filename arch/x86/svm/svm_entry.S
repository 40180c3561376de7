/* SPDX-License-Identifier: MIT */
/*
 * void svm_loop(struct vcpu *v)  (noreturn)
 *
 * The SVM world switch, as a loop that never returns: enter the guest,
 * save its registers at the exit, call svm_exit(v) (C: handle the exit,
 * wait if the guest may not run), enter again. Nothing of the host lives
 * in registers across the guest's run, so no host register is saved.
 *
 * Register contract:
 *   in:  RDI = the vCPU; struct guest_regs sits at its start (GREGS_*), the
 *        VMCB's and the host VMSAVE area's physical addresses at VCPU_*.
 *        The guest's RAX travels in the VMCB: svm_exit() moves it.
 *   stack: [rsp] = v, [rsp+8] and [rsp+16] = padding: RSP is 16-byte
 *        aligned at the call, as the ABI wants.
 * GIF is cleared from the guest VMLOAD until the host VMLOAD, so no NMI can
 * run VMM code with the guest's FS/GS/TR loaded. RFLAGS.IF is set for the
 * guest's run only (GIF keeps the host from taking anything meanwhile):
 * with V_INTR_MASKING the host IF at VMRUN decides whether a physical
 * interrupt exits the guest (INTR intercept) or waits, unseen, until the
 * guest's next exit. The VMM runs with IF clear; exit_intr takes what
 * arrived (vmm/exit.c). VMLOAD/VMSAVE swap the
 * state VMRUN does not (FS, GS, TR, LDTR, KernelGsBase, STAR family,
 * SYSENTER): the guest never sees the VMM's per-CPU base, and the VMM gets
 * its own back before any C code runs.
 */
#include "gen/asm-offsets.h"
#include "arch/x86/spec_asm.h"
#ifdef VIGIL_BENCH_FASTPATH
#include "bench-offsets.h"	/* bench build only: mk/bench.mk */
#endif

	.text
	.globl svm_loop
svm_loop:
	subq	$16, %rsp		/* [rsp+8], [rsp+16]: padding */
	pushq	%rdi			/* [rsp]:   v */
.Lenter:
	movq	(%rsp), %rdi
	SPEC_BEFORE_ENTRY
	movq	VCPU_VMCB_PA(%rdi), %rax
	clgi
	sti
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
	vmsave				/* RAX is the VMCB address again, and free after */
	movq	%rdi, %rax
	movq	(%rsp), %rdi
	movq	%rax, GREGS_RDI(%rdi)
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
	SPEC_AFTER_EXIT
	movq	VCPU_HOST_STATE_PA(%rdi), %rax
	vmload
	cli
	stgi
	call	svm_exit
	jmp	.Lenter
