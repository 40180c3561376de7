/* SPDX-License-Identifier: MIT */
/*
 * The guests' consoles reach the real console from the VMM's CPU. Each
 * guest's vuart queues its cleaned output in that guest's ring
 * (vmm/conring.h) without a lock; here it is printed, one line per guest
 * in turn, a bounded number of bytes per pass, so a guest that floods its
 * console fills only its own ring (and loses its own lines there) while the
 * other guests' lines and the channel keep their turn. A line still being
 * written is printed when it is due (below) and continued later, under a
 * fresh prefix if another line came between. docs/vmm.md, "The guests'
 * console".
 */
#include "vmm/vm.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

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

/*
 * An unfinished line is due when its guest wrote nothing more for a while:
 * 20 ms for the guest with the console focus (what it echoes shows at
 * once to a person, while a line it writes in one go is not cut; this CPU
 * waits for it, vm_console_wait_focus), a whole tick for the others (a
 * prompt); or when it has waited for a second (a slow trickle).
 */
#define PARTIAL_FOCUS_MS 20
#define PARTIAL_IDLE_TICKS 2
#define PARTIAL_WAIT_TICKS 10

/* What the VMM's CPU knows of each guest's stream. */
struct con_view {
	char prefix[CONFIG_NAME_LEN + 3]; /* "[<guest>] " */
	uint32_t seen_head;		  /* the ring's head when last looked at */
	uint64_t seen_tick, seen_ms;	  /* the tick and the time it was seen to move */
	uint32_t parked;		  /* the head when only a line not yet due was left */
	bool waiting;			  /* such a line waits, since the tick wait_since */
	uint64_t wait_since;
	bool shown; /* the guest's current line has text on the console */
};

static struct con_view views[CONFIG_MAX_GUESTS];
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

static struct con_view *vm_console_view(const struct vm *vm)
{
	struct con_view *cv = &views[vm->index];

	if (!cv->prefix[0])
		snprintk(cv->prefix, sizeof(cv->prefix), "[%s] ", vm->name);
	return cv;
}

static bool vm_console_due(const struct vm *vm, struct con_view *cv)
{
	uint32_t head = conring_head(&vm->uart.out);
	uint64_t now = apic_timer_ticks, ms = time_ms();

	if (head != cv->seen_head) {
		cv->seen_head = head;
		cv->seen_tick = now;
		cv->seen_ms = ms;
	}
	if (vm == vm_input_focus() && ms - cv->seen_ms >= PARTIAL_FOCUS_MS)
		return true;
	return now - cv->seen_tick >= PARTIAL_IDLE_TICKS || (cv->waiting && now - cv->wait_since >= PARTIAL_WAIT_TICKS);
}

static void vm_console_text(struct con_view *cv, int id, const char *s, size_t n)
{
	if (n) {
		console_line_text(id, cv->prefix, s, n);
		cv->shown = true;
	}
}

/* A line ends: an empty one still shows its prefix, one cut short by
 * another's line has already ended. */
static void vm_console_end(struct con_view *cv, int id)
{
	if (!console_line_end(id) && !cv->shown) {
		console_line_text(id, cv->prefix, "", 0);
		console_line_end(id);
	}
	cv->shown = false;
}

/*
 * Print a piece of a guest's stream (vmm/vuart.h): up to one line, or the
 * start of one. Text is collected, and an erasure takes back collected
 * text first; only then does it reach the console, which lets it erase
 * the guest's own characters only. Any byte that is not in the stream's
 * alphabet is skipped: a second check of what a guest can print.
 */
static void vm_console_render(const struct vm *vm, struct con_view *cv, const char *s, size_t len)
{
	char text[CONRING_LINE_MAX];
	int id = (int)vm->index;
	size_t k = 0;

	if (s[0] == VUART_VMM_LINE) {
		console_write(s + 1, len - 1);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\t' || (c >= 0x20 && c <= 0x7e)) {
			text[k++] = c;
		} else if (c == VUART_ERASE) {
			if (k)
				k--;
			else
				console_line_erase(id, 1);
		} else if (c == VUART_RETURN) {
			k = 0;
			console_line_erase(id, CONRING_LINE_MAX);
		} else if (c == '\n') {
			vm_console_text(cv, id, text, k);
			k = 0;
			vm_console_end(cv, id);
		}
	}
	vm_console_text(cv, id, text, k);
}

/* Print the guest's next line, or its unfinished line when due (or when
 * forced): the bytes taken, 0 when nothing was printed. */
static size_t vm_console_take(struct vm *vm, bool force)
{
	struct con_view *cv = vm_console_view(vm);
	char buf[CONRING_LINE_MAX];
	size_t n = conring_peek(&vm->uart.out, buf, sizeof(buf)), len = 0;

	if (!n)
		return 0;
	while (len < n && buf[len++] != '\n')
		;
	/* (A full buffer without a line end cannot come from the vuart: printed.) */
	if (buf[len - 1] != '\n' && n < sizeof(buf) && !force && !vm_console_due(vm, cv)) {
		cv->parked = conring_tail(&vm->uart.out) + (uint32_t)n;
		if (!cv->waiting)
			cv->wait_since = apic_timer_ticks;
		cv->waiting = true;
		return 0;
	}
	vm_console_render(vm, cv, buf, len);
	conring_consume(&vm->uart.out, len);
	cv->waiting = false;
	return len;
}

void vm_console_drain(void)
{
	size_t done = 0, left = vm_console_budget();
	unsigned idle = 0; /* guests in a row with nothing printed */

	if (left > VM_CONSOLE_PASS_BYTES)
		left = VM_CONSOLE_PASS_BYTES;
	while (done < left && idle < vm_count) {
		size_t n = vm_console_take(&vms[drain_next], false);

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
	for (unsigned i = 0; i < vm_count; i++) {
		const struct vm *vm = &vms[i];
		struct con_view *cv = vm_console_view(vm);

		if (conring_empty(&vm->uart.out))
			continue;
		if (conring_head(&vm->uart.out) != cv->parked || vm_console_due(vm, cv))
			return true;
	}
	return false;
}

/* The focus's unfinished line is due within milliseconds, too soon for
 * the next tick: wait here, interrupts on, watching only its ring's head,
 * until the line is due or grows. */
void vm_console_wait_focus(void)
{
	struct vm *vm = vm_input_focus();
	struct con_view *cv;

	if (!vm)
		return;
	cv = vm_console_view(vm);
	while (cv->waiting && conring_head(&vm->uart.out) == cv->parked && !vm_console_due(vm, cv))
		cpu_pause();
}

/* From a guest's CPU: an interrupt that only ends the VMM CPU's HLT. */
void vuart_wake_console(void)
{
	apic_send_fixed(cpu_areas[0]->pc.apic_id, IDT_VECTOR_WAKE);
}

/* At most one ring's worth: a guest still running cannot keep it going. */
void vm_console_flush(struct vm *vm)
{
	size_t done = 0, n;

	while (done < CONRING_SIZE && (n = vm_console_take(vm, true)))
		done += n;
}
