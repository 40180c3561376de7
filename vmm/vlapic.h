/* SPDX-License-Identifier: MIT */
/*
 * A virtual local APIC in xAPIC mode (Intel SDM vol. 3, ch. 11), one per
 * vCPU: the register page, interrupt acceptance and priority, EOI, the ICR
 * decoded for the VMM to route, and the timer. Pure logic: the VMM decodes
 * the guest's access (arch/x86/mmio_decode.h), calls vlapic_read/write,
 * acts on the returned action, and injects vlapic_pending()'s vector when
 * the guest can take it.
 *
 * Contract with the caller:
 *  - Only aligned 32-bit accesses at 16-byte-aligned offsets (0x000-0x3f0)
 *    are architectural. The VMM should refuse other widths and offsets
 *    before calling (fail the access closed); if it does call, a read at
 *    any other offset returns 0 and a write is ignored (both counted).
 *  - Time is a TSC value `now`, non-decreasing between calls, in the
 *    timebase the guest's IA32_TSC_DEADLINE uses (add the guest's TSC
 *    offset if the VMM sets one). Every call taking `now` first processes a
 *    timer expiry that is due, exactly as vlapic_timer_fire() would.
 *  - After any call, vlapic_pending() may have changed: the VMM re-checks it
 *    before resuming the guest (self-IPIs, TPR writes, EOIs, the timer).
 *  - One vCPU's vlapic is used by one CPU at a time; routing another
 *    vCPU's IPI into it (vlapic_accept) is the caller's to serialise.
 */
#ifndef VMM_VLAPIC_H
#define VMM_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/apic_msg.h"

/* Version 0x14 (integrated APIC), highest LVT entry 6: seven LVTs,
 * CMCI included. No EOI-broadcast suppression (bit 24 clear). */
#define VLAPIC_VERSION 0x00060014u

/* Register offsets in the 4 KiB page. */
#define VLAPIC_ID 0x020
#define VLAPIC_VER 0x030
#define VLAPIC_TPR 0x080
#define VLAPIC_APR 0x090
#define VLAPIC_PPR 0x0a0
#define VLAPIC_EOI 0x0b0
#define VLAPIC_RRD 0x0c0
#define VLAPIC_LDR 0x0d0
#define VLAPIC_DFR 0x0e0
#define VLAPIC_SVR 0x0f0
#define VLAPIC_ISR 0x100 /* 8 registers, 16 bytes apart */
#define VLAPIC_TMR 0x180
#define VLAPIC_IRR 0x200
#define VLAPIC_ESR 0x280
#define VLAPIC_LVT_CMCI 0x2f0
#define VLAPIC_ICR_LO 0x300
#define VLAPIC_ICR_HI 0x310
#define VLAPIC_LVT_TIMER 0x320
#define VLAPIC_LVT_THERMAL 0x330
#define VLAPIC_LVT_PERF 0x340
#define VLAPIC_LVT_LINT0 0x350
#define VLAPIC_LVT_LINT1 0x360
#define VLAPIC_LVT_ERROR 0x370
#define VLAPIC_TIMER_INIT 0x380
#define VLAPIC_TIMER_CUR 0x390
#define VLAPIC_TIMER_DCR 0x3e0

#define VLAPIC_SVR_ENABLE (1u << 8)
#define VLAPIC_LVT_MASKED (1u << 16)
#define VLAPIC_TIMER_PERIODIC (1u << 17)
#define VLAPIC_TIMER_TSC_DEADLINE (2u << 17)

/* ESR bits this model sets. */
#define VLAPIC_ESR_SEND_ILLEGAL (1u << 5)
#define VLAPIC_ESR_RECV_ILLEGAL (1u << 6)
#define VLAPIC_ESR_ILLEGAL_REG (1u << 7)

/* The largest tsc_per_tick: keeps count * tick * 128 within 64 bits. */
#define VLAPIC_TSC_PER_TICK_MAX (1ull << 24)

enum vlapic_lvt {
	VLAPIC_LVT_IDX_CMCI,
	VLAPIC_LVT_IDX_TIMER,
	VLAPIC_LVT_IDX_THERMAL,
	VLAPIC_LVT_IDX_PERF,
	VLAPIC_LVT_IDX_LINT0,
	VLAPIC_LVT_IDX_LINT1,
	VLAPIC_LVT_IDX_ERROR,
	VLAPIC_LVT_COUNT,
};

/* What the guest did that the VMM reports; kept across vlapic_reset(). */
struct vlapic_stats {
	uint64_t illegal_vectors; /* vectors 0-15 received, sent or in an LVT */
	uint64_t refused_ipis;    /* ICR writes refused here (reserved mode, self + non-fixed) */
	uint64_t dropped_ipis;    /* IPIs the VMM could not deliver: the caller counts these */
	uint64_t disabled_drops;  /* fixed interrupts refused while software-disabled */
	uint64_t odd_accesses;    /* reserved, unaligned or out-of-page offsets */
	uint64_t timer_clamps;    /* initial counts whose period was raised to min_period */
	uint64_t timer_skipped;   /* periodic expiries merged into one (caller was late) */
};

struct vlapic {
	uint8_t id;
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending; /* ESR as read; errors since the last ESR write */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[VLAPIC_LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8]; /* bit v % 32 of word v / 32 */
	uint32_t timer_init, timer_dcr;
	uint64_t timer_period; /* TSC cycles per reload, clamped; 0: not started */
	uint64_t timer_next;   /* TSC of the next expiry; 0: disarmed */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE while in TSC-deadline mode */
	uint64_t tsc_per_tick; /* TSC cycles per timer tick at divide-by-1 */
	uint64_t min_period;   /* floor of a count-driven expiry interval, TSC cycles */
	struct vlapic_stats stats;
};

/*
 * Power-on state (SDM 11.4.7.1): IRR, ISR, TMR, TPR, LDR, ICR, ESR and the
 * timer clear, DFR all ones, LVTs masked, SVR 0xff (software-disabled).
 * The APIC ID is apic_id (read-only afterwards: writes to the ID register
 * are ignored, so the MADT's IDs and the VMM's routing always agree).
 * tsc_per_tick (1..VLAPIC_TSC_PER_TICK_MAX) is the timer's bus clock in
 * TSC cycles per tick. min_period (>= 1) is the shortest interval between
 * two expiries of a count-driven (one-shot or periodic) timer, in TSC
 * cycles: an initial count that asks for less is raised to it (counted),
 * so a guest programming count 1 at divide 1 cannot make the VMM spin.
 * A suggested value is 50 us worth of TSC (tsc_khz / 20), far below the
 * shortest interval Linux asks of a working timer. Zeroes the stats.
 * Returns -EINVAL (and changes nothing) for out-of-range parameters.
 */
int vlapic_init(struct vlapic *l, uint8_t apic_id, uint64_t tsc_per_tick, uint64_t min_period)
	__attribute__((warn_unused_result));

/* INIT: the registers back to their power-on values; the APIC ID, the
 * clock parameters and the stats stay. */
void vlapic_reset(struct vlapic *l);

/* An action the VMM carries out after a register write. */
enum vlapic_action_kind {
	VLAPIC_ACT_NONE,
	VLAPIC_ACT_EOI, /* eoi: an in-service vector ended */
	VLAPIC_ACT_IPI, /* ipi: route this message */
};

enum vlapic_shorthand {
	VLAPIC_SH_NONE,   /* the destination field (msg.dest) */
	VLAPIC_SH_SELF,   /* only the sender: never returned, handled here */
	VLAPIC_SH_ALL,    /* every APIC, the sender included */
	VLAPIC_SH_OTHERS, /* every APIC but the sender */
};

struct vlapic_eoi {
	uint8_t vector;
	bool level; /* its TMR bit was set: tell the I/O APIC (vioapic_eoi) */
};

struct vlapic_ipi {
	struct apic_msg msg; /* msg.level is false: an IPI's trigger mode is ignored
			      * except by INIT level de-assert, which is dropped here */
	enum vlapic_shorthand shorthand;
	bool assert, trigger_level; /* ICR bits 14 and 15 as written */
};

struct vlapic_action {
	enum vlapic_action_kind kind;
	union {
		struct vlapic_eoi eoi;
		struct vlapic_ipi ipi;
	};
};

/* A 32-bit read at off (see the contract above). Reserved registers and
 * write-only EOI read 0; APR reads 0 (lowest-priority arbitration is the
 * caller's); the current count is computed from now. */
uint32_t vlapic_read(struct vlapic *l, uint32_t off, uint64_t now);

/*
 * A 32-bit write at off; *act says what the VMM must do next (always set).
 * Read-only registers (ID, version, APR, PPR, RRD, ISR, TMR, IRR, current
 * count) ignore writes. An EOI with nothing in service is NONE. An ICR
 * write is decoded into an IPI, except: a fixed self-IPI is accepted here;
 * a fixed or lowest-priority vector below 16 sets ESR "send illegal vector"
 * and sends nothing; INIT de-assert (not on Pentium 4 and later) is
 * dropped; reserved delivery modes (3, 7) and the shorthand "self" with a
 * mode other than fixed are refused (counted). The delivery status always
 * reads idle. Other invalid combinations are left to the router.
 */
void vlapic_write(struct vlapic *l, uint32_t off, uint32_t val, uint64_t now,
		  struct vlapic_action *act);

/*
 * A fixed or lowest-priority interrupt arrives: set its IRR bit (already
 * set: the two merge), and its TMR bit if level-triggered (clear it if
 * edge). Vectors 0-15 set ESR "receive illegal vector" and are dropped; so
 * is anything while the APIC is software-disabled. Returns whether it was
 * accepted. NMI, SMI, INIT, SIPI and ExtINT bypass the APIC's registers:
 * the caller delivers those to the vCPU itself.
 */
bool vlapic_accept(struct vlapic *l, uint8_t vector, bool level);

/* The vector to inject: the highest IRR bit whose priority class (bits
 * 4-7) is above PPR's, or -1. Pending interrupts stay pending while the
 * APIC is software-disabled (SDM 11.4.7.2). */
int vlapic_pending(const struct vlapic *l);

/* The interrupt was injected: move vector from IRR to ISR (PPR rises).
 * -EINVAL, and nothing changes, if vector is not pending in IRR. */
int vlapic_ack(struct vlapic *l, uint8_t vector) __attribute__((warn_unused_result));

/* Whether a message's destination names this APIC: physical (APIC ID, or
 * 0xff for all) or logical (flat: LDR bits ANDed; cluster: same cluster,
 * member bits ANDed; 0xff for all). A DFR model other than flat or
 * cluster matches nothing. Shorthands are the caller's. */
bool vlapic_match_dest(const struct vlapic *l, uint8_t dest, bool logical);

/* The processor priority (PPR) as the SDM defines it. */
uint8_t vlapic_ppr(const struct vlapic *l);

/*
 * The timer (SDM 11.5.4). Count-driven modes tick every tsc_per_tick *
 * divisor TSC cycles; the expiry interval is at least min_period.
 * A masked timer keeps counting and never interrupts: it has no deadline
 * here (the VMM need not wake for it), and its expiries are processed when
 * the guest next touches the APIC. Switching into or out of TSC-deadline
 * mode disarms the timer; switching between one-shot and periodic does
 * not (the next expiry follows the new mode).
 */

/* The TSC at which the timer next interrupts, or 0: none (disarmed or
 * masked). The VMM arms its own timer for it and calls vlapic_timer_fire. */
uint64_t vlapic_timer_deadline(const struct vlapic *l);

/* If the timer expired by now: one-shot and TSC-deadline disarm (the
 * deadline MSR reads 0 after), periodic re-arms at the first period
 * boundary after now, however late the call (missed periods are merged
 * into one interrupt and counted in stats.timer_skipped). Raises the LVT
 * timer vector unless masked. Returns whether an interrupt was raised. */
bool vlapic_timer_fire(struct vlapic *l, uint64_t now);

/* IA32_TSC_DEADLINE (MSR 0x6e0). Outside TSC-deadline mode writes are
 * ignored and reads return 0 (SDM 11.5.4.1). Writing 0 disarms; a deadline
 * already past fires at the next vlapic_timer_fire. */
void vlapic_write_tsc_deadline(struct vlapic *l, uint64_t val, uint64_t now);
uint64_t vlapic_read_tsc_deadline(struct vlapic *l, uint64_t now);

#endif
