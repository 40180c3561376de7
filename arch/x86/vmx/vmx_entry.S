/* SPDX-License-Identifier: MIT */
/*
 * int vmx_enter(struct guest_regs *regs, bool launched, uint32_t host_rsp_field)
 *
 * One world switch. Register contract:
 *   in:  RDI = guest GPRs (struct guest_regs, RAX included: VMX does not
 *        switch it), ESI = 0 for VMLAUNCH, else VMRESUME, EDX = the VMCS
 *        encoding of HOST_RSP (passed in so no field number is written here).
 *   out: 0 after a VM exit, guest GPRs saved back into *regs; or, when the
 *        guest was not entered, 1 (VMfailInvalid), 2 (VMfailValid: see the
 *        VM-instruction error), 3 (HOST_RSP could not be written).
 *   Callee-saved host registers are kept; RSP and RIP come back from the
 *   VMCS host area (HOST_RSP = this frame, HOST_RIP = vmx_exit_entry), as
 *   do CR3, the segment bases (FS and GS: the per-CPU block) and EFER/PAT.
 * The exit leaves RFLAGS = 2: interrupts stay off in the VMM.
 */
#include "gen/asm-offsets.h"
#include "arch/x86/spec_asm.h"

	.text
	.globl vmx_enter
vmx_enter:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* [rsp]: guest regs, found again at the exit */
	movl	%edx, %edx
	vmwrite	%rsp, %rdx
	jbe	.Lhost_rsp_failed
	SPEC_BEFORE_ENTRY		/* RDI: the vCPU, its GPRs first */
	testl	%esi, %esi		/* flags survive the loads below */
	movq	GREGS_RAX(%rdi), %rax
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
	jnz	.Lresume
	vmlaunch
	jmp	.Lentry_failed
.Lresume:
	vmresume
.Lentry_failed:				/* CF: VMfailInvalid, ZF: VMfailValid */
	movl	$2, %eax
	jz	1f
	movl	$1, %eax
1:	popq	%rdi
	jmp	.Lout

.Lhost_rsp_failed:
	movl	$3, %eax
	popq	%rdi
	jmp	.Lout

	.globl vmx_exit_entry
vmx_exit_entry:				/* RSP = HOST_RSP: [rsp] = guest regs */
	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, GREGS_RAX(%rdi)
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
	popq	%rdi
	SPEC_AFTER_EXIT			/* before the RET below */
	xorl	%eax, %eax
.Lout:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.section .note.GNU-stack, "", @progbits
