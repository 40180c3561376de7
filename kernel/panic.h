/* SPDX-License-Identifier: MIT */
/*
 * Two ways to stop, never confused:
 *  - a guest misbehaved: the VMM parks that guest's vCPU (vmm/vm.c) and the
 *    machine goes on;
 *  - the VMM itself is wrong: panic() prints why (and a register dump when
 *    it came from an exception), stops every other CPU with an NMI, writes
 *    the crash record (kernel/crash.h) and resets the machine; with no
 *    place for the record, it halts.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
struct trap_frame;
/* The same from an exception handler: the record keeps f's registers. */
__attribute__((noreturn, format(printf, 2, 3))) void panic_trap(const struct trap_frame *f, const char *fmt, ...);
/* Called on every CPU that receives the stop NMI. */
__attribute__((noreturn)) void panic_stop_this_cpu(void);
extern volatile int panic_in_progress;

#define BUG_ON(cond)                                                              \
	do {                                                                      \
		if (cond)                                                         \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond);     \
	} while (0)

#endif
