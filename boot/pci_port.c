/* SPDX-License-Identifier: MIT */
/*
 * Configuration mechanism 1: segment 0's configuration space through
 * ports 0xcf8 (address) and 0xcfc-0xcff (data). Only the first 256 bytes
 * of a function are reachable this way; other segments need ECAM.
 */
#include "arch/x86/cpu.h"
#include "boot/pci_scan.h"

#define PCI_ADDRESS_PORT 0xcf8
#define PCI_DATA_PORT 0xcfc
#define PCI_ADDRESS_ENABLE 0x80000000u

/* The dword holding off; the data port's low bits pick the word in it. */
static uint16_t pci_select(uint16_t bdf, uint8_t off)
{
	cpu_outl(PCI_ADDRESS_PORT, PCI_ADDRESS_ENABLE | (uint32_t)bdf << 8 | (off & 0xfcu));
	return (uint16_t)(PCI_DATA_PORT + (off & 2u));
}

uint16_t pci_cfg_read16(uint16_t bdf, uint8_t off)
{
	return cpu_inw(pci_select(bdf, off));
}

void pci_cfg_write16(uint16_t bdf, uint8_t off, uint16_t v)
{
	cpu_outw(pci_select(bdf, off), v);
}
