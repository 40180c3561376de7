/* SPDX-License-Identifier: MIT */
/*
 * CPL 3 entry and return for guest_user_run() (user.c).
 *
 * user_enter(fn, user_rsp): saves the callee-saved registers and the kernel
 * RSP, then IRETQs to user_trampoline at CPL 3 with RDI = fn. The
 * trampoline calls fn and raises USER_RETURN_VECTOR with RAX = its result;
 * that gate (DPL 3) lands in user_return on the TSS RSP0 stack, which
 * switches back to the saved kernel RSP, restores the registers and returns
 * RAX from user_enter. Interrupts stay disabled throughout.
 */
#include "selectors.h"

#define RFLAGS_RESERVED 0x2 /* bit 1 always set; IF = 0, IOPL = 0 */

	.text
	.code64
	.globl user_enter
user_enter:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, user_kernel_rsp(%rip)
	pushq	$SEL_UDATA		/* SS */
	push	%rsi			/* RSP */
	pushq	$RFLAGS_RESERVED	/* RFLAGS */
	pushq	$SEL_UCODE		/* CS */
	lea	user_trampoline(%rip), %rax
	push	%rax			/* RIP */
	iretq

user_trampoline:			/* CPL 3 */
	call	*%rdi
	int	$USER_RETURN_VECTOR
	ud2				/* not reached */

	.globl user_return
user_return:				/* CPL 0, on the TSS RSP0 stack */
	mov	user_kernel_rsp(%rip), %rsp
	mov	$SEL_KDATA, %ecx	/* the return to CPL 3 nulled DS and ES */
	mov	%ecx, %ds
	mov	%ecx, %es
	mov	%ecx, %ss
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.bss
	.balign 8
user_kernel_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
