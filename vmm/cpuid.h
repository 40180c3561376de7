/* SPDX-License-Identifier: MIT */
/*
 * The CPUID answers a guest sees, as a pure function of the host's answer
 * (vmm/cpuid.c; the policy is in docs/vmm.md, "Intercept policy"). The
 * host unit test feeds it host answers with every bit set.
 */
#ifndef VMM_CPUID_H
#define VMM_CPUID_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/cpu.h"

/* What leaf 1 reports of the vCPU that asks. */
struct cpuid_vcpu_facts {
	uint32_t apic_id; /* the vCPU's index in its guest */
	bool osxsave;	  /* the guest's own CR4.OSXSAVE */
};

/* The clocks guests are told about (leaves 0x15 and 0x16), set at boot:
 * the TSC is crystal_hz * ratio, and the crystal is the APIC timer's
 * bus clock (vmm/virq.h). */
struct cpuid_clock {
	uint64_t crystal_hz;
	uint32_t ratio;
	uint32_t tsc_mhz;
};
extern struct cpuid_clock cpuid_clock;

/* The highest basic leaf guests see at least: 0x16, the last synthesized. */
#define CPUID_GUEST_MAX_BASIC 0x16u

/* Leaves whose host answer is passed on, filtered. */
bool cpuid_leaf_allowed(uint32_t leaf);

/*
 * The guest's answer to CPUID(leaf, sub) when the host answers `host`:
 * the filtered host answer for an allowed leaf, Vigil's own for the
 * hypervisor leaves and the platform's (6: ARAT; 0x15/0x16: the clocks of
 * cpuid_clock), zeros for every other leaf (host is then ignored).
 * f is read for leaf 1 only.
 */
struct cpuid_regs cpuid_guest_view(uint32_t leaf, uint32_t sub, struct cpuid_regs host,
				   const struct cpuid_vcpu_facts *f);

#endif
