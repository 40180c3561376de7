// SPDX-License-Identifier: MIT
/*
 * Unit tests of the processors the MADT lists (drivers/acpi.c,
 * acpi_find_cpus), on tables built here byte by byte from the ACPI
 * specification's layouts: local APIC and x2APIC entries, disabled ones,
 * one processor listed twice, more processors than the VMM takes (with the
 * boot CPU among the extra ones), and malformed entries.
 */
#define CHECK_SUITE "madt"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "drivers/acpi.h"
#include "tests/unit/acpi_build.h"

#define MADT_MAX (44 + 1000 * 16)

static struct {
	uint8_t rsdp[36];
	uint8_t xsdt[36 + 8];
	uint8_t madt[MADT_MAX];
	uint32_t len;
} tb;

static void lapic(uint8_t id, uint32_t flags)
{
	uint8_t *e = tb.madt + tb.len;

	e[0] = 0, e[1] = 8, e[2] = id, e[3] = id;
	put32(e + 4, flags);
	tb.len += 8;
}

static void x2apic(uint32_t id, uint32_t flags)
{
	uint8_t *e = tb.madt + tb.len;

	memset(e, 0, 16);
	e[0] = 9, e[1] = 16;
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, id); /* ACPI processor UID */
	tb.len += 16;
}

static void madt_begin(void)
{
	memset(&tb, 0, sizeof(tb));
	tb.len = 44; /* header, local APIC address, flags */
	put32(tb.madt + 36, 0xfee00000);
}

/* Close the MADT (length as given, or as built) and the tables to it. */
static uint64_t madt_end(uint32_t len)
{
	const void *t[] = { tb.madt };

	acpi_header(tb.madt, "APIC", len ? len : tb.len);
	return acpi_root(tb.rsdp, tb.xsdt, t, 1);
}

static bool unique(const struct acpi_cpus *c)
{
	for (unsigned i = 0; i < c->count; i++)
		for (unsigned j = i + 1; j < c->count; j++)
			if (c->apic_id[i] == c->apic_id[j])
				return false;
	return true;
}

/* Local APIC and x2APIC entries; the disabled one left out, the one
 * listed twice taken once, the boot CPU first. */
static void mixed_entries(void)
{
	static struct acpi_cpus c;
	uint64_t r;

	madt_begin();
	lapic(0, 1);
	lapic(1, 1);
	lapic(2, 0); /* disabled */
	lapic(3, 1);
	x2apic(300, 1);
	x2apic(3, 1); /* CPU 3 again */
	x2apic(301, 1);
	r = madt_end(0);
	CHECK_EQ(acpi_find_cpus(r, 300, &c), 0);
	CHECK_EQ(c.count, 5);
	CHECK_EQ(c.listed, 5);
	CHECK_EQ(c.apic_id[0], 300);
	CHECK_EQ(c.apic_id[3], 0); /* where the boot CPU was */
	CHECK(unique(&c));
	CHECK_EQ(acpi_find_cpus(r, 2, &c), -ENXIO); /* the disabled one is not the boot CPU */
	CHECK_EQ(acpi_find_cpus(r, 7, &c), -ENXIO);
}

/* 1000 processors: the VMM lists ACPI_MAX_CPUS, counts them all, and
 * keeps the boot CPU though the MADT names it near the end. */
static void more_than_the_vmm_takes(void)
{
	static struct acpi_cpus c;
	uint64_t r;

	madt_begin();
	for (uint32_t id = 0; id < 1000; id++)
		x2apic(id * 2, 1);
	r = madt_end(0);
	CHECK_EQ(acpi_find_cpus(r, 1990, &c), 0);
	CHECK_EQ(c.count, ACPI_MAX_CPUS);
	CHECK_EQ(c.listed, 1000);
	CHECK_EQ(c.apic_id[0], 1990);
	CHECK(unique(&c));
	CHECK_EQ(acpi_find_cpus(r, 0, &c), 0);
	CHECK_EQ(c.apic_id[0], 0);
	CHECK_EQ(c.apic_id[ACPI_MAX_CPUS - 1], (ACPI_MAX_CPUS - 1) * 2);
}

/* Entries that run past the table, or claim less than two bytes, end the
 * walk there; a table whose checksum fails is not read. */
static void malformed(void)
{
	static struct acpi_cpus c;
	uint64_t r;

	madt_begin();
	lapic(0, 1);
	lapic(1, 1);
	x2apic(5, 1);
	r = madt_end(tb.len - 4); /* the x2APIC entry runs past the end */
	CHECK_EQ(acpi_find_cpus(r, 0, &c), 0);
	CHECK_EQ(c.count, 2);
	madt_begin();
	lapic(0, 1);
	tb.madt[tb.len + 1] = 0; /* a zero-length entry */
	tb.len += 2;
	lapic(1, 1);
	r = madt_end(0);
	CHECK_EQ(acpi_find_cpus(r, 0, &c), 0);
	CHECK_EQ(c.count, 1);
	madt_begin();
	lapic(0, 1);
	r = madt_end(0);
	tb.madt[44] ^= 1;
	CHECK_EQ(acpi_find_cpus(r, 0, &c), -ENOENT);
	CHECK_EQ(c.count, 0);
	CHECK_EQ(acpi_find_cpus(0, 0, &c), -ENODEV);
}

int main(void)
{
	CHECK_RUN(mixed_entries);
	CHECK_RUN(more_than_the_vmm_takes);
	CHECK_RUN(malformed);
	return check_done();
}
