/* SPDX-License-Identifier: MIT */
/*
 * The guests' console lines reach the real console from the VMM's CPU.
 * Each guest's vuart queues finished lines in that guest's ring
 * (vmm/conring.h) without a lock; here they are printed, one line per guest
 * in turn, a bounded number of bytes per pass, so a guest that floods its
 * console fills only its own ring (and loses its own lines there) while the
 * other guests' lines and the channel keep their turn. docs/vmm.md, "The
 * guests' console".
 */
#include "vmm/vm.h"
#include "arch/x86/apic.h"
#include "arch/x86/gdt.h"
#include "kernel/console.h"
#include "kernel/percpu.h"

/*
 * At most this many bytes per tick of the VMM's CPU (100 ms): what a
 * 115200-baud line carries. Within that the lines go out as soon as they
 * are queued (the first line of a burst wakes this CPU), a pass at a time,
 * with the channel and the self-check served between passes; a guest that
 * writes faster for longer than its ring holds loses lines (counted), on
 * an emulated UART, which has no baud rate, as on a real one.
 */
#define VM_CONSOLE_TICK_BYTES 1152
#define VM_CONSOLE_PASS_BYTES 256

static unsigned drain_next; /* the guest the next pass starts with */
static uint64_t budget_tick;
static size_t budget_used; /* bytes printed in tick budget_tick */

/* What this tick may still carry. */
static size_t vm_console_budget(void)
{
	uint64_t now = apic_timer_ticks;

	if (now != budget_tick) {
		budget_tick = now;
		budget_used = 0;
	}
	return budget_used < VM_CONSOLE_TICK_BYTES ? VM_CONSOLE_TICK_BYTES - budget_used : 0;
}

static size_t vm_console_print_line(struct vm *vm)
{
	char line[CONRING_LINE_MAX];
	size_t n = conring_take(&vm->uart.out, line, sizeof(line));

	if (n)
		console_write(line, n);
	return n;
}

void vm_console_drain(void)
{
	size_t done = 0, left = vm_console_budget();
	unsigned idle = 0; /* guests in a row with nothing queued */

	if (left > VM_CONSOLE_PASS_BYTES)
		left = VM_CONSOLE_PASS_BYTES;
	while (done < left && idle < vm_count) {
		size_t n = vm_console_print_line(&vms[drain_next]);

		idle = n ? 0 : idle + 1;
		done += n;
		drain_next = (drain_next + 1) % vm_count;
	}
	budget_used += done;
}

bool vm_console_pending(void)
{
	if (!vm_console_budget())
		return false; /* the next tick wakes this CPU */
	for (unsigned i = 0; i < vm_count; i++)
		if (!conring_empty(&vms[i].uart.out))
			return true;
	return false;
}

/* From a guest's CPU: an interrupt that only ends the VMM CPU's HLT. */
void vuart_wake_console(void)
{
	apic_send_fixed(cpu_areas[0].pc.apic_id, IDT_VECTOR_WAKE);
}

/* At most one ring's worth: a guest still running cannot keep it going. */
void vm_console_flush(struct vm *vm)
{
	size_t done = 0, n;

	while (done < CONRING_SIZE && (n = vm_console_print_line(vm)))
		done += n;
}
