// SPDX-License-Identifier: MIT
/*
 * Unit tests of the SPCR parser (drivers/acpi.c, acpi_spcr_parse and
 * acpi_find_console) on real table bytes: tests/unit/spcr-tables.sh has
 * Debian's iasl compile its own SPCR template with each variant's fields
 * set, at build time. Each refusal below is one of those tables with one
 * field changed (and its checksum corrected, unless the checksum is what
 * is tested); every truncation and every one-byte flip ends in a clean
 * verdict under ASan.
 */
#define CHECK_SUITE "spcr"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/acpi.h"
#include "spcr_tables.h"

/* drivers/acpi.c reaches tables through the VMM's physical map: here the
 * "physical addresses" are the test's own pointers. */
void *phys_to_virt(uint64_t pa);
void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

#define T(name) name, sizeof(name)

static uint8_t work[256];

/* A copy of a table with one field set (little-endian, size bytes), the
 * checksum corrected unless keep_sum. */
static uint8_t *edit(const uint8_t *t, size_t len, unsigned off, unsigned size, uint32_t v, int keep_sum)
{
	uint8_t sum = 0;

	memcpy(work, t, len);
	for (unsigned i = 0; i < size; i++)
		work[off + i] = (uint8_t)(v >> (8 * i));
	if (keep_sum)
		return work;
	work[9] = 0;
	for (size_t i = 0; i < len; i++)
		sum += work[i];
	work[9] = (uint8_t)-sum;
	return work;
}

static int parse(const uint8_t *t, size_t len, struct acpi_console *c, const char **why)
{
	*why = "(none)";
	return acpi_spcr_parse(t, (uint32_t)len, c, why);
}

static void com1_read(void)
{
	struct acpi_console c;
	const char *why;

	CHECK_EQ(sizeof(spcr_com1), 80);
	CHECK_EQ(parse(T(spcr_com1), &c, &why), 0);
	CHECK(!c.uart.mmio);
	CHECK_EQ(c.uart.base, 0x3f8);
	CHECK_EQ(c.uart.width, 1);
	CHECK_EQ(c.uart.shift, 0);
	CHECK_EQ(c.baud, 115200);
	CHECK_EQ(c.uart.divisor, 1);
	CHECK(!c.pci);
	CHECK_EQ(c.isa_irq, 4);
	CHECK_EQ(c.revision, 2);
}

static void mmio32_read(void)
{
	struct acpi_console c;
	const char *why;

	CHECK_EQ(parse(T(spcr_mmio32), &c, &why), 0);
	CHECK(c.uart.mmio);
	CHECK_EQ(c.uart.base, 0xfe030000);
	CHECK_EQ(c.uart.width, 4);
	CHECK_EQ(c.uart.shift, 2);
	CHECK_EQ(c.baud, 0); /* as the firmware set it: */
	CHECK_EQ(c.uart.divisor, 0); /* the divisor is left alone */
	CHECK_EQ(c.isa_irq, -1);
	CHECK_EQ(c.type, 0x12);
}

static void mmio8_read(void)
{
	struct acpi_console c;
	const char *why;

	CHECK_EQ(parse(T(spcr_mmio8), &c, &why), 0);
	CHECK(c.uart.mmio);
	CHECK_EQ(c.uart.base, 0xfedc9000);
	CHECK_EQ(c.uart.width, 1);
	CHECK_EQ(c.uart.shift, 0);
	CHECK_EQ(c.baud, 19200);
	CHECK_EQ(c.uart.divisor, 6);
}

static void pci_read(void)
{
	struct acpi_console c;
	const char *why;

	CHECK_EQ(parse(T(spcr_pci), &c, &why), 0);
	CHECK(c.pci);
	CHECK_EQ(c.vendor, 0x1b36);
	CHECK_EQ(c.device, 0x0002);
	CHECK_EQ(c.pci_addr.segment, 0);
	CHECK_EQ(c.pci_addr.bus, 0);
	CHECK_EQ(c.pci_addr.dev, 4);
	CHECK_EQ(c.pci_addr.fn, 0);
	CHECK(!c.uart.mmio);
	CHECK_EQ(c.uart.base, 0xc000);
	CHECK_EQ(c.baud, 57600);
	CHECK_EQ(c.uart.divisor, 2);
	/* Vendor 0 (the template's own zeros) is no PCI device either. */
	CHECK_EQ(parse(edit(T(spcr_pci), 66, 2, 0, 0), sizeof(spcr_pci), &c, &why), 0);
	CHECK(!c.pci);
}

/* Revision 1 numbers interfaces its own way: 1 is a 16450; the GAS type
 * 0x12 exists from revision 2 on. */
static void revision_1(void)
{
	struct acpi_console c;
	const char *why;

	CHECK_EQ(parse(T(spcr_rev1), &c, &why), 0);
	CHECK_EQ(c.revision, 1);
	CHECK_EQ(c.type, 1);
	CHECK_EQ(c.uart.base, 0x2f8);
	CHECK_EQ(c.baud, 9600);
	CHECK_EQ(c.uart.divisor, 12);
	CHECK_EQ(parse(edit(T(spcr_rev1), 36, 1, 0x12, 0), sizeof(spcr_rev1), &c, &why), -EINVAL);
	CHECK(strstr(why, "not a 16550"));
	CHECK_EQ(parse(edit(T(spcr_rev1), 8, 1, 2, 0), sizeof(spcr_rev1), &c, &why), 0);
	CHECK_EQ(parse(edit(T(spcr_mmio32), 8, 1, 1, 0), sizeof(spcr_mmio32), &c, &why), -EINVAL);
	CHECK_EQ(parse(edit(T(spcr_rev1), 8, 1, 0, 0), sizeof(spcr_rev1), &c, &why), -EINVAL);
	CHECK(strstr(why, "revision is 0"));
}

/* Revision 3's UART clock and revision 4's precise baud rate, read only
 * from tables of those revisions. */
static void revision_3_and_4(void)
{
	uint8_t big[88];
	struct acpi_console c;
	const char *why;

	/* rev 3, a 14.7456 MHz clock: divisor 8 for 115200 */
	edit(T(spcr_com1), 76, 4, 14745600, 0);
	CHECK_EQ(parse(work, sizeof(spcr_com1), &c, &why), 0);
	CHECK_EQ(c.uart.divisor, 1); /* revision 2: the field is reserved */
	edit(work, sizeof(spcr_com1), 8, 1, 3, 0);
	CHECK_EQ(parse(work, sizeof(spcr_com1), &c, &why), 0);
	CHECK_EQ(c.uart.divisor, 8);
	/* rev 4, 88 bytes: 1.5 Mbaud from a 24 MHz clock */
	memset(big, 0, sizeof(big));
	memcpy(big, spcr_com1, sizeof(spcr_com1));
	big[4] = sizeof(big);
	memcpy(work, big, sizeof(big));
	edit(work, sizeof(big), 8, 1, 4, 1);
	edit(work, sizeof(big), 76, 4, 24000000, 1);
	edit(work, sizeof(big), 80, 4, 1500000, 0);
	CHECK_EQ(parse(work, sizeof(big), &c, &why), 0);
	CHECK_EQ(c.baud, 1500000);
	CHECK_EQ(c.uart.divisor, 1);
	/* ... which the PC's 1.8432 MHz clock cannot give */
	edit(work, sizeof(big), 76, 4, 0, 0);
	CHECK_EQ(parse(work, sizeof(big), &c, &why), -EINVAL);
	CHECK(strstr(why, "cannot be set"));
}

struct bad {
	const char *name;
	const uint8_t *table;
	size_t len;
	unsigned off, size;
	uint32_t value;
	int keep_sum;
	const char *why;
};

#define BAD(n, t, off, size, v, keep, why) { n, t, sizeof(t), off, size, v, keep, why }

static const struct bad bads[] = {
	BAD("bad_checksum", spcr_com1, 9, 1, 0x00, 1, "checksum"),
	BAD("flipped_byte_keeps_checksum", spcr_com1, 58, 1, 0x06, 1, "checksum"),
	BAD("length_79", spcr_com1, 4, 4, 79, 0, "length"),
	BAD("length_0", spcr_com1, 4, 4, 0, 0, "length"),
	BAD("length_past_memory", spcr_com1, 4, 4, 81, 0, "length"),
	BAD("length_huge", spcr_com1, 4, 4, 0xffffffff, 0, "length"),
	BAD("signature", spcr_com1, 0, 1, 'X', 0, "not an SPCR"),
	BAD("interface_pl011", spcr_com1, 36, 1, 0x03, 0, "not a 16550"),
	BAD("interface_sbsa", spcr_mmio32, 36, 1, 0x0e, 0, "not a 16550"),
	BAD("interface_lpss", spcr_mmio32, 36, 1, 0x14, 0, "not a 16550"),
	BAD("space_pci_config", spcr_com1, 40, 1, 0x02, 0, "neither system I/O nor system memory"),
	BAD("space_ffixed", spcr_com1, 40, 1, 0x7f, 0, "neither system I/O nor system memory"),
	BAD("io_16_bit", spcr_com1, 41, 1, 16, 0, "register width"),
	BAD("io_dword_access", spcr_com1, 43, 1, 3, 0, "register width"),
	BAD("bit_offset", spcr_com1, 42, 1, 1, 0, "register width"),
	BAD("mmio_word_access", spcr_mmio32, 43, 1, 2, 0, "register width"),
	BAD("mmio_qword_access", spcr_mmio32, 43, 1, 4, 0, "register width"),
	BAD("mmio_16_bit_legacy", spcr_mmio8, 41, 1, 16, 0, "register width"),
	BAD("address_0", spcr_com1, 44, 4, 0, 0, "address is 0"),
	BAD("mmio32_unaligned", spcr_mmio32, 44, 4, 0xfe030002, 0, "unaligned"),
	BAD("ports_past_ffff", spcr_com1, 44, 4, 0xfffc, 0, "past 0xffff"),
	BAD("mmio_beyond_52_bits", spcr_mmio32, 48, 4, 0x00100000, 0, "beyond physical memory"),
	BAD("baud_code_5", spcr_com1, 58, 1, 5, 0, "baud rate code"),
	BAD("baud_code_8", spcr_com1, 58, 1, 8, 0, "baud rate code"),
	BAD("baud_code_ff", spcr_com1, 58, 1, 0xff, 0, "baud rate code"),
};

static void refusals(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		unsigned before = check_case_failures;
		struct acpi_console c;
		const char *why;
		uint8_t *t = edit(b->table, b->len, b->off, b->size, b->value, b->keep_sum);

		CHECK_EQ(parse(t, b->len, &c, &why), -EINVAL);
		if (!CHECK(strstr(why, b->why)))
			printf("    why \"%s\", wanted \"%s\"\n", why, b->why);
		check_result(b->name, check_case_failures == before);
	}
}

/* Every truncation and one-byte flip of every table: a verdict, never a
 * read past the bytes given (ASan), and an accepted table always holds a
 * UART the driver can address. */
static void corruptions_fail_cleanly(void)
{
	static const struct { const uint8_t *t; size_t len; } all[] = {
		{ T(spcr_com1) }, { T(spcr_mmio32) }, { T(spcr_mmio8) }, { T(spcr_pci) }, { T(spcr_rev1) },
	};
	struct acpi_console c;
	const char *why;

	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		for (size_t n = 0; n < all[k].len; n++) {
			uint8_t *copy = malloc(n ? n : 1);

			memcpy(copy, all[k].t, n);
			CHECK_EQ(parse(copy, n, &c, &why), -EINVAL);
			free(copy);
		}
		for (size_t i = 0; i < all[k].len; i++)
			for (unsigned bit = 0; bit < 8; bit++) {
				uint8_t *copy = malloc(all[k].len);
				int rc;

				memcpy(copy, all[k].t, all[k].len);
				copy[i] ^= (uint8_t)(1u << bit);
				rc = parse(copy, all[k].len, &c, &why);
				CHECK(rc == -EINVAL); /* one flipped bit always breaks the checksum */
				free(copy);
			}
	}
}

/* Through the RSDP and XSDT as the VMM finds it. */
static struct {
	uint8_t rsdp[36];
	uint8_t xsdt[36 + 8];
	uint8_t spcr[80];
} tb;

static uint64_t tables(const uint8_t *spcr, int with_spcr)
{
	uint8_t sum = 0;

	memset(&tb, 0, sizeof(tb));
	memcpy(tb.spcr, spcr, sizeof(tb.spcr));
	memcpy(tb.xsdt, "XSDT", 4);
	tb.xsdt[4] = with_spcr ? sizeof(tb.xsdt) : 36;
	tb.xsdt[8] = 1;
	*(uint64_t *)(void *)(tb.xsdt + 36) = (uint64_t)(uintptr_t)tb.spcr;
	for (size_t i = 0; i < tb.xsdt[4]; i++)
		sum += tb.xsdt[i];
	tb.xsdt[9] = (uint8_t)-sum;
	memcpy(tb.rsdp, "RSD PTR ", 8);
	tb.rsdp[15] = 2;
	*(uint64_t *)(void *)(tb.rsdp + 24) = (uint64_t)(uintptr_t)tb.xsdt;
	sum = 0;
	for (size_t i = 0; i < 20; i++)
		sum += tb.rsdp[i];
	tb.rsdp[8] = (uint8_t)-sum;
	return (uint64_t)(uintptr_t)tb.rsdp;
}

static void found_through_xsdt(void)
{
	struct acpi_console c;
	const char *why = "";

	CHECK_EQ(acpi_find_console(tables(spcr_com1, 1), &c, &why), 0);
	CHECK_EQ(c.uart.base, 0x3f8);
	CHECK_EQ(acpi_find_console(tables(spcr_com1, 0), &c, &why), -ENOENT);
	CHECK(!strcmp(why, "no SPCR"));
	CHECK_EQ(acpi_find_console(0, &c, &why), -ENOENT);
	/* A broken SPCR is reported as such, not taken for a missing one. */
	CHECK_EQ(acpi_find_console(tables(edit(T(spcr_com1), 9, 1, 0, 1), 1), &c, &why), -EINVAL);
	CHECK(strstr(why, "checksum"));
}

int main(void)
{
	CHECK_RUN(com1_read);
	CHECK_RUN(mmio32_read);
	CHECK_RUN(mmio8_read);
	CHECK_RUN(pci_read);
	CHECK_RUN(revision_1);
	CHECK_RUN(revision_3_and_4);
	refusals();
	CHECK_RUN(corruptions_fail_cleanly);
	CHECK_RUN(found_through_xsdt);
	return check_done();
}
