/* SPDX-License-Identifier: MIT */
/* Exceptions taken by the VMM itself. Every one is a VMM bug (guests never
 * deliver exceptions here): dump the registers and stop the machine. An NMI
 * during a panic is the stop request from the panicking CPU. */
#include "arch/x86/trap.h"
#include "arch/x86/cpu.h"
#include "arch/x86/apic.h"
#include "arch/x86/gdt.h"
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

static void (*channel_irq_handler)(void);

void trap_set_channel_handler(void (*fn)(void))
{
	channel_irq_handler = fn;
}

void trap_handler(struct trap_frame *f)
{
	if (f->vector == IDT_VECTOR_TIMER) {
		apic_timer_tick();
		return;
	}
	if (f->vector == IDT_VECTOR_CHANNEL && channel_irq_handler) {
		channel_irq_handler();
		return;
	}
	if (f->vector == IDT_VECTOR_SPURIOUS)
		return; /* no EOI for spurious interrupts */
	if (f->vector == 2) {
		if (panic_in_progress)
			panic_stop_this_cpu();
		return; /* a kick (kernel/rendezvous.h): the CPU goes on to its next safe point */
	}
	trap_dump(f);
	panic("exception %lu in the VMM", f->vector);
}
