/* SPDX-License-Identifier: MIT */
/*
 * The guest's interrupt controllers, as a test guest reaches them: its
 * local APIC (xAPIC MMIO at GP_LAPIC_BASE) and the I/O APIC at
 * GP_IOAPIC_BASE (include/vigil/guest_platform.h). Every access is one
 * aligned 32-bit MOV, written out in assembly so the compiler cannot fold
 * a register access into another instruction (a CMP or TEST with a memory
 * operand): Vigil accepts plain 32-bit MOVs there and nothing else
 * (docs/guests.md, "Interrupts").
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdint.h>

#include <vigil/guest_platform.h>

/* Local APIC registers: offsets in its page (Intel SDM vol. 3, 11.4.1). */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_APR 0x090
#define LAPIC_PPR 0x0a0
#define LAPIC_EOI 0x0b0
#define LAPIC_RRD 0x0c0
#define LAPIC_LDR 0x0d0
#define LAPIC_DFR 0x0e0
#define LAPIC_SVR 0x0f0
#define LAPIC_ISR 0x100 /* + 0x10 * (vector / 32), bit vector % 32 */
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_LVT_CMCI 0x2f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DCR 0x3e0

#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_TIMER_ONESHOT (0u << 17)
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)

/* Divide configuration values (bits 3, 1, 0). */
#define LAPIC_DCR_1 0xb
#define LAPIC_DCR_2 0x0
#define LAPIC_DCR_128 0xa

/* ICR low half: vector, delivery mode, destination mode, shorthand. */
#define ICR_FIXED (0u << 8)
#define ICR_LOWEST (1u << 8)
#define ICR_SMI (2u << 8)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_SIPI (6u << 8)
#define ICR_LOGICAL (1u << 11)
#define ICR_BUSY (1u << 12) /* delivery status: send pending */
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_DEST_SELF (1u << 18)
#define ICR_DEST_ALL (2u << 18)
#define ICR_DEST_OTHERS (3u << 18)

#define MSR_TSC_DEADLINE 0x6e0

/* I/O APIC: the register window and the registers behind it. */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_EOIR 0x40
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_RTE(pin) (0x10 + 2 * (pin)) /* low half; + 1 the high half */

/* Redirection entry, low half (the destination is bits 56-63). */
#define RTE_FIXED (0u << 8)
#define RTE_LOWEST (1u << 8)
#define RTE_SMI (2u << 8)
#define RTE_NMI (4u << 8)
#define RTE_INIT (5u << 8)
#define RTE_EXTINT (7u << 8)
#define RTE_LOGICAL (1u << 11)
#define RTE_DELIVS (1u << 12)
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)
#define RTE_DEST(apic) ((uint64_t)(apic) << 56)

static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	asm volatile("movl %0, (%1)" ::"r"(v), "r"(addr) : "memory");
}

static inline uint32_t lapic_read(uint32_t off)
{
	return mmio_read32(GP_LAPIC_BASE + off);
}

static inline void lapic_write(uint32_t off, uint32_t v)
{
	mmio_write32(GP_LAPIC_BASE + off, v);
}

static inline void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Whether vector's bit is set in the ISR, TMR or IRR (base LAPIC_ISR, ...). */
static inline int lapic_vec_bit(uint32_t base, unsigned vector)
{
	return (lapic_read(base + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
}

/* Software-enable the local APIC with this spurious-interrupt vector. */
static inline void lapic_enable(uint8_t spurious)
{
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | spurious);
}

/* Send an IPI: the destination (ICR bits 56-63) first, then the low half,
 * whose write sends. */
static inline void lapic_ipi(uint8_t dest, uint32_t icr_lo)
{
	lapic_write(LAPIC_ICR_HI, (uint32_t)dest << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo);
}

/* A fixed interrupt to this CPU alone (shorthand "self"). */
static inline void lapic_self_ipi(uint8_t vector)
{
	lapic_write(LAPIC_ICR_LO, ICR_DEST_SELF | ICR_FIXED | vector);
}

static inline uint32_t ioapic_read(uint8_t reg)
{
	mmio_write32(GP_IOAPIC_BASE + IOAPIC_REGSEL, reg);
	return mmio_read32(GP_IOAPIC_BASE + IOAPIC_WIN);
}

static inline void ioapic_write(uint8_t reg, uint32_t v)
{
	mmio_write32(GP_IOAPIC_BASE + IOAPIC_REGSEL, reg);
	mmio_write32(GP_IOAPIC_BASE + IOAPIC_WIN, v);
}

static inline uint64_t ioapic_rte_read(unsigned pin)
{
	uint32_t lo = ioapic_read((uint8_t)IOAPIC_REG_RTE(pin));

	return (uint64_t)ioapic_read((uint8_t)(IOAPIC_REG_RTE(pin) + 1)) << 32 | lo;
}

/* Write pin's entry without a moment in which it is unmasked with half of
 * the old and half of the new value: mask, the high half, the low half. */
static inline void ioapic_rte_write(unsigned pin, uint64_t e)
{
	ioapic_write((uint8_t)IOAPIC_REG_RTE(pin), (uint32_t)e | RTE_MASKED);
	ioapic_write((uint8_t)(IOAPIC_REG_RTE(pin) + 1), (uint32_t)(e >> 32));
	ioapic_write((uint8_t)IOAPIC_REG_RTE(pin), (uint32_t)e);
}

#endif
