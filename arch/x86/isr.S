/* SPDX-License-Identifier: MIT */
/*
 * Exception entry stubs. Each pushes (error code or 0, vector), then the
 * common path pushes every GPR into a struct trap_frame (arch/x86/trap.h)
 * and calls trap_handler(frame). The handler stops the CPU for any VMM
 * fault; it returns only for NMIs that ask this CPU to do something, and
 * then the frame is popped and IRETQ resumes.
 */
	.text

.macro ISR_NOERR vec
	.globl isr_\vec
isr_\vec:
	pushq	$0
	pushq	$\vec
	jmp	isr_common
.endm

.macro ISR_ERR vec
	.globl isr_\vec
isr_\vec:
	pushq	$\vec
	jmp	isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR 8
ISR_NOERR 9
ISR_ERR 10
ISR_ERR 11
ISR_ERR 12
ISR_ERR 13
ISR_ERR 14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR 17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR 21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR 29
ISR_ERR 30
ISR_NOERR 31
ISR_NOERR 32	/* the VMM CPU's APIC timer */
ISR_NOERR 33	/* the management channel's UART */
ISR_NOERR 34	/* a wake-up from another CPU (guest console lines queued) */
ISR_NOERR 35	/* a guest CPU's timer (its virtual LAPIC timer's deadline) */
ISR_NOERR 36	/* the console's UART (the operator's input) */
ISR_NOERR 255	/* APIC spurious vector */

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	trap_handler
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .rodata
	.globl isr_table
isr_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr_\n
	.endr

	.text
/* void gdt_reload_segments(uint16_t code, uint16_t data) */
	.globl gdt_reload_segments
gdt_reload_segments:
	movw	%si, %ds
	movw	%si, %es
	movw	%si, %ss
	popq	%rax			/* return address */
	pushq	%rdi			/* new CS */
	pushq	%rax
	lretq

/*
 * Vectors 37..254 have no user: an interrupt there was sent by something
 * the VMM did not program (a device's message, where no IOMMU remaps
 * interrupts). Each gets a stub like the others so that the handler can
 * count it and send the EOI instead of faulting on a missing gate.
 * isr_stray_table lists them, vector 37 first.
 */
#define STRAY_FIRST 37
#define STRAY_COUNT (255 - STRAY_FIRST)
	.altmacro
.macro STRAY_STUB v
isr_stray_\v:
	pushq	$0
	pushq	$\v
	jmp	isr_common
.endm
.macro STRAY_ENTRY v
	.quad	isr_stray_\v
.endm
	.text
	.set	stray_v, STRAY_FIRST
	.rept	STRAY_COUNT
	STRAY_STUB %stray_v
	.set	stray_v, stray_v + 1
	.endr

	.section .rodata
	.globl isr_stray_table
isr_stray_table:
	.set	stray_v, STRAY_FIRST
	.rept	STRAY_COUNT
	STRAY_ENTRY %stray_v
	.set	stray_v, stray_v + 1
	.endr
	.noaltmacro
