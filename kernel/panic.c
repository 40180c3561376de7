/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"

volatile int panic_in_progress;

static void panic_stop_others(void)
{
	struct percpu *me = this_cpu();

	for (unsigned i = 0; i < VIGIL_MAX_CPUS; i++)
		if (i != me->index && cpu_areas[i].pc.online)
			apic_send_nmi(cpu_areas[i].pc.apic_id);
}

void panic_stop_this_cpu(void)
{
	cpu_stop();
}

void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	cpu_cli();
	va_start(ap, fmt);
	vsnprintk(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (__atomic_exchange_n(&panic_in_progress, 1, __ATOMIC_SEQ_CST))
		cpu_stop(); /* another CPU is already stopping the machine */
	printk("vigil: PANIC on cpu %u: %s\n", this_cpu()->index, msg);
	panic_stop_others();
	printk("vigil: machine stopped\n");
	cpu_stop();
}

/* The compiler calls this when a stack canary was overwritten. */
__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack smashing detected");
}
