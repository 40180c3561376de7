/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_GDT_H
#define ARCH_X86_GDT_H

#include <stdint.h>

struct cpu_area;

/* Load this CPU's GDT, segments and TSS (IST stacks from the cpu_area). */
void gdt_init_cpu(struct cpu_area *area);
/* isr.S: reload CS (far return) and DS/ES/SS. FS and GS are left alone,
 * so their bases (the per-CPU block) survive. */
void gdt_reload_segments(uint16_t code, uint16_t data);

/* IST indices (1-based as the IDT encodes them). */
#define IST_EXC 1
#define IST_DF 2
#define IST_NMI 3
#define IST_MC 4

#define IDT_VECTOR_TIMER 32
#define IDT_VECTOR_CHANNEL 33
#define IDT_VECTOR_WAKE 34 /* another CPU wakes the VMM's CPU: nothing to do but wake */
#define IDT_VECTOR_GUEST_TIMER 35 /* a guest CPU's timer, backing its virtual LAPIC timer */
#define IDT_VECTOR_CONSOLE 36 /* the console UART's receive interrupt */
#define IDT_VECTOR_STRAY_FIRST 37 /* 37..254: nothing the VMM programs sends them, but: */
#define IDT_VECTOR_DEVICE_FIRST 37 /* 37..100 on a guest's CPU: the pool of its assigned devices' MSI and MSI-X vectors (vmm/vpci_irq.c) */
#define IDT_VECTOR_DEVICE_COUNT 64
#define IDT_VECTOR_SPURIOUS 255

void idt_init(void);
void idt_load(void);

#endif
