/* SPDX-License-Identifier: MIT */
/* Time since boot, from the TSC calibrated once at boot (kernel/time.c:
 * CPUID, the ACPI PM timer, the HPET or the PIT). */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

/* Calibrate the TSC and this CPU's APIC timer (apic_init first) from the
 * best source (t: the timers the ACPI tables describe), and say which on
 * the console. 0, or -1 when no source gives a plausible rate. */
struct acpi_timers;
int time_init(const struct acpi_timers *t) __attribute__((warn_unused_result));
uint64_t time_ms(void);
/* Milliseconds between two TSC readings. */
uint64_t time_tsc_to_ms(uint64_t ticks);
/* APIC timer counts per millisecond (divide by 16), for apic_timer_start. */
uint64_t time_apic_per_ms(void);
/* TSC ticks per millisecond, as calibrated. */
uint64_t time_tsc_per_ms(void);
/* APIC timer counts (divide by 16) in a span of TSC ticks. */
uint64_t time_tsc_to_apic(uint64_t ticks);
/* Busy-wait on the TSC. */
void time_delay_us(uint64_t us);

#endif
