/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include <stdint.h>

/* Start CPUs 1..count-1 (apic_ids in MADT order, index 0 is this BSP).
 * Each enters ap_main(struct percpu *) on its own stack. */
int smp_start_aps(uint64_t trampoline_pa, const uint32_t *apic_ids, unsigned count)
	__attribute__((warn_unused_result));

#endif
