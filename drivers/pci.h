/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space through ports 0xcf8/0xcfc (configuration
 * mechanism 1: segment 0 only, the first 256 bytes of each function): for
 * the VMM's own UARTs (a function's identity and class, and where the
 * firmware put its BAR) and for the devices assigned to guests
 * (vmm/vpci.c).
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdint.h>
#include "drivers/uart.h"

struct pci_addr {
	uint16_t segment;
	uint8_t bus, dev, fn;
};

/* Read or write size (1, 2 or 4) bytes at off, which the caller aligns
 * to size. Any CPU: the ports are taken under a lock. */
uint32_t pci_cfg_read(const struct pci_addr *a, uint16_t off, unsigned size);
void pci_cfg_write(const struct pci_addr *a, uint16_t off, unsigned size, uint32_t v);

/*
 * The 16550 behind a BAR of the function at a: the BAR whose address is
 * want->base when want is given (an SPCR's description, checked against
 * what the firmware programmed), else BAR 0. Checks that the function
 * exists (with vendor:device when vendor is not 0), that the BAR is
 * programmed, and turns on its decoding and bus mastering off. Fills u's
 * space and base; *why says what was wrong.
 */
int pci_uart_locate(const struct pci_addr *a, uint16_t vendor, uint16_t device, const struct uart *want,
		    struct uart *u, const char **why) __attribute__((warn_unused_result));

#endif
