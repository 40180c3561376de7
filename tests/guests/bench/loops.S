/* SPDX-License-Identifier: MIT */
/*
 * The timed loops of the bench guest. Each function is
 *
 *	uint64_t bench_<insn>(uint64_t iterations, uint64_t arg)
 *
 * and returns the TSC delta of `iterations` passes through a loop whose
 * body is one instruction that exits to the hypervisor (CPUID, OUT,
 * RDMSR, VMMCALL, VMCALL) or, in the bench_native_* twin, the same body
 * with that instruction replaced by a NOP. Under QEMU's
 * -icount shift=0,sleep=off the TSC counts retired instructions, so
 * (exit - native) / iterations is what one round trip adds to the loop.
 *
 * The loops are written here, not in C, so that both twins are the same
 * instructions but one: the compiler cannot schedule them differently.
 * Register use: R12 counts iterations, R13 holds the argument (CPUID
 * leaf, port, MSR or hypercall number), the start TSC waits on the stack.
 * RBX, R12, R13 are callee-saved and restored; the hypercall bodies clear
 * RDI and RSI (Xen's xen_version(XENVER_version, NULL) reads them).
 */

	.text
	.code64

	.macro	LOOP_BEGIN name
	.globl	\name
	.type	\name, @function
	.p2align 4
\name:
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	movq	%rdi, %r12
	movq	%rsi, %r13
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	pushq	%rdx
	.p2align 4
1:
	.endm

	.macro	LOOP_END name
	decq	%r12
	jnz	1b
	LOOP_TAIL \name
	.endm

/* The end TSC less the start one (on the stack), callee-saved registers back. */
	.macro	LOOP_TAIL name
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	popq	%rdx
	subq	%rdx, %rax
	popq	%r13
	popq	%r12
	popq	%rbx
	ret
	.size	\name, . - \name
	.endm

/* CPUID leaf arg, subleaf 0 */
	LOOP_BEGIN bench_cpuid
	movl	%r13d, %eax
	xorl	%ecx, %ecx
	cpuid
	LOOP_END bench_cpuid

	LOOP_BEGIN bench_native_cpuid
	movl	%r13d, %eax
	xorl	%ecx, %ecx
	nop
	LOOP_END bench_native_cpuid

/* OUT of one byte to port arg */
	LOOP_BEGIN bench_out
	movl	%r13d, %edx
	movl	%r12d, %eax
	outb	%al, %dx
	LOOP_END bench_out

	LOOP_BEGIN bench_native_out
	movl	%r13d, %edx
	movl	%r12d, %eax
	nop
	LOOP_END bench_native_out

/* RDMSR of MSR arg */
	LOOP_BEGIN bench_rdmsr
	movl	%r13d, %ecx
	rdmsr
	LOOP_END bench_rdmsr

	LOOP_BEGIN bench_native_rdmsr
	movl	%r13d, %ecx
	nop
	LOOP_END bench_native_rdmsr

/* Hypercall number arg with zero arguments: VMMCALL (AMD), VMCALL (Intel) */
	LOOP_BEGIN bench_vmmcall
	movq	%r13, %rax
	xorl	%edi, %edi
	xorl	%esi, %esi
	vmmcall
	LOOP_END bench_vmmcall

	LOOP_BEGIN bench_vmcall
	movq	%r13, %rax
	xorl	%edi, %edi
	xorl	%esi, %esi
	vmcall
	LOOP_END bench_vmcall

	LOOP_BEGIN bench_native_hypercall
	movq	%r13, %rax
	xorl	%edi, %edi
	xorl	%esi, %esi
	nop
	LOOP_END bench_native_hypercall

/* A 32-bit MOV read of the MMIO address arg (a local APIC register): an
 * aligned plain MOV with a register base, the form Vigil decodes (the
 * moffs MOV is refused; docs/guest-platform.md). */
	LOOP_BEGIN bench_mmio_read
	movl	(%r13), %eax
	LOOP_END bench_mmio_read

	LOOP_BEGIN bench_native_mmio_read
	nop
	LOOP_END bench_native_mmio_read

/*
 * uint64_t bench_spin_sti(uint64_t iterations, uint64_t unused): an empty
 * loop of `iterations` passes (DEC, JNZ) with interrupts on, STI after the
 * first RDTSC and CLI before the second, so every interrupt taken in the
 * window lands inside the timed span. With the LAPIC timer off and on,
 * the difference is what the interrupts cost.
 */
	.globl	bench_spin_sti
	.type	bench_spin_sti, @function
	.p2align 4
bench_spin_sti:
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	movq	%rdi, %r12
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	pushq	%rdx
	sti
	.p2align 4
1:
	decq	%r12
	jnz	1b
	cli
	LOOP_TAIL bench_spin_sti

/*
 * The LAPIC timer's handler, reached straight from its IDT gate
 * (guest_set_irq_gate): count, EOI, return. Under Vigil five of its
 * instructions retire (PUSH, MOV, INC, POP, IRETQ); the EOI write exits
 * and is emulated, so it retires none, like the exiting instruction of
 * every other case. bench/run.py subtracts BENCH_ISR_RETIRED.
 */
	.globl	bench_timer_isr
	.type	bench_timer_isr, @function
	.p2align 4
bench_timer_isr:
	pushq	%rax
	movq	bench_lapic_eoi(%rip), %rax
	movl	%eax, (%rax)
	incq	bench_timer_irqs(%rip)
	popq	%rax
	iretq
	.size	bench_timer_isr, . - bench_timer_isr

	.data
	.globl	bench_timer_irqs
	.p2align 3
bench_timer_irqs:
	.quad	0

	.section .note.GNU-stack, "", @progbits
