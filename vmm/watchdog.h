/* SPDX-License-Identifier: MIT */
/*
 * The watchdog, on the VMM's CPU: every WATCHDOG_PERIOD_MS it kicks each
 * other online CPU (cpu_kick: an NMI, which makes a guest exit and wakes a
 * sleeping CPU) and looks at the answer to the kick before: the CPU's
 * kick_answered, which every safe point and every wait loop brings up to
 * date (cpu_kick_answer, kernel/rendezvous.h). A busy or halted guest
 * answers through the VMM; only a CPU stuck inside the VMM (a VMM bug: a
 * loop or a lock in its exit path) misses WATCHDOG_MISSES kicks in a row.
 * That CPU is reported once on the console, counted, marked (pc->stuck:
 * rendezvous_begin refuses at once) and shown in the inventory; when it
 * answers again it is reported and unmarked.
 */
#ifndef VMM_WATCHDOG_H
#define VMM_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#define WATCHDOG_PERIOD_MS 1000
#define WATCHDOG_MISSES 3

/* What the VMM's CPU knows of another CPU (only the VMM's CPU uses it). */
struct watchdog_cpu {
	uint64_t kicked;      /* the CPU's wake_seq just after the last kick */
	uint64_t answer_tsc;  /* when an answer was last seen (0: not looked yet) */
	uint32_t missed;      /* kicks in a row without an answer */
	uint32_t stuck_count; /* times found stuck since boot */
};

/* On the VMM's CPU at every wake-up; acts once per period. */
void watchdog_poll(uint64_t now_tsc);
/* The watchdog's view of a CPU, for the inventory. */
const struct watchdog_cpu *watchdog_cpu(unsigned cpu);
/* Whether the watchdog has found the CPU stuck and it has not answered since. */
bool watchdog_stuck(unsigned cpu);

#endif
