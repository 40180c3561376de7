/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "drivers/pci.h"
#include "arch/x86/cpu.h"
#include "kernel/spinlock.h"

#define PCI_ADDR_PORT 0xcf8
#define PCI_DATA_PORT 0xcfc
#define PCI_ID 0x00
#define PCI_COMMAND 0x04 /* 16 bits; status above it */
#define PCI_CLASS 0x08	 /* revision, prog-if, subclass, class */
#define PCI_HEADER 0x0c	 /* header type in bits 16..22 */
#define PCI_BAR0 0x10
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define BAR_IO 0x1
#define BAR_MEM64 0x4 /* type bits 2..1 = 2 */

/* The address port is shared by every CPU: one access at a time. */
static struct spinlock pci_lock;

static void pci_select(const struct pci_addr *a, uint16_t off)
{
	cpu_outl(PCI_ADDR_PORT, 0x80000000u | (uint32_t)a->bus << 16 | (uint32_t)a->dev << 11 |
					(uint32_t)a->fn << 8 | (off & 0xfcu));
}

uint32_t pci_cfg_read(const struct pci_addr *a, uint16_t off, unsigned size)
{
	uint16_t port = (uint16_t)(PCI_DATA_PORT + (off & 3));
	uint32_t v;

	spin_lock(&pci_lock);
	pci_select(a, off);
	v = size == 4 ? cpu_inl(port) : size == 2 ? cpu_inw(port) : cpu_inb(port);
	spin_unlock(&pci_lock);
	return v;
}

void pci_cfg_write(const struct pci_addr *a, uint16_t off, unsigned size, uint32_t v)
{
	uint16_t port = (uint16_t)(PCI_DATA_PORT + (off & 3));

	spin_lock(&pci_lock);
	pci_select(a, off);
	if (size == 4)
		cpu_outl(port, v);
	else if (size == 2)
		cpu_outw(port, (uint16_t)v);
	else
		cpu_outb(port, (uint8_t)v);
	spin_unlock(&pci_lock);
}

static uint32_t pci_read(const struct pci_addr *a, uint8_t off)
{
	return pci_cfg_read(a, off, 4);
}

static void pci_write(const struct pci_addr *a, uint8_t off, uint32_t v)
{
	pci_cfg_write(a, off, 4, v);
}

/* BAR n as a UART base: 0 when it is unprogrammed or cannot hold one. */
static uint64_t pci_bar(const struct pci_addr *a, unsigned n, bool *mmio)
{
	uint32_t lo = pci_read(a, (uint8_t)(PCI_BAR0 + 4 * n));
	uint64_t base;

	*mmio = !(lo & BAR_IO);
	if (!*mmio)
		return lo & 0xfffcu; /* I/O BARs above 0xffff do not exist on x86 */
	base = lo & ~0xfull;
	if ((lo & 0x6) == BAR_MEM64 && n < 5)
		base |= (uint64_t)pci_read(a, (uint8_t)(PCI_BAR0 + 4 * n + 4)) << 32;
	return base;
}

static int pci_function_check(const struct pci_addr *a, uint16_t vendor, uint16_t device, const char **why)
{
	uint32_t id, class;

	if (a->segment || a->dev > 31 || a->fn > 7) {
		*why = a->segment ? "PCI segments other than 0 are not reachable (no ECAM)" : "no such PCI address";
		return -EINVAL;
	}
	id = pci_read(a, PCI_ID);
	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0) {
		*why = "no PCI function there";
		return -ENODEV;
	}
	if (vendor && id != ((uint32_t)device << 16 | vendor)) {
		*why = "the PCI function there has another vendor or device ID";
		return -ENODEV;
	}
	if ((pci_read(a, PCI_HEADER) >> 16 & 0x7f) != 0) {
		*why = "the PCI function there is a bridge";
		return -ENODEV;
	}
	class = pci_read(a, PCI_CLASS) >> 16;
	if (class != 0x0700) { /* simple communication controller, serial */
		*why = "the PCI function there is not a serial controller";
		return -ENODEV;
	}
	return 0;
}

int pci_uart_locate(const struct pci_addr *a, uint16_t vendor, uint16_t device, const struct uart *want,
		    struct uart *u, const char **why)
{
	unsigned n = 0;
	uint64_t base = 0;
	bool mmio = false;
	uint32_t cmd;

	if (pci_function_check(a, vendor, device, why))
		return -ENODEV;
	for (; n < 6; n++) {
		base = pci_bar(a, n, &mmio);
		if (!want || (base && base == want->base && mmio == want->mmio))
			break;
	}
	if (n == 6) {
		*why = "no BAR of the PCI function holds the address the SPCR gives";
		return -ENODEV;
	}
	if (!base) {
		*why = "BAR 0 of the PCI function is not programmed";
		return -ENODEV;
	}
	cmd = pci_read(a, PCI_COMMAND) & 0xffff;
	cmd = (cmd | (mmio ? PCI_CMD_MEM : PCI_CMD_IO)) & ~(uint32_t)PCI_CMD_MASTER;
	pci_write(a, PCI_COMMAND, cmd); /* the status bits above are write-1-to-clear: 0 */
	u->mmio = mmio;
	u->base = base;
	return 0;
}
