/* SPDX-License-Identifier: MIT */
/*
 * Stopping every other CPU at a safe point, for changes to the running VMM
 * (live patches) that no CPU may observe half-done.
 *
 * Safe points are the top of the vCPU loop (before entering the guest) and
 * the loops where a CPU waits with nothing to run: never inside any other
 * function, so no CPU can be executing bytes that are being rewritten. The
 * VMM's CPU starts a rendezvous and sends every other online CPU an NMI:
 * a CPU in its guest exits, one in the VMM finishes the exit it handles,
 * one that sleeps wakes; each reaches its next safe point and waits there
 * until the rendezvous ends, then serialises its instruction stream.
 */
#ifndef KERNEL_RENDEZVOUS_H
#define KERNEL_RENDEZVOUS_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/percpu.h"
#include "arch/x86/mce.h"

/* Begin: every other online CPU waits at its next safe point. Returns the
 * number of CPUs waiting, or a negative errno: -EBUSY at once when the
 * watchdog has found a CPU that does not answer (it would never arrive),
 * -ETIMEDOUT when some CPU did not arrive within RENDEZVOUS_TIMEOUT_MS. */
int rendezvous_begin(void) __attribute__((warn_unused_result));
/* End: release them. */
void rendezvous_end(void);
/* Called at every safe point; waits while a rendezvous is active. The
 * check is inline: it is on the path of every guest entry. */
extern volatile int rendezvous_active;
void rendezvous_wait(void);

/* This CPU has seen every kick so far: its answer to the watchdog
 * (vmm/watchdog.c). Called at every safe point and in every wait loop of a
 * guest's CPU, so a CPU answers unless it is stuck inside the VMM; the
 * store happens only after a kick, off the exit path's common case. */
static inline void cpu_kick_answer(void)
{
	struct percpu *pc = this_cpu();
	uint64_t seq = __atomic_load_n(&pc->wake_seq, __ATOMIC_ACQUIRE);

	if (pc->kick_answered != seq) {
		__atomic_store_n(&pc->kick_answered, seq, __ATOMIC_RELEASE);
		mce_poll_kicked();
	}
}

static inline void rendezvous_point(void)
{
	cpu_kick_answer();
	if (__atomic_load_n(&rendezvous_active, __ATOMIC_ACQUIRE))
		rendezvous_wait();
}
/* Wake a CPU out of its guest or its sleep (an NMI); it goes to its next safe point. */
void cpu_kick(unsigned cpu);
/* Sleep (HLT) until a kick, unless done(arg) is already true; returns after
 * any kick, whenever it came (no kick is lost between the test and the
 * sleep). The caller tests again. */
void cpu_sleep_until(bool (*done)(void *), void *arg);
/* The same, but any interrupt ends the sleep too (its handler runs first). */
void cpu_sleep_until_irq(bool (*done)(void *), void *arg);
/* The same for a parked CPU (no guest owns it): MWAIT in the deepest
 * C-state CPUID leaf 5 lists, HLT on a CPU without MONITOR/MWAIT.
 * cpu_park_init decides which, once, on the boot CPU. */
void cpu_park_init(void);
void cpu_park_until(bool (*done)(void *), void *arg);

#endif
