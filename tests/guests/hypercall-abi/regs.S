/* SPDX-License-Identifier: MIT */
/*
 * long regs_probe(unsigned long nr, int vmmcall, uint64_t out[REGS_CHECKED])
 *
 * Loads REGS_PATTERN(i) into every general register but RAX and RSP,
 * issues one hypercall (RAX = nr) with VMMCALL or VMCALL, then stores what
 * the registers hold afterwards into out[] in the order of regs.h and
 * returns RAX. The hypercall ABI says all of them must come back unchanged.
 */
#include "regs.h"

	.text
	.code64
	.globl regs_probe
regs_probe:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rdx, probe_out(%rip)
	mov	%rdi, %rax
	test	%esi, %esi		/* MOVs below leave the flags alone */
	movabs	$REGS_PATTERN(0), %rbx
	movabs	$REGS_PATTERN(1), %rcx
	movabs	$REGS_PATTERN(2), %rdx
	movabs	$REGS_PATTERN(3), %rsi
	movabs	$REGS_PATTERN(4), %rdi
	movabs	$REGS_PATTERN(5), %rbp
	movabs	$REGS_PATTERN(6), %r8
	movabs	$REGS_PATTERN(7), %r9
	movabs	$REGS_PATTERN(8), %r10
	movabs	$REGS_PATTERN(9), %r11
	movabs	$REGS_PATTERN(10), %r12
	movabs	$REGS_PATTERN(11), %r13
	movabs	$REGS_PATTERN(12), %r14
	movabs	$REGS_PATTERN(13), %r15
	jz	1f
	vmmcall
	jmp	2f
1:	vmcall
2:	push	%rax
	mov	probe_out(%rip), %rax
	mov	%rbx, 0(%rax)
	mov	%rcx, 8(%rax)
	mov	%rdx, 16(%rax)
	mov	%rsi, 24(%rax)
	mov	%rdi, 32(%rax)
	mov	%rbp, 40(%rax)
	mov	%r8, 48(%rax)
	mov	%r9, 56(%rax)
	mov	%r10, 64(%rax)
	mov	%r11, 72(%rax)
	mov	%r12, 80(%rax)
	mov	%r13, 88(%rax)
	mov	%r14, 96(%rax)
	mov	%r15, 104(%rax)
	pop	%rax
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.bss
	.balign 8
probe_out:
	.quad 0

	.section .note.GNU-stack, "", @progbits
