/* SPDX-License-Identifier: MIT */
/*
 * The last instructions of the stub (see include/vigil/handoff.h for the
 * state the VMM is promised). Runs after ExitBootServices, identity mapped,
 * on the firmware's stack; the new tables map this code identically, so the
 * instruction after the CR3 load is still where we expect it.
 */
	.text
	.code64

/* void boot_enter(uint64_t cr3 (rdi), uint64_t entry (rsi), uint64_t handoff (rdx)) */
	.globl boot_enter
	.type boot_enter, @function
boot_enter:
	cli
	mov	%rdi, %cr3
	/* Toggling CR4.PGE drops global TLB entries the firmware may have
	 * left, which a CR3 load alone keeps. */
	mov	%cr4, %rax
	mov	%rax, %rcx
	and	$~0x80, %rcx
	mov	%rcx, %cr4
	mov	%rax, %cr4
	mov	%rdx, %rdi
	xor	%ebp, %ebp
	jmp	*%rsi
	.size boot_enter, . - boot_enter

/* uint64_t boot_cr4_read(void) */
	.globl boot_cr4_read
	.type boot_cr4_read, @function
boot_cr4_read:
	mov	%cr4, %rax
	ret
	.size boot_cr4_read, . - boot_cr4_read

	.section .note.GNU-stack, "", @progbits
