/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC's registers, interrupt priority and IPIs (the
 * timer is in vlapic_timer.c). Register semantics follow the Intel SDM
 * vol. 3, ch. 11, for a Pentium 4 or later xAPIC.
 */
#include <errno.h>
#include <string.h>
#include "vmm/vlapic.h"
#include "vmm/vlapic_priv.h"

#define DFR_ONES 0x0fffffffu    /* bits 0-27 read as ones */
#define LDR_MASK 0xff000000u
#define SVR_MASK 0x3ffu         /* vector, enable, focus checking (stored, no effect) */
#define ICR_LO_MASK 0x000ccfffu /* delivery status (bit 12) always reads idle */
#define ICR_HI_MASK 0xff000000u
#define ICR_LOGICAL (1u << 11)
#define ICR_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define VEC_REGS_SIZE 0x80      /* ISR, TMR, IRR: 8 registers each */

/* The writable bits of each LVT. Delivery status (bit 12) and LINTn's
 * remote IRR (bit 14) are read-only and read 0: nothing is ever pending in
 * them, as this model delivers nothing through LINT0/1. */
static const uint32_t vlapic_lvt_mask[VLAPIC_LVT_COUNT] = {
	[VLAPIC_LVT_IDX_CMCI] = 0x107ff,    /* vector, delivery mode, mask */
	[VLAPIC_LVT_IDX_TIMER] = 0x700ff,   /* vector, mask, timer mode */
	[VLAPIC_LVT_IDX_THERMAL] = 0x107ff,
	[VLAPIC_LVT_IDX_PERF] = 0x107ff,
	[VLAPIC_LVT_IDX_LINT0] = 0x1a7ff,   /* + polarity, trigger mode */
	[VLAPIC_LVT_IDX_LINT1] = 0x1a7ff,
	[VLAPIC_LVT_IDX_ERROR] = 0x100ff,   /* vector, mask */
};

static bool vec_test(const uint32_t *r, unsigned v)
{
	return (r[v / 32] >> (v % 32)) & 1;
}

static void vec_set(uint32_t *r, unsigned v)
{
	r[v / 32] |= 1u << (v % 32);
}

static void vec_clear(uint32_t *r, unsigned v)
{
	r[v / 32] &= ~(1u << (v % 32));
}

/* The highest vector set in a 256-bit register, or -1. */
static int vec_highest(const uint32_t *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

int vlapic_init(struct vlapic *l, uint8_t apic_id, uint64_t tsc_per_tick, uint64_t min_period)
{
	if (!tsc_per_tick || tsc_per_tick > VLAPIC_TSC_PER_TICK_MAX || !min_period)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->id = apic_id;
	l->tsc_per_tick = tsc_per_tick;
	l->min_period = min_period;
	vlapic_reset(l);
	return 0;
}

void vlapic_reset(struct vlapic *l)
{
	l->tpr = l->ldr = 0;
	l->dfr = 0xffffffffu;
	l->svr = 0xff;
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
		l->lvt[i] = VLAPIC_LVT_MASKED;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	vlapic_timer_reset(l);
}

uint8_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	if ((l->tpr & 0xf0) >= isr_class)
		return (uint8_t)l->tpr;
	return (uint8_t)isr_class;
}

int vlapic_pending(const struct vlapic *l)
{
	int v = vec_highest(l->irr);

	if (v < 0 || ((unsigned)v & 0xf0) <= (vlapic_ppr(l) & 0xf0u))
		return -1;
	return v;
}

int vlapic_ack(struct vlapic *l, uint8_t vector)
{
	if (!vec_test(l->irr, vector))
		return -EINVAL;
	vec_clear(l->irr, vector);
	vec_set(l->isr, vector);
	return 0;
}

/* An error the APIC detected: latched at the next ESR write, and the error
 * LVT raised. */
static void vlapic_error(struct vlapic *l, uint32_t bit)
{
	l->esr_pending |= bit;
	(void)vlapic_lvt_raise(l, VLAPIC_LVT_IDX_ERROR);
}

bool vlapic_accept(struct vlapic *l, uint8_t vector, bool level)
{
	if (vector < 16) {
		l->stats.illegal_vectors++;
		vlapic_error(l, VLAPIC_ESR_RECV_ILLEGAL);
		return false;
	}
	if (!(l->svr & VLAPIC_SVR_ENABLE)) {
		l->stats.disabled_drops++;
		return false;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	return true;
}

bool vlapic_lvt_raise(struct vlapic *l, enum vlapic_lvt idx)
{
	uint32_t lvt = l->lvt[idx];

	if (lvt & VLAPIC_LVT_MASKED)
		return false;
	/* An illegal error vector is logged without another error interrupt,
	 * which would find the same vector again. */
	if (idx == VLAPIC_LVT_IDX_ERROR && (lvt & 0xff) < 16) {
		l->stats.illegal_vectors++;
		l->esr_pending |= VLAPIC_ESR_RECV_ILLEGAL;
		return false;
	}
	return vlapic_accept(l, (uint8_t)lvt, false);
}

bool vlapic_match_dest(const struct vlapic *l, uint8_t dest, bool logical)
{
	uint8_t ldr = (uint8_t)(l->ldr >> 24);

	if (dest == APIC_BROADCAST)
		return true;
	if (!logical)
		return dest == l->id;
	switch (l->dfr >> 28) {
	case 0xf: /* flat: eight bits, one per APIC */
		return (ldr & dest) != 0;
	case 0x0: /* cluster: bits 4-7 the cluster, 0-3 its members */
		return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf) != 0;
	default:
		return false;
	}
}

/* EOI: the highest in-service vector ends. */
static void vlapic_eoi(struct vlapic *l, struct vlapic_action *act)
{
	int v = vec_highest(l->isr);

	if (v < 0)
		return;
	vec_clear(l->isr, (unsigned)v);
	act->kind = VLAPIC_ACT_EOI;
	act->eoi.vector = (uint8_t)v;
	act->eoi.level = vec_test(l->tmr, (unsigned)v);
}

/* Whether the ICR's message is one to send; counts what is not. */
static bool vlapic_ipi_valid(struct vlapic *l, const struct vlapic_ipi *ipi)
{
	switch (ipi->msg.delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (ipi->msg.vector < 16) {
			l->stats.illegal_vectors++;
			vlapic_error(l, VLAPIC_ESR_SEND_ILLEGAL);
			return false;
		}
		break;
	case APIC_DM_INIT:
		if (!ipi->assert)
			return false; /* INIT level de-assert: a no-op since the Pentium 4 */
		break;
	case APIC_DM_SMI:
	case APIC_DM_NMI:
	case APIC_DM_SIPI:
		break;
	default: /* 3 (reserved), 7 (ExtINT: not an ICR mode) */
		l->stats.refused_ipis++;
		return false;
	}
	if (ipi->shorthand == VLAPIC_SH_SELF && ipi->msg.delivery_mode != APIC_DM_FIXED) {
		l->stats.refused_ipis++; /* the SDM allows only fixed with "self" */
		return false;
	}
	return true;
}

static void vlapic_send_ipi(struct vlapic *l, struct vlapic_action *act)
{
	uint32_t icr = l->icr_lo;
	struct vlapic_ipi ipi = {
		.msg = {
			.vector = (uint8_t)icr,
			.delivery_mode = (icr >> 8) & 7,
			.logical = icr & ICR_LOGICAL,
			.dest = (uint8_t)(l->icr_hi >> 24),
		},
		.shorthand = (enum vlapic_shorthand)((icr >> 18) & 3),
		.assert = icr & ICR_ASSERT,
		.trigger_level = icr & ICR_TRIGGER_LEVEL,
	};

	if (!vlapic_ipi_valid(l, &ipi))
		return;
	if (ipi.shorthand == VLAPIC_SH_SELF) {
		(void)vlapic_accept(l, ipi.msg.vector, false);
		return;
	}
	act->kind = VLAPIC_ACT_IPI;
	act->ipi = ipi;
}

/* The LVT at off, or -1. */
static int vlapic_lvt_index(uint32_t off)
{
	if (off == VLAPIC_LVT_CMCI)
		return VLAPIC_LVT_IDX_CMCI;
	if (off >= VLAPIC_LVT_TIMER && off <= VLAPIC_LVT_ERROR)
		return VLAPIC_LVT_IDX_TIMER + (int)(off - VLAPIC_LVT_TIMER) / 16;
	return -1;
}

/* The ISR, TMR or IRR word at off, or NULL. */
static uint32_t *vlapic_vec_reg(struct vlapic *l, uint32_t off)
{
	if (off >= VLAPIC_ISR && off < VLAPIC_ISR + VEC_REGS_SIZE)
		return &l->isr[(off - VLAPIC_ISR) / 16];
	if (off >= VLAPIC_TMR && off < VLAPIC_TMR + VEC_REGS_SIZE)
		return &l->tmr[(off - VLAPIC_TMR) / 16];
	if (off >= VLAPIC_IRR && off < VLAPIC_IRR + VEC_REGS_SIZE)
		return &l->irr[(off - VLAPIC_IRR) / 16];
	return NULL;
}

/* An access to a reserved register: ESR "illegal register address". */
static void vlapic_reserved(struct vlapic *l)
{
	l->stats.odd_accesses++;
	vlapic_error(l, VLAPIC_ESR_ILLEGAL_REG);
}

/* Not a 16-byte-aligned offset in the page: outside the contract. */
static bool vlapic_odd_offset(struct vlapic *l, uint32_t off)
{
	if (!(off & 0xf) && off < 0x400)
		return false;
	l->stats.odd_accesses++;
	return true;
}

static uint32_t vlapic_read_reg(struct vlapic *l, uint32_t off, uint64_t now)
{
	switch (off) {
	case VLAPIC_ID: return (uint32_t)l->id << 24;
	case VLAPIC_VER: return VLAPIC_VERSION;
	case VLAPIC_TPR: return l->tpr;
	case VLAPIC_PPR: return vlapic_ppr(l);
	case VLAPIC_APR: case VLAPIC_EOI: case VLAPIC_RRD: return 0;
	case VLAPIC_LDR: return l->ldr;
	case VLAPIC_DFR: return l->dfr;
	case VLAPIC_SVR: return l->svr;
	case VLAPIC_ESR: return l->esr;
	case VLAPIC_ICR_LO: return l->icr_lo;
	case VLAPIC_ICR_HI: return l->icr_hi;
	case VLAPIC_TIMER_INIT: return l->timer_init;
	case VLAPIC_TIMER_CUR: return vlapic_timer_current(l, now);
	case VLAPIC_TIMER_DCR: return l->timer_dcr;
	default:
		vlapic_reserved(l);
		return 0;
	}
}

uint32_t vlapic_read(struct vlapic *l, uint32_t off, uint64_t now)
{
	uint32_t *vec;
	int lvt;

	(void)vlapic_timer_fire(l, now);
	if (vlapic_odd_offset(l, off))
		return 0;
	lvt = vlapic_lvt_index(off);
	if (lvt >= 0)
		return l->lvt[lvt];
	vec = vlapic_vec_reg(l, off);
	if (vec)
		return *vec;
	return vlapic_read_reg(l, off, now);
}

static void vlapic_write_lvt(struct vlapic *l, enum vlapic_lvt idx, uint32_t val)
{
	val &= vlapic_lvt_mask[idx];
	/* Software-disabled: masks cannot be cleared (SDM 11.4.7.2). */
	if (!(l->svr & VLAPIC_SVR_ENABLE))
		val |= VLAPIC_LVT_MASKED;
	if (idx == VLAPIC_LVT_IDX_TIMER)
		vlapic_timer_write_lvt(l, val);
	else
		l->lvt[idx] = val;
}

static void vlapic_write_svr(struct vlapic *l, uint32_t val)
{
	l->svr = val & SVR_MASK;
	if (!(l->svr & VLAPIC_SVR_ENABLE))
		for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
			l->lvt[i] |= VLAPIC_LVT_MASKED;
}

static bool vlapic_read_only(uint32_t off)
{
	switch (off) {
	case VLAPIC_ID: case VLAPIC_VER: case VLAPIC_APR: case VLAPIC_PPR:
	case VLAPIC_RRD: case VLAPIC_TIMER_CUR:
		return true;
	default:
		return off >= VLAPIC_ISR && off < VLAPIC_IRR + VEC_REGS_SIZE;
	}
}

static void vlapic_write_reg(struct vlapic *l, uint32_t off, uint32_t val, uint64_t now,
			     struct vlapic_action *act)
{
	switch (off) {
	case VLAPIC_TPR: l->tpr = val & 0xff; break;
	case VLAPIC_EOI: vlapic_eoi(l, act); break;
	case VLAPIC_LDR: l->ldr = val & LDR_MASK; break;
	case VLAPIC_DFR: l->dfr = val | DFR_ONES; break;
	case VLAPIC_SVR: vlapic_write_svr(l, val); break;
	case VLAPIC_ESR: /* write-before-read: latch what was logged */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case VLAPIC_ICR_LO:
		l->icr_lo = val & ICR_LO_MASK;
		vlapic_send_ipi(l, act);
		break;
	case VLAPIC_ICR_HI: l->icr_hi = val & ICR_HI_MASK; break;
	case VLAPIC_TIMER_INIT: vlapic_timer_write_init(l, val, now); break;
	case VLAPIC_TIMER_DCR: vlapic_timer_write_dcr(l, val, now); break;
	default: vlapic_reserved(l); break;
	}
}

void vlapic_write(struct vlapic *l, uint32_t off, uint32_t val, uint64_t now,
		  struct vlapic_action *act)
{
	int lvt;

	act->kind = VLAPIC_ACT_NONE;
	(void)vlapic_timer_fire(l, now);
	if (vlapic_odd_offset(l, off) || vlapic_read_only(off))
		return;
	lvt = vlapic_lvt_index(off);
	if (lvt >= 0)
		vlapic_write_lvt(l, (enum vlapic_lvt)lvt, val);
	else
		vlapic_write_reg(l, off, val, now, act);
}
