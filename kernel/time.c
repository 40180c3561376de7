/* SPDX-License-Identifier: MIT */
#include "kernel/time.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"

/*
 * One PIT window calibrates both the TSC and the local APIC timer. The
 * TSC is read right after the PIT's count is loaded and right when its
 * output rises, so the window's error is about one read of port 0x61
 * (~1 us): 0.05 % over 2 ms, plenty for timeouts, uptimes and a 100 ms
 * tick. A longer window would cost boot time for no use.
 */
#define CALIBRATE_US 2000
#define CALIBRATE_SPINS 100000000u /* a PIT that never fires: give up */

static uint64_t tsc_boot, tsc_per_ms = 1, apic_per_ms;

int time_init(void)
{
	uint64_t t0, t1;
	uint32_t a0, a1;
	unsigned spin = 0;

	apic_timer_count_start();
	pit_oneshot_start(CALIBRATE_US);
	t0 = cpu_rdtsc();
	a0 = apic_timer_count();
	while (!pit_oneshot_done() && ++spin < CALIBRATE_SPINS)
		cpu_pause();
	t1 = cpu_rdtsc();
	a1 = apic_timer_count();
	if (spin == CALIBRATE_SPINS || t1 == t0)
		return -1;
	tsc_per_ms = (t1 - t0) * 1000 / CALIBRATE_US;
	apic_per_ms = (uint64_t)(a1 - a0) * 1000 / CALIBRATE_US;
	tsc_boot = t0;
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
