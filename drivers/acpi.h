/* SPDX-License-Identifier: MIT */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdint.h>

#define ACPI_MAX_CPUS 64

#define ACPI_MAX_IOAPICS 4
#define ACPI_ISA_IRQS 16

struct acpi_ioapic {
	uint64_t pa;
	uint32_t gsi_base;
};

struct acpi_cpus {
	unsigned count;
	uint32_t apic_id[ACPI_MAX_CPUS]; /* enabled processors, MADT order */
	uint64_t lapic_pa;
	unsigned ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	/* ISA IRQ -> GSI and MPS polarity/trigger flags (identity unless overridden) */
	uint32_t isa_gsi[ACPI_ISA_IRQS];
	uint16_t isa_flags[ACPI_ISA_IRQS];
};

/* Find the MADT from the RSDP and list the enabled processors. Firmware
 * tables are checked (signatures, lengths, checksums) before use. */
int acpi_find_cpus(uint64_t rsdp_pa, struct acpi_cpus *out) __attribute__((warn_unused_result));

#endif
