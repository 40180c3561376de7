/* SPDX-License-Identifier: MIT */
/* The IDT: the 32 exception vectors, each on an IST stack, and the VMM
 * CPU's timer. Guest CPUs run the VMM with interrupts disabled. */
#include <stdint.h>
#include "arch/x86/gdt.h"
#include "arch/x86/cpu.h"
#include "arch/x86/arch_percpu.h"

struct idt_gate {
	uint64_t lo, hi;
};

extern const uint64_t isr_table[32];
extern const char isr_32[], isr_33[], isr_34[], isr_35[], isr_36[], isr_255[];
extern const uint64_t isr_stray_table[IDT_VECTOR_SPURIOUS - IDT_VECTOR_STRAY_FIRST];

static struct idt_gate idt[256] __attribute__((aligned(16)));

static unsigned idt_ist_for(unsigned vector)
{
	switch (vector) {
	case 2:
		return IST_NMI;
	case 8:
		return IST_DF;
	case 18:
		return IST_MC;
	default:
		return IST_EXC;
	}
}

static void idt_set(unsigned v, uint64_t h, unsigned ist)
{
	idt[v].lo = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) | ((uint64_t)ist << 32) | (0x8eull << 40) |
		    (((h >> 16) & 0xffff) << 48);
	idt[v].hi = h >> 32;
}

/* Exceptions run on IST stacks; the interrupts the VMM's own CPU takes
 * (its timer, the two UARTs, the wake-up, and the APIC's spurious vector)
 * run on its normal stack, and so does every other vector: nothing the
 * VMM programmed sends one, so it is counted and acknowledged as stray
 * (arch/x86/trap.c), never left to fault on a missing gate. */
void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		idt_set(v, isr_table[v], idt_ist_for(v));
	for (unsigned v = IDT_VECTOR_STRAY_FIRST; v < IDT_VECTOR_SPURIOUS; v++)
		idt_set(v, isr_stray_table[v - IDT_VECTOR_STRAY_FIRST], 0);
	idt_set(IDT_VECTOR_TIMER, (uint64_t)(uintptr_t)isr_32, 0);
	idt_set(IDT_VECTOR_CHANNEL, (uint64_t)(uintptr_t)isr_33, 0);
	idt_set(IDT_VECTOR_WAKE, (uint64_t)(uintptr_t)isr_34, 0);
	idt_set(IDT_VECTOR_GUEST_TIMER, (uint64_t)(uintptr_t)isr_35, 0);
	idt_set(IDT_VECTOR_CONSOLE, (uint64_t)(uintptr_t)isr_36, 0);
	idt_set(IDT_VECTOR_SPURIOUS, (uint64_t)(uintptr_t)isr_255, 0);
}

void idt_load(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	cpu_lidt(&idtr);
}
