/* SPDX-License-Identifier: MIT */
/* The choice of the TSC's rate (kernel/clock.h). */
#include "kernel/clock.h"

uint64_t clock_cpuid_khz(uint32_t max_leaf, struct cpuid_regs leaf15, struct cpuid_regs leaf16)
{
	if (max_leaf >= 0x15 && leaf15.eax && leaf15.ebx && leaf15.ecx)
		return (uint64_t)leaf15.ecx * leaf15.ebx / leaf15.eax / 1000;
	if (max_leaf >= 0x16 && (leaf16.eax & 0xffff))
		return (uint64_t)(leaf16.eax & 0xffff) * 1000;
	return 0;
}

bool clock_plausible(uint64_t khz)
{
	return khz >= CLOCK_MIN_KHZ && khz <= CLOCK_MAX_KHZ;
}

bool clock_agree(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;

	return d * 1000 <= b * CLOCK_AGREE_PERMILLE;
}

enum clock_choice clock_choose(uint64_t cpuid_khz, uint64_t measured_khz, uint64_t *khz)
{
	bool cpuid = clock_plausible(cpuid_khz), measured = clock_plausible(measured_khz);

	if (cpuid && (!measured || clock_agree(cpuid_khz, measured_khz))) {
		*khz = cpuid_khz;
		return CLOCK_CPUID;
	}
	if (measured) {
		*khz = measured_khz;
		return CLOCK_MEASURED;
	}
	*khz = 0;
	return CLOCK_NONE;
}
