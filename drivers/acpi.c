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
			out->ioapics[out->ioapic_count++] = (struct acpi_ioapic){ addr, gsi, p[off + 2] };
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

const uint8_t *acpi_table_find(uint64_t rsdp_pa, const char *sig, uint32_t *len)
{
	const struct acpi_rsdp *rsdp = acpi_rsdp(rsdp_pa);
	const struct acpi_header *t = rsdp ? acpi_find(rsdp, sig) : NULL;

	if (!t)
		return NULL;
	*len = t->length;
	return (const uint8_t *)t;
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

/*
 * The SPCR (Microsoft's Serial Port Console Redirection table, revisions
 * 1 to 4): a 16550 in system I/O or memory space, PCI or not, and its
 * baud rate. Offsets of the fields read here; 80 bytes is the shortest.
 */
#define SPCR_MIN_LEN 80
#define SPCR_TYPE 36
#define SPCR_BASE 40	 /* a Generic Address */
#define SPCR_IRQ_TYPE 52 /* bit 0: a PC-AT IRQ */
#define SPCR_IRQ 53
#define SPCR_BAUD 58
#define SPCR_PCI_DEVICE 64
#define SPCR_PCI_VENDOR 66
#define SPCR_PCI_BUS 68
#define SPCR_PCI_DEV 69
#define SPCR_PCI_FN 70
#define SPCR_PCI_SEGMENT 75
#define SPCR_CLOCK 76	    /* revision 3 on: the UART's clock in Hz, 0 unknown */
#define SPCR_PRECISE_BAUD 80 /* revision 4 on: overrides the baud code when not 0 */
#define SPCR_TYPE_16550 0x00
#define SPCR_TYPE_16550_SUBSET 0x01 /* revision 1: a 16450 */
#define SPCR_TYPE_16550_GAS 0x12    /* revision 2 on: a 16550 as its Generic Address says */

static uint32_t spcr_u32(const uint8_t *t, uint32_t off)
{
	uint32_t v;

	memcpy(&v, t + off, 4);
	return v;
}

static int spcr_type_ok(uint8_t revision, uint8_t type)
{
	if (type == SPCR_TYPE_16550 || type == SPCR_TYPE_16550_SUBSET)
		return 1;
	return revision >= 2 && type == SPCR_TYPE_16550_GAS;
}

/* Access width from the GAS: its access size (1 byte, 4 bytes) or, left
 * undefined, its register width; I/O ports are bytes. 0: refused. */
static uint8_t spcr_width(const uint8_t *gas)
{
	uint8_t bits = gas[1], access = gas[3];

	if (gas[0] == GAS_SYSTEM_IO)
		return (access <= 1 && bits == 8) ? 1 : 0;
	if (access == 1 || (access == 0 && bits == 8))
		return 1;
	if (access == 3 || (access == 0 && bits == 32))
		return 4;
	return 0;
}

static int spcr_fail(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

static int spcr_where(const uint8_t *t, struct acpi_console *out, const char **why)
{
	const uint8_t *gas = t + SPCR_BASE;
	struct uart *u = &out->uart;

	if (gas[0] != GAS_SYSTEM_IO && gas[0] != GAS_SYSTEM_MEMORY)
		return spcr_fail(why, "its UART is in neither system I/O nor system memory space");
	u->mmio = gas[0] == GAS_SYSTEM_MEMORY;
	u->width = spcr_width(gas);
	if (!u->width || gas[2])
		return spcr_fail(why, "its register width, offset or access size is not one a 16550 has");
	u->shift = u->width == 4 ? 2 : 0;
	memcpy(&u->base, gas + 4, 8);
	if (!u->base || (u->base & (u->width - 1)))
		return spcr_fail(why, "its UART's address is 0 or unaligned");
	if (!u->mmio && u->base > 0x10000 - UART_REGS)
		return spcr_fail(why, "its UART's ports run past 0xffff");
	if (u->mmio && u->base >= (1ull << 52) - (UART_REGS << u->shift))
		return spcr_fail(why, "its UART's address is beyond physical memory");
	return 0;
}

static int spcr_speed(const uint8_t *t, uint32_t len, struct acpi_console *out, const char **why)
{
	static const uint32_t codes[8] = { 0, 0, 0, 9600, 19200, 0, 57600, 115200 };
	uint8_t code = t[SPCR_BAUD];
	uint32_t clock = out->revision >= 3 ? spcr_u32(t, SPCR_CLOCK) : 0;

	if (code >= 8 || (code && !codes[code]))
		return spcr_fail(why, "its baud rate code is not one the table defines");
	out->baud = codes[code];
	if (out->revision >= 4 && len >= SPCR_PRECISE_BAUD + 4 && spcr_u32(t, SPCR_PRECISE_BAUD))
		out->baud = spcr_u32(t, SPCR_PRECISE_BAUD);
	out->uart.divisor = uart_divisor(clock, out->baud);
	if (out->baud && !out->uart.divisor)
		return spcr_fail(why, "its baud rate cannot be set from its UART clock");
	return 0;
}

int acpi_spcr_parse(const uint8_t *t, uint32_t avail, struct acpi_console *out, const char **why)
{
	uint32_t len;
	int err;

	memset(out, 0, sizeof(*out));
	out->isa_irq = -1;
	if (avail < sizeof(struct acpi_header) || memcmp(t, "SPCR", 4))
		return spcr_fail(why, "not an SPCR table");
	len = spcr_u32(t, 4);
	if (len < SPCR_MIN_LEN || len > avail || len > ACPI_TABLE_MAX)
		return spcr_fail(why, "its length is shorter than an SPCR's or runs past its memory");
	if (!acpi_sum_ok(t, len))
		return spcr_fail(why, "its checksum is wrong");
	out->revision = t[8];
	out->type = t[SPCR_TYPE];
	if (!out->revision)
		return spcr_fail(why, "its revision is 0");
	if (!spcr_type_ok(out->revision, out->type))
		return spcr_fail(why, "its interface type is not a 16550 (the only UART this VMM drives)");
	err = spcr_where(t, out, why);
	if (!err)
		err = spcr_speed(t, len, out, why);
	if (err)
		return err;
	memcpy(&out->vendor, t + SPCR_PCI_VENDOR, 2);
	memcpy(&out->device, t + SPCR_PCI_DEVICE, 2);
	out->pci = out->vendor != 0xffff && out->vendor != 0;
	out->pci_addr = (struct pci_addr){ t[SPCR_PCI_SEGMENT], t[SPCR_PCI_BUS], t[SPCR_PCI_DEV], t[SPCR_PCI_FN] };
	if ((t[SPCR_IRQ_TYPE] & 1) && t[SPCR_IRQ] < 16)
		out->isa_irq = t[SPCR_IRQ];
	return 0;
}

/* The SPCR among the root table's entries, found by its signature alone:
 * its length and checksum are the parser's to check, with a message. */
static const uint8_t *spcr_locate(const struct acpi_rsdp *rsdp)
{
	int x = rsdp->revision >= 2 && rsdp->xsdt;
	const struct acpi_header *root = acpi_table(x ? rsdp->xsdt : rsdp->rsdt, x ? "XSDT" : "RSDT");
	unsigned width = x ? 8 : 4;

	for (uint32_t off = sizeof(*root); root && off + width <= root->length; off += width) {
		uint64_t pa = 0;

		memcpy(&pa, (const uint8_t *)root + off, width);
		if (pa && !memcmp(phys_to_virt(pa), "SPCR", 4))
			return phys_to_virt(pa);
	}
	return NULL;
}

int acpi_find_console(uint64_t rsdp_pa, struct acpi_console *out, const char **why)
{
	const struct acpi_rsdp *rsdp = acpi_rsdp(rsdp_pa);
	const uint8_t *t = rsdp ? spcr_locate(rsdp) : NULL;

	memset(out, 0, sizeof(*out));
	out->isa_irq = -1;
	if (!t) {
		*why = "no SPCR";
		return -ENOENT;
	}
	return acpi_spcr_parse(t, ACPI_TABLE_MAX, out, why);
}
