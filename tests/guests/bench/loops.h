/* SPDX-License-Identifier: MIT */
/* The timed loops (loops.S): TSC delta of `iterations` passes each. */
#ifndef BENCH_LOOPS_H
#define BENCH_LOOPS_H

#include <stdint.h>

typedef uint64_t bench_loop_fn(uint64_t iterations, uint64_t arg);

bench_loop_fn bench_cpuid, bench_native_cpuid;
bench_loop_fn bench_out, bench_native_out;
bench_loop_fn bench_rdmsr, bench_native_rdmsr;
bench_loop_fn bench_vmmcall, bench_vmcall, bench_native_hypercall;
bench_loop_fn bench_mmio_read, bench_native_mmio_read;
/* An empty loop with interrupts on (STI, CLI inside the timed span). */
bench_loop_fn bench_spin_sti;

/* The LAPIC timer's handler: count, EOI through bench_lapic_eoi, IRETQ.
 * Instructions of it that retire under Vigil (the EOI write exits). */
void bench_timer_isr(void);
#define BENCH_ISR_RETIRED 5
extern volatile uint64_t bench_timer_irqs;
extern const uint64_t bench_lapic_eoi; /* main.c: the EOI register's address */

#endif
