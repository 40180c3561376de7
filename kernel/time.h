/* SPDX-License-Identifier: MIT */
/* Time since boot, from the TSC calibrated once against the PIT. */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

void time_init(void);
uint64_t time_ms(void);
/* Milliseconds between two TSC readings. */
uint64_t time_tsc_to_ms(uint64_t ticks);

#endif
