/* SPDX-License-Identifier: MIT */
/*
 * The IOMMUs the firmware describes, brought to "block all DMA" before the
 * VMM does anything else that matters, and their fault reports logged.
 */
#include <errno.h>
#include <string.h>
#include "drivers/acpi.h"
#include "drivers/iommu.h"
#include "kernel/console.h"
#include "kernel/panic.h"

#define FAULT_LINES_MAX 10 /* log lines in a burst; one more per poll after */

static struct iommu_set iommus;
static uint64_t faults_total, faults_unshown;
static unsigned fault_budget = FAULT_LINES_MAX;

static const struct iommu_ops *iommu_ops_of(const struct iommu_unit *u)
{
	return u->kind == IOMMU_VTD ? &iommu_vtd_ops : &iommu_amdvi_ops;
}

static void iommu_tables_read(uint64_t rsdp_pa)
{
	static const char *const sigs[] = { "DMAR", "IVRS" };
	const char *why = "";
	uint32_t len;

	for (unsigned i = 0; i < 2; i++) {
		const uint8_t *t = acpi_table_find(rsdp_pa, sigs[i], &len);
		int err;

		if (!t)
			continue;
		err = i == 0 ? iommu_dmar_parse(t, len, &iommus, &why) : iommu_ivrs_parse(t, len, &iommus, &why);
		if (err)
			panic("the ACPI %s table cannot be used: %s", sigs[i], why);
	}
}

unsigned iommu_init(uint64_t rsdp_pa)
{
	iommu_tables_read(rsdp_pa);
	for (unsigned i = 0; i < iommus.count; i++) {
		struct iommu_unit *u = &iommus.unit[i];
		const struct iommu_ops *ops = iommu_ops_of(u);
		const char *why = "";

		if (ops->block_all(u, &why))
			panic("%s unit at 0x%lx cannot block DMA: %s", ops->name, u->regs_pa, why);
		printk("vigil: DMA: %s unit %u at 0x%lx (segment %u): all DMA blocked "
		       "(tables at 0x%lx, queue at 0x%lx)\n",
		       ops->name, i, u->regs_pa, u->segment, u->root_pa, u->queue_pa);
	}
	if (iommus.count && (iommus.reserved_count || iommus.reserved_all))
		printk("vigil: DMA: the firmware reserves DMA ranges for %s (RMRR, IVMD): those are never "
		       "assigned\n", iommus.reserved_all ? "every device" : "some devices");
	if (!iommus.count)
		printk("vigil: DMA: no IOMMU in the ACPI tables: any bus-mastering device can reach all "
		       "memory, the VMM's included; no device can be assigned\n");
	return iommus.count;
}

/* Remapping needs every I/O APIC's requester ID: without it the VMM's own
 * interrupts would be refused with the devices'. */
static const char *intremap_missing(void)
{
	if (!iommus.ioapic_count)
		return "the firmware ties no I/O APIC to an IOMMU";
	for (unsigned i = 0; i < iommus.count; i++)
		if (iommus.unit[i].kind == IOMMU_VTD && !iommus.intremap_fw)
			return "the DMAR table does not offer it";
	return NULL;
}

unsigned iommu_intremap_start(bool x2apic)
{
	const char *why = intremap_missing();
	unsigned on = 0;

	for (unsigned i = 0; !why && i < iommus.count; i++) {
		struct iommu_unit *u = &iommus.unit[i];
		const struct iommu_ops *ops = iommu_ops_of(u);
		int err = ops->intremap_on(u, &iommus, x2apic, &why);

		if (err == -ENODEV) {
			printk("vigil: DMA: %s unit %u remaps no interrupts: %s\n", ops->name, i, why);
			why = NULL;
			continue;
		}
		if (err)
			panic("%s unit at 0x%lx cannot remap interrupts: %s", ops->name, u->regs_pa, why);
		on++;
	}
	if (why && iommus.count)
		printk("vigil: DMA: no interrupt remapping (%s): a bus-mastering device can send any "
		       "interrupt to any CPU\n", why);
	else if (on)
		printk("vigil: DMA: interrupt remapping on %u of %u units: a device's interrupt reaches a CPU "
		       "only through an entry the VMM wrote\n", on, iommus.count);
	return on;
}

/* An I/O APIC under a unit that remaps gets an entry; one under a unit
 * that does not keeps the classic format (-ENODEV); one the tables do not
 * name cannot be routed once any unit remaps (-ENXIO): its messages would
 * be refused with the devices'. */
int iommu_ioapic_rte(uint8_t ioapic_id, uint8_t vector, uint32_t apic_id, uint32_t lo_flags, uint64_t *rte)
{
	bool any = false;

	for (unsigned i = 0; i < iommus.ioapic_count; i++) {
		struct iommu_ioapic *io = &iommus.ioapic[i];
		struct iommu_unit *u = &iommus.unit[io->unit];

		if (io->id != ioapic_id)
			continue;
		if (!u->intremap)
			return -ENODEV;
		return iommu_ops_of(u)->ioapic_entry(u, io, vector, apic_id, lo_flags, rte);
	}
	for (unsigned i = 0; i < iommus.count; i++)
		any |= iommus.unit[i].intremap;
	return any ? -ENXIO : -ENODEV;
}

/* The one unit serving segment; several would need the device scopes of
 * each (DMAR) or their device ranges (IVRS), which are not read yet. */
static struct iommu_unit *iommu_unit_for(uint16_t segment, const char **why)
{
	struct iommu_unit *found = NULL;

	for (unsigned i = 0; i < iommus.count; i++) {
		if (iommus.unit[i].segment != segment)
			continue;
		if (found) {
			*why = "several IOMMUs serve its segment (their device scopes are not read yet)";
			return NULL;
		}
		found = &iommus.unit[i];
	}
	if (!found)
		*why = "no IOMMU serves its segment: its DMA could not be confined";
	return found;
}

const struct pt_format *iommu_window_format(uint16_t segment, uint64_t *large_sizes, const char **why)
{
	struct iommu_unit *u = iommu_unit_for(segment, why);

	return u ? iommu_ops_of(u)->window_format(u, large_sizes) : NULL;
}

int iommu_window_open(uint16_t segment, uint16_t rid, uint16_t domain, const struct pt *win, uint64_t top,
		      const char **why)
{
	struct iommu_unit *u = iommu_unit_for(segment, why);

	if (!u)
		return -ENODEV;
	if (!domain || domain > 255) {
		*why = "domain out of range";
		return -EINVAL;
	}
	return iommu_ops_of(u)->window_open(u, rid, domain, win, top, why);
}

int iommu_msi_route(uint16_t segment, uint16_t rid, uint8_t vector, uint32_t apic_id, uint64_t *addr,
		    uint32_t *data)
{
	const char *why;
	struct iommu_unit *u = iommu_unit_for(segment, &why);

	if (!u || !u->intremap)
		return -ENODEV;
	return iommu_ops_of(u)->msi_entry(u, rid, vector, apic_id, addr, data);
}

bool iommu_owns_rid(uint16_t segment, uint16_t rid)
{
	for (unsigned i = 0; i < iommus.count; i++)
		if (iommus.unit[i].segment == segment && iommus.unit[i].kind == IOMMU_AMDVI &&
		    iommus.unit[i].devid == rid)
			return true;
	for (unsigned i = 0; i < iommus.ioapic_count; i++)
		if (iommus.unit[iommus.ioapic[i].unit].segment == segment && iommus.ioapic[i].rid == rid)
			return true;
	return false;
}

bool iommu_rid_reserved(uint16_t segment, uint16_t rid)
{
	if (iommus.reserved_all)
		return true;
	for (unsigned i = 0; i < iommus.reserved_count; i++)
		if (iommus.reserved[i].segment == segment && rid >= iommus.reserved[i].first &&
		    rid <= iommus.reserved[i].last)
			return true;
	return false;
}

bool iommu_regs_overlap(uint64_t b, uint64_t e)
{
	for (unsigned i = 0; i < iommus.count; i++) {
		uint64_t r = iommus.unit[i].regs_pa, size = iommus.unit[i].kind == IOMMU_VTD ? 0x1000 : 0x4000;

		if (b < r + size && r < e)
			return true;
	}
	return false;
}

static void fault_log(const struct iommu_unit *u, const struct iommu_fault *f)
{
	faults_total++;
	vpci_dma_fault(f->segment, f->rid);
	if (!fault_budget) {
		faults_unshown++;
		return;
	}
	fault_budget--;
	printk("vigil: dma fault: %04x:%02x:%02x.%u %s 0x%lx blocked (%s, %s unit at 0x%lx)\n", f->segment,
	       f->rid >> 8, (f->rid >> 3) & 0x1f, f->rid & 7, f->write ? "write" : "read", f->addr, f->reason,
	       iommu_ops_of(u)->name, u->regs_pa);
}

void iommu_poll(void)
{
	struct iommu_fault f;

	for (unsigned i = 0; i < iommus.count; i++) {
		struct iommu_unit *u = &iommus.unit[i];

		/* Bounded: a device faulting without pause cannot hold this CPU. */
		for (unsigned n = 0; n < 64 && iommu_ops_of(u)->fault_next(u, &f); n++)
			fault_log(u, &f);
	}
	if (fault_budget < FAULT_LINES_MAX)
		fault_budget++;
	/* Said once the log has room again, even under a steady flood. */
	if (faults_unshown && fault_budget) {
		fault_budget--;
		printk("vigil: dma fault: %lu more not shown\n", faults_unshown);
		faults_unshown = 0;
	}
}

unsigned iommu_unit_count(void)
{
	return iommus.count;
}

uint64_t iommu_fault_total(void)
{
	return faults_total;
}
