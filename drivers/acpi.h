/* SPDX-License-Identifier: MIT */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/pci.h"
#include "drivers/uart.h"

/* As many as the VMM takes (VIGIL_MAX_CPUS); more are counted, not listed. */
#define ACPI_MAX_CPUS 768

#define ACPI_MAX_IOAPICS 4
#define ACPI_ISA_IRQS 16

struct acpi_ioapic {
	uint64_t pa;
	uint32_t gsi_base;
	uint8_t id; /* its I/O APIC ID: how the IOMMU tables name it */
};

struct acpi_cpus {
	unsigned count;			 /* entries in apic_id */
	unsigned listed;		 /* enabled processors in the MADT, listed or not */
	uint32_t apic_id[ACPI_MAX_CPUS]; /* enabled processors, MADT order, each once */
	uint64_t lapic_pa;
	unsigned ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	/* ISA IRQ -> GSI and MPS polarity/trigger flags (identity unless overridden) */
	uint32_t isa_gsi[ACPI_ISA_IRQS];
	uint16_t isa_flags[ACPI_ISA_IRQS];
};

/* Find the MADT from the RSDP and list the enabled processors, the boot
 * CPU (APIC ID bsp) first. Firmware tables are checked (signatures,
 * lengths, checksums) before use. -ENXIO: the MADT does not list bsp. */
int acpi_find_cpus(uint64_t rsdp_pa, uint32_t bsp, struct acpi_cpus *out) __attribute__((warn_unused_result));

/* The table with signature sig (its length and checksum checked), and its
 * length in *len; NULL when the firmware has none. */
const uint8_t *acpi_table_find(uint64_t rsdp_pa, const char *sig, uint32_t *len);

/* The clock sources the firmware describes (kernel/time.c calibrates from
 * the best of them). A field is 0 when its table is absent, or invalid. */
struct acpi_timers {
	uint16_t pm_port;  /* the ACPI PM timer's I/O port (FADT) */
	uint8_t pm_bits;   /* its width: 24 or 32 */
	uint64_t hpet_pa;  /* the HPET's register block (HPET table) */
};

/* Read the FADT's PM timer and the HPET table; *out is zeroed first. */
void acpi_find_timers(uint64_t rsdp_pa, struct acpi_timers *out);

/* The console UART the firmware describes in its SPCR table. */
struct acpi_console {
	struct uart uart;	/* where, how it is accessed, its divisor (0: as the firmware set it) */
	uint32_t baud;		/* 0: as the firmware set it */
	uint8_t revision, type; /* the table's revision and interface type */
	bool pci;		/* a PCI function, whose BAR must hold uart.base */
	struct pci_addr pci_addr;
	uint16_t vendor, device;
	int isa_irq; /* its PC-AT interrupt (0..15), or -1 */
};

/*
 * The SPCR's console: 0 with *out; -ENOENT when there is no SPCR; or
 * -EINVAL with *why when one is there but cannot be used (its length or
 * checksum, an interface that is not a 16550, an address space, access
 * width, baud rate or PCI address this VMM does not drive). *out is
 * zeroed first. acpi_spcr_parse() checks the table at t, of which avail
 * bytes are readable.
 */
int acpi_find_console(uint64_t rsdp_pa, struct acpi_console *out, const char **why);
int acpi_spcr_parse(const uint8_t *t, uint32_t avail, struct acpi_console *out, const char **why);

#endif
