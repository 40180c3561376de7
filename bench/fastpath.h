/* SPDX-License-Identifier: MIT */
/*
 * The bench-only exit path: a CPUID leaf that the bench build of the VMM
 * (build/bench/vmm-bench.elf, VIGIL_BENCH_FASTPATH) answers in assembly
 * right after VMRUN by stepping over the instruction, without saving a
 * register or running C. It measures the floor of an exit round trip on
 * this emulator. The shipped VMM has no such path: there the leaf is an
 * unlisted one and reads as zeros.
 */
#ifndef BENCH_FASTPATH_H
#define BENCH_FASTPATH_H

#define BENCH_FAST_LEAF 0x4000ff00u
#define BENCH_CPUID_LEN 2 /* 0f a2 */

#endif
