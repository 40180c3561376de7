/* SPDX-License-Identifier: MIT */
/*
 * Which CPUs share a physical core (SMT siblings): the low `shift` bits of
 * an APIC ID number the threads of one core, so two CPUs are siblings when
 * their APIC IDs agree above them. The speculation policy keeps guests
 * apart by core (vmm/spec.h, spec_smt_conflicts).
 */
#ifndef ARCH_X86_TOPOLOGY_H
#define ARCH_X86_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/cpu.h"

/* The CPUID answers the shift is read from (zeros for a leaf the CPU does
 * not have). */
struct topo_leaves {
	bool amd;
	struct cpuid_regs leaf1, leaf4, leafb;	    /* leaf 4 and 0xb: sub-leaf 0 */
	struct cpuid_regs ext1, ext8, ext1e;	    /* 0x80000001, 0x80000008, 0x8000001e */
};

/* Pure: the number of APIC ID bits that number threads within a core. */
unsigned topo_smt_shift(const struct topo_leaves *t);

/* The same for the CPU this runs on. */
unsigned topo_smt_shift_host(void);

#endif
