/* SPDX-License-Identifier: MIT */
/* The I/O APIC: route the VMM's UARTs' interrupts to the VMM's own CPU.
 * Every other input stays masked. */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H

#include <stdint.h>
#include "drivers/acpi.h"

/* Mask every input of every I/O APIC. */
int ioapic_init(const struct acpi_cpus *madt) __attribute__((warn_unused_result));
/* Deliver ISA irq to vector on the CPU with apic_id (fixed, physical). */
int ioapic_route_isa(const struct acpi_cpus *madt, unsigned irq, uint8_t vector, uint32_t apic_id)
	__attribute__((warn_unused_result));

/* Deliver a GSI wired as PCI INTx lines are (level, active low) likewise. */
int ioapic_route_pci(const struct acpi_cpus *madt, uint32_t gsi, uint8_t vector, uint32_t apic_id)
	__attribute__((warn_unused_result));

#endif
