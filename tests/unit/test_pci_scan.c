/* SPDX-License-Identifier: MIT */
/*
 * The stub's bus-master pass after ExitBootServices (boot/pci_scan.c) on
 * a pretend segment 0: which functions it finds, which command registers
 * it writes and what it writes there.
 */
#define CHECK_SUITE "pci_scan"
#include <stdint.h>
#include <string.h>

#include "boot/pci_scan.h"
#include "tests/unit/check.h"

#define MASTER 0x0004
#define OTHER_BITS 0x0743 /* I/O, memory, parity, SERR, INTx disable */
#define STATUS_ERRORS 0xf900 /* write-1-to-clear */

struct fake_fn {
	uint16_t vendor, command, status;
	uint16_t fixed; /* command bits the function holds at 1 */
	uint8_t header;
	unsigned writes;
};

static struct fake_fn space[1 << 16];
static unsigned bad_accesses;

/* Function 0 of a device with no multi-function bit answers for all eight
 * function numbers, as some single-function devices do. */
static struct fake_fn *fake_at(uint16_t bdf)
{
	struct fake_fn *f0 = &space[bdf & ~7u];

	if ((bdf & 7) && f0->vendor != 0xffff && !(f0->header & 0x80))
		return f0;
	return &space[bdf];
}

uint16_t pci_cfg_read16(uint16_t bdf, uint8_t off)
{
	const struct fake_fn *f = fake_at(bdf);

	switch (off) {
	case 0x00: return f->vendor;
	case 0x04: return f->command;
	case 0x06: return f->status;
	case 0x0e: return (uint16_t)(0xa500 | f->header); /* BIST in the high byte */
	default: bad_accesses++; return 0xffff;
	}
}

void pci_cfg_write16(uint16_t bdf, uint8_t off, uint16_t v)
{
	struct fake_fn *f = fake_at(bdf);

	f->writes++;
	if (off != 0x04) {
		bad_accesses++;
		return;
	}
	f->command = v | f->fixed;
}

static void space_empty(void)
{
	for (unsigned i = 0; i < 1u << 16; i++)
		space[i] = (struct fake_fn){ .vendor = 0xffff, .command = 0xffff, .status = 0xffff };
	bad_accesses = 0;
}

static struct fake_fn *fn_add(unsigned bus, unsigned dev, unsigned fn, uint8_t header, uint16_t command)
{
	struct fake_fn *f = &space[PCI_BDF(bus, dev, fn)];

	*f = (struct fake_fn){ .vendor = 0x8086, .command = command, .status = STATUS_ERRORS, .header = header };
	return f;
}

static unsigned writes_total(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 1u << 16; i++)
		n += space[i].writes;
	return n;
}

static void empty_segment(void)
{
	struct pci_count c = { 7, 7, 7 };

	space_empty();
	pci_bus_masters_off(&c);
	CHECK_EQ(c.functions, 0);
	CHECK_EQ(c.cleared, 0);
	CHECK_EQ(c.kept, 0);
	CHECK_EQ(writes_total(), 0);
	CHECK_EQ(bad_accesses, 0);
}

/* The bit goes, every other command bit stays, the status register is
 * never written, and a function without bus mastering is not written. */
static void master_bit_alone(void)
{
	struct pci_count c;
	struct fake_fn *on, *off;

	space_empty();
	on = fn_add(0, 2, 0, 0x00, OTHER_BITS | MASTER);
	off = fn_add(0, 3, 0, 0x00, OTHER_BITS);
	pci_bus_masters_off(&c);
	CHECK_EQ(c.functions, 2);
	CHECK_EQ(c.cleared, 1);
	CHECK_EQ(c.kept, 0);
	CHECK_EQ(on->command, OTHER_BITS);
	CHECK_EQ(on->status, STATUS_ERRORS);
	CHECK_EQ(on->writes, 1);
	CHECK_EQ(off->command, OTHER_BITS);
	CHECK_EQ(off->writes, 0);
	CHECK_EQ(bad_accesses, 0);
}

/* Functions 1-7 count only behind a multi-function function 0, absent
 * ones are skipped, and function 0 absent hides the device. */
static void functions_of_a_device(void)
{
	struct pci_count c;

	space_empty();
	fn_add(0, 0x1f, 0, 0x80, MASTER);
	fn_add(0, 0x1f, 2, 0x00, MASTER);
	fn_add(0, 0x1f, 7, 0x00, 0);
	fn_add(0, 4, 0, 0x00, MASTER);	  /* answers for 1-7 too (fake_at) */
	fn_add(0, 5, 3, 0x80, MASTER);	  /* no function 0: no device */
	pci_bus_masters_off(&c);
	CHECK_EQ(c.functions, 4);
	CHECK_EQ(c.cleared, 3);
	CHECK_EQ(space[PCI_BDF(0, 0x1f, 2)].command, 0);
	CHECK_EQ(space[PCI_BDF(0, 4, 0)].writes, 1);
	CHECK_EQ(space[PCI_BDF(0, 5, 3)].command, MASTER);
	CHECK_EQ(bad_accesses, 0);
}

/* Bridges are functions like the others, and every bus is reached, the
 * last device of the last bus too, whatever the bridges' numbering. */
static void bridges_and_every_bus(void)
{
	struct pci_count c;

	space_empty();
	fn_add(0, 0, 0, 0x00, 0x0006);		/* host bridge */
	fn_add(0, 1, 0, 0x01, 0x0007);		/* PCI-to-PCI bridge */
	fn_add(1, 0, 0, 0x00, MASTER | 0x0002);	/* behind it */
	fn_add(0x7f, 9, 0, 0x81, MASTER);	/* a multi-function bridge */
	fn_add(0x7f, 9, 1, 0x00, MASTER);
	fn_add(255, 31, 0, 0x80, 0);
	fn_add(255, 31, 7, 0x00, MASTER);
	pci_bus_masters_off(&c);
	CHECK_EQ(c.functions, 7);
	CHECK_EQ(c.cleared, 6);
	CHECK_EQ(space[PCI_BDF(0, 0, 0)].command, 0x0002);
	CHECK_EQ(space[PCI_BDF(0, 1, 0)].command, 0x0003);
	CHECK_EQ(space[PCI_BDF(1, 0, 0)].command, 0x0002);
	CHECK_EQ(space[PCI_BDF(255, 31, 7)].command, 0);
	CHECK_EQ(bad_accesses, 0);
}

/* Every function of every device present, all mastering: all cleared,
 * each written once. */
static void full_segment(void)
{
	struct pci_count c;

	space_empty();
	for (unsigned bdf = 0; bdf < 1u << 16; bdf++)
		fn_add(bdf >> 8, (bdf >> 3) & 31, bdf & 7, 0x80, MASTER | 0x0001);
	pci_bus_masters_off(&c);
	CHECK_EQ(c.functions, 1u << 16);
	CHECK_EQ(c.cleared, 1u << 16);
	CHECK_EQ(writes_total(), 1u << 16);
	CHECK_EQ(space[0xffff].command, 0x0001);
	CHECK_EQ(bad_accesses, 0);
}

/* A function that holds the bit at 1 is written once, counted as kept,
 * not as turned off, and the others are turned off as usual. */
static void bit_held_on(void)
{
	struct pci_count c;
	struct fake_fn *held, *other;

	space_empty();
	held = fn_add(0, 0, 0, 0x00, MASTER | 0x0002);
	held->fixed = MASTER;
	other = fn_add(0, 1, 0, 0x00, MASTER);
	pci_bus_masters_off(&c);
	CHECK_EQ(c.functions, 2);
	CHECK_EQ(c.cleared, 1);
	CHECK_EQ(c.kept, 1);
	CHECK_EQ(held->command, MASTER | 0x0002);
	CHECK_EQ(held->writes, 1);
	CHECK_EQ(other->command, 0);
	CHECK_EQ(bad_accesses, 0);
}

int main(void)
{
	CHECK_RUN(empty_segment);
	CHECK_RUN(master_bit_alone);
	CHECK_RUN(functions_of_a_device);
	CHECK_RUN(bridges_and_every_bus);
	CHECK_RUN(full_segment);
	CHECK_RUN(bit_held_on);
	return check_done();
}
