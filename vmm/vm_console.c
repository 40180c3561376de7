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
#include "kernel/console.h"

/*
 * At most this many bytes per pass: what a 115200-baud line carries in the
 * 100 ms between two timer wake-ups of the VMM's CPU. A pass then holds the
 * VMM's CPU for about one tick at most on a real UART, and an emulated
 * UART, which has no baud rate, drains no faster than a real one would.
 */
#define VM_CONSOLE_PASS_BYTES 1152

static unsigned drain_next; /* the guest the next pass starts with */

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
	size_t done = 0;
	unsigned idle = 0; /* guests in a row with nothing queued */

	while (done < VM_CONSOLE_PASS_BYTES && idle < vm_count) {
		size_t n = vm_console_print_line(&vms[drain_next]);

		idle = n ? 0 : idle + 1;
		done += n;
		drain_next = (drain_next + 1) % vm_count;
	}
}

/* At most one ring's worth: a guest still running cannot keep it going. */
void vm_console_flush(struct vm *vm)
{
	size_t done = 0, n;

	while (done < CONRING_SIZE && (n = vm_console_print_line(vm)))
		done += n;
}
