/* SPDX-License-Identifier: MIT */
/*
 * Choosing the TSC's rate (kernel/time.c): pure functions, so that host
 * unit tests give them every CPU and every disagreement. docs/boot.md,
 * "Clocks", gives the order of the sources and why.
 */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/cpu.h"

/* A TSC rate the VMM will believe: 10 MHz to 20 GHz. */
#define CLOCK_MIN_KHZ 10000ull
#define CLOCK_MAX_KHZ 20000000ull
/* How far a timer may measure from what CPUID says before the timer wins. */
#define CLOCK_AGREE_PERMILLE 10

/*
 * The TSC's rate in kHz that CPUID states, 0 when it states none: leaf
 * 0x15 (crystal Hz x numerator / denominator) when all three are given,
 * else leaf 0x16's base frequency (MHz). max_leaf is leaf 0's EAX.
 */
uint64_t clock_cpuid_khz(uint32_t max_leaf, struct cpuid_regs leaf15, struct cpuid_regs leaf16);

bool clock_plausible(uint64_t khz);
/* a within CLOCK_AGREE_PERMILLE of b */
bool clock_agree(uint64_t a, uint64_t b);

enum clock_choice {
	CLOCK_NONE,	/* no source gives a plausible rate */
	CLOCK_CPUID,	/* CPUID's figure, confirmed by a timer or with none to ask */
	CLOCK_MEASURED, /* a timer's measurement */
};

/*
 * CPUID's figure and a timer's measurement (0: none) to the rate used:
 * CPUID's when plausible and no plausible measurement disagrees with it by
 * more than CLOCK_AGREE_PERMILLE; else the measurement when plausible.
 */
enum clock_choice clock_choose(uint64_t cpuid_khz, uint64_t measured_khz, uint64_t *khz);

#endif
