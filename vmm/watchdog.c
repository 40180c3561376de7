/* SPDX-License-Identifier: MIT */
/* The watchdog (vmm/watchdog.h): kicks, answers, reports. */
#include "vmm/watchdog.h"
#include "vmm/vm.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/rendezvous.h"
#include "kernel/time.h"

static struct watchdog_cpu wdog[VIGIL_MAX_CPUS];
static uint64_t wdog_next; /* TSC of the next look */

/* One line on the console about a CPU: its guest, how long since its last
 * answer, and the exit it was handling (for a stuck CPU, where it stuck). */
static void watchdog_say(unsigned cpu, uint64_t now, bool stuck)
{
	const struct vcpu *v = vm_vcpu_for_cpu(cpu);
	const char *guest = v ? v->vm->name : "none";
	uint64_t ms = time_tsc_to_ms(now - wdog[cpu].answer_tsc);

	if (v)
		vm_console_flush(v->vm); /* its own lines first */
	if (!stuck) {
		printk("vigil: watchdog: cpu %u (guest %s) answers again, %lu ms after its last answer\n", cpu, guest, ms);
		return;
	}
	printk("vigil: watchdog: cpu %u (guest %s) STUCK: %u kicks unanswered, last answer %lu ms ago, "
	       "last exit %s (stuck %u times since boot)\n", cpu, guest, WATCHDOG_MISSES, ms,
	       v && v->exit.reason < EXIT_REASON_COUNT ? exit_reason_names[v->exit.reason] : "none",
	       wdog[cpu].stuck_count);
}

/* Did the CPU answer the last kick? Then kick it again. */
static void watchdog_look(unsigned cpu, uint64_t now)
{
	struct percpu *pc = &cpu_areas[cpu]->pc;
	struct watchdog_cpu *w = &wdog[cpu];

	if (__atomic_load_n(&pc->kick_answered, __ATOMIC_ACQUIRE) >= w->kicked) {
		if (pc->stuck)
			watchdog_say(cpu, now, false);
		pc->stuck = 0;
		w->missed = 0;
		w->answer_tsc = now;
	} else if (++w->missed == WATCHDOG_MISSES) {
		w->stuck_count++;
		pc->stuck = 1;
		watchdog_say(cpu, now, true);
	}
	cpu_kick(cpu);
	w->kicked = __atomic_load_n(&pc->wake_seq, __ATOMIC_ACQUIRE);
}

void watchdog_poll(uint64_t now)
{
	if (now < wdog_next)
		return;
	wdog_next = now + WATCHDOG_PERIOD_MS * time_tsc_per_ms();
	for (unsigned i = 1; i < cpus_used; i++)
		if (cpu_pc_online(i) && vm_vcpu_for_cpu(i))
			watchdog_look(i, now);
}

const struct watchdog_cpu *watchdog_cpu(unsigned cpu)
{
	return cpu < VIGIL_MAX_CPUS ? &wdog[cpu] : NULL;
}

bool watchdog_stuck(unsigned cpu)
{
	const struct percpu *pc = cpu_pc(cpu);

	return pc && pc->stuck;
}
