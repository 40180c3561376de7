/* SPDX-License-Identifier: MIT */
/*
 * Interrupts: vectors 32..255 reach irq_dispatch through the stubs of
 * vectors.S (the frame is a fault frame), which counts them and calls the
 * handler the guest registered for the vector. An interrupt nobody
 * registered for ends the guest with an ERROR verdict, as an unexpected
 * fault does. Handlers run with interrupts off (interrupt gates) on the
 * interrupted stack, or on the TSS trap stack from CPL 3.
 */
#include "internal.h"
#include "irq_stubs.h"
#include "selectors.h"

#define IDT_VECTORS 256

static void (*irq_handlers[IDT_VECTORS])(unsigned vector);
static volatile uint64_t irq_counts[IDT_VECTORS];
static volatile uint64_t irq_total;

void irq_init(void)
{
	for (unsigned v = IRQ_FIRST; v < IDT_VECTORS; v++)
		fault_set_gate(v, (uint64_t)(uintptr_t)irq_stubs + (v - IRQ_FIRST) * IRQ_STUB_SIZE, 0);
}

void guest_set_irq_handler(unsigned vector, void (*fn)(unsigned vector))
{
	if (vector >= IRQ_FIRST && vector < IDT_VECTORS && vector != USER_RETURN_VECTOR)
		irq_handlers[vector] = fn;
}

void guest_set_irq_gate(unsigned vector, void (*entry)(void))
{
	if (vector >= IRQ_FIRST && vector < IDT_VECTORS && vector != USER_RETURN_VECTOR)
		fault_set_gate(vector, (uint64_t)(uintptr_t)entry, 0);
}

uint64_t guest_irq_count(unsigned vector)
{
	return vector < IDT_VECTORS ? irq_counts[vector] : 0;
}

uint64_t guest_irq_total(void)
{
	return irq_total;
}

void irq_dispatch(unsigned vector, uint64_t rip)
{
	void (*fn)(unsigned vector) = irq_handlers[vector % IDT_VECTORS];

	irq_counts[vector % IDT_VECTORS]++;
	irq_total++;
	if (fn) {
		fn(vector);
		return;
	}
	con_line_start();
	printf("guest: unexpected interrupt, vector %#x, at rip %#lx\n", vector, rip);
	verdict(VERDICT_ERROR, "unexpected interrupt %#x at rip %#lx", vector, rip);
	hc_exit(2);
}
