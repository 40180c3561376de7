/* SPDX-License-Identifier: MIT */
/*
 * Which UART the VMM's console is: the one the firmware's SPCR table
 * describes, when it is a 16550 this VMM can reach and it answers, else
 * the legacy COM1 (docs/boot.md, "The console"). The boot log says which,
 * and why an SPCR was not used.
 */
#include <errno.h>
#include "kernel/console.h"
#include "kernel/handoff.h"
#include "drivers/acpi.h"
#include "drivers/pci.h"

/* Registers in memory must be device memory: never RAM, ACPI tables or
 * the VMM's own pages, which writes to the UART would corrupt. */
static bool uart_in_ram(const struct uart *u)
{
	uint64_t end = u->base + ((uint64_t)UART_REGS << u->shift);

	for (uint32_t i = 0; i < boot_handoff.mem_count; i++) {
		const struct handoff_mem *m = &boot_handoff.mem[i];

		if (m->type != HANDOFF_MEM_RESERVED && u->base < m->base + m->size && m->base < end)
			return true;
	}
	return false;
}

int uart_usable(struct uart *u, const char **why)
{
	if (!u->mmio && u->base > 0x10000 - UART_REGS) {
		*why = "its ports run past 0xffff";
		return -EINVAL;
	}
	if (u->mmio && uart_in_ram(u)) {
		*why = "its registers are in RAM by the firmware's memory map";
		return -EINVAL;
	}
	if (uart_map(u)) {
		*why = "its registers cannot be mapped (the MMIO window is full)";
		return -ENOMEM;
	}
	if (!uart_present(u)) {
		*why = "no 16550 answers there";
		return -ENODEV;
	}
	return 0;
}

static int console_spcr(struct acpi_console *c, const char **why)
{
	int err = acpi_find_console(boot_handoff.acpi_rsdp, c, why);

	if (!err && c->pci) {
		struct uart found = c->uart;

		err = pci_uart_locate(&c->pci_addr, c->vendor, c->device, &c->uart, &found, why);
	}
	return err ? err : uart_usable(&c->uart, why);
}

void console_select(void)
{
	struct acpi_console c;
	const char *why = "";
	char pci[48] = "", regs[40] = "", baud[40] = "baud rate as the firmware set it";
	int err = console_spcr(&c, &why);

	if (err) {
		printk("vigil: console: COM1 (%s%s)\n", err == -ENOENT ? "" : "SPCR not used: ", why);
		return;
	}
	/* Input interrupts only for an ISA port UART; anything else is polled. */
	console_use(&c.uart, c.uart.mmio || c.pci ? -1 : c.isa_irq);
	if (c.pci)
		snprintk(pci, sizeof(pci), " (PCI %04x:%02x:%02x.%x %04x:%04x)", c.pci_addr.segment,
			 c.pci_addr.bus, c.pci_addr.dev, c.pci_addr.fn, c.vendor, c.device);
	if (c.uart.mmio)
		snprintk(regs, sizeof(regs), ", %u-byte registers %u apart", c.uart.width, 1u << c.uart.shift);
	if (c.baud)
		snprintk(baud, sizeof(baud), "%u baud", c.baud);
	printk("vigil: console: SPCR %s 0x%lx%s%s, %s\n", c.uart.mmio ? "MMIO" : "port", c.uart.base, pci, regs,
	       baud);
}
