/* SPDX-License-Identifier: MIT */
/*
 * The virtual platform every guest sees (docs/guest-platform.md): the
 * addresses and ports the VMM emulates, shared by the VMM and the host
 * tools that build a guest's ACPI tables. Identical on SVM and VMX.
 */
#ifndef VIGIL_GUEST_PLATFORM_H
#define VIGIL_GUEST_PLATFORM_H

/* Local APIC (xAPIC), one per vCPU; never in the nested page tables. */
#define GP_LAPIC_BASE 0xfee00000u
#define GP_LAPIC_SIZE 0x1000u

/* One I/O APIC per guest; never in the nested page tables. */
#define GP_IOAPIC_BASE 0xfec00000u
#define GP_IOAPIC_SIZE 0x1000u
#define GP_IOAPIC_ID 8u
#define GP_IOAPIC_PINS 24u
#define GP_IOAPIC_VERSION 0x20u

/* vCPU i has APIC ID i (the MADT lists them in that order). */

/* The console 16550 at 0x3f8 interrupts through I/O APIC pin 4, edge,
 * active high (ISA IRQ 4, no override). */
#define GP_UART_GSI 4u

/*
 * The guest's ACPI tables: one blob, built on the host with iasl
 * (tools/linux/mkacpi.sh), carried as a verified guest file and copied by
 * the VMM to this guest-physical address. The RSDP is at its first byte.
 * The region is reserved in the guest's memory map.
 */
#define GP_ACPI_GPA 0xe0000u
#define GP_ACPI_MAX 0x20000u

/*
 * Hardware-reduced ACPI's fixed registers, emulated by the VMM in one
 * small port block the FADT points to:
 *   sleep control (write SLP_EN | SLP_TYP 5 << 2: power off),
 *   sleep status (reads 0x80: wake status),
 *   reset register (write GP_ACPI_RESET_VALUE: restart),
 *   PM timer (32-bit, 3.579545 MHz, read-only).
 */
#define GP_ACPI_PORT_BASE 0x600u
#define GP_ACPI_SLEEP_CTL 0x600u
#define GP_ACPI_SLEEP_STS 0x601u
#define GP_ACPI_RESET 0x604u
#define GP_ACPI_PMTMR 0x608u
#define GP_ACPI_PORT_COUNT 12u
#define GP_ACPI_RESET_VALUE 0x01u
#define GP_ACPI_S5_TYP 5u
#define GP_PMTMR_HZ 3579545u

#endif
