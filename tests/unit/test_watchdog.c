// SPDX-License-Identifier: MIT
/*
 * The watchdog (vmm/watchdog.c) on the host, under a made-up TSC (1000
 * ticks per ms): which CPUs it kicks and when, when it declares one stuck,
 * that it says so once, and that an answer clears it. The test stands in
 * for the kicked CPUs: one "answers" by copying its wake sequence to its
 * heartbeat, as cpu_kick_answer does at a safe point.
 */
#define CHECK_SUITE "watchdog"
#include "tests/unit/check.h"

#include <stdarg.h>
#include <stdio.h>
#include "vmm/watchdog.h"
#include "vmm/vm.h"
#include "kernel/console.h"
#include "kernel/time.h"

#define MS 1000ull /* TSC ticks */
#define GUEST_CPU 1
#define IDLE_CPU 2 /* parked: no guest owns it */

/* What the watchdog reaches in the rest of the VMM. */
static struct cpu_area areas[4];
struct cpu_area *cpu_areas[VIGIL_MAX_CPUS] = { &areas[0], &areas[1], &areas[2], &areas[3] };
unsigned cpus_used = 4;
#define NAME(id, name) [id] = name,
const char *const exit_reason_names[EXIT_REASON_COUNT] = { EXIT_REASONS(NAME) };
static struct vm guest = { .name = "patchwatch" };
static char said[4096];
static unsigned kicks[VIGIL_MAX_CPUS];

struct vcpu *vm_vcpu_for_cpu(unsigned cpu)
{
	return cpu == GUEST_CPU ? &guest.vcpus[0] : NULL;
}

void vm_console_flush(struct vm *vm)
{
	(void)vm;
}

void printk(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(said);

	va_start(ap, fmt);
	vsnprintf(said + n, sizeof(said) - n, fmt, ap);
	va_end(ap);
}

void cpu_kick(unsigned cpu)
{
	kicks[cpu]++;
	cpu_areas[cpu]->pc.wake_seq++;
}

uint64_t time_tsc_per_ms(void)
{
	return MS;
}

uint64_t time_tsc_to_ms(uint64_t ticks)
{
	return ticks / MS;
}

static uint64_t now = 1;

static void answer(unsigned cpu)
{
	cpu_areas[cpu]->pc.kick_answered = cpu_areas[cpu]->pc.wake_seq;
}

/* One period later: the watchdog looks (and kicks again). */
static void period(void)
{
	now += WATCHDOG_PERIOD_MS * MS;
	watchdog_poll(now);
}

static void answering_cpus_are_never_reported(void)
{
	for (int i = 0; i < 10; i++) {
		period();
		answer(GUEST_CPU);
		answer(IDLE_CPU);
	}
	CHECK_EQ(kicks[GUEST_CPU], 10);
	CHECK_EQ(kicks[IDLE_CPU], 0); /* parked: left asleep */
	CHECK_EQ(kicks[0], 0);	/* its own CPU */
	CHECK_EQ(kicks[3], 0);	/* not online */
	CHECK(!watchdog_stuck(GUEST_CPU) && !watchdog_stuck(IDLE_CPU));
	CHECK_EQ(said[0], 0);
}

static void one_kick_per_period(void)
{
	unsigned before = kicks[GUEST_CPU];

	watchdog_poll(now + 1);
	watchdog_poll(now + WATCHDOG_PERIOD_MS * MS - 1);
	CHECK_EQ(kicks[GUEST_CPU], before);
}

static void a_silent_cpu_is_stuck_after_three_kicks_said_once(void)
{
	for (int i = 0; i < WATCHDOG_MISSES; i++) { /* the first look finds the last answer */
		period();
		answer(IDLE_CPU);
	}
	CHECK(!watchdog_stuck(GUEST_CPU));
	CHECK_EQ(said[0], 0);
	period();
	answer(IDLE_CPU);
	CHECK(watchdog_stuck(GUEST_CPU) && cpu_areas[GUEST_CPU]->pc.stuck);
	CHECK(!watchdog_stuck(IDLE_CPU));
	CHECK_EQ(watchdog_cpu(GUEST_CPU)->stuck_count, 1);
	CHECK(!strcmp(said, "vigil: watchdog: cpu 1 (guest patchwatch) STUCK: 3 kicks unanswered, last answer "
			    "3000 ms ago, last exit hypercall (stuck 1 times since boot)\n"));
	said[0] = 0;
	for (int i = 0; i < 5; i++) {
		period();
		answer(IDLE_CPU);
	}
	CHECK_EQ(said[0], 0); /* once */
	CHECK(watchdog_stuck(GUEST_CPU));
}

static void an_answer_clears_it_and_says_so(void)
{
	answer(GUEST_CPU);
	period();
	CHECK(!watchdog_stuck(GUEST_CPU));
	CHECK(!strcmp(said, "vigil: watchdog: cpu 1 (guest patchwatch) answers again, 9000 ms after its last answer\n"));
	CHECK_EQ(watchdog_cpu(GUEST_CPU)->stuck_count, 1);
	said[0] = 0;
	for (int i = 0; i < WATCHDOG_MISSES; i++)
		period();
	CHECK(watchdog_stuck(GUEST_CPU) && !watchdog_stuck(IDLE_CPU));
	CHECK_EQ(watchdog_cpu(GUEST_CPU)->stuck_count, 2);
	CHECK(strstr(said, "cpu 1 (guest patchwatch) STUCK") && !strstr(said, "cpu 2"));
}

/* An answer to an older kick is no answer to the last one. */
static void a_stale_answer_is_a_miss(void)
{
	answer(GUEST_CPU);
	answer(IDLE_CPU);
	period(); /* both answered: clear */
	CHECK(!watchdog_stuck(GUEST_CPU));
	for (int i = 0; i < WATCHDOG_MISSES; i++) {
		cpu_areas[GUEST_CPU]->pc.kick_answered = cpu_areas[GUEST_CPU]->pc.wake_seq - 1;
		answer(IDLE_CPU);
		period();
	}
	CHECK(watchdog_stuck(GUEST_CPU) && !watchdog_stuck(IDLE_CPU));
}

int main(void)
{
	guest.vcpus[0].vm = &guest;
	guest.vcpus[0].cpu = GUEST_CPU;
	guest.vcpus[0].exit.reason = EXIT_HYPERCALL;
	for (unsigned i = 0; i < 3; i++)
		cpu_areas[i]->pc.online = 1;
	CHECK_RUN(answering_cpus_are_never_reported);
	CHECK_RUN(one_kick_per_period);
	CHECK_RUN(a_silent_cpu_is_stuck_after_three_kicks_said_once);
	CHECK_RUN(an_answer_clears_it_and_says_so);
	CHECK_RUN(a_stale_answer_is_a_miss);
	return check_done();
}
