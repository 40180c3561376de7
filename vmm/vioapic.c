/* SPDX-License-Identifier: MIT */
/*
 * The virtual I/O APIC (82093AA datasheet, section 3, with the version-0x20
 * EOI register). Delivery is synchronous, so an entry's delivery status
 * is never "send pending" and reads 0.
 */
#include <errno.h>
#include <string.h>
#include "vmm/vioapic.h"

#define RTE_LO_RW 0x1afffu         /* vector, mode, dest mode, polarity, trigger, mask */
#define RTE_HI_RW 0xff000000u      /* destination: bits 56-63 of the entry */
#define ID_RW 0x0f000000u
#define VERSION_VALUE ((GP_IOAPIC_PINS - 1) << 16 | GP_IOAPIC_VERSION)

void vioapic_reset(struct vioapic *io)
{
	io->regsel = 0;
	io->id = GP_IOAPIC_ID << 24;
	for (unsigned pin = 0; pin < GP_IOAPIC_PINS; pin++)
		io->rte[pin] = VIOAPIC_RTE_MASKED;
}

void vioapic_init(struct vioapic *io, int (*deliver)(void *ctx, const struct apic_msg *m),
		  void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->deliver = deliver;
	io->ctx = ctx;
	vioapic_reset(io);
}

static unsigned rte_mode(uint64_t e)
{
	return (e >> 8) & 7;
}

/* Only fixed and lowest-priority messages are level-triggered: NMI, SMI
 * and INIT are edge whatever the trigger bit says (no EOI would ever
 * clear their remote IRR). */
static bool rte_level(uint64_t e)
{
	return (e & VIOAPIC_RTE_LEVEL) && rte_mode(e) <= APIC_DM_LOWEST;
}

static bool vioapic_msg_valid(const struct apic_msg *m)
{
	switch (m->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		return m->vector >= 16;
	case APIC_DM_SMI:
	case APIC_DM_NMI:
	case APIC_DM_INIT:
		return true;
	default: /* 3 and 6 reserved; ExtINT: this platform has no 8259 */
		return false;
	}
}

/* Send pin's message; returns whether a local APIC accepted it. */
static bool vioapic_send(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	struct apic_msg m = {
		.vector = (uint8_t)e,
		.delivery_mode = (uint8_t)rte_mode(e),
		.logical = e & VIOAPIC_RTE_LOGICAL,
		.dest = (uint8_t)(e >> 56),
		.level = rte_level(e),
	};

	if (!vioapic_msg_valid(&m)) {
		io->stats.illegal++;
		return false;
	}
	if (io->deliver(io->ctx, &m) <= 0) {
		io->stats.undeliverable++;
		return false;
	}
	io->stats.delivered++;
	return true;
}

static bool vioapic_asserted(const struct vioapic *io, unsigned pin)
{
	return (io->asserted >> pin) & 1;
}

/* A level-triggered pin sends while asserted, unmasked and not waiting
 * for its EOI. */
static void vioapic_service_level(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];

	if (!rte_level(e) || (e & (VIOAPIC_RTE_MASKED | VIOAPIC_RTE_REMOTE_IRR)) ||
	    !vioapic_asserted(io, pin))
		return;
	if (vioapic_send(io, pin))
		io->rte[pin] |= VIOAPIC_RTE_REMOTE_IRR;
}

int vioapic_set_pin(struct vioapic *io, unsigned pin, bool asserted)
{
	bool was;

	if (pin >= GP_IOAPIC_PINS)
		return -EINVAL;
	was = vioapic_asserted(io, pin);
	if (asserted)
		io->asserted |= 1u << pin;
	else
		io->asserted &= ~(1u << pin);
	if (rte_level(io->rte[pin]))
		vioapic_service_level(io, pin);
	else if (asserted && !was && !(io->rte[pin] & VIOAPIC_RTE_MASKED))
		(void)vioapic_send(io, pin);
	return 0;
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < GP_IOAPIC_PINS; pin++) {
		if (!(io->rte[pin] & VIOAPIC_RTE_REMOTE_IRR) || (uint8_t)io->rte[pin] != vector)
			continue;
		io->rte[pin] &= ~(uint64_t)VIOAPIC_RTE_REMOTE_IRR;
		vioapic_service_level(io, pin);
	}
}

/* A write of one half of pin's entry. Unmasking an asserted level pin
 * (or making an asserted pin level-triggered) sends at once; an edge that
 * came while masked stays lost. */
static void vioapic_write_rte(struct vioapic *io, unsigned pin, bool high, uint32_t val)
{
	uint64_t e = io->rte[pin];

	if (high)
		e = (e & 0xffffffffull) | (uint64_t)(val & RTE_HI_RW) << 32;
	else
		e = (e & ~(uint64_t)RTE_LO_RW) | (val & RTE_LO_RW);
	if (!rte_level(e))
		e &= ~(uint64_t)VIOAPIC_RTE_REMOTE_IRR; /* meaningless for edge */
	io->rte[pin] = e;
	vioapic_service_level(io, pin);
}

/* The redirection entry pin and half a register index names, or -1. */
static int vioapic_rte_index(uint8_t reg, bool *high)
{
	if (reg < VIOAPIC_REG_RTE(0) || reg >= VIOAPIC_REG_RTE(GP_IOAPIC_PINS))
		return -1;
	*high = reg & 1;
	return (reg - VIOAPIC_REG_RTE(0)) / 2;
}

static uint32_t vioapic_read_reg(struct vioapic *io)
{
	bool high;
	int pin = vioapic_rte_index(io->regsel, &high);

	if (pin >= 0)
		return high ? (uint32_t)(io->rte[pin] >> 32) : (uint32_t)io->rte[pin];
	switch (io->regsel) {
	case VIOAPIC_REG_ID: return io->id;
	case VIOAPIC_REG_VER: return VERSION_VALUE;
	case VIOAPIC_REG_ARB: return io->id; /* arbitration ID: loaded from the ID */
	default:
		io->stats.odd_accesses++;
		return 0;
	}
}

static void vioapic_write_reg(struct vioapic *io, uint32_t val)
{
	bool high;
	int pin = vioapic_rte_index(io->regsel, &high);

	if (pin >= 0)
		vioapic_write_rte(io, (unsigned)pin, high, val);
	else if (io->regsel == VIOAPIC_REG_ID)
		io->id = val & ID_RW;
	else if (io->regsel != VIOAPIC_REG_VER && io->regsel != VIOAPIC_REG_ARB)
		io->stats.odd_accesses++; /* version and arbitration: read-only */
}

uint32_t vioapic_read(struct vioapic *io, uint32_t off)
{
	switch (off) {
	case VIOAPIC_REGSEL: return io->regsel;
	case VIOAPIC_WIN: return vioapic_read_reg(io);
	case VIOAPIC_EOIR: return 0; /* write-only */
	default:
		io->stats.odd_accesses++;
		return 0;
	}
}

void vioapic_write(struct vioapic *io, uint32_t off, uint32_t val)
{
	switch (off) {
	case VIOAPIC_REGSEL: io->regsel = (uint8_t)val; break;
	case VIOAPIC_WIN: vioapic_write_reg(io, val); break;
	case VIOAPIC_EOIR: vioapic_eoi(io, (uint8_t)val); break;
	default: io->stats.odd_accesses++; break;
	}
}
