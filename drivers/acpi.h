/* SPDX-License-Identifier: MIT */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdint.h>

#define ACPI_MAX_CPUS 64

struct acpi_cpus {
	unsigned count;
	uint32_t apic_id[ACPI_MAX_CPUS]; /* enabled processors, MADT order */
	uint64_t lapic_pa;
};

/* Find the MADT from the RSDP and list the enabled processors. Firmware
 * tables are checked (signatures, lengths, checksums) before use. */
int acpi_find_cpus(uint64_t rsdp_pa, struct acpi_cpus *out) __attribute__((warn_unused_result));

#endif
