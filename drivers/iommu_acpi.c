/* SPDX-License-Identifier: MIT */
/*
 * The firmware's descriptions of its IOMMUs: the DMAR table (Intel VT-d
 * specification, chapter 8) and the IVRS table (AMD I/O Virtualization
 * Technology specification, section 5). Pure parsing, no hardware: the
 * unit tests feed it tables built byte by byte.
 */
#include <errno.h>
#include <string.h>
#include "drivers/iommu.h"

#define ACPI_HEADER 36
#define DMAR_FIRST 48 /* header, host address width, flags, 10 reserved */
#define DMAR_FLAG_INTR_REMAP 1u
#define DMAR_DRHD 0
#define DMAR_RMRR 1
#define RMRR_LEN 24
#define SCOPE_ENDPOINT 1
#define IVMD_ALL 0x20
#define IVMD_ONE 0x21
#define IVMD_RANGE 0x22
#define IVMD_LEN 32
#define DRHD_LEN 16
#define DRHD_INCLUDE_PCI_ALL 1u
#define SCOPE_IOAPIC 3
#define IVHD_SPECIAL 0x48
#define IVHD_ACPI_HID 0xf0
#define SPECIAL_IOAPIC 1
#define IVRS_FIRST 48 /* header, IVinfo, 8 reserved */
#define IVHD_10 0x10
#define IVHD_11 0x11
#define IVHD_40 0x40
#define IVHD_LEN_10 24
#define IVHD_LEN_11 40

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int parse_fail(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

static int ioapic_add(struct iommu_set *set, const struct iommu_unit *u, uint8_t id, uint16_t rid, const char **why)
{
	for (unsigned i = 0; i < set->ioapic_count; i++)
		if (set->ioapic[i].id == id)
			return parse_fail(why, "one I/O APIC tied to two requester IDs");
	if (set->ioapic_count == IOMMU_MAX_IOAPICS)
		return parse_fail(why, "more I/O APICs than the VMM takes");
	set->ioapic[set->ioapic_count++] =
		(struct iommu_ioapic){ .id = id, .rid = rid, .unit = (uint8_t)(u - set->unit) };
	return 0;
}

static struct iommu_unit *unit_add(struct iommu_set *set, enum iommu_kind kind, uint64_t regs, uint16_t segment)
{
	for (unsigned i = 0; i < set->count; i++)
		if (set->unit[i].regs_pa == regs)
			return &set->unit[i];
	if (set->count == IOMMU_MAX_UNITS)
		return NULL;
	set->unit[set->count] = (struct iommu_unit){ .kind = kind, .regs_pa = regs, .segment = segment };
	return &set->unit[set->count++];
}

/* A DRHD's device scopes: the I/O APICs' requester IDs. A scope's path
 * of one element names its function directly; a longer one goes through
 * bridges whose bus numbers only PCI enumeration knows, and no I/O APIC
 * sits behind one on the platforms this VMM takes: refused. */
static int drhd_scopes(const uint8_t *s, uint32_t len, struct iommu_set *set, const struct iommu_unit *u,
		       const char **why)
{
	for (uint32_t off = DRHD_LEN; off < len;) {
		const uint8_t *d = s + off;

		if (len - off < 6 || d[1] < 6 || d[1] > len - off || (d[1] - 6) % 2)
			return parse_fail(why, "DMAR device scope length out of its DRHD");
		if (d[0] == SCOPE_IOAPIC) {
			int err;

			if (d[1] != 8)
				return parse_fail(why, "DMAR I/O APIC scope behind a bridge");
			err = ioapic_add(set, u, d[4], (uint16_t)(d[5] << 8 | (d[6] & 0x1f) << 3 | (d[7] & 7)), why);
			if (err)
				return err;
		}
		off += d[1];
	}
	return 0;
}

static void reserved_add(struct iommu_set *set, uint16_t segment, uint16_t first, uint16_t last, uint64_t base,
			 uint64_t limit)
{
	if (set->reserved_count == IOMMU_MAX_RESERVED) {
		set->reserved_all = true; /* cannot tell which devices: none is assigned */
		return;
	}
	set->reserved[set->reserved_count++] =
		(struct iommu_reserved){ .segment = segment, .first = first, .last = last, .base = base, .limit = limit };
}

/* An RMRR's endpoints. A path of one element names its function; a longer
 * one names a function behind a bridge, which is never assigned (vpci
 * takes bus 0 only), and the first element's bridge is recorded. */
static int rmrr_take(const uint8_t *s, uint16_t len, struct iommu_set *set, const char **why)
{
	uint16_t segment = get16(s + 6);

	if (len < RMRR_LEN)
		return parse_fail(why, "DMAR RMRR shorter than its layout");
	for (uint32_t off = RMRR_LEN; off < len;) {
		const uint8_t *d = s + off;

		if (len - off < 8 || d[1] < 8 || d[1] > len - off || (d[1] - 6) % 2)
			return parse_fail(why, "DMAR device scope length out of its RMRR");
		if (d[0] == SCOPE_ENDPOINT || d[0] == 2) {
			uint16_t rid = (uint16_t)(d[5] << 8 | (d[6] & 0x1f) << 3 | (d[7] & 7));

			reserved_add(set, segment, rid, rid, get64(s + 8), get64(s + 16));
		}
		off += d[1];
	}
	return 0;
}

int iommu_dmar_parse(const uint8_t *t, uint32_t len, struct iommu_set *set, const char **why)
{
	if (len < DMAR_FIRST)
		return parse_fail(why, "DMAR shorter than its header");
	if (t[37] & DMAR_FLAG_INTR_REMAP)
		set->intremap_fw = true;
	for (uint32_t off = DMAR_FIRST; off < len;) {
		uint16_t type, slen;
		struct iommu_unit *u;

		if (len - off < 4)
			return parse_fail(why, "DMAR structure cut short");
		type = get16(t + off), slen = get16(t + off + 2);
		if (slen < 4 || slen > len - off)
			return parse_fail(why, "DMAR structure length out of the table");
		if (type == DMAR_DRHD) {
			if (slen < DRHD_LEN)
				return parse_fail(why, "DMAR DRHD shorter than its layout");
			if (!get64(t + off + 8) || get64(t + off + 8) & 0xfff)
				return parse_fail(why, "DMAR DRHD register base not page-aligned");
			u = unit_add(set, IOMMU_VTD, get64(t + off + 8), get16(t + off + 6));
			if (!u)
				return parse_fail(why, "more DMA remapping units than the VMM takes");
			u->pci_all = t[off + 4] & DRHD_INCLUDE_PCI_ALL;
			if (drhd_scopes(t + off, slen, set, u, why))
				return -EINVAL;
		} else if (type == DMAR_RMRR && rmrr_take(t + off, slen, set, why)) {
			return -EINVAL;
		}
		off += slen;
	}
	return 0;
}

/* An IVHD's device entries: 4 bytes for types below 40h, 8 below 80h,
 * and the ACPI HID entry its own length; the special entries tie I/O
 * APICs (by their ID) to requester IDs. */
static int ivhd_entries(const uint8_t *b, uint16_t slen, uint16_t first, struct iommu_set *set,
			const struct iommu_unit *u, const char **why)
{
	for (uint32_t off = first; off < slen;) {
		const uint8_t *d = b + off;
		uint32_t n = d[0] < 0x40 ? 4 : d[0] < 0x80 ? 8 : 0;

		if (d[0] == IVHD_ACPI_HID && slen - off >= 22)
			n = 22u + d[21];
		if (!n)
			return parse_fail(why, "IVRS device entry of an unknown type");
		if (n > slen - off)
			return parse_fail(why, "IVRS device entry out of its IVHD");
		if (d[0] == IVHD_SPECIAL && d[7] == SPECIAL_IOAPIC) {
			int err = ioapic_add(set, u, d[4], get16(d + 5), why);

			if (err)
				return err;
		}
		off += n;
	}
	return 0;
}

/* IVHD types 10h, 11h and 40h describe the same IOMMU in more or less
 * detail; firmware may give several for one unit (same register base),
 * and its device entries in each: the I/O APICs are taken from the first. */
static int ivhd_take(const uint8_t *b, uint16_t slen, struct iommu_set *set, const char **why)
{
	uint16_t first = b[0] == IVHD_10 ? IVHD_LEN_10 : IVHD_LEN_11;
	struct iommu_unit *u;
	unsigned before = set->count;
	uint64_t base;

	if (slen < first)
		return parse_fail(why, "IVRS IVHD shorter than its layout");
	base = get64(b + 8);
	if (!base || base & 0x3fff)
		return parse_fail(why, "IVRS IVHD register base not aligned to 16 KiB");
	u = unit_add(set, IOMMU_AMDVI, base, get16(b + 16));
	if (!u)
		return parse_fail(why, "more IOMMUs than the VMM takes");
	u->devid = get16(b + 4);
	return set->count > before ? ivhd_entries(b, slen, first, set, u, why) : 0;
}

int iommu_ivrs_parse(const uint8_t *t, uint32_t len, struct iommu_set *set, const char **why)
{
	if (len < IVRS_FIRST)
		return parse_fail(why, "IVRS shorter than its header");
	for (uint32_t off = IVRS_FIRST; off < len;) {
		uint16_t slen;
		uint8_t type;
		int err;

		if (len - off < 4)
			return parse_fail(why, "IVRS block cut short");
		type = t[off], slen = get16(t + off + 2);
		if (slen < 4 || slen > len - off)
			return parse_fail(why, "IVRS block length out of the table");
		if (type == IVHD_10 || type == IVHD_11 || type == IVHD_40) {
			err = ivhd_take(t + off, slen, set, why);
			if (err)
				return err;
		} else if (type == IVMD_ALL || type == IVMD_ONE || type == IVMD_RANGE) {
			const uint8_t *b = t + off;

			if (slen < IVMD_LEN)
				return parse_fail(why, "IVRS IVMD shorter than its layout");
			if (type == IVMD_ALL)
				set->reserved_all = true;
			else
				reserved_add(set, 0, get16(b + 4), type == IVMD_RANGE ? get16(b + 6) : get16(b + 4),
					     get64(b + 16), get64(b + 16) + get64(b + 24) - 1);
		}
		off += slen;
	}
	return 0;
}
