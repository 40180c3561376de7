/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "drivers/ioapic.h"
#include "drivers/iommu.h"
#include "kernel/console.h"
#include "kernel/mm.h"

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)
/* MPS INTI flags (MADT interrupt source override) */
#define MPS_POLARITY_LOW 3u
#define MPS_TRIGGER_LEVEL (3u << 2)

static volatile uint32_t *ioapic_regs[ACPI_MAX_IOAPICS];
static unsigned ioapic_pins[ACPI_MAX_IOAPICS];

static uint32_t ioapic_read(unsigned i, uint32_t reg)
{
	ioapic_regs[i][IOAPIC_REGSEL / 4] = reg;
	return ioapic_regs[i][IOAPIC_WIN / 4];
}

static void ioapic_write(unsigned i, uint32_t reg, uint32_t v)
{
	ioapic_regs[i][IOAPIC_REGSEL / 4] = reg;
	ioapic_regs[i][IOAPIC_WIN / 4] = v;
}

int ioapic_init(const struct acpi_cpus *madt)
{
	for (unsigned i = 0; i < madt->ioapic_count; i++) {
		ioapic_regs[i] = mm_map_mmio(madt->ioapics[i].pa, 0x20);
		if (!ioapic_regs[i])
			return -ENOMEM;
		ioapic_pins[i] = ((ioapic_read(i, IOAPIC_VER) >> 16) & 0xff) + 1;
		for (unsigned pin = 0; pin < ioapic_pins[i]; pin++) {
			ioapic_write(i, IOAPIC_REDTBL(pin) + 1, 0);
			ioapic_write(i, IOAPIC_REDTBL(pin), RTE_MASKED);
		}
	}
	return madt->ioapic_count ? 0 : -ENODEV;
}

/* With interrupt remapping on, the entry points at a remapping entry the
 * IOMMU checks (drivers/iommu.h); without it, it names its CPU in 8 bits
 * (physical mode), so x2APIC IDs above 255 cannot be reached. */
static int ioapic_rte(const struct acpi_ioapic *io, uint32_t gsi, uint32_t lo, uint32_t apic_id, uint64_t *rte)
{
	int err = iommu_ioapic_rte(io->id, (uint8_t)lo, apic_id, lo & ~0xffu, rte);

	if (err != -ENODEV) {
		if (err)
			printk("vigil: gsi %u cannot be remapped to APIC ID %u (I/O APIC %u: %d)\n", gsi, apic_id,
			       io->id, err);
		return err;
	}
	if (apic_id > 0xff) {
		printk("vigil: gsi %u cannot reach APIC ID %u: the I/O APIC's destination has 8 bits "
		       "(IDs above 255 need interrupt remapping)\n", gsi, apic_id);
		return -ERANGE;
	}
	*rte = (uint64_t)apic_id << 56 | lo;
	return 0;
}

static int ioapic_route(const struct acpi_cpus *madt, uint32_t gsi, uint32_t lo, uint32_t apic_id)
{
	for (unsigned i = 0; i < madt->ioapic_count; i++) {
		uint32_t base = madt->ioapics[i].gsi_base;
		uint64_t rte;
		int err;

		if (gsi < base || gsi - base >= ioapic_pins[i])
			continue;
		err = ioapic_rte(&madt->ioapics[i], gsi, lo, apic_id, &rte);
		if (err)
			return err;
		ioapic_write(i, IOAPIC_REDTBL(gsi - base) + 1, (uint32_t)(rte >> 32));
		ioapic_write(i, IOAPIC_REDTBL(gsi - base), (uint32_t)rte);
		return 0;
	}
	return -ENOENT;
}

int ioapic_route_isa(const struct acpi_cpus *madt, unsigned irq, uint8_t vector, uint32_t apic_id)
{
	uint32_t flags, lo = vector;

	if (irq >= ACPI_ISA_IRQS)
		return -EINVAL;
	flags = madt->isa_flags[irq];
	/* ISA defaults: edge, active high, unless the override says otherwise. */
	if ((flags & MPS_POLARITY_LOW) == MPS_POLARITY_LOW)
		lo |= RTE_ACTIVE_LOW;
	if ((flags & MPS_TRIGGER_LEVEL) == MPS_TRIGGER_LEVEL)
		lo |= RTE_LEVEL;
	return ioapic_route(madt, madt->isa_gsi[irq], lo, apic_id);
}

int ioapic_route_pci(const struct acpi_cpus *madt, uint32_t gsi, uint8_t vector, uint32_t apic_id)
{
	return ioapic_route(madt, gsi, vector | RTE_LEVEL | RTE_ACTIVE_LOW, apic_id);
}
