// SPDX-License-Identifier: MIT
/*
 * Test stand-in for vmm/vm.c's vm_gpa_to_hva (vm.c itself allocates
 * host-physical memory and cannot run on the host). Same rule as the real
 * one: [gpa, gpa+len) must lie inside one region. Here a region's hpa is a
 * host pointer to the test's malloc'd backing store (identity phys_to_virt).
 */
#include <stdint.h>
#include "vmm/vm.h"

void *vm_gpa_to_hva(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < vm->region_count; i++) {
		const struct vm_region *r = &vm->regions[i];

		if (gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len)
			return (uint8_t *)(uintptr_t)r->hpa + (gpa - r->gpa);
	}
	return NULL;
}
