/* SPDX-License-Identifier: MIT */
/*
 * AP start-up code. The BSP copies this blob to the trampoline page T (below
 * 1 MiB, reserved by the boot entry), patches the three absolute addresses
 * marked below by adding T, fills the parameter block and sends
 * INIT-SIPI-SIPI with vector T >> 12. The AP goes real mode -> protected
 * mode -> long mode on the VMM's own page tables (which map T identity while
 * APs start), then jumps to ap_entry at its link address.
 * Register contract into ap_entry: RDI = the AP's struct percpu, RSP = its
 * stack top, interrupts off.
 */
#include "arch/x86/trampoline.h"

	.section .rodata.trampoline, "a"
	.code16
	.globl trampoline_start, trampoline_end
trampoline_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	xorl	%ebx, %ebx
	movw	%cs, %bx
	shll	$4, %ebx			/* EBX = T for the 32-bit part */
	lgdtl	(tr_gdt_ptr - trampoline_start)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	*(tr_jmp32 - trampoline_start)

	.code32
tr_32:
	movw	$TR_SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	TR_PARAM_CR3(%ebx), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* EFER: LME | NXE */
	rdmsr
	orl	$0x900, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax		/* PG | WP | PE */
	movl	%eax, %cr0
	ljmpl	*(tr_jmp64 - trampoline_start)(%ebx)

	.code64
tr_64:
	movq	TR_PARAM_STACK(%rbx), %rsp
	movq	TR_PARAM_PERCPU(%rbx), %rdi
	jmpq	*TR_PARAM_ENTRY(%rbx)

	/* Accessed bits preset: once paging is on this page is read-only, and
	 * a CPU that sets them on a segment load writes the descriptor (a #PF
	 * under CR0.WP; Bochs does exactly that). */
	.balign 8
tr_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff		/* 32-bit code */
	.quad	0x00cf93000000ffff		/* data */
	.quad	0x00209b0000000000		/* 64-bit code */
tr_gdt_ptr:
	.word	tr_gdt_ptr - tr_gdt - 1
	.globl	tr_patch_gdt
tr_patch_gdt:
	.long	tr_gdt - trampoline_start	/* + T */
	.globl	tr_patch_jmp32
tr_jmp32:
tr_patch_jmp32:
	.long	tr_32 - trampoline_start	/* + T */
	.word	TR_SEL_CODE32
	.globl	tr_patch_jmp64
tr_jmp64:
tr_patch_jmp64:
	.long	tr_64 - trampoline_start	/* + T */
	.word	TR_SEL_CODE64
trampoline_end:
