/* SPDX-License-Identifier: MIT */
/*
 * Bus mastering off on segment 0, straight in configuration space. The
 * firmware pass before ExitBootServices (boot/efi.c) is not enough alone:
 * ExitBootServices callbacks run after it, and EDK2's XHCI driver, for
 * one, restores the PCI attributes it found at start-up, bus mastering
 * included; and a function the firmware does not list was never asked.
 * This pass runs last, with nothing left to turn it back on.
 */
#include "boot/pci_scan.h"

#define PCI_VENDOR 0x00
#define PCI_COMMAND 0x04
#define PCI_HEADER_TYPE 0x0e /* the low byte; BIST above it */
#define PCI_VENDOR_NONE 0xffff
#define PCI_COMMAND_MASTER 0x0004
#define PCI_HEADER_MULTI 0x80

/* A 16-bit write reaches the command register alone: the status register
 * above it is write-1-to-clear, and a 32-bit write of what was read would
 * clear its error bits. Read back, since a chipset may hold the bit at 1
 * (the i440FX host bridge's datasheet says it does). */
static void pci_master_off(uint16_t bdf, struct pci_count *c)
{
	uint16_t cmd = pci_cfg_read16(bdf, PCI_COMMAND);

	if (!(cmd & PCI_COMMAND_MASTER))
		return;
	pci_cfg_write16(bdf, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
	if (pci_cfg_read16(bdf, PCI_COMMAND) & PCI_COMMAND_MASTER)
		c->kept++;
	else
		c->cleared++;
}

static int pci_present(uint16_t bdf)
{
	return pci_cfg_read16(bdf, PCI_VENDOR) != PCI_VENDOR_NONE;
}

/* A single-function device may answer for functions 1-7 with function 0's
 * registers: they are looked at only when function 0 says it has more. */
static void pci_device_off(unsigned bus, unsigned dev, struct pci_count *c)
{
	unsigned fn, fns;

	if (!pci_present(PCI_BDF(bus, dev, 0)))
		return;
	fns = pci_cfg_read16(PCI_BDF(bus, dev, 0), PCI_HEADER_TYPE) & PCI_HEADER_MULTI ? 8 : 1;
	for (fn = 0; fn < fns; fn++) {
		if (fn && !pci_present(PCI_BDF(bus, dev, fn)))
			continue;
		c->functions++;
		pci_master_off(PCI_BDF(bus, dev, fn), c);
	}
}

/* Every bus number rather than a walk down the bridges: no bridge's bus
 * numbers need to be believed, and an empty bus costs 32 reads. */
void pci_bus_masters_off(struct pci_count *c)
{
	unsigned bus, dev;

	*c = (struct pci_count){ 0 };
	for (bus = 0; bus < 256; bus++)
		for (dev = 0; dev < 32; dev++)
			pci_device_off(bus, dev, c);
}
