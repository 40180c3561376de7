/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables built byte by byte in host unit tests, from the ACPI
 * specification's layouts: a table header with its checksum, an XSDT
 * listing tables, the RSDP that points at it. drivers/acpi.c reaches
 * tables through the VMM's physical map: in these tests the "physical
 * addresses" are the test's own pointers.
 */
#ifndef TESTS_UNIT_ACPI_BUILD_H
#define TESTS_UNIT_ACPI_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *phys_to_virt(uint64_t pa);
void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline uint8_t acpi_sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Signature, length, revision 2, an OEM ID, and the checksum last. */
static inline void acpi_header(uint8_t *t, const char *sig, uint32_t len)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 2;
	memcpy(t + 10, "VIGIL ", 6);
	t[9] = 0;
	t[9] = (uint8_t)-acpi_sum(t, len);
}

/* An XSDT of n tables (xsdt: 36 + 8 * n bytes) and a revision 2 RSDP
 * (36 bytes) pointing at it; returns the RSDP's "physical" address. */
static inline uint64_t acpi_root(uint8_t *rsdp, uint8_t *xsdt, const void *const *tables, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put64(xsdt + 36 + 8 * i, (uint64_t)(uintptr_t)tables[i]);
	acpi_header(xsdt, "XSDT", 36 + 8 * n);
	memset(rsdp, 0, 36);
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	put64(rsdp + 24, (uint64_t)(uintptr_t)xsdt);
	rsdp[8] = (uint8_t)-acpi_sum(rsdp, 20);
	return (uint64_t)(uintptr_t)rsdp;
}

#endif
