/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "kernel/handoff.h"

static int handoff_fail(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

static int range_ok(uint64_t base, uint64_t size)
{
	return size && base + size > base;
}

static int names_ok(const char *name)
{
	return name[0] && memchr(name, 0, HANDOFF_NAME_LEN) != NULL;
}

static int handoff_check_mem(const struct handoff *h, const char **why)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < h->mem_count; i++) {
		const struct handoff_mem *m = &h->mem[i];

		if (!range_ok(m->base, m->size) || (m->base | m->size) & 0xfff)
			return handoff_fail(why, "memory range empty, wrapping or unaligned");
		if (m->type < HANDOFF_MEM_USABLE || m->type > HANDOFF_MEM_BOOT)
			return handoff_fail(why, "memory range of unknown type");
		if (i && m->base < end)
			return handoff_fail(why, "memory ranges unsorted or overlapping");
		end = m->base + m->size;
	}
	return 0;
}

/* Is [base, base+size) inside memory of the given type? */
static int handoff_inside(const struct handoff *h, uint64_t base, uint64_t size, uint32_t type)
{
	for (uint32_t i = 0; i < h->mem_count; i++) {
		const struct handoff_mem *m = &h->mem[i];

		if (m->type == type && base >= m->base && base + size <= m->base + m->size)
			return 1;
	}
	return 0;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int handoff_check_modules(const struct handoff *h, const char **why)
{
	if (h->module_count < 1)
		return handoff_fail(why, "no config module");
	for (uint32_t i = 0; i < h->module_count; i++) {
		const struct handoff_module *m = &h->modules[i];

		if (!names_ok(m->name) || !range_ok(m->base, m->size) || (m->base & 0xfff))
			return handoff_fail(why, "module with bad name or range");
		if (!handoff_inside(h, m->base, m->size, HANDOFF_MEM_BOOT))
			return handoff_fail(why, "module outside boot-loaded memory");
		if (overlaps(m->base, m->size, h->vmm_phys_base, h->vmm_phys_size))
			return handoff_fail(why, "module overlaps the VMM image");
		if (h->crash_phys && overlaps(m->base, m->size, h->crash_phys, 4096))
			return handoff_fail(why, "module overlaps the crash page");
		for (uint32_t j = 0; j < i; j++)
			if (overlaps(m->base, m->size, h->modules[j].base, h->modules[j].size))
				return handoff_fail(why, "modules overlap");
	}
	for (uint32_t i = 0; i < h->meas_count; i++)
		if (!names_ok(h->meas[i].name))
			return handoff_fail(why, "measurement with bad name");
	return 0;
}

/* The boot entry's bus-master counts: none without the flag that says it
 * looked, never more turned off (or kept) than found, never more than
 * segment 0 holds. */
static int handoff_check_pci(const struct handoff *h, const char **why)
{
	if (!(h->flags & HANDOFF_F_BUS_MASTER_OFF) &&
	    (h->pci_functions | h->pci_bus_masters_cleared | h->pci_seg0_functions | h->pci_seg0_bus_masters_cleared |
	     h->pci_seg0_bus_masters_kept))
		return handoff_fail(why, "PCI bus-master counts without HANDOFF_F_BUS_MASTER_OFF");
	if (h->pci_bus_masters_cleared > h->pci_functions || h->pci_seg0_functions > HANDOFF_PCI_SEG0_MAX ||
	    (uint64_t)h->pci_seg0_bus_masters_cleared + h->pci_seg0_bus_masters_kept > h->pci_seg0_functions)
		return handoff_fail(why, "PCI bus-master counts out of range");
	return 0;
}

/* The firmware's log: bytes the VMM serves, so only where they lie is
 * checked: none, or a page-aligned range of boot-loaded memory that
 * nothing else the VMM keeps overlaps. */
static int handoff_check_fwlog(const struct handoff *h, const char **why)
{
	if (!h->fwlog_phys && !h->fwlog_size)
		return (h->flags & HANDOFF_F_FWLOG_PARTIAL) ? handoff_fail(why, "firmware log partial but absent") : 0;
	if (!h->fwlog_phys || !h->fwlog_size || h->fwlog_size > HANDOFF_FWLOG_MAX || (h->fwlog_phys & 0xfff) ||
	    !range_ok(h->fwlog_phys, h->fwlog_size) || !handoff_inside(h, h->fwlog_phys, h->fwlog_size, HANDOFF_MEM_BOOT))
		return handoff_fail(why, "firmware log empty, too large, unaligned or outside boot-loaded memory");
	if (overlaps(h->fwlog_phys, h->fwlog_size, h->vmm_phys_base, h->vmm_phys_size) ||
	    (h->crash_phys && overlaps(h->fwlog_phys, h->fwlog_size, h->crash_phys, 4096)) ||
	    (h->trampoline_phys && overlaps(h->fwlog_phys, h->fwlog_size, h->trampoline_phys, 4096)))
		return handoff_fail(why, "firmware log overlaps the VMM image, the crash page or the trampoline");
	for (uint32_t i = 0; i < h->module_count; i++)
		if (overlaps(h->fwlog_phys, h->fwlog_size, h->modules[i].base, h->modules[i].size))
			return handoff_fail(why, "firmware log overlaps a module");
	return 0;
}

int handoff_validate(const struct handoff *h, const char **why)
{
	int err;

	if (h->magic != HANDOFF_MAGIC)
		return handoff_fail(why, "bad magic");
	if (h->version != HANDOFF_VERSION || h->size != sizeof(*h))
		return handoff_fail(why, "version or size mismatch");
	if (!h->mem_count || h->mem_count > HANDOFF_MAX_MEM || h->module_count > HANDOFF_MAX_MODULES ||
	    h->meas_count > HANDOFF_MAX_MEASUREMENTS)
		return handoff_fail(why, "counts out of range");
	if (handoff_check_pci(h, why))
		return -EINVAL;
	if ((h->vmm_phys_base | h->vmm_phys_size) & (HANDOFF_VMM_ALIGN - 1) ||
	    !range_ok(h->vmm_phys_base, h->vmm_phys_size) || (h->vmm_virt_base & (HANDOFF_VMM_ALIGN - 1)))
		return handoff_fail(why, "VMM image placement not 2 MiB aligned");
	if (h->trampoline_phys & 0xfff || h->trampoline_phys >= 0x100000)
		return handoff_fail(why, "trampoline not a page below 1 MiB");
	err = handoff_check_mem(h, why);
	if (!err && !handoff_inside(h, h->vmm_phys_base, h->vmm_phys_size, HANDOFF_MEM_BOOT))
		err = handoff_fail(why, "VMM image outside boot-loaded memory");
	if (!err && h->vmm_phys_base + h->vmm_phys_size > (1ull << 32))
		err = handoff_fail(why, "VMM image above 4 GiB (the AP trampoline needs it below)");
	if (!err && h->trampoline_phys && !handoff_inside(h, h->trampoline_phys, 4096, HANDOFF_MEM_BOOT))
		err = handoff_fail(why, "trampoline outside boot-loaded memory");
	if (!err && h->crash_phys && ((h->crash_phys & 0xfff) || !handoff_inside(h, h->crash_phys, 4096, HANDOFF_MEM_BOOT) ||
				      overlaps(h->crash_phys, 4096, h->vmm_phys_base, h->vmm_phys_size)))
		err = handoff_fail(why, "crash page unaligned, outside boot-loaded memory or in the VMM image");
	if (!err)
		err = handoff_check_modules(h, why);
	return err ? err : handoff_check_fwlog(h, why);
}
