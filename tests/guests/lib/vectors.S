/* SPDX-License-Identifier: MIT */
/*
 * Exception stubs for vectors 0..31 and fault_stub_table, their addresses
 * in vector order; interrupt stubs for vectors 32..255 at irq_stubs, one
 * every IRQ_STUB_SIZE bytes. Each stub pushes a 0 where the CPU pushes no
 * error code, then its vector number, so every frame has the shape of
 * struct fault_frame (internal.h). fault_dispatch may change the saved
 * RIP; everything else is restored as it was.
 */
#include "irq_stubs.h"

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || \
		      (n) == 21 || (n) == 29 || (n) == 30)

#define VECTORS 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31

.macro fault_stub n
	.balign 16
fault_stub_\n:
	.if !HAS_ERROR(\n)
	pushq	$0
	.endif
	pushq	$\n
	jmp	fault_common
.endm

	.text
	.code64
	.irp n, VECTORS
	fault_stub \n
	.endr

/* Vectors 32..255, each stub exactly IRQ_STUB_SIZE bytes: the encodings
 * are spelled out so that none is shortened. */
	.balign IRQ_STUB_SIZE
	.globl irq_stubs
irq_stubs:
	.set irq_vector, IRQ_FIRST
	.rept IRQ_STUB_COUNT
	.byte	0x6a, 0			/* pushq $0 */
	.byte	0x68			/* pushq $imm32 */
	.long	irq_vector
	.byte	0xe9			/* jmp rel32 */
	.long	fault_common - (. + 4)
	.fill	IRQ_STUB_SIZE - 12, 1, 0xcc
	.set irq_vector, irq_vector + 1
	.endr
	.if . - irq_stubs != IRQ_STUB_COUNT * IRQ_STUB_SIZE
	.error "interrupt stubs of the wrong size"
	.endif

fault_common:
	/* CPU frame (40) + error (8) + vector (8) + 15 registers = 176:
	 * RSP is 16-byte aligned at the call, as the ABI wants. */
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	fault_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl fault_stub_table
fault_stub_table:
	.irp n, VECTORS
	.quad	fault_stub_\n
	.endr

	.section .note.GNU-stack, "", @progbits
