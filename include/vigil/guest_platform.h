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

/*
 * The clock the guest is told, in KVM's paravirtual clock ABI and nothing
 * else of KVM's: leaf 0x40000100 carries KVM's signature ("KVMKVMKVM")
 * beside Vigil's own at 0x40000000, leaf 0x40000101 EAX offers only
 * CLOCKSOURCE2 (bit 3) and CLOCKSOURCE_STABLE_BIT (bit 24), and the two
 * MSRs take the guest-physical address of a record the VMM fills once per
 * write: the vCPU's time record (32 bytes; bit 0 of the value enables it)
 * and the wall clock (12 bytes). Both records lie whole in the guest's
 * memory, 4-byte aligned, or the write raises #GP.
 */
#define GP_KVM_LEAF_BASE 0x40000100u
#define GP_KVM_LEAF_FEATURES 0x40000101u
#define GP_KVM_SIG_EBX 0x4b4d564bu /* "KVMK" */
#define GP_KVM_SIG_ECX 0x564b4d56u /* "VMKV" */
#define GP_KVM_SIG_EDX 0x0000004du /* "M\0\0\0" */
#define GP_KVM_FEATURES ((1u << 3) | (1u << 24))
#define GP_MSR_KVM_WALL_CLOCK 0x4b564d00u
#define GP_MSR_KVM_SYSTEM_TIME 0x4b564d01u
#define GP_PVCLOCK_TIME_SIZE 32u
#define GP_PVCLOCK_WALL_SIZE 12u
#define GP_PVCLOCK_TSC_STABLE 0x01u

#endif
