/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include "kernel/rendezvous.h"
#include "kernel/percpu.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "kernel/time.h"

/* Every other CPU is held at its safe point meanwhile: long enough for a
 * CPU finishing a long exit (a restart's scrub), short enough that a CPU
 * that never comes cannot hold the guests for long. */
#define RENDEZVOUS_TIMEOUT_MS 2000

volatile int rendezvous_active;
static volatile unsigned rv_arrived;

/* The sequence first, then the NMI: a CPU about to sleep sees one or the
 * other (arch/x86/wait.S). */
void cpu_kick(unsigned cpu)
{
	if (cpu < VIGIL_MAX_CPUS && cpu_areas[cpu].pc.online) {
		__atomic_fetch_add(&cpu_areas[cpu].pc.wake_seq, 1, __ATOMIC_SEQ_CST);
		apic_send_nmi(cpu_areas[cpu].pc.apic_id);
	}
}

void cpu_sleep_until(bool (*done)(void *), void *arg)
{
	volatile uint64_t *seq = &this_cpu()->wake_seq;
	uint64_t seen = __atomic_load_n(seq, __ATOMIC_SEQ_CST);

	if (!done(arg))
		cpu_wait_kick(seq, seen);
}

void cpu_sleep_until_irq(bool (*done)(void *), void *arg)
{
	volatile uint64_t *seq = &this_cpu()->wake_seq;
	uint64_t seen = __atomic_load_n(seq, __ATOMIC_SEQ_CST);

	if (!done(arg))
		cpu_wait_kick_irq(seq, seen);
}

void rendezvous_wait(void)
{
	__atomic_fetch_add(&rv_arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&rendezvous_active, __ATOMIC_ACQUIRE))
		cpu_pause();
	__atomic_fetch_sub(&rv_arrived, 1, __ATOMIC_ACQ_REL);
	/* The text may have changed under us: serialise before running it. */
	(void)cpu_cpuid(0, 0);
}

int rendezvous_begin(void)
{
	unsigned self = this_cpu()->index, want = 0;
	uint64_t end;

	for (unsigned i = 0; i < VIGIL_MAX_CPUS; i++)
		if (cpu_areas[i].pc.online && cpu_areas[i].pc.stuck)
			return -EBUSY; /* it would not come: hold no guest for nothing */
	__atomic_store_n(&rendezvous_active, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < VIGIL_MAX_CPUS; i++)
		if (i != self && cpu_areas[i].pc.online) {
			want++;
			cpu_kick(i);
		}
	end = cpu_rdtsc() + RENDEZVOUS_TIMEOUT_MS * time_tsc_per_ms();
	while (__atomic_load_n(&rv_arrived, __ATOMIC_ACQUIRE) < want) {
		if (cpu_rdtsc() > end) {
			rendezvous_end();
			return -ETIMEDOUT;
		}
		cpu_pause();
	}
	return (int)want;
}

void rendezvous_end(void)
{
	__atomic_store_n(&rendezvous_active, 0, __ATOMIC_RELEASE);
}
