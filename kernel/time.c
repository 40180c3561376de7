/* SPDX-License-Identifier: MIT */
#include "kernel/time.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"

/*
 * PIT windows calibrate both the TSC and the local APIC timer. In each,
 * the TSC is read right after the PIT's count is loaded and right when its
 * output rises, so a window's error is about one read of port 0x61
 * (~1 us): 0.1 % over 1 ms, plenty for timeouts, uptimes and a 100 ms
 * tick. But a CPU that is held between the PIT and a TSC read (an SMI on
 * hardware, a busy host under an emulator) stretches or shrinks one
 * window by as long as it was held: so five windows are taken and the one
 * with the median TSC count is used, which two such upsets cannot move.
 */
#define CALIBRATE_US 1000
#define CALIBRATE_WINDOWS 5
#define CALIBRATE_SPINS 100000000u /* a PIT that never fires: give up */

static uint64_t tsc_boot, tsc_per_ms = 1, apic_per_ms;

struct time_window {
	uint64_t tsc;
	uint32_t apic;
};

static int time_window(struct time_window *w)
{
	uint64_t t0, t1;
	uint32_t a0, a1;
	unsigned spin = 0;

	pit_oneshot_start(CALIBRATE_US);
	t0 = cpu_rdtsc();
	a0 = apic_timer_count();
	while (!pit_oneshot_done() && ++spin < CALIBRATE_SPINS)
		cpu_pause();
	t1 = cpu_rdtsc();
	a1 = apic_timer_count();
	if (spin == CALIBRATE_SPINS || t1 == t0)
		return -1;
	*w = (struct time_window){ t1 - t0, a1 - a0 };
	return 0;
}

int time_init(void)
{
	struct time_window w[CALIBRATE_WINDOWS], t;

	tsc_boot = cpu_rdtsc();
	apic_timer_count_start();
	for (unsigned i = 0; i < CALIBRATE_WINDOWS; i++) {
		if (time_window(&w[i]))
			return -1;
		for (unsigned j = i; j > 0 && w[j - 1].tsc > w[j].tsc; j--) /* insertion sort */
			t = w[j], w[j] = w[j - 1], w[j - 1] = t;
	}
	t = w[CALIBRATE_WINDOWS / 2];
	tsc_per_ms = t.tsc * 1000 / CALIBRATE_US;
	apic_per_ms = (uint64_t)t.apic * 1000 / CALIBRATE_US;
	return tsc_per_ms ? 0 : -1;
}

uint64_t time_apic_per_ms(void)
{
	return apic_per_ms;
}

uint64_t time_tsc_per_ms(void)
{
	return tsc_per_ms;
}

uint64_t time_tsc_to_apic(uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * apic_per_ms / tsc_per_ms);
}

void time_delay_us(uint64_t us)
{
	uint64_t end = cpu_rdtsc() + us * tsc_per_ms / 1000;

	while (cpu_rdtsc() < end)
		cpu_pause();
}

uint64_t time_tsc_to_ms(uint64_t ticks)
{
	return ticks / tsc_per_ms;
}

uint64_t time_ms(void)
{
	return time_tsc_to_ms(cpu_rdtsc() - tsc_boot);
}
