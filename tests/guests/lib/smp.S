/* SPDX-License-Identifier: MIT */
/*
 * An application processor's way in (lib/smp.c). guest_start_ap() copies
 * the trampoline below to GUEST_AP_PAGE and sends INIT and SIPI; the AP
 * starts there in real mode (CS = page << 8, IP = 0). It goes straight to
 * long mode on the boot CPU's GDT and page tables (CR0.PE and PG set in
 * one write, with EFER.LME and CR4.PAE set first), then takes its stack
 * from ap_boot_rsp and calls ap_start(). The trampoline is position-
 * independent within its page: its own data is addressed through DS = CS.
 */
#include "selectors.h"

#define CR0_PE 0x00000001
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100

	.section .rodata
	.code16
	.globl ap_tramp_start, ap_tramp_end, ap_tramp_cr3
ap_tramp_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	ap_tramp_gdt - ap_tramp_start
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	ap_tramp_cr3 - ap_tramp_start, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	$(CR0_PE | CR0_WP | CR0_PG), %eax
	mov	%eax, %cr0
	ljmpl	$SEL_KCODE, $ap_entry64
	.balign 4
ap_tramp_gdt:
	.word	GDT_ENTRIES * 8 - 1
	.long	boot_gdt
ap_tramp_cr3:
	.long	0			/* the boot CPU's CR3, written by guest_start_ap */
ap_tramp_end:

	.text
	.code64
ap_entry64:
	load_kernel_data_segments
	mov	ap_boot_rsp(%rip), %rsp
	xor	%ebp, %ebp
	call	ap_start
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
