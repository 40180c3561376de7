/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include <stdint.h>

/* Pushed by isr.S; order matches the pushes (lowest address first). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

void trap_handler(struct trap_frame *f);
/* The handler of a device interrupt: IDT_VECTOR_CHANNEL (the management
 * UART) or IDT_VECTOR_CONSOLE (the console UART's input). */
void trap_set_irq_handler(unsigned vector, void (*fn)(void));

/* The handler of the assigned devices' interrupts, IDT_VECTOR_DEVICE_FIRST
 * + slot on a guest's CPU (vmm/vpci.c). */
void trap_set_device_handler(void (*fn)(unsigned slot));

/* Interrupts at vectors nothing the VMM programmed sends, since boot. */
extern uint64_t trap_stray_interrupts;

#endif
