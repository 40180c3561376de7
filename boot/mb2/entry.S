/* SPDX-License-Identifier: MIT */
/*
 * The multiboot2 header and the way from GRUB's 32-bit protected mode into
 * 64-bit mode. GRUB jumps to mb2_start with EAX = the multiboot2 magic,
 * EBX = the boot information, paging off, interrupts off. Here: zero the
 * bss, identity-map the first 4 GiB with 2 MiB pages, enable PAE, LME and
 * paging, load a 64-bit GDT, and call mb2_main(magic, info) on the bss
 * stack. Page tables, GDT and stack live in this image.
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define PTE_P_W 0x3
#define PTE_P_W_PS 0x83
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define CR0_PE_PG 0x80000001

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.short	0, 0			/* end tag */
	.long	8
mb2_header_end:

	.section .text.entry, "ax"
	.code32
	.globl mb2_start
mb2_start:
	cli
	cld
	movl	%eax, %esi		/* magic and info survive the set-up */
	movl	%ebx, %ebp
	movl	$__bss_start, %edi	/* stack and page tables included */
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	movl	$mb2_pdpt + PTE_P_W, mb2_pml4
	movl	$mb2_pd + PTE_P_W, %eax	/* four page directories: 4 GiB */
	xorl	%ecx, %ecx
1:	movl	%eax, mb2_pdpt(, %ecx, 8)
	addl	$0x1000, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jne	1b
	xorl	%ecx, %ecx		/* 2048 entries of 2 MiB */
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$PTE_P_W_PS, %eax
	movl	%eax, mb2_pd(, %ecx, 8)	/* high halves: zero (bss) */
	incl	%ecx
	cmpl	$2048, %ecx
	jne	2b
	movl	$mb2_pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PE_PG, %eax
	movl	%eax, %cr0
	lgdt	mb2_gdt_ptr
	ljmp	$0x08, $mb2_long

	.code64
mb2_long:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	mb2_stack_top(%rip), %rsp
	movl	%esi, %edi		/* magic */
	movl	%ebp, %esi		/* info, zero-extended */
	xorl	%ebp, %ebp
	call	mb2_main
3:	cli
	hlt
	jmp	3b

	.section .rodata
	.balign 8
mb2_gdt:
	.quad	0
	.quad	0x00209b0000000000	/* 0x08: 64-bit code, accessed */
	.quad	0x0000930000000000	/* 0x10: data, accessed */
mb2_gdt_ptr:
	.short	mb2_gdt_ptr - mb2_gdt - 1
	.long	mb2_gdt

	.section .bss
	.balign 4096
mb2_pml4:
	.skip	4096
mb2_pdpt:
	.skip	4096
mb2_pd:
	.skip	4 * 4096
	.balign 16
	.skip	16384
mb2_stack_top:

	.section .note.GNU-stack, "", @progbits
