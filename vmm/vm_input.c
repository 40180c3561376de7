/* SPDX-License-Identifier: MIT */
/*
 * The operator's input on the console goes to one guest at a time, the one with
 * the console focus, and only ever to a guest the signed config grants
 * `console-input`. Ctrl-] (0x1d) moves the focus to the next such guest
 * and is never passed on; every focus change is printed. The bytes wait in
 * the focused guest's receive FIFO (vmm/vuart.h), where a full FIFO drops
 * them, counted; the guest's CPU is kicked so that a sleeping vCPU looks
 * at its UART again. docs/vmm.md, "Console input".
 */
#include "vmm/vm.h"
#include "arch/x86/gdt.h"
#include "arch/x86/trap.h"
#include "drivers/ioapic.h"
#include "kernel/console.h"

#define FOCUS_KEY 0x1d	  /* Ctrl-] */
#define INPUT_BUDGET 1024 /* bytes per call, so a babbling line cannot hold this CPU */

static struct vm *focus;

/* The uart's flag tells the guest's CPU to wake this one for every byte. */
static void vm_input_set_focus(struct vm *vm)
{
	if (focus)
		__atomic_store_n(&focus->uart.focus, false, __ATOMIC_RELAXED);
	focus = vm;
	if (!vm)
		return;
	__atomic_store_n(&vm->uart.focus, true, __ATOMIC_RELAXED);
	printk("vigil: console focus: %s\n", vm->name);
}

struct vm *vm_input_focus(void)
{
	return focus;
}

/* The next guest after from (in config order, wrapping) that may take input. */
static struct vm *vm_input_next(const struct vm *from)
{
	unsigned start = from ? from->index + 1 : 0;

	for (unsigned i = 0; i < vm_count; i++) {
		struct vm *vm = &vms[(start + i) % vm_count];

		if (vm->cfg->console_input && vm->stop_cause != VM_STOP_REFUSED)
			return vm;
	}
	return NULL;
}

int vm_input_init(const struct acpi_cpus *madt, uint32_t this_apic_id)
{
	struct vm *first = vm_input_next(NULL);
	int irq = console_input_irq();
	int err;

	if (!first) {
		printk("vigil: console input off: no guest has console-input\n");
		return 0;
	}
	if (irq >= 0) {
		err = ioapic_route_isa(madt, (unsigned)irq, IDT_VECTOR_CONSOLE, this_apic_id);
		if (err)
			return err;
		trap_set_irq_handler(IDT_VECTOR_CONSOLE, console_rx_irq);
		console_rx_enable();
		printk("vigil: console input (irq %d) for guests with console-input; Ctrl-] moves the focus\n", irq);
	} else {
		/* A UART without an ISA interrupt is read at every wake-up of the
		 * VMM's CPU (at least every tick): fast enough for typing. */
		printk("vigil: console input (polled) for guests with console-input; Ctrl-] moves the focus\n");
	}
	vm_input_set_focus(first);
	return 0;
}

void vm_input_poll(void)
{
	static uint64_t lost_seen; /* bytes lost before the ring, already counted */
	uint64_t lost = lost_seen;
	uint8_t buf[64];
	size_t n, total = 0;
	bool queued = false;

	if (!focus)
		return;
	while (total < INPUT_BUDGET && (n = console_read(buf, sizeof(buf), &lost))) {
		total += n;
		for (size_t i = 0; i < n; i++) {
			if (buf[i] != FOCUS_KEY) {
				queued |= vuart_rx_put(&focus->uart, buf[i]);
				continue;
			}
			if (queued)
				vm_notify_input(focus);
			queued = false;
			vm_input_set_focus(vm_input_next(focus));
		}
	}
	if (queued)
		vm_notify_input(focus);
	/* Input the VMM's CPU could not take in time was the focus's: its loss. */
	vuart_rx_count_lost(&focus->uart, lost - lost_seen);
	lost_seen = lost;
}
