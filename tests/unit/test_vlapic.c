// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/vlapic.c and vmm/vlapic_timer.c, the virtual local
 * APIC: register semantics, priority (TPR, PPR), IRR -> ISR -> EOI,
 * ESR, the ICR's decoding, destination matching, and the timer in each
 * mode under a fake TSC. Everything a guest writes is untrusted: the last
 * case throws random accesses at it and checks the invariants hold.
 */
#define CHECK_SUITE "vlapic"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "vmm/vlapic.h"
#include "vmm/vlapic_priv.h"

#define TPT 10     /* TSC cycles per tick */
#define MINP 1000  /* min_period */
#define APIC_ID 2

static struct vlapic L;
static uint64_t now;
static struct vlapic_action act;

static uint32_t rd(uint32_t off)
{
	return vlapic_read(&L, off, now);
}

static void wr(uint32_t off, uint32_t val)
{
	vlapic_write(&L, off, val, now, &act);
}

/* Power-on, then software-enabled with spurious vector 0xff, at time 0. */
static void fresh(void)
{
	now = 0;
	if (vlapic_init(&L, APIC_ID, TPT, MINP))
		abort();
	wr(VLAPIC_SVR, 0x1ff);
}

static bool in_reg(uint32_t base, unsigned v)
{
	return (rd(base + (v / 32) * 16) >> (v % 32)) & 1;
}

static unsigned esr_latch(void)
{
	wr(VLAPIC_ESR, 0);
	return rd(VLAPIC_ESR);
}

static void power_on_state(void)
{
	static const uint32_t lvts[] = { VLAPIC_LVT_CMCI, VLAPIC_LVT_TIMER, VLAPIC_LVT_THERMAL,
					 VLAPIC_LVT_PERF, VLAPIC_LVT_LINT0, VLAPIC_LVT_LINT1,
					 VLAPIC_LVT_ERROR };

	now = 0;
	CHECK_EQ(vlapic_init(&L, APIC_ID, TPT, MINP), 0);
	CHECK_EQ(rd(VLAPIC_ID), APIC_ID << 24);
	CHECK_EQ(rd(VLAPIC_VER), 0x00060014);
	CHECK_EQ(rd(VLAPIC_DFR), 0xffffffffu);
	CHECK_EQ(rd(VLAPIC_SVR), 0xff);
	for (unsigned i = 0; i < 7; i++)
		CHECK_EQ(rd(lvts[i]), VLAPIC_LVT_MASKED);
	for (uint32_t off = VLAPIC_ISR; off < VLAPIC_ESR; off += 16)
		CHECK_EQ(rd(off), 0);
	CHECK_EQ(rd(VLAPIC_TPR) | rd(VLAPIC_PPR) | rd(VLAPIC_LDR) | rd(VLAPIC_ESR), 0);
	CHECK_EQ(rd(VLAPIC_ICR_LO) | rd(VLAPIC_ICR_HI), 0);
	CHECK_EQ(rd(VLAPIC_TIMER_INIT) | rd(VLAPIC_TIMER_CUR) | rd(VLAPIC_TIMER_DCR), 0);
	CHECK_EQ(vlapic_pending(&L), -1);
	CHECK(vlapic_timer_deadline(&L) == 0);
}

static void init_refuses_bad_clock(void)
{
	struct vlapic before;

	fresh();
	before = L;
	CHECK_EQ(vlapic_init(&L, 1, 0, MINP), -EINVAL);
	CHECK_EQ(vlapic_init(&L, 1, VLAPIC_TSC_PER_TICK_MAX + 1, MINP), -EINVAL);
	CHECK_EQ(vlapic_init(&L, 1, TPT, 0), -EINVAL);
	CHECK(!memcmp(&before, &L, sizeof(L)));
	CHECK_EQ(vlapic_init(&L, 1, VLAPIC_TSC_PER_TICK_MAX, 1), 0);
}

/* INIT: registers to power-on values; ID, clock and stats kept. */
static void reset_keeps_id_and_stats(void)
{
	fresh();
	wr(VLAPIC_TPR, 0x40);
	CHECK(vlapic_accept(&L, 0x80, true));
	CHECK(!vlapic_accept(&L, 3, false));
	vlapic_reset(&L);
	CHECK_EQ(rd(VLAPIC_ID), APIC_ID << 24);
	CHECK_EQ(rd(VLAPIC_TPR), 0);
	CHECK_EQ(rd(VLAPIC_SVR), 0xff);
	CHECK(!in_reg(VLAPIC_IRR, 0x80) && !in_reg(VLAPIC_TMR, 0x80));
	CHECK_EQ(L.stats.illegal_vectors, 1);
	CHECK(L.tsc_per_tick == TPT && L.min_period == MINP);
}

static void read_only_registers(void)
{
	fresh();
	CHECK(vlapic_accept(&L, 0x31, false));
	wr(VLAPIC_ID, 0x05000000);
	wr(VLAPIC_VER, 0);
	wr(VLAPIC_APR, 0xff);
	wr(VLAPIC_PPR, 0xff);
	wr(VLAPIC_RRD, 0xff);
	wr(VLAPIC_IRR + 0x10, 0);
	wr(VLAPIC_ISR + 0x10, ~0u);
	wr(VLAPIC_TMR + 0x10, ~0u);
	wr(VLAPIC_TIMER_CUR, 1234);
	CHECK_EQ(rd(VLAPIC_ID), APIC_ID << 24);
	CHECK_EQ(rd(VLAPIC_VER), VLAPIC_VERSION);
	CHECK_EQ(rd(VLAPIC_APR) | rd(VLAPIC_PPR) | rd(VLAPIC_RRD), 0);
	CHECK(in_reg(VLAPIC_IRR, 0x31));
	CHECK_EQ(rd(VLAPIC_ISR + 0x10) | rd(VLAPIC_TMR + 0x10), 0);
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 0);
	CHECK_EQ(rd(VLAPIC_EOI), 0);
	CHECK_EQ(esr_latch(), 0); /* read-only is not "illegal register" */
	CHECK_EQ(L.stats.odd_accesses, 0);
}

/* Reserved registers read 0, ignore writes, and log "illegal register". */
static void reserved_registers(void)
{
	static const uint32_t reserved[] = { 0x000, 0x010, 0x040, 0x050, 0x060, 0x070, 0x290,
					     0x2a0, 0x2e0, 0x3a0, 0x3b0, 0x3c0, 0x3d0, 0x3f0 };

	fresh();
	for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		wr(reserved[i], ~0u);
		CHECK_EQ(rd(reserved[i]), 0);
		CHECK_EQ(act.kind, VLAPIC_ACT_NONE);
	}
	CHECK_EQ(L.stats.odd_accesses, 2 * sizeof(reserved) / sizeof(reserved[0]));
	CHECK_EQ(esr_latch(), VLAPIC_ESR_ILLEGAL_REG);
	CHECK_EQ(esr_latch(), 0);
}

/* Outside the contract: read 0, writes ignored, counted, nothing logged. */
static void odd_offsets(void)
{
	static const uint32_t odd[] = { 0x81, 0x84, 0x8c, 0x3e4, 0x400, 0xff0, 0xffc, 0x1000,
					0x100080, 0xfffffff0, 0xffffffff };

	fresh();
	for (unsigned i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		wr(odd[i], 0xff);
		CHECK_EQ(rd(odd[i]), 0);
	}
	CHECK_EQ(rd(VLAPIC_TPR), 0);
	CHECK_EQ(rd(VLAPIC_TIMER_DCR), 0);
	CHECK_EQ(L.stats.odd_accesses, 2 * sizeof(odd) / sizeof(odd[0]));
	CHECK_EQ(esr_latch(), 0);
}

static void writable_bits(void)
{
	static const struct { uint32_t off, want; } regs[] = {
		{ VLAPIC_TPR, 0xff }, { VLAPIC_LDR, 0xff000000 }, { VLAPIC_DFR, 0xffffffff },
		{ VLAPIC_SVR, 0x3ff }, { VLAPIC_ICR_HI, 0xff000000 }, { VLAPIC_TIMER_DCR, 0xb },
		{ VLAPIC_LVT_CMCI, 0x107ff }, { VLAPIC_LVT_THERMAL, 0x107ff },
		{ VLAPIC_LVT_PERF, 0x107ff }, { VLAPIC_LVT_LINT0, 0x1a7ff },
		{ VLAPIC_LVT_LINT1, 0x1a7ff }, { VLAPIC_LVT_ERROR, 0x100ff },
		/* timer: mode 11b is reserved and becomes one-shot */
		{ VLAPIC_LVT_TIMER, 0x100ff },
	};

	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		fresh();
		wr(regs[i].off, ~0u);
		if (!CHECK_EQ_INT(rd(regs[i].off), regs[i].want))
			printf("    register 0x%x\n", regs[i].off);
	}
	fresh();
	wr(VLAPIC_DFR, 0);
	CHECK_EQ(rd(VLAPIC_DFR), 0x0fffffff);
	wr(VLAPIC_TPR, 0x1a5);
	CHECK_EQ(rd(VLAPIC_TPR), 0xa5);
}

static void tpr_and_ppr(void)
{
	fresh();
	wr(VLAPIC_TPR, 0x35);
	CHECK_EQ(rd(VLAPIC_PPR), 0x35); /* nothing in service: PPR = TPR */
	CHECK(vlapic_accept(&L, 0x52, false));
	CHECK_EQ(vlapic_ack(&L, 0x52), 0);
	CHECK_EQ(rd(VLAPIC_PPR), 0x50); /* ISR class above TPR's: class only */
	wr(VLAPIC_TPR, 0x5a);
	CHECK_EQ(rd(VLAPIC_PPR), 0x5a); /* same class: TPR, sub-class included */
	wr(VLAPIC_TPR, 0x61);
	CHECK_EQ(rd(VLAPIC_PPR), 0x61);
	wr(VLAPIC_TPR, 0);
	wr(VLAPIC_EOI, 0);
	CHECK_EQ(rd(VLAPIC_PPR), 0);
	CHECK_EQ(vlapic_ppr(&L), 0);
}

static void pending_by_priority_class(void)
{
	fresh();
	CHECK(vlapic_accept(&L, 0x30, false));
	CHECK_EQ(vlapic_pending(&L), 0x30);
	wr(VLAPIC_TPR, 0x30);
	CHECK_EQ(vlapic_pending(&L), -1); /* class 3 is not above PPR class 3 */
	wr(VLAPIC_TPR, 0x2f);
	CHECK_EQ(vlapic_pending(&L), 0x30);
	CHECK(vlapic_accept(&L, 0x45, false));
	CHECK(vlapic_accept(&L, 0x41, false));
	CHECK_EQ(vlapic_pending(&L), 0x45); /* highest vector first */
	wr(VLAPIC_TPR, 0xff);
	CHECK_EQ(vlapic_pending(&L), -1);
	CHECK(vlapic_accept(&L, 0xff, false));
	CHECK_EQ(vlapic_pending(&L), -1); /* class 15 never beats TPR 0xff */
}

static void irr_isr_eoi(void)
{
	fresh();
	CHECK(vlapic_accept(&L, 0x40, false));
	CHECK(vlapic_accept(&L, 0x40, false)); /* merged with the first */
	CHECK_EQ(vlapic_ack(&L, 0x40), 0);
	CHECK(!in_reg(VLAPIC_IRR, 0x40) && in_reg(VLAPIC_ISR, 0x40));
	CHECK_EQ(vlapic_pending(&L), -1);
	CHECK(vlapic_accept(&L, 0x41, false));
	CHECK_EQ(vlapic_pending(&L), -1); /* same class as the one in service */
	CHECK(vlapic_accept(&L, 0x51, false));
	CHECK_EQ(vlapic_pending(&L), 0x51);
	CHECK_EQ(vlapic_ack(&L, 0x51), 0);
	wr(VLAPIC_EOI, 0);
	CHECK(act.kind == VLAPIC_ACT_EOI && act.eoi.vector == 0x51 && !act.eoi.level);
	CHECK_EQ(vlapic_pending(&L), -1);
	wr(VLAPIC_EOI, 0x1234); /* any value ends it */
	CHECK(act.kind == VLAPIC_ACT_EOI && act.eoi.vector == 0x40);
	CHECK_EQ(vlapic_pending(&L), 0x41);
	CHECK_EQ(vlapic_ack(&L, 0x41), 0);
	wr(VLAPIC_EOI, 0);
	wr(VLAPIC_EOI, 0);
	CHECK_EQ(act.kind, VLAPIC_ACT_NONE); /* nothing in service */
}

static void nested_interrupts(void)
{
	static const uint8_t v[] = { 0x31, 0x5f, 0x70, 0xe2 };

	fresh();
	for (unsigned i = 0; i < 4; i++) {
		CHECK(vlapic_accept(&L, v[i], false));
		CHECK_EQ(vlapic_pending(&L), v[i]);
		CHECK_EQ(vlapic_ack(&L, v[i]), 0);
		CHECK_EQ(rd(VLAPIC_PPR), v[i] & 0xf0);
	}
	CHECK(vlapic_accept(&L, 0x60, false));
	for (int i = 3; i >= 0; i--) {
		CHECK_EQ(vlapic_pending(&L), i >= 2 ? -1 : 0x60);
		wr(VLAPIC_EOI, 0);
		CHECK_EQ(act.eoi.vector, v[i]);
		CHECK_EQ(rd(VLAPIC_PPR), i ? v[i - 1] & 0xf0 : 0);
	}
	CHECK_EQ(vlapic_pending(&L), 0x60);
}

static void ack_requires_pending(void)
{
	fresh();
	CHECK_EQ(vlapic_ack(&L, 0x40), -EINVAL);
	CHECK_EQ(vlapic_ack(&L, 3), -EINVAL);
	CHECK_EQ(rd(VLAPIC_ISR + 0x20), 0);
}

static void level_eoi_reported(void)
{
	fresh();
	CHECK(vlapic_accept(&L, 0x61, true));
	CHECK(in_reg(VLAPIC_TMR, 0x61));
	CHECK_EQ(vlapic_ack(&L, 0x61), 0);
	wr(VLAPIC_EOI, 0);
	CHECK(act.kind == VLAPIC_ACT_EOI && act.eoi.vector == 0x61 && act.eoi.level);
	CHECK(vlapic_accept(&L, 0x61, false)); /* edge now: TMR cleared */
	CHECK(!in_reg(VLAPIC_TMR, 0x61));
	CHECK_EQ(vlapic_ack(&L, 0x61), 0);
	wr(VLAPIC_EOI, 0);
	CHECK(act.kind == VLAPIC_ACT_EOI && !act.eoi.level);
}

/* ESR: errors appear only after a write, which also clears the old ones. */
static void esr_write_before_read(void)
{
	fresh();
	CHECK(!vlapic_accept(&L, 15, false));
	CHECK_EQ(rd(VLAPIC_IRR), 0);
	CHECK_EQ(rd(VLAPIC_ESR), 0);
	wr(VLAPIC_ESR, 0xffffffff);
	CHECK_EQ(rd(VLAPIC_ESR), VLAPIC_ESR_RECV_ILLEGAL);
	CHECK_EQ(rd(VLAPIC_ESR), VLAPIC_ESR_RECV_ILLEGAL);
	wr(VLAPIC_ESR, 0);
	CHECK_EQ(rd(VLAPIC_ESR), 0);
	CHECK_EQ(L.stats.illegal_vectors, 1);
	for (unsigned v = 0; v < 16; v++)
		CHECK(!vlapic_accept(&L, (uint8_t)v, true));
	CHECK_EQ(L.stats.illegal_vectors, 17);
	CHECK_EQ(rd(VLAPIC_IRR) | rd(VLAPIC_TMR), 0);
}

static void error_lvt(void)
{
	fresh();
	wr(VLAPIC_LVT_ERROR, 0xfe);
	CHECK(!vlapic_accept(&L, 2, false));
	CHECK_EQ(vlapic_pending(&L), 0xfe);
	/* An illegal error vector must not loop on itself. */
	fresh();
	wr(VLAPIC_LVT_ERROR, 0x05);
	CHECK(!vlapic_accept(&L, 2, false));
	CHECK_EQ(vlapic_pending(&L), -1);
	CHECK_EQ(L.stats.illegal_vectors, 2);
	CHECK_EQ(esr_latch(), VLAPIC_ESR_RECV_ILLEGAL);
}

static void svr_disable_masks(void)
{
	fresh();
	wr(VLAPIC_LVT_TIMER, 0x20);
	wr(VLAPIC_LVT_LINT0, 0x700);
	CHECK(vlapic_accept(&L, 0x80, false));
	wr(VLAPIC_SVR, 0xff); /* software-disable */
	CHECK_EQ(rd(VLAPIC_LVT_TIMER), 0x10020);
	CHECK_EQ(rd(VLAPIC_LVT_LINT0), 0x10700);
	wr(VLAPIC_LVT_TIMER, 0x21); /* the mask stays set */
	CHECK_EQ(rd(VLAPIC_LVT_TIMER), 0x10021);
	CHECK(!vlapic_accept(&L, 0x90, false));
	CHECK_EQ(L.stats.disabled_drops, 1);
	CHECK_EQ(vlapic_pending(&L), 0x80); /* held, still deliverable */
	wr(VLAPIC_SVR, 0x1ff);
	CHECK_EQ(rd(VLAPIC_LVT_TIMER), 0x10021); /* enabling unmasks nothing */
	wr(VLAPIC_LVT_TIMER, 0x21);
	CHECK_EQ(rd(VLAPIC_LVT_TIMER), 0x21);
	CHECK(vlapic_accept(&L, 0x90, false));
}

struct icr_case {
	uint32_t hi, lo;
	uint8_t vector, mode, dest;
	bool logical;
	enum vlapic_shorthand sh;
	bool assert, trig;
};

static void icr_decode(void)
{
	static const struct icr_case cases[] = {
		{ 0x03000000, 0x000040ec, 0xec, APIC_DM_FIXED, 3, false, VLAPIC_SH_NONE, true, false },
		{ 0x0f000000, 0x00004830, 0x30, APIC_DM_FIXED, 0x0f, true, VLAPIC_SH_NONE, true, false },
		{ 0xff000000, 0x00004131, 0x31, APIC_DM_LOWEST, 0xff, false, VLAPIC_SH_NONE, true, false },
		{ 0x01000000, 0x00004200, 0x00, APIC_DM_SMI, 1, false, VLAPIC_SH_NONE, true, false },
		{ 0x01000000, 0x00004400, 0x00, APIC_DM_NMI, 1, false, VLAPIC_SH_NONE, true, false },
		{ 0x01000000, 0x0000c500, 0x00, APIC_DM_INIT, 1, false, VLAPIC_SH_NONE, true, true },
		{ 0x01000000, 0x00004608, 0x08, APIC_DM_SIPI, 1, false, VLAPIC_SH_NONE, true, false },
		{ 0x00000000, 0x000840f0, 0xf0, APIC_DM_FIXED, 0, false, VLAPIC_SH_ALL, true, false },
		{ 0x00000000, 0x000c4400, 0x00, APIC_DM_NMI, 0, false, VLAPIC_SH_OTHERS, true, false },
		{ 0x00000000, 0x000c4500, 0x00, APIC_DM_INIT, 0, false, VLAPIC_SH_OTHERS, true, false },
		{ 0x05000000, 0x0000c0ec, 0xec, APIC_DM_FIXED, 5, false, VLAPIC_SH_NONE, true, true },
		{ 0x05000000, 0x000000ec, 0xec, APIC_DM_FIXED, 5, false, VLAPIC_SH_NONE, false, false },
		/* reserved and delivery-status bits are dropped, not decoded */
		{ 0x06ffffff, 0xfff3b0ec, 0xec, APIC_DM_FIXED, 6, false, VLAPIC_SH_NONE, false, true },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icr_case *c = &cases[i];
		const struct vlapic_ipi *ipi = &act.ipi;

		fresh();
		wr(VLAPIC_ICR_HI, c->hi);
		wr(VLAPIC_ICR_LO, c->lo);
		if (!CHECK_EQ_INT(act.kind, VLAPIC_ACT_IPI)) {
			printf("    case %u\n", i);
			continue;
		}
		CHECK_EQ(ipi->msg.vector, c->vector);
		CHECK_EQ(ipi->msg.delivery_mode, c->mode);
		CHECK_EQ(ipi->msg.dest, c->dest);
		CHECK_EQ(ipi->msg.logical, c->logical);
		CHECK(!ipi->msg.level);
		CHECK_EQ(ipi->shorthand, c->sh);
		CHECK_EQ(ipi->assert, c->assert);
		CHECK_EQ(ipi->trigger_level, c->trig);
		CHECK_EQ(rd(VLAPIC_ICR_LO) & (1u << 12), 0); /* always idle */
		CHECK_EQ(rd(VLAPIC_ICR_LO), c->lo & 0x000ccfff);
		CHECK_EQ(rd(VLAPIC_ICR_HI), c->hi & 0xff000000);
		CHECK_EQ(vlapic_pending(&L), -1); /* nothing delivered locally */
	}
}

static void icr_refused(void)
{
	static const uint32_t refused[] = {
		0x00004330, /* mode 3: reserved */
		0x00004730, /* mode 7: ExtINT is not an ICR mode */
		0x00044400, /* self + NMI */
		0x00044131, /* self + lowest priority */
		0x00044500, /* self + INIT */
		0x00044608, /* self + SIPI */
	};

	fresh();
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		wr(VLAPIC_ICR_LO, refused[i]);
		CHECK_EQ(act.kind, VLAPIC_ACT_NONE);
	}
	CHECK_EQ(L.stats.refused_ipis, sizeof(refused) / sizeof(refused[0]));
	/* Vectors below 16: "send illegal vector", nothing sent. */
	wr(VLAPIC_ICR_LO, 0x00004005);
	CHECK_EQ(act.kind, VLAPIC_ACT_NONE);
	wr(VLAPIC_ICR_LO, 0x0004400f);
	CHECK_EQ(act.kind, VLAPIC_ACT_NONE);
	CHECK_EQ(L.stats.illegal_vectors, 2);
	CHECK_EQ(esr_latch(), VLAPIC_ESR_SEND_ILLEGAL);
	/* INIT level de-assert, as Linux sends after INIT: dropped, uncounted. */
	wr(VLAPIC_ICR_HI, 0x01000000);
	wr(VLAPIC_ICR_LO, 0x00008500);
	CHECK_EQ(act.kind, VLAPIC_ACT_NONE);
	CHECK_EQ(L.stats.refused_ipis, sizeof(refused) / sizeof(refused[0]));
	CHECK_EQ(vlapic_pending(&L), -1);
}

static void self_ipi(void)
{
	fresh();
	wr(VLAPIC_ICR_LO, 0x000440e5);
	CHECK_EQ(act.kind, VLAPIC_ACT_NONE);
	CHECK(in_reg(VLAPIC_IRR, 0xe5));
	CHECK_EQ(vlapic_pending(&L), 0xe5);
	/* A software-disabled APIC drops its own self-IPI too. */
	wr(VLAPIC_SVR, 0xff);
	wr(VLAPIC_ICR_LO, 0x000440e6);
	CHECK(!in_reg(VLAPIC_IRR, 0xe6));
}

static void dest_matching(void)
{
	fresh();
	CHECK(vlapic_match_dest(&L, APIC_ID, false));
	CHECK(!vlapic_match_dest(&L, APIC_ID + 1, false));
	CHECK(vlapic_match_dest(&L, 0xff, false));
	/* flat: LDR bits 0 and 2 */
	wr(VLAPIC_LDR, 0x05000000);
	CHECK(vlapic_match_dest(&L, 0x01, true));
	CHECK(vlapic_match_dest(&L, 0x0c, true));
	CHECK(!vlapic_match_dest(&L, 0x02, true));
	CHECK(!vlapic_match_dest(&L, 0x00, true));
	CHECK(vlapic_match_dest(&L, 0xff, true));
	CHECK(!vlapic_match_dest(&L, 0x05, false)); /* physical ID 2, not 5 */
	/* cluster: cluster 3, member bit 1 */
	wr(VLAPIC_DFR, 0x0fffffff);
	wr(VLAPIC_LDR, 0x32000000);
	CHECK(vlapic_match_dest(&L, 0x32, true));
	CHECK(vlapic_match_dest(&L, 0x3f, true));
	CHECK(!vlapic_match_dest(&L, 0x31, true));
	CHECK(!vlapic_match_dest(&L, 0x22, true));
	CHECK(!vlapic_match_dest(&L, 0xf2, true));
	CHECK(vlapic_match_dest(&L, 0xff, true));
	/* neither model: only broadcast */
	wr(VLAPIC_DFR, 0x5fffffff);
	CHECK(!vlapic_match_dest(&L, 0x32, true));
	CHECK(vlapic_match_dest(&L, 0xff, true));
}

/* Timer: one-shot at divide 1, 1000 ticks of 10 TSC cycles. */
static void timer_one_shot(void)
{
	fresh();
	wr(VLAPIC_TIMER_DCR, 0xb);
	wr(VLAPIC_LVT_TIMER, 0x20);
	now = 100;
	wr(VLAPIC_TIMER_INIT, 1000);
	CHECK(vlapic_timer_deadline(&L) == 10100);
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 1000);
	now = 5100;
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 500);
	now = 10095;
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 1);
	CHECK(!vlapic_timer_fire(&L, 10099));
	CHECK(vlapic_timer_fire(&L, 10100));
	CHECK_EQ(vlapic_pending(&L), 0x20);
	CHECK(vlapic_timer_deadline(&L) == 0);
	CHECK(!vlapic_timer_fire(&L, 30000)); /* once */
	now = 30000;
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 0);
	CHECK_EQ(rd(VLAPIC_TIMER_INIT), 1000);
}

static void timer_periodic_no_burst(void)
{
	fresh();
	wr(VLAPIC_TIMER_DCR, 0xb);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x21);
	wr(VLAPIC_TIMER_INIT, 100); /* period 1000 */
	CHECK(vlapic_timer_fire(&L, 1000));
	CHECK(vlapic_timer_deadline(&L) == 2000);
	CHECK_EQ(vlapic_ack(&L, 0x21), 0);
	wr(VLAPIC_EOI, 0);
	/* The VMM comes back late: one interrupt, the 8 boundaries between
	 * merged into it and counted, and the phase kept. */
	CHECK(vlapic_timer_fire(&L, 10500));
	CHECK(!vlapic_timer_fire(&L, 10500));
	CHECK(vlapic_timer_deadline(&L) == 11000);
	CHECK_EQ(L.stats.timer_skipped, 8);
	now = 10750;
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 25);
	CHECK(vlapic_timer_fire(&L, 11000));
	CHECK(vlapic_timer_deadline(&L) == 12000);
	CHECK_EQ(L.stats.timer_skipped, 8);
}

static void timer_divides(void)
{
	static const struct { uint32_t dcr; uint64_t div; } d[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};

	for (unsigned i = 0; i < 8; i++) {
		fresh();
		now = 7;
		wr(VLAPIC_LVT_TIMER, 0x30);
		wr(VLAPIC_TIMER_DCR, d[i].dcr | 0xf4); /* bits 2 and 4-7 are not writable */
		CHECK_EQ(rd(VLAPIC_TIMER_DCR), d[i].dcr);
		wr(VLAPIC_TIMER_INIT, 5000);
		if (!CHECK(vlapic_timer_deadline(&L) == 7 + 5000 * TPT * d[i].div))
			printf("    divide by %llu\n", (unsigned long long)d[i].div);
		now = 7 + 2500 * TPT * d[i].div;
		CHECK_EQ(rd(VLAPIC_TIMER_CUR), 2500);
	}
}

static void timer_count_zero_stops(void)
{
	fresh();
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x20);
	wr(VLAPIC_TIMER_INIT, 500);
	CHECK(vlapic_timer_deadline(&L) != 0);
	wr(VLAPIC_TIMER_INIT, 0);
	CHECK(vlapic_timer_deadline(&L) == 0);
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 0);
	CHECK(!vlapic_timer_fire(&L, ~0ull));
}

/* Count 1 at divide 1 asks for 10 cycles: raised to min_period. */
static void timer_min_period(void)
{
	fresh();
	wr(VLAPIC_TIMER_DCR, 0xb);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x20);
	wr(VLAPIC_TIMER_INIT, 1);
	CHECK_EQ(L.stats.timer_clamps, 1);
	CHECK(vlapic_timer_deadline(&L) == MINP);
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 1); /* never more than the count */
	for (uint64_t k = 1; k <= 5; k++) {
		CHECK(!vlapic_timer_fire(&L, k * MINP - 1));
		CHECK(vlapic_timer_fire(&L, k * MINP));
		CHECK(vlapic_timer_deadline(&L) == (k + 1) * MINP);
	}
	/* One-shot too; a period at the floor exactly is not a clamp. */
	wr(VLAPIC_LVT_TIMER, 0x20);
	wr(VLAPIC_TIMER_INIT, 99);
	CHECK_EQ(L.stats.timer_clamps, 2);
	wr(VLAPIC_TIMER_INIT, 100);
	CHECK_EQ(L.stats.timer_clamps, 2);
}

/* A masked timer counts on but neither interrupts nor asks for a wake-up. */
static void timer_masked(void)
{
	fresh();
	wr(VLAPIC_TIMER_DCR, 0xb);
	wr(VLAPIC_LVT_TIMER, VLAPIC_LVT_MASKED | VLAPIC_TIMER_PERIODIC | 0x20);
	wr(VLAPIC_TIMER_INIT, 100);
	CHECK(vlapic_timer_deadline(&L) == 0);
	CHECK(!vlapic_timer_fire(&L, 1000));
	now = 5250;
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 75);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x20);
	CHECK(vlapic_timer_deadline(&L) == 6000);
	CHECK_EQ(vlapic_pending(&L), -1);
	CHECK_EQ(L.stats.timer_skipped, 0);
	/* One-shot expiring while masked: gone for good. */
	fresh();
	wr(VLAPIC_LVT_TIMER, VLAPIC_LVT_MASKED | 0x20);
	wr(VLAPIC_TIMER_INIT, 100);
	now = 100000;
	wr(VLAPIC_LVT_TIMER, 0x20);
	CHECK(vlapic_timer_deadline(&L) == 0);
	CHECK_EQ(vlapic_pending(&L), -1);
}

static void timer_tsc_deadline(void)
{
	fresh();
	vlapic_write_tsc_deadline(&L, 5000, now); /* one-shot mode: ignored */
	CHECK(vlapic_read_tsc_deadline(&L, now) == 0);
	CHECK(vlapic_timer_deadline(&L) == 0);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_TSC_DEADLINE | 0x40);
	CHECK_EQ(rd(VLAPIC_LVT_TIMER), VLAPIC_TIMER_TSC_DEADLINE | 0x40);
	wr(VLAPIC_TIMER_INIT, 1000); /* ignored in this mode */
	CHECK_EQ(rd(VLAPIC_TIMER_INIT), 0);
	vlapic_write_tsc_deadline(&L, 5000, now);
	CHECK(vlapic_read_tsc_deadline(&L, now) == 5000);
	CHECK(vlapic_timer_deadline(&L) == 5000);
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 0);
	CHECK(!vlapic_timer_fire(&L, 4999));
	CHECK(vlapic_timer_fire(&L, 5000));
	CHECK_EQ(vlapic_pending(&L), 0x40);
	CHECK(vlapic_read_tsc_deadline(&L, 5000) == 0); /* cleared when it fired */
	CHECK(vlapic_timer_deadline(&L) == 0);
	/* 0 disarms; a past deadline fires once, at the next check. */
	vlapic_write_tsc_deadline(&L, 9000, 6000);
	vlapic_write_tsc_deadline(&L, 0, 6000);
	CHECK(!vlapic_timer_fire(&L, 10000));
	vlapic_write_tsc_deadline(&L, 3, 10000);
	CHECK(vlapic_timer_fire(&L, 10000));
	CHECK(!vlapic_timer_fire(&L, 10001));
	/* Tiny deadlines are not clamped: each costs the guest an MSR write. */
	CHECK_EQ(L.stats.timer_clamps, 0);
}

static void timer_mode_switch(void)
{
	fresh();
	wr(VLAPIC_LVT_TIMER, 0x20);
	wr(VLAPIC_TIMER_INIT, 1000);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_TSC_DEADLINE | 0x20); /* disarms */
	CHECK(vlapic_timer_deadline(&L) == 0);
	CHECK_EQ(rd(VLAPIC_TIMER_INIT), 0);
	vlapic_write_tsc_deadline(&L, 777, now);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x20); /* disarms */
	CHECK(vlapic_timer_deadline(&L) == 0);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_TSC_DEADLINE | 0x20);
	CHECK(vlapic_read_tsc_deadline(&L, now) == 0);
	CHECK(!vlapic_timer_fire(&L, 1000));
	/* One-shot to periodic keeps counting, and then reloads. */
	fresh();
	wr(VLAPIC_TIMER_DCR, 0xb);
	wr(VLAPIC_LVT_TIMER, 0x20);
	wr(VLAPIC_TIMER_INIT, 200);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x20);
	CHECK(vlapic_timer_deadline(&L) == 2000);
	CHECK(vlapic_timer_fire(&L, 2000));
	CHECK(vlapic_timer_deadline(&L) == 4000);
	wr(VLAPIC_LVT_TIMER, 0x20); /* back to one-shot: the next expiry is the last */
	CHECK(vlapic_timer_fire(&L, 4000));
	CHECK(vlapic_timer_deadline(&L) == 0);
}

/* A new divider mid-count keeps the count reached. */
static void timer_divide_change(void)
{
	fresh();
	wr(VLAPIC_TIMER_DCR, 0xb);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x20);
	wr(VLAPIC_TIMER_INIT, 1000); /* period 10000 */
	now = 5000;
	wr(VLAPIC_TIMER_DCR, 0x0); /* divide by 2: 500 ticks of 20 left */
	CHECK(vlapic_timer_deadline(&L) == 15000);
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 500);
	CHECK(vlapic_timer_fire(&L, 15000));
	CHECK(vlapic_timer_deadline(&L) == 35000);
}

/* An expiry the VMM has not processed yet is when the guest looks. */
static void timer_expiry_seen_on_access(void)
{
	fresh();
	wr(VLAPIC_TIMER_DCR, 0xb);
	wr(VLAPIC_LVT_TIMER, 0x20);
	wr(VLAPIC_TIMER_INIT, 1000);
	now = 12000;
	CHECK_EQ(rd(VLAPIC_TIMER_CUR), 0);
	CHECK_EQ(vlapic_pending(&L), 0x20);
	CHECK(!vlapic_timer_fire(&L, 12000));
}

static void timer_illegal_vector(void)
{
	fresh();
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x07);
	wr(VLAPIC_TIMER_INIT, 10000);
	CHECK(!vlapic_timer_fire(&L, 1000000));
	CHECK_EQ(vlapic_pending(&L), -1);
	CHECK_EQ(L.stats.illegal_vectors, 1);
	CHECK_EQ(esr_latch(), VLAPIC_ESR_RECV_ILLEGAL);
}

/* Reads and writes that cannot change the state: the clock only moves
 * forward, far, without breaking the arithmetic. */
static void timer_extreme_values(void)
{
	fresh();
	if (vlapic_init(&L, 0, VLAPIC_TSC_PER_TICK_MAX, ~0ull))
		return;
	wr(VLAPIC_SVR, 0x1ff);
	wr(VLAPIC_TIMER_DCR, 0xa);
	wr(VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x20);
	now = ~0ull - 5;
	wr(VLAPIC_TIMER_INIT, ~0u);
	CHECK(vlapic_timer_deadline(&L) == ~0ull);
	CHECK(vlapic_timer_fire(&L, ~0ull));
	CHECK(vlapic_timer_deadline(&L) == ~0ull);
	CHECK(rd(VLAPIC_TIMER_CUR) <= 1);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int highest(const uint32_t *r)
{
	for (int v = 255; v >= 0; v--)
		if ((r[v / 32] >> (v % 32)) & 1)
			return v;
	return -1;
}

static bool invariants_hold(uint64_t t)
{
	int isrv = highest(L.isr), irrv = highest(L.irr), p = vlapic_pending(&L);
	unsigned tpr = L.tpr, ppr = (tpr & 0xf0) >= ((isrv < 0 ? 0u : (unsigned)isrv) & 0xf0) ?
					    tpr : (unsigned)isrv & 0xf0;
	bool ok = true;

	ok &= vlapic_ppr(&L) == ppr && tpr <= 0xff;
	ok &= (L.irr[0] & 0xffff) == 0 && (L.isr[0] & 0xffff) == 0;
	ok &= p == -1 || (p == irrv && ((unsigned)p & 0xf0) > (ppr & 0xf0));
	ok &= p != -1 || irrv < 0 || ((unsigned)irrv & 0xf0) <= (ppr & 0xf0);
	ok &= (L.dfr & 0x0fffffff) == 0x0fffffff && !(L.icr_lo & ~0x000ccfffu);
	ok &= vlapic_timer_current(&L, t) <= L.timer_init;
	ok &= !L.timer_next || L.timer_next > t;
	if (!(L.svr & VLAPIC_SVR_ENABLE))
		for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
			ok &= (L.lvt[i] & VLAPIC_LVT_MASKED) != 0;
	return ok;
}

/* One random action; false if an interface call failed. */
static bool random_step(unsigned op, uint32_t off, uint32_t val)
{
	int p;

	switch (op) {
	case 0:
	case 1:
		wr(off, val);
		return true;
	case 2:
		(void)rd(off);
		return true;
	case 3:
		(void)vlapic_accept(&L, (uint8_t)val, val & 0x100);
		return true;
	case 4:
		p = vlapic_pending(&L);
		return p < 0 || !vlapic_ack(&L, (uint8_t)p);
	case 5:
		wr(VLAPIC_EOI, 0);
		return true;
	case 6:
		(void)vlapic_timer_fire(&L, now);
		return true;
	default:
		vlapic_write_tsc_deadline(&L, now + (val & 0xffff), now);
		return true;
	}
}

/* Random guest behaviour: random offsets (aligned or not), values,
 * accepts, acks, EOIs, deadlines and clock steps. */
static void random_accesses(void)
{
	unsigned bad = 0;

	fresh();
	for (unsigned i = 0; i < 200000 && bad < 5; i++) {
		uint64_t r = rng();
		uint32_t off = (r & 1) ? (uint32_t)(r >> 8) & 0xfff : ((uint32_t)(r >> 8) & 0x3f) << 4;
		uint32_t val = (uint32_t)(rng() >> 16);

		now += (r >> 40) & 0x3ff;
		if (!random_step((r >> 1) & 7, off, val))
			bad++;
		(void)vlapic_timer_fire(&L, now);
		if (!invariants_hold(now)) {
			printf("    after step %u (op %u, offset 0x%x, value 0x%x)\n", i,
			       (unsigned)((r >> 1) & 7), off, val);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	CHECK_RUN(power_on_state);
	CHECK_RUN(init_refuses_bad_clock);
	CHECK_RUN(reset_keeps_id_and_stats);
	CHECK_RUN(read_only_registers);
	CHECK_RUN(reserved_registers);
	CHECK_RUN(odd_offsets);
	CHECK_RUN(writable_bits);
	CHECK_RUN(tpr_and_ppr);
	CHECK_RUN(pending_by_priority_class);
	CHECK_RUN(irr_isr_eoi);
	CHECK_RUN(nested_interrupts);
	CHECK_RUN(ack_requires_pending);
	CHECK_RUN(level_eoi_reported);
	CHECK_RUN(esr_write_before_read);
	CHECK_RUN(error_lvt);
	CHECK_RUN(svr_disable_masks);
	CHECK_RUN(icr_decode);
	CHECK_RUN(icr_refused);
	CHECK_RUN(self_ipi);
	CHECK_RUN(dest_matching);
	CHECK_RUN(timer_one_shot);
	CHECK_RUN(timer_periodic_no_burst);
	CHECK_RUN(timer_divides);
	CHECK_RUN(timer_count_zero_stops);
	CHECK_RUN(timer_min_period);
	CHECK_RUN(timer_masked);
	CHECK_RUN(timer_tsc_deadline);
	CHECK_RUN(timer_mode_switch);
	CHECK_RUN(timer_divide_change);
	CHECK_RUN(timer_expiry_seen_on_access);
	CHECK_RUN(timer_illegal_vector);
	CHECK_RUN(timer_extreme_values);
	CHECK_RUN(random_accesses);
	return check_done();
}
