/* SPDX-License-Identifier: MIT */
/*
 * The world switch's speculation measures (docs/vmm.md, "Speculation
 * policy"), shared by both backends' entry/exit assembly. Which run is
 * decided once at boot (vmm/spec_policy.c) and read from one byte,
 * spec_switch_flags: a CPU that needs none pays a test and a branch.
 * Offsets and flag values come from gen/asm-offsets.h.
 */
#ifndef ARCH_X86_SPEC_ASM_H
#define ARCH_X86_SPEC_ASM_H

/*
 * Overwrite every return-stack-buffer entry the guest may have left with
 * a return into a trap, so that no VMM RET can be predicted to a guest-
 * chosen address. 32 entries: the deepest RSB of current CPUs. Each CALL
 * pushes 8 bytes; the ADD drops them all at the end.
 */
.macro SPEC_RSB_FILL
	.rept 32
	call	1f
	int3			/* a speculated return stops here */
1:
	.endr
	addq	$(32 * 8), %rsp
.endm

/*
 * Right after the guest's GPRs are saved, before any RET or indirect
 * branch of the VMM: legacy IBRS on, then the RSB filled.
 * Clobbers RAX, RCX, RDX and the flags.
 */
.macro SPEC_AFTER_EXIT
	testb	$SPEC_F_EXIT_IBRS, spec_switch_flags(%rip)
	jz	.Lspec_rsb\@
	movl	$MSR_SPEC_CTRL_NR, %ecx
	movl	$SPEC_CTRL_IBRS_BIT, %eax
	xorl	%edx, %edx
	wrmsr
.Lspec_rsb\@:
	testb	$SPEC_F_EXIT_RSB, spec_switch_flags(%rip)
	jz	.Lspec_exit_done\@
	SPEC_RSB_FILL
.Lspec_exit_done\@:
.endm

/*
 * Before the guest's GPRs are loaded, RDI = the vCPU: the guest's own
 * SPEC_CTRL (legacy IBRS), the L1D flush, and VERW last of all (it changes
 * only ZF). Clobbers RAX, RCX, RDX and the flags.
 */
.macro SPEC_BEFORE_ENTRY
	testb	$SPEC_F_ENTRY, spec_switch_flags(%rip)
	jz	.Lspec_entry_done\@
	testb	$SPEC_F_ENTRY_IBRS, spec_switch_flags(%rip)
	jz	.Lspec_l1d\@
	movl	$MSR_SPEC_CTRL_NR, %ecx
	movq	VCPU_SPEC_CTRL(%rdi), %rax
	movq	%rax, %rdx
	shrq	$32, %rdx
	wrmsr
.Lspec_l1d\@:
	testb	$SPEC_F_ENTRY_L1D, spec_switch_flags(%rip)
	jz	.Lspec_verw\@
	movl	$MSR_FLUSH_CMD_NR, %ecx
	movl	$FLUSH_CMD_L1D_BIT, %eax
	xorl	%edx, %edx
	wrmsr
	jmp	.Lspec_entry_done\@	/* the flush cleared the buffers too */
.Lspec_verw\@:
	testb	$SPEC_F_ENTRY_VERW, spec_switch_flags(%rip)
	jz	.Lspec_entry_done\@
	verw	spec_verw_sel(%rip)
.Lspec_entry_done\@:
.endm

#endif
