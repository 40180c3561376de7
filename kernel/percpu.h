/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data: one page per CPU, reached through %gs (and %fs, because
 * Debian's libfdt reads its stack canary at %fs:0x28).
 *
 * Each CPU owns one struct cpu_area:
 *   guard | stack | guard | IST stacks (each below a guard) | struct percpu
 * Guard pages are left unmapped, so running off a stack faults. The boot
 * CPU's area is in the VMM image; the others are allocated at boot for the
 * CPUs the MADT lists (kernel/vmspace.c, mm_percpu_alloc).
 * Fields that other CPUs write (mailbox) sit on their own cache line.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86/arch_percpu.h"

/* The most CPUs the VMM takes: every thread of a two-socket server of
 * 192 cores a socket with SMT. CPUs beyond it stay where the firmware
 * left them, and the boot log says so (docs/boot.md, "CPUs"). */
#define VIGIL_MAX_CPUS 768
#define PAGE_SIZE 4096ul
#define STACK_SIZE (4 * PAGE_SIZE)
#define IST_SIZE PAGE_SIZE
#define IST_COUNT 4 /* exceptions, #DF, NMI, #MC */

struct vcpu;

struct percpu {
	struct percpu *self;   /* 0x00: %gs:0 yields this block's address */
	uint32_t index;	       /* 0x08: CPU index (MADT order, 0 = BSP) */
	uint32_t apic_id;      /* 0x0c */
	uint64_t stack_top;    /* 0x10 */
	struct vcpu *vcpu;     /* 0x18: the vCPU pinned here, NULL on the VMM CPU */
	uint64_t reserved;     /* 0x20 */
	uint64_t stack_canary; /* 0x28: -mstack-protector-guard-offset / libfdt */
	volatile uint32_t online;
	uint32_t pad;
	uint64_t mce_polled;   /* TSC of its last machine-check poll after a kick (mce_poll_kicked) */
	struct percpu_arch arch;
	/* Written by other CPUs: keep apart from the hot fields above. */
	_Alignas(64) volatile uint64_t mailbox;
	volatile uint64_t wake_seq; /* +1 by every kick, before its NMI (cpu_wait_kick) */
	/* The watchdog's heartbeat: wake_seq as this CPU last saw it at a safe
	 * point or in a wait loop (cpu_kick_answer); read by the VMM's CPU. */
	volatile uint64_t kick_answered;
	volatile uint32_t stuck; /* set by the watchdog (vmm/watchdog.c): no answer */
};

_Static_assert(__builtin_offsetof(struct percpu, stack_canary) == 0x28,
	       "the stack-protector guard reads %gs:0x28 and %fs:0x28");
_Static_assert(sizeof(struct percpu) <= PAGE_SIZE, "struct percpu must fit one page");

struct guard_page {
	uint8_t bytes[PAGE_SIZE];
};

struct ist_stack {
	struct guard_page guard;
	_Alignas(16) uint8_t stack[IST_SIZE];
};

struct cpu_area {
	struct guard_page guard;
	uint8_t stack[STACK_SIZE];
	struct ist_stack ist[IST_COUNT];
	union {
		struct percpu pc;
		uint8_t page[PAGE_SIZE];
	};
};

_Static_assert(sizeof(struct cpu_area) % PAGE_SIZE == 0, "cpu_area must be whole pages");

/* cpu_areas[0 .. cpus_used): the CPUs in use, CPU 0 the VMM's own. Set at
 * boot, read-only after it. */
extern struct cpu_area *cpu_areas[VIGIL_MAX_CPUS];
extern struct cpu_area cpu0_area;
extern unsigned cpus_used;
extern unsigned cpus_listed; /* enabled CPUs in the MADT, used or not */

/* The per-CPU block of a CPU in use, or NULL. */
static inline struct percpu *cpu_pc(unsigned cpu)
{
	return cpu < cpus_used ? &cpu_areas[cpu]->pc : NULL;
}

/* The same, only when the CPU is running (it reached ap_main). */
static inline struct percpu *cpu_pc_online(unsigned cpu)
{
	struct percpu *pc = cpu_pc(cpu);

	return pc && pc->online ? pc : NULL;
}

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__("mov %%gs:0, %0" : "=r"(p));
	return p;
}

#endif
