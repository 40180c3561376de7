/* SPDX-License-Identifier: MIT */
/* Guest-physical to VMM addresses: the one bounds check every access to a
 * guest's memory on its behalf goes through (vm.h). Alone in its file so
 * that the host unit tests run this very code. */
#include "vmm/vm.h"
#include "kernel/mm.h"

void *vm_gpa_to_hva(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < vm->region_count; i++) {
		const struct vm_region *r = &vm->regions[i];

		if (gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len)
			return (uint8_t *)phys_to_virt(r->hpa) + (gpa - r->gpa);
	}
	return NULL;
}
