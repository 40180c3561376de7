/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include "kernel/rendezvous.h"
#include "kernel/percpu.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "kernel/console.h"
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
	struct percpu *pc = cpu_pc_online(cpu);

	if (pc) {
		__atomic_fetch_add(&pc->wake_seq, 1, __ATOMIC_SEQ_CST);
		apic_send_nmi(pc->apic_id);
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

/* MWAIT's hint: EAX[7:4] the C-state less one, EAX[3:0] its sub-state.
 * Leaf 5's EDX counts each C-state's sub-states, 4 bits per state from C0
 * up: take the deepest state that has any, and its deepest sub-state. */
#define CPUID_1_ECX_MONITOR (1u << 3)

static int park_mwait __attribute__((section(".data.ro_after_init")));
static uint32_t park_hint __attribute__((section(".data.ro_after_init")));

void cpu_park_init(void)
{
	uint32_t edx;

	if (!(cpu_cpuid(1, 0).ecx & CPUID_1_ECX_MONITOR) || cpu_cpuid(0, 0).eax < 5) {
		printk("vigil: parked CPUs wait in HLT (no MONITOR/MWAIT)\n");
		return;
	}
	edx = cpu_cpuid(5, 0).edx >> 4;
	park_hint = 0; /* C1 */
	for (unsigned c = 0; c < 7; c++, edx >>= 4)
		if (edx & 0xf)
			park_hint = c << 4 | ((edx & 0xf) - 1);
	park_mwait = 1;
	printk("vigil: parked CPUs wait in MWAIT (C-state hint 0x%x)\n", park_hint);
}

void cpu_park_until(bool (*done)(void *), void *arg)
{
	volatile uint64_t *seq = &this_cpu()->wake_seq;
	uint64_t seen = __atomic_load_n(seq, __ATOMIC_SEQ_CST);

	if (done(arg))
		return;
	if (park_mwait)
		cpu_wait_kick_mwait(seq, seen, park_hint);
	else
		cpu_wait_kick(seq, seen);
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

	for (unsigned i = 0; i < cpus_used; i++)
		if (cpu_pc_online(i) && cpu_pc(i)->stuck)
			return -EBUSY; /* it would not come: hold no guest for nothing */
	__atomic_store_n(&rendezvous_active, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < cpus_used; i++)
		if (i != self && cpu_pc_online(i)) {
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
