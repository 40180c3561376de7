/* SPDX-License-Identifier: MIT */
#include "kernel/time.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"

#define CALIBRATE_MS 10

static uint64_t tsc_boot, tsc_per_ms = 1;

void time_init(void)
{
	uint64_t t0 = cpu_rdtsc();

	delay_us(CALIBRATE_MS * 1000);
	tsc_per_ms = (cpu_rdtsc() - t0) / CALIBRATE_MS;
	if (!tsc_per_ms)
		tsc_per_ms = 1;
	tsc_boot = t0;
}

uint64_t time_tsc_to_ms(uint64_t ticks)
{
	return ticks / tsc_per_ms;
}

uint64_t time_ms(void)
{
	return time_tsc_to_ms(cpu_rdtsc() - tsc_boot);
}
