/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/console.h"
#include "kernel/crash.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"

volatile int panic_in_progress;

static void panic_stop_others(void)
{
	struct percpu *me = this_cpu();

	for (unsigned i = 0; i < cpus_used; i++) {
		const struct percpu *pc = cpu_pc_online(i);

		if (i != me->index && pc)
			apic_send_nmi(pc->apic_id);
	}
}

void panic_stop_this_cpu(void)
{
	cpu_stop();
}

/* The record kept, the machine resets: a server comes back by itself and
 * its next boot reports the panic. Without a page for the record (before
 * the VMM's memory is set up, or under the multiboot2 lab entry) it halts
 * with the panic on screen, as a reboot would leave no trace of it. */
static __attribute__((noreturn)) void panic_end(const char *msg, const struct trap_frame *f, uint64_t rip,
						uint64_t rsp)
{
	if (!crash_write(msg, f, rip, rsp)) {
		printk("vigil: machine stopped\n");
		cpu_stop();
	}
	printk("vigil: crash record kept; resetting the machine\n");
	time_delay_us(20000); /* the UART's last bytes onto the line */
	cpu_machine_reset();
}

static __attribute__((noreturn)) void vpanic(const struct trap_frame *f, uint64_t rip, uint64_t rsp,
					     const char *fmt, va_list ap)
{
	char msg[200];

	cpu_cli();
	vsnprintk(msg, sizeof(msg), fmt, ap);
	if (__atomic_exchange_n(&panic_in_progress, 1, __ATOMIC_SEQ_CST))
		cpu_stop(); /* another CPU is already stopping the machine */
	printk("vigil: PANIC on cpu %u: %s\n", this_cpu()->index, msg);
	panic_stop_others();
	panic_end(msg, f, rip, rsp);
}

/* The caller's RSP is just above panic()'s return address. */
#define PANIC_CALLER_RSP() ((uint64_t)(uintptr_t)__builtin_frame_address(0) + 16)

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(NULL, (uint64_t)(uintptr_t)__builtin_return_address(0), PANIC_CALLER_RSP(), fmt, ap);
}

void panic_trap(const struct trap_frame *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(f, 0, 0, fmt, ap);
}

/* The compiler calls this when a stack canary was overwritten. */
__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack smashing detected");
}
