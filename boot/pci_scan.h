/* SPDX-License-Identifier: MIT */
/*
 * The stub's last pass over PCI, after ExitBootServices: bus mastering off
 * on every function of segment 0 (docs/boot.md, "DMA before the IOMMU").
 * No firmware types, no firmware calls, no allocation.
 */
#ifndef BOOT_PCI_SCAN_H
#define BOOT_PCI_SCAN_H

#include <stdint.h>

/* A function of segment 0 as configuration mechanism 1 addresses it:
 * bus in bits 15..8, device in 7..3, function in 2..0. */
#define PCI_BDF(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))

/* 16 bits of configuration space at an even offset below 0x100. The
 * stub's are boot/pci_port.c (ports 0xcf8/0xcfc); a unit test brings its
 * own. */
uint16_t pci_cfg_read16(uint16_t bdf, uint8_t off);
void pci_cfg_write16(uint16_t bdf, uint8_t off, uint16_t v);

/* How many functions were found, and of those how many had bus mastering
 * on and now have it off, or still have it on after the write. */
struct pci_count {
	uint32_t functions;
	uint32_t cleared;
	uint32_t kept;
};

/*
 * Every bus 0-255 and device 0-31; functions 1-7 only where function 0
 * says it is multi-function; present: vendor ID not 0xffff. Bridges too: a
 * bridge's bus mastering gates what its secondary side sends upstream.
 * Each command register is rewritten alone and only when its bus-master
 * bit is set, every other bit kept, then read back. Fills *c.
 */
void pci_bus_masters_off(struct pci_count *c);

#endif
