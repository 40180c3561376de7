/* SPDX-License-Identifier: MIT */
/* Exceptions taken by the VMM itself. Every one is a VMM bug (guests never
 * deliver exceptions here), except a fault at an instruction of the fixup
 * table (arch/x86/cpu.h: a guest-chosen value the CPU refused), which
 * resumes at its fixup. Anything else: dump the registers and stop the
 * machine. An NMI during a panic is the stop request from the panicking CPU. */
#include <stdbool.h>
#include "arch/x86/trap.h"
#include "arch/x86/cpu.h"
#include "arch/x86/apic.h"
#include "arch/x86/gdt.h"
#include "arch/x86/mce.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"

static const char *const trap_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound",
	"#UD invalid opcode", "#NM no FPU", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

static void trap_dump(const struct trap_frame *f)
{
	const char *name = trap_names[f->vector & 31];

	printk("vigil: VMM exception %lu (%s) error %lx on cpu %u\n", f->vector, name ? name : "reserved",
	       f->error, this_cpu()->index);
	printk("  rip %016lx cs %04lx rflags %016lx rsp %016lx ss %04lx\n", f->rip, f->cs, f->rflags,
	       f->rsp, f->ss);
	printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	printk("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	printk("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	printk("  r13 %016lx r14 %016lx r15 %016lx\n", f->r13, f->r14, f->r15);
	printk("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n", cpu_read_cr0(), cpu_read_cr2(),
	       cpu_read_cr3(), cpu_read_cr4());
}

struct cpu_fixup {
	uint64_t insn, fixup;
};

extern const struct cpu_fixup __fixup_start[], __fixup_end[];

/* #GP or #UD at an instruction listed in the fixup table. */
static bool trap_fixup(struct trap_frame *f)
{
	if (f->vector != 13 && f->vector != 6)
		return false;
	for (const struct cpu_fixup *e = __fixup_start; e < __fixup_end; e++)
		if (e->insn == f->rip) {
			f->rip = e->fixup;
			return true;
		}
	return false;
}

/* arch/x86/wait.S: the window in which an NMI must skip the HLT. */
extern const char cpu_wait_window[], cpu_wait_hlt[], cpu_wait_done[];
extern const char cpu_wait_irq_window[], cpu_wait_irq_hlt[], cpu_wait_irq_done[];
extern const char cpu_wait_mwait_window[], cpu_wait_mwait_insn[], cpu_wait_mwait_done[];

static void trap_nmi_wake(struct trap_frame *f)
{
	if (f->rip >= (uint64_t)(uintptr_t)cpu_wait_window && f->rip <= (uint64_t)(uintptr_t)cpu_wait_hlt)
		f->rip = (uint64_t)(uintptr_t)cpu_wait_done;
	if (f->rip >= (uint64_t)(uintptr_t)cpu_wait_irq_window && f->rip <= (uint64_t)(uintptr_t)cpu_wait_irq_hlt)
		f->rip = (uint64_t)(uintptr_t)cpu_wait_irq_done;
	if (f->rip >= (uint64_t)(uintptr_t)cpu_wait_mwait_window && f->rip <= (uint64_t)(uintptr_t)cpu_wait_mwait_insn)
		f->rip = (uint64_t)(uintptr_t)cpu_wait_mwait_done;
}

/* The device interrupts, by vector: the UARTs'. */
#define IRQ_FIRST IDT_VECTOR_CHANNEL
#define IRQ_LAST IDT_VECTOR_CONSOLE
static void (*irq_handlers[IRQ_LAST - IRQ_FIRST + 1])(void);

void trap_set_irq_handler(unsigned vector, void (*fn)(void))
{
	if (vector >= IRQ_FIRST && vector <= IRQ_LAST)
		irq_handlers[vector - IRQ_FIRST] = fn;
}

uint64_t trap_stray_interrupts;
static void (*device_handler)(unsigned slot);

void trap_set_device_handler(void (*fn)(unsigned slot))
{
	device_handler = fn;
}

/* An interrupt nothing the VMM programmed sends: a device's message where
 * no IOMMU remaps interrupts, or one of the VMM's own vectors whose
 * handler is not set. Acknowledged (a fixed interrupt not acknowledged
 * would block every lower-priority vector on this CPU) and counted; the
 * first few are logged. */
static void trap_stray(const struct trap_frame *f)
{
	uint64_t n = __atomic_add_fetch(&trap_stray_interrupts, 1, __ATOMIC_RELAXED);

	apic_eoi();
	if (n <= 8)
		printk("vigil: stray interrupt: vector %lu on cpu %u, acknowledged and ignored%s\n", f->vector,
		       this_cpu()->index, n == 8 ? " (further ones counted in the inventory only)" : "");
}

void trap_handler(struct trap_frame *f)
{
	if (f->vector == IDT_VECTOR_TIMER) {
		apic_timer_tick();
		return;
	}
	if (f->vector >= IRQ_FIRST && f->vector <= IRQ_LAST && irq_handlers[f->vector - IRQ_FIRST]) {
		irq_handlers[f->vector - IRQ_FIRST]();
		return;
	}
	if (f->vector == IDT_VECTOR_WAKE || f->vector == IDT_VECTOR_GUEST_TIMER) {
		/* The wake-up or the exit was the point: the VMM's CPU leaves
		 * HLT; a guest CPU checks its virtual timer before its next entry. */
		apic_eoi();
		return;
	}
	if (f->vector == IDT_VECTOR_SPURIOUS)
		return; /* no EOI for spurious interrupts */
	if (f->vector >= IDT_VECTOR_DEVICE_FIRST && f->vector < IDT_VECTOR_DEVICE_FIRST + IDT_VECTOR_DEVICE_COUNT &&
	    device_handler) {
		device_handler((unsigned)(f->vector - IDT_VECTOR_DEVICE_FIRST));
		return;
	}
	if (f->vector >= IRQ_FIRST && f->vector < IDT_VECTOR_SPURIOUS) {
		trap_stray(f);
		return;
	}
	if (f->vector == 2) {
		if (panic_in_progress)
			panic_stop_this_cpu();
		trap_nmi_wake(f);
		return; /* a kick (kernel/rendezvous.h): the CPU goes on to its next safe point */
	}
	if (trap_fixup(f))
		return;
	if (f->vector == 18) /* the banks first: the record of what the hardware saw */
		(void)mce_collect("in the VMM");
	trap_dump(f);
	panic_trap(f, "exception %lu in the VMM", f->vector);
}
