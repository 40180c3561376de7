/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC's timer (Intel SDM vol. 3, 11.5.4): one-shot,
 * periodic and TSC-deadline, as a deadline in TSC cycles. Nothing here
 * counts: the current count is worked out from `now` when it is read, and
 * the VMM is asked to wake only at the next unmasked expiry.
 */
#include "vmm/vlapic.h"
#include "vmm/vlapic_priv.h"

#define TIMER_MODE_SHIFT 17
#define TIMER_MODE_MASK (3u << TIMER_MODE_SHIFT)
#define DCR_MASK 0xbu /* bits 0, 1 and 3 */

enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_DEADLINE, TIMER_RESERVED };

static unsigned vlapic_timer_mode(const struct vlapic *l)
{
	return (l->lvt[VLAPIC_LVT_IDX_TIMER] & TIMER_MODE_MASK) >> TIMER_MODE_SHIFT;
}

/* TSC cycles per tick: the divide configuration's bits 3,1,0 give
 * 000 /2, 001 /4, ... 110 /128, 111 /1. At most 2^24 * 128. */
static uint64_t vlapic_tick(const struct vlapic *l)
{
	unsigned code = (l->timer_dcr & 3) | ((l->timer_dcr >> 1) & 4);

	return l->tsc_per_tick << (code == 7 ? 0 : code + 1);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

void vlapic_timer_reset(struct vlapic *l)
{
	l->timer_init = l->timer_dcr = 0;
	l->timer_period = l->timer_next = l->tsc_deadline = 0;
}

static void vlapic_timer_disarm(struct vlapic *l)
{
	l->timer_next = 0;
	l->tsc_deadline = 0;
}

/* The interval of a full count at the current divider: below min_period
 * it is raised (counted), so no guest setting can make the VMM spin.
 * Fits in 64 bits: (2^32 - 1) * 2^24 * 128 < 2^63. */
static uint64_t vlapic_timer_interval(struct vlapic *l)
{
	uint64_t period = (uint64_t)l->timer_init * vlapic_tick(l);

	if (period < l->min_period) {
		l->stats.timer_clamps++;
		period = l->min_period;
	}
	return period;
}

uint32_t vlapic_timer_current(const struct vlapic *l, uint64_t now)
{
	uint64_t tick, left, count;

	if (vlapic_timer_mode(l) == TIMER_DEADLINE || !l->timer_next || now >= l->timer_next)
		return 0;
	tick = vlapic_tick(l);
	left = l->timer_next - now;
	count = left / tick + (left % tick != 0);
	/* A clamped interval counts more ticks than were asked for. */
	return count > l->timer_init ? l->timer_init : (uint32_t)count;
}

void vlapic_timer_write_lvt(struct vlapic *l, uint32_t val)
{
	bool was_deadline = vlapic_timer_mode(l) == TIMER_DEADLINE;

	/* Mode 11b is reserved: it reads back, and runs, as one-shot. */
	if ((val & TIMER_MODE_MASK) >> TIMER_MODE_SHIFT == TIMER_RESERVED)
		val &= ~TIMER_MODE_MASK;
	l->lvt[VLAPIC_LVT_IDX_TIMER] = val;
	/* Into or out of TSC-deadline mode: the timer stops (SDM 11.5.4.1). */
	if (was_deadline != (vlapic_timer_mode(l) == TIMER_DEADLINE)) {
		l->timer_init = 0;
		l->timer_period = 0;
		vlapic_timer_disarm(l);
	}
}

void vlapic_timer_write_init(struct vlapic *l, uint32_t val, uint64_t now)
{
	if (vlapic_timer_mode(l) == TIMER_DEADLINE)
		return; /* ignored in TSC-deadline mode */
	l->timer_init = val;
	l->timer_period = 0;
	vlapic_timer_disarm(l);
	if (!val)
		return; /* a count of 0 stops the timer */
	l->timer_period = vlapic_timer_interval(l);
	l->timer_next = sat_add(now, l->timer_period);
}

/* A new divider while counting: the count reached is kept and the rest,
 * and later periods, count at the new rate. */
void vlapic_timer_write_dcr(struct vlapic *l, uint32_t val, uint64_t now)
{
	uint32_t left = vlapic_timer_current(l, now);

	l->timer_dcr = val & DCR_MASK;
	if (vlapic_timer_mode(l) == TIMER_DEADLINE || !l->timer_next)
		return;
	l->timer_period = vlapic_timer_interval(l);
	l->timer_next = sat_add(now, (uint64_t)(left ? left : 1) * vlapic_tick(l));
}

uint64_t vlapic_timer_deadline(const struct vlapic *l)
{
	if (l->lvt[VLAPIC_LVT_IDX_TIMER] & VLAPIC_LVT_MASKED)
		return 0;
	return l->timer_next;
}

/* Periodic: the next boundary after now, whatever the caller's delay;
 * the boundaries skipped are merged into this one interrupt. */
static void vlapic_timer_reload(struct vlapic *l, uint64_t now, bool masked)
{
	uint64_t missed = (now - l->timer_next) / l->timer_period;

	if (!masked)
		l->stats.timer_skipped += missed;
	l->timer_next = sat_add(l->timer_next, sat_mul(missed + 1, l->timer_period));
}

bool vlapic_timer_fire(struct vlapic *l, uint64_t now)
{
	bool masked = l->lvt[VLAPIC_LVT_IDX_TIMER] & VLAPIC_LVT_MASKED;

	if (!l->timer_next || now < l->timer_next)
		return false;
	if (vlapic_timer_mode(l) == TIMER_PERIODIC && l->timer_period)
		vlapic_timer_reload(l, now, masked);
	else
		vlapic_timer_disarm(l); /* the deadline MSR reads 0 after it fired */
	return !masked && vlapic_lvt_raise(l, VLAPIC_LVT_IDX_TIMER);
}

void vlapic_write_tsc_deadline(struct vlapic *l, uint64_t val, uint64_t now)
{
	(void)vlapic_timer_fire(l, now);
	if (vlapic_timer_mode(l) != TIMER_DEADLINE)
		return;
	l->tsc_deadline = val;
	l->timer_next = val; /* 0 disarms */
}

uint64_t vlapic_read_tsc_deadline(struct vlapic *l, uint64_t now)
{
	(void)vlapic_timer_fire(l, now);
	return vlapic_timer_mode(l) == TIMER_DEADLINE ? l->tsc_deadline : 0;
}
