// SPDX-License-Identifier: MIT
/*
 * Test stand-in for the VMM's physmap: a region's hpa is a host pointer to
 * the test's malloc'd backing store, so phys_to_virt is the identity. The
 * real vm_gpa_to_hva (vmm/vm_mem.c) runs on top of it.
 */
#include <stdint.h>
#include "kernel/mm.h"

void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}
