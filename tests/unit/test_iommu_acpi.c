// SPDX-License-Identifier: MIT
/*
 * Unit tests of the firmware's IOMMU descriptions (drivers/iommu_acpi.c)
 * on DMAR and IVRS tables built here byte by byte from the VT-d and AMD-Vi
 * specifications' layouts: the units found, one AMD-Vi unit described by
 * two IVHD blocks taken once, the firmware's reserved DMA ranges (RMRR,
 * IVMD) with the devices they name, structures of other types skipped,
 * and every malformed table refused with its reason.
 */
#define CHECK_SUITE "iommu_acpi"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "drivers/iommu.h"

static uint8_t tb[4096];
static uint32_t tlen;

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void table(const char *sig, uint8_t flags)
{
	memset(tb, 0, sizeof(tb));
	memcpy(tb, sig, 4);
	tb[37] = flags; /* DMAR flags; IVRS: part of IVinfo */
	tlen = 48;
}

static void drhd(uint8_t flags, uint16_t segment, uint64_t base, uint16_t len)
{
	uint8_t *s = tb + tlen;

	put16(s, 0);
	put16(s + 2, len);
	s[4] = flags;
	put16(s + 6, segment);
	put64(s + 8, base);
	tlen += len;
}

/* A device scope of one path element, appended to the structure ending
 * at the table's end (its length grown by 8). */
static void scope(uint8_t *drhd_at, uint8_t type, uint8_t enum_id, uint8_t bus, uint8_t dev, uint8_t fn)
{
	uint8_t *d = tb + tlen;

	d[0] = type, d[1] = 8, d[4] = enum_id, d[5] = bus, d[6] = dev, d[7] = fn;
	put16(drhd_at + 2, (uint16_t)(drhd_at[2] + 8));
	tlen += 8;
}

static void rmrr(void)
{
	uint8_t *s = tb + tlen;

	put16(s, 1);
	put16(s + 2, 24);
	put64(s + 8, 0x7f000000);
	put64(s + 16, 0x7f0fffff);
	tlen += 24;
}

static void ivhd(uint8_t type, uint16_t devid, uint64_t base, uint16_t segment, uint16_t len)
{
	uint8_t *s = tb + tlen;

	s[0] = type;
	put16(s + 2, len);
	put16(s + 4, devid);
	put64(s + 8, base);
	put16(s + 16, segment);
	tlen += len;
}

static int dmar(struct iommu_set *set, const char **why)
{
	memset(set, 0, sizeof(*set));
	*why = "";
	return iommu_dmar_parse(tb, tlen, set, why);
}

static int ivrs(struct iommu_set *set, const char **why)
{
	memset(set, 0, sizeof(*set));
	*why = "";
	return iommu_ivrs_parse(tb, tlen, set, why);
}

static void test_dmar_units(void)
{
	struct iommu_set set;
	const char *why;

	uint8_t *second;

	table("DMAR", 1);
	drhd(0, 0, 0xfed90000, 16);
	scope(tb + 48, 2, 0, 0, 3, 0); /* a PCI sub-hierarchy: not an I/O APIC */
	rmrr();
	second = tb + tlen;
	drhd(1, 0, 0xfed91000, 16);
	scope(second, 3, 2, 0xff, 0x1f, 0); /* I/O APIC 2 is ff:1f.0 */
	CHECK(dmar(&set, &why) == 0);
	CHECK(set.count == 2 && set.intremap_fw);
	CHECK(set.unit[0].kind == IOMMU_VTD && set.unit[0].regs_pa == 0xfed90000 && !set.unit[0].pci_all);
	CHECK(set.unit[1].regs_pa == 0xfed91000 && set.unit[1].pci_all);
	CHECK(set.ioapic_count == 1 && set.ioapic[0].id == 2 && set.ioapic[0].rid == 0xfff8 && set.ioapic[0].unit == 1);
}

static void test_dmar_refused(void)
{
	struct iommu_set set;
	const char *why;

	table("DMAR", 0);
	drhd(0, 0, 0xfed90000, 16);
	tlen -= 1; /* the DRHD runs past the table */
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "out of the table"));
	table("DMAR", 0);
	drhd(0, 0, 0xfed90000, 12);
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "shorter than its layout"));
	table("DMAR", 0);
	drhd(0, 0, 0xfed90800, 16);
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "page-aligned"));
	table("DMAR", 0);
	drhd(0, 0, 0, 16);
	CHECK(dmar(&set, &why) == -EINVAL);
	table("DMAR", 0);
	put16(tb + tlen, 1), put16(tb + tlen + 2, 0), tlen += 4; /* length 0: would never advance */
	CHECK(dmar(&set, &why) == -EINVAL);
	table("DMAR", 0);
	for (unsigned i = 0; i <= IOMMU_MAX_UNITS; i++)
		drhd(0, 0, 0xfed00000 + 0x1000 * i, 16);
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "more DMA remapping units"));
	tlen = 40;
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "header"));
	table("DMAR", 0);
	drhd(0, 0, 0xfed90000, 16);
	scope(tb + 48, 3, 0, 0xff, 0x1f, 0);
	tb[tlen - 7] = 10, tb[50] += 2, tlen += 2; /* a path of two elements: behind a bridge */
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "behind a bridge"));
	table("DMAR", 0);
	drhd(0, 0, 0xfed90000, 16);
	scope(tb + 48, 3, 0, 0xff, 0x1f, 0);
	tb[tlen - 7] = 9; /* odd, and past its DRHD */
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "device scope length"));
	table("DMAR", 0);
	drhd(0, 0, 0xfed90000, 16);
	scope(tb + 48, 3, 0, 0xff, 0x1f, 0);
	scope(tb + 48, 3, 0, 0xff, 0x1e, 0); /* I/O APIC 0 twice */
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "two requester IDs"));
}

static void test_ivrs_units(void)
{
	struct iommu_set set;
	const char *why;

	uint8_t *e;

	table("IVRS", 0);
	ivhd(0x10, 0x0010, 0xfed80000, 0, 24 + 4 + 8);
	e = tb + 48 + 24;
	e[0] = 1;			       /* all devices (4 bytes) */
	e[4] = 0x48, e[8] = 0, put16(e + 9, 0xa0), e[11] = 1; /* I/O APIC 0 is 00:14.0 */
	ivhd(0x11, 0x0010, 0xfed80000, 0, 40 + 8); /* the same unit again, its entries ignored */
	e = tb + tlen - 8;
	e[0] = 0x48, e[4] = 0, put16(e + 5, 0xa1), e[7] = 1;
	tb[tlen] = 0x20, put16(tb + tlen + 2, 32), tlen += 32; /* an IVMD: not a unit */
	ivhd(0x40, 0x0200, 0xfd000000, 1, 40);
	CHECK(ivrs(&set, &why) == 0);
	CHECK(set.count == 2);
	CHECK(set.unit[0].kind == IOMMU_AMDVI && set.unit[0].regs_pa == 0xfed80000 && set.unit[0].devid == 0x10);
	CHECK(set.unit[1].regs_pa == 0xfd000000 && set.unit[1].segment == 1 && set.unit[1].devid == 0x200);
	CHECK(set.ioapic_count == 1 && set.ioapic[0].id == 0 && set.ioapic[0].rid == 0xa0 && set.ioapic[0].unit == 0);
	CHECK(set.reserved_all); /* the IVMD for every device */
}

static void ivmd(uint8_t type, uint16_t devid, uint16_t aux, uint64_t start, uint64_t len, uint16_t slen)
{
	uint8_t *s = tb + tlen;

	s[0] = type;
	put16(s + 2, slen);
	put16(s + 4, devid);
	put16(s + 6, aux);
	put64(s + 16, start);
	put64(s + 24, len);
	tlen += slen;
}

static void test_reserved(void)
{
	struct iommu_set set;
	const char *why;
	uint8_t *r;

	table("DMAR", 0);
	drhd(1, 0, 0xfed90000, 16);
	r = tb + tlen;
	rmrr();
	scope(r, 1, 0, 0, 0x14, 0); /* a USB controller at 00:14.0 */
	scope(r, 2, 0, 0, 0x1c, 0); /* a bridge's sub-hierarchy: its function recorded */
	CHECK(dmar(&set, &why) == 0);
	CHECK(set.reserved_count == 2 && !set.reserved_all);
	CHECK(set.reserved[0].first == 0xa0 && set.reserved[0].last == 0xa0 && set.reserved[0].base == 0x7f000000 &&
	      set.reserved[0].limit == 0x7f0fffff);
	CHECK(set.reserved[1].first == 0xe0);
	table("DMAR", 0);
	r = tb + tlen;
	rmrr();
	put16(r + 2, 20), tlen -= 4;
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "RMRR shorter"));
	table("DMAR", 0);
	r = tb + tlen;
	rmrr();
	scope(r, 1, 0, 0, 0x14, 0);
	tb[tlen - 7] = 12; /* past its RMRR */
	CHECK(dmar(&set, &why) == -EINVAL && strstr(why, "out of its RMRR"));
	table("DMAR", 0);
	for (unsigned i = 0; i <= IOMMU_MAX_RESERVED; i++) {
		r = tb + tlen;
		rmrr();
		scope(r, 1, 0, 0, (uint8_t)i, 0);
	}
	CHECK(dmar(&set, &why) == 0 && set.reserved_all); /* more than kept: every device */

	table("IVRS", 0);
	ivhd(0x10, 0x10, 0xfed80000, 0, 24);
	ivmd(0x21, 0x30, 0, 0x100000, 0x1000, 32);
	ivmd(0x22, 0x40, 0x47, 0x200000, 0x2000, 32);
	CHECK(ivrs(&set, &why) == 0 && !set.reserved_all && set.reserved_count == 2);
	CHECK(set.reserved[0].first == 0x30 && set.reserved[0].last == 0x30 && set.reserved[0].limit == 0x100fff);
	CHECK(set.reserved[1].first == 0x40 && set.reserved[1].last == 0x47 && set.reserved[1].base == 0x200000);
	table("IVRS", 0);
	ivmd(0x21, 0x30, 0, 0x100000, 0x1000, 24);
	CHECK(ivrs(&set, &why) == -EINVAL && strstr(why, "IVMD shorter"));
}

static void test_ivrs_refused(void)
{
	struct iommu_set set;
	const char *why;

	table("IVRS", 0);
	ivhd(0x11, 0x10, 0xfed80000, 0, 24); /* type 11h is 40 bytes at least */
	CHECK(ivrs(&set, &why) == -EINVAL && strstr(why, "shorter than its layout"));
	table("IVRS", 0);
	ivhd(0x10, 0x10, 0xfed81000, 0, 24);
	CHECK(ivrs(&set, &why) == -EINVAL && strstr(why, "16 KiB"));
	table("IVRS", 0);
	ivhd(0x10, 0x10, 0xfed80000, 0, 24);
	put16(tb + 48 + 2, 200); /* past the table */
	CHECK(ivrs(&set, &why) == -EINVAL && strstr(why, "out of the table"));
	table("IVRS", 0);
	tb[tlen] = 0x10, tlen += 3; /* cut inside a block header */
	CHECK(ivrs(&set, &why) == -EINVAL && strstr(why, "cut short"));
	table("IVRS", 0);
	ivhd(0x10, 0x10, 0xfed80000, 0, 24 + 4);
	tb[48 + 24] = 0x90; /* no such entry type: its length unknown */
	CHECK(ivrs(&set, &why) == -EINVAL && strstr(why, "unknown type"));
	table("IVRS", 0);
	ivhd(0x10, 0x10, 0xfed80000, 0, 24 + 4);
	tb[48 + 24] = 0x48; /* an 8-byte entry in 4 bytes */
	CHECK(ivrs(&set, &why) == -EINVAL && strstr(why, "out of its IVHD"));
	table("IVRS", 0);
	ivhd(0x10, 0x10, 0xfed80000, 0, 24 + 24);
	tb[48 + 24] = 0xf0, tb[48 + 24 + 21] = 9; /* an ACPI HID entry whose UID runs past */
	CHECK(ivrs(&set, &why) == -EINVAL && strstr(why, "out of its IVHD"));
}

int main(void)
{
	CHECK_RUN(test_dmar_units);
	CHECK_RUN(test_dmar_refused);
	CHECK_RUN(test_ivrs_units);
	CHECK_RUN(test_ivrs_refused);
	CHECK_RUN(test_reserved);
	return check_done();
}
