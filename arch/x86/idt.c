/* SPDX-License-Identifier: MIT */
/* The IDT: the 32 exception vectors, each on an IST stack. Nothing else is
 * delivered to the VMM: it runs with interrupts disabled. */
#include <stdint.h>
#include "arch/x86/gdt.h"
#include "arch/x86/cpu.h"
#include "arch/x86/arch_percpu.h"

struct idt_gate {
	uint64_t lo, hi;
};

extern const uint64_t isr_table[32];

static struct idt_gate idt[32] __attribute__((aligned(16)));

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

void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++) {
		uint64_t h = isr_table[v];

		idt[v].lo = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) |
			    ((uint64_t)idt_ist_for(v) << 32) | (0x8eull << 40) |
			    (((h >> 16) & 0xffff) << 48);
		idt[v].hi = h >> 32;
	}
}

void idt_load(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	cpu_lidt(&idtr);
}
