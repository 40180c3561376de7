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

#endif
