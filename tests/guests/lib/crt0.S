/* SPDX-License-Identifier: MIT */
/*
 * Guest entry. Vigil and QEMU's PVH loader both enter at the address in the
 * XEN_ELFNOTE_PHYS32_ENTRY note: 32-bit flat protected mode, paging off,
 * interrupts off, EBX = guest-physical address of the hvm_start_info.
 * We zero the bss (the page tables and the stack live there), identity-map
 * the first 4 GiB with 2 MiB pages (user-accessible; SMEP/SMAP stay off), enter long mode and call
 * guest_start(start_info). EBX is kept intact until then.
 */

#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define CR0_PE 0x00000001
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#include "selectors.h"

#define PTE_P 0x001
#define PTE_RW 0x002
#define PTE_US 0x004 /* every page user-accessible: guest_user_run() needs it */
#define PTE_PS 0x080
#define MAP_GIB 4 /* 4 GiB: the probe addresses and the APIC/IOAPIC holes included */


/*
 * The PVH entry note. QEMU reads the descriptor of a 64-bit ELF as 8 bytes
 * located by the PT_NOTE segment's alignment, so keep 4-byte alignment and
 * an 8-byte value; readers that take 4 bytes get the same address.
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4				/* namesz: "Xen\0" */
	.long 8				/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_entry32
	.balign 4

	.section .text.entry, "ax"
	.code32
	.globl pvh_entry32
pvh_entry32:
	cld
	/* Zero the bss: rep stosl uses EDI, ECX, EAX and leaves EBX alone. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	/* PML4[0] -> PDPT; PDPT[0..MAP_GIB) -> consecutive page directories. */
	mov	$boot_pdpt + (PTE_P | PTE_RW | PTE_US), %eax
	mov	%eax, boot_pml4
	mov	$boot_pd + (PTE_P | PTE_RW | PTE_US), %eax
	mov	$boot_pdpt, %edi
	mov	$MAP_GIB, %ecx
1:	mov	%eax, (%edi)
	add	$0x1000, %eax
	add	$8, %edi
	loop	1b

	/* Every PD entry a 2 MiB page at its own address; high dwords stay 0. */
	mov	$(PTE_P | PTE_RW | PTE_US | PTE_PS), %eax
	mov	$boot_pd, %edi
	mov	$(MAP_GIB * 512), %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b

	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PE | CR0_WP | CR0_PG), %eax
	mov	%eax, %cr0

	lgdt	boot_gdt_desc
	ljmp	$SEL_KCODE, $entry64

	.code64
entry64:
	load_kernel_data_segments
	lea	boot_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	mov	%ebx, %edi		/* zero-extends: start info is below 4 GiB */
	call	guest_start
3:	cli
	hlt
	jmp	3b

	/* Writable: user.c fills in the TSS descriptor and LTR marks it busy. */
	.data
	.balign 8
	.globl boot_gdt
boot_gdt:
	.quad 0				/* null */
	.quad 0x00af9a000000ffff	/* SEL_KCODE: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* SEL_KDATA: flat data, DPL 0 */
	.quad 0x00cff2000000ffff	/* SEL_UDATA: flat data, DPL 3 */
	.quad 0x00affa000000ffff	/* SEL_UCODE: 64-bit code, DPL 3 */
	.quad 0, 0			/* SEL_TSS: filled by user_init() */
boot_gdt_end:
	.if (boot_gdt_end - boot_gdt) != GDT_ENTRIES * 8
	.error "boot_gdt does not match selectors.h"
	.endif
	.balign 8
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt			/* lgdt in 32-bit mode reads the low half only */

	.section .bss.boot, "aw", @nobits
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096 * MAP_GIB
boot_stack:
	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
