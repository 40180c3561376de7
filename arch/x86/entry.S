/* SPDX-License-Identifier: MIT */
/*
 * VMM entry from the boot entry (contract: include/vigil/handoff.h).
 * In:  RDI = physical address of struct handoff, interrupts off, long mode,
 *      boot page tables that map this image at its link address.
 * Before the first C call it gives the BSP its own stack and points %gs and
 * %fs at cpu0_area's per-CPU block, with a fresh stack canary, so that
 * stack-protected C code (ours at %gs:0x28, libfdt's at %fs:0x28) works.
 */
#include "gen/asm-offsets.h"

#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101

	.section .text.entry, "ax"
	.globl vmm_entry
vmm_entry:
	cli
	cld
	movq	%rdi, %r12			/* handoff, kept across the set-up */
	leaq	cpu0_area(%rip), %rbx
	leaq	CPU_AREA_STACK_TOP(%rbx), %rsp
	xorl	%ebp, %ebp
	leaq	CPU_AREA_PERCPU(%rbx), %rdi
	call	percpu_enter_asm
	movq	%r12, %rdi
	call	kmain
1:	cli
	hlt
	jmp	1b

/*
 * percpu_enter_asm(struct percpu *pc): make pc this CPU's per-CPU block.
 * Sets pc->self, both segment bases, and (when the block has none yet) a
 * canary: RDRAND when the CPU has it, mixed with RDTSC and the block's
 * address. Clobbers RAX, RCX, RDX, R8. Used by the BSP here and by every AP.
 */
	.globl percpu_enter_asm
percpu_enter_asm:
	movq	%rdi, PERCPU_SELF(%rdi)
	movl	$MSR_GS_BASE, %ecx
	movq	%rdi, %rax
	movq	%rdi, %rdx
	shrq	$32, %rdx
	wrmsr
	movl	$MSR_FS_BASE, %ecx
	wrmsr
	cmpq	$0, PERCPU_CANARY(%rdi)
	jne	2f
	pushq	%rbx
	xorl	%r8d, %r8d
	movl	$1, %eax
	cpuid				/* ECX bit 30: RDRAND */
	btl	$30, %ecx
	jnc	1f
	movl	$32, %ecx		/* RDRAND may fail transiently: retry */
4:	rdrand	%r8
	jc	1f
	loop	4b
1:	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	xorq	%rdi, %rax
	rolq	$29, %rax
	xorq	%r8, %rax
	movq	%rax, PERCPU_CANARY(%rdi)
	popq	%rbx
2:	ret

/*
 * AP entry from the trampoline. In: RDI = struct percpu, RSP = stack top.
 * percpu_enter_asm keeps RDI (its canary was set by the BSP).
 */
	.globl ap_entry
ap_entry:
	xorl	%ebp, %ebp
	call	percpu_enter_asm
	call	ap_main
3:	cli
	hlt
	jmp	3b
