/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "drivers/acpi.h"
#include "kernel/mm.h"

struct __attribute__((packed)) acpi_rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t xchecksum;
	uint8_t reserved[3];
};

struct __attribute__((packed)) acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char table[8];
	uint32_t oem_rev;
	uint32_t creator;
	uint32_t creator_rev;
};

#define ACPI_TABLE_MAX (1u << 20)
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_ISO 2
#define MADT_X2APIC 9
#define MADT_ENABLED 1u

static int acpi_sum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const struct acpi_header *acpi_table(uint64_t pa, const char *sig)
{
	const struct acpi_header *h = phys_to_virt(pa);

	if (!pa || h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX)
		return NULL;
	if ((sig && memcmp(h->sig, sig, 4)) || !acpi_sum_ok(h, h->length))
		return NULL;
	return h;
}

static const struct acpi_header *acpi_find(const struct acpi_rsdp *rsdp, const char *sig)
{
	int x = rsdp->revision >= 2 && rsdp->xsdt;
	const struct acpi_header *root = acpi_table(x ? rsdp->xsdt : rsdp->rsdt, x ? "XSDT" : "RSDT");
	unsigned width = x ? 8 : 4;

	if (!root)
		return NULL;
	for (uint32_t off = sizeof(*root); off + width <= root->length; off += width) {
		uint64_t pa = 0;
		const struct acpi_header *t;

		memcpy(&pa, (const uint8_t *)root + off, width);
		t = acpi_table(pa, NULL);
		if (t && !memcmp(t->sig, sig, 4))
			return t;
	}
	return NULL;
}

/* A processor listed twice (a local APIC and an x2APIC entry for one ID)
 * is taken once. Past ACPI_MAX_CPUS processors are counted, not listed,
 * except the boot CPU, which takes the last place. */
static void madt_add(struct acpi_cpus *out, uint32_t apic_id, uint32_t flags, uint32_t bsp)
{
	if (!(flags & MADT_ENABLED))
		return;
	for (unsigned i = 0; i < out->count; i++)
		if (out->apic_id[i] == apic_id)
			return;
	out->listed++;
	if (out->count < ACPI_MAX_CPUS)
		out->apic_id[out->count++] = apic_id;
	else if (apic_id == bsp)
		out->apic_id[ACPI_MAX_CPUS - 1] = apic_id;
}

static void madt_parse(const struct acpi_header *madt, struct acpi_cpus *out, uint32_t bsp)
{
	const uint8_t *p = (const uint8_t *)madt;
	uint32_t off = sizeof(*madt) + 8; /* local APIC address, flags */

	memcpy(&out->lapic_pa, p + sizeof(*madt), 4);
	for (unsigned irq = 0; irq < ACPI_ISA_IRQS; irq++)
		out->isa_gsi[irq] = irq;
	while (off + 2 <= madt->length) {
		uint8_t type = p[off], len = p[off + 1];
		uint32_t id = 0, flags = 0;

		if (len < 2 || off + len > madt->length)
			break;
		if (type == MADT_LAPIC && len >= 8) {
			id = p[off + 3];
			memcpy(&flags, p + off + 4, 4);
			madt_add(out, id, flags, bsp);
		} else if (type == MADT_IOAPIC && len >= 12 && out->ioapic_count < ACPI_MAX_IOAPICS) {
			uint32_t addr, gsi;

			memcpy(&addr, p + off + 4, 4);
			memcpy(&gsi, p + off + 8, 4);
			out->ioapics[out->ioapic_count++] = (struct acpi_ioapic){ addr, gsi };
		} else if (type == MADT_ISO && len >= 10 && p[off + 2] == 0 && p[off + 3] < ACPI_ISA_IRQS) {
			uint32_t gsi;
			uint16_t fl;

			memcpy(&gsi, p + off + 4, 4);
			memcpy(&fl, p + off + 8, 2);
			out->isa_gsi[p[off + 3]] = gsi;
			out->isa_flags[p[off + 3]] = fl;
		} else if (type == MADT_X2APIC && len >= 16) {
			memcpy(&id, p + off + 4, 4);
			memcpy(&flags, p + off + 8, 4);
			madt_add(out, id, flags, bsp);
		}
		off += len;
	}
}

/* The RSDP at rsdp_pa when its signature and checksum hold, else NULL. */
static const struct acpi_rsdp *acpi_rsdp(uint64_t rsdp_pa)
{
	const struct acpi_rsdp *rsdp = rsdp_pa ? phys_to_virt(rsdp_pa) : NULL;

	if (!rsdp || memcmp(rsdp->sig, "RSD PTR ", 8) || !acpi_sum_ok(rsdp, 20))
		return NULL;
	return rsdp;
}

int acpi_find_cpus(uint64_t rsdp_pa, uint32_t bsp, struct acpi_cpus *out)
{
	const struct acpi_rsdp *rsdp = acpi_rsdp(rsdp_pa);
	const struct acpi_header *madt;

	memset(out, 0, sizeof(*out));
	if (!rsdp)
		return rsdp_pa ? -EINVAL : -ENODEV;
	madt = acpi_find(rsdp, "APIC");
	if (!madt)
		return -ENOENT;
	madt_parse(madt, out, bsp);
	for (unsigned i = 0; i < out->count; i++)
		if (out->apic_id[i] == bsp) {
			out->apic_id[i] = out->apic_id[0];
			out->apic_id[0] = bsp;
			return 0;
		}
	return -ENXIO;
}

/*
 * The FADT's PM timer: X_PM_TMR_BLK (offset 208, a Generic Address in
 * system I/O space) when the table is long enough and it is set, else
 * PM_TMR_BLK (offset 76); PM_TMR_LEN (offset 91) is 4; flag TMR_VAL_EXT
 * (bit 8 of offset 112) makes it 32 bits, else 24. A hardware-reduced
 * platform (flag bit 20) has none.
 */
#define FADT_PM_TMR_BLK 76
#define FADT_PM_TMR_LEN 91
#define FADT_FLAGS 112
#define FADT_X_PM_TMR_BLK 208
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_HW_REDUCED (1u << 20)
#define GAS_SYSTEM_MEMORY 0
#define GAS_SYSTEM_IO 1
#define HPET_BASE 40 /* a Generic Address */

static uint64_t acpi_gas(const uint8_t *p, uint32_t off, uint8_t space)
{
	uint64_t addr;

	if (p[off] != space)
		return 0;
	memcpy(&addr, p + off + 4, 8);
	return addr;
}

static void fadt_parse(const struct acpi_header *fadt, struct acpi_timers *out)
{
	const uint8_t *p = (const uint8_t *)fadt;
	uint32_t flags = 0, port = 0;
	uint64_t x = 0;

	if (fadt->length < FADT_FLAGS + 4)
		return;
	memcpy(&flags, p + FADT_FLAGS, 4);
	memcpy(&port, p + FADT_PM_TMR_BLK, 4);
	if (fadt->length >= FADT_X_PM_TMR_BLK + 12)
		x = acpi_gas(p, FADT_X_PM_TMR_BLK, GAS_SYSTEM_IO);
	if (x)
		port = x > 0xffff ? 0 : (uint32_t)x;
	if ((flags & FADT_HW_REDUCED) || p[FADT_PM_TMR_LEN] != 4 || !port || port > 0xfffc)
		return;
	out->pm_port = (uint16_t)port;
	out->pm_bits = flags & FADT_TMR_VAL_EXT ? 32 : 24;
}

/* The HPET's registers: 1 KiB in system memory, 1 KiB aligned. */
static void hpet_parse(const struct acpi_header *hpet, struct acpi_timers *out)
{
	uint64_t pa;

	if (hpet->length < HPET_BASE + 12)
		return;
	pa = acpi_gas((const uint8_t *)hpet, HPET_BASE, GAS_SYSTEM_MEMORY);
	if (pa && !(pa & 0x3ff))
		out->hpet_pa = pa;
}

void acpi_find_timers(uint64_t rsdp_pa, struct acpi_timers *out)
{
	const struct acpi_rsdp *rsdp = acpi_rsdp(rsdp_pa);
	const struct acpi_header *t;

	memset(out, 0, sizeof(*out));
	if (!rsdp)
		return;
	if ((t = acpi_find(rsdp, "FACP")))
		fadt_parse(t, out);
	if ((t = acpi_find(rsdp, "HPET")))
		hpet_parse(t, out);
}
