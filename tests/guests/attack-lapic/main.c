/* SPDX-License-Identifier: MIT */
/*
 * attack-lapic: abuses the virtual local APIC every guest has at
 * 0xfee00000 (vmm/vlapic.c behind vmm/virq.c) and checks each answer:
 *  - the ID register holds this vCPU's APIC ID (0), not the host CPU's;
 *    the version reads 0x00060014;
 *  - writes to the read-only registers (ID, version, APR, PPR, RRD, ISR,
 *    TMR, IRR, current count) change nothing; reserved registers read 0
 *    and ignore writes;
 *  - the ICR, in every delivery mode, to other CPUs' physical and logical
 *    IDs, to broadcast and through every shorthand, delivers to this vCPU
 *    exactly where the architecture includes the sender, and to nobody
 *    else (the victims in the same boot keep beating: the runner checks);
 *  - a storm of self-IPIs with interrupts on all arrive, pending ones
 *    merge, and the VMM keeps answering;
 *  - a periodic timer of initial count 1 at divide 1 never interrupts
 *    faster than the VMM's 50 us floor, and stops when told;
 *  - every access form the VMM's decoder refuses raises exactly one #GP
 *    and changes no register (access.c).
 * Verdict: PASS only if every check held.
 */
#include "lapic.h"

#ifndef LAPIC_STORM_IPIS
#define LAPIC_STORM_IPIS 100000u
#endif
#define MERGE_IPIS 1000u
#define TIMER_STORM_MS 100u	   /* how long the count-1 timer runs */
#define TIMER_FLOOR_US 50u	   /* the VMM's shortest timer interval */
#define TIMER_STAMPS 4096u
#define SETTLE_LOOPS 2000u	   /* lets an interrupt already injected run */

#define V_IPI 0x70	/* the ICR checks */
#define V_STORM 0x71	/* self-IPI storm */
#define V_MERGE_HI 0x72 /* two vectors sent with interrupts off */
#define V_MERGE_LO 0x62
#define V_TIMER 0x73
#define V_SPURIOUS 0xff
#define VEC_NMI 2

static volatile uint64_t nmis;
static volatile uint64_t timer_stamp[TIMER_STAMPS];
static volatile uint64_t storm_end; /* TSC at which on_irq stops the timer storm */
static volatile int storm_stopped;
static volatile unsigned merge_order[4], merge_seen;
static uint64_t tsc_hz;

/* Every vector: count it (the library does), note what the checks need,
 * end it with an EOI (a spurious interrupt takes none). */
static void on_irq(unsigned vector)
{
	uint64_t n = guest_irq_count(vector);

	if (vector == V_TIMER && n <= TIMER_STAMPS)
		timer_stamp[n - 1] = rdtsc();
	if (vector == V_TIMER && storm_end && !storm_stopped && rdtsc() >= storm_end) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		storm_stopped = 1;
	}
	if ((vector == V_MERGE_HI || vector == V_MERGE_LO) && merge_seen < 4)
		merge_order[merge_seen++] = vector;
	if (vector != V_SPURIOUS)
		lapic_eoi();
}

static long on_nmi(const struct guest_fault *f)
{
	if (f->vector != VEC_NMI)
		return -1;
	nmis++;
	return 0;
}

/* Nothing pending or in service. */
static int lapic_idle(void)
{
	for (unsigned i = 0; i < 8; i++)
		if (lapic_read(LAPIC_IRR + 0x10 * i) || lapic_read(LAPIC_ISR + 0x10 * i))
			return 0;
	return 1;
}

/* ---- the writable registers, before and after ------------------------- */

void lapic_snapshot_take(struct lapic_snapshot *s)
{
	static const uint32_t offs[] = {
		LAPIC_TPR, LAPIC_LDR, LAPIC_DFR, LAPIC_SVR, LAPIC_LVT_CMCI, LAPIC_LVT_TIMER,
		LAPIC_LVT_THERMAL, LAPIC_LVT_PERF, LAPIC_LVT_LINT0, LAPIC_LVT_LINT1,
		LAPIC_LVT_ERROR, LAPIC_ICR_LO, LAPIC_ICR_HI, LAPIC_TIMER_INIT, LAPIC_TIMER_DCR,
	};
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		s->reg[n++] = lapic_read(offs[i]);
	for (unsigned i = 0; i < 8; i++) {
		s->reg[n++] = lapic_read(LAPIC_ISR + 0x10 * i);
		s->reg[n++] = lapic_read(LAPIC_TMR + 0x10 * i);
		s->reg[n++] = lapic_read(LAPIC_IRR + 0x10 * i);
	}
	s->n = n;
}

int lapic_snapshot_same(const struct lapic_snapshot *s, char *why, unsigned why_len)
{
	struct lapic_snapshot now;

	lapic_snapshot_take(&now);
	for (unsigned i = 0; i < s->n; i++) {
		if (now.reg[i] != s->reg[i]) {
			snprintf(why, why_len, "register #%u %#x -> %#x", i, s->reg[i], now.reg[i]);
			return 0;
		}
	}
	snprintf(why, why_len, "registers unchanged");
	return 1;
}

/* ---- identity and read-only registers --------------------------------- */

static void check_identity(void)
{
	uint32_t id = lapic_read(LAPIC_ID), ver = lapic_read(LAPIC_VERSION);
	uint32_t cpuid_id = cpuid(1).ebx >> 24;

	attack_check(id == 0, "ID reads %#x, want 0 (the vCPU's APIC ID, not the host CPU's)", id);
	attack_check(cpuid_id == 0, "CPUID.1 initial APIC ID %u, want 0", cpuid_id);
	attack_check(ver == 0x00060014, "version reads %#x, want 0x00060014", ver);
}

struct ro_write {
	uint32_t off;
	const char *name;
	uint32_t val;
};

static void check_read_only(void)
{
	static const struct ro_write ro[] = {
		{ LAPIC_ID, "ID", 0x0f000000 }, { LAPIC_ID, "ID", 0xffffffff },
		{ LAPIC_VERSION, "version", 0 }, { LAPIC_VERSION, "version", 0xffffffff },
		{ LAPIC_APR, "APR", 0xff },	 { LAPIC_PPR, "PPR", 0xff },
		{ LAPIC_RRD, "RRD", 0xffffffff },
	};
	struct lapic_snapshot snap;
	char why[64];

	for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		uint32_t before = lapic_read(ro[i].off), after;

		lapic_snapshot_take(&snap);
		lapic_write(ro[i].off, ro[i].val);
		after = lapic_read(ro[i].off);
		attack_check(after == before && lapic_snapshot_same(&snap, why, sizeof(why)),
			     "write %#x to read-only %s: reads %#x (was %#x), %s", ro[i].val,
			     ro[i].name, after, before, why);
	}
}

/* ISR, TMR and IRR written all ones: nothing set, nothing delivered. */
static void check_vector_regs_read_only(void)
{
	static const struct { uint32_t base; const char *name; } regs[] = {
		{ LAPIC_ISR, "ISR" }, { LAPIC_TMR, "TMR" }, { LAPIC_IRR, "IRR" },
	};
	uint64_t total = guest_irq_total();

	for (unsigned r = 0; r < 3; r++) {
		uint32_t set = 0;

		for (unsigned i = 0; i < 8; i++)
			lapic_write(regs[r].base + 0x10 * i, 0xffffffff);
		sti();
		delay_spin(SETTLE_LOOPS);
		cli();
		for (unsigned i = 0; i < 8; i++)
			set |= lapic_read(regs[r].base + 0x10 * i);
		attack_check(!set && guest_irq_total() == total,
			     "%s written all ones: bits read %#x, %lu interrupt(s) followed", regs[r].name,
			     set, guest_irq_total() - total);
	}
}

/* The current count is the timer's, whatever is written to it. */
static void check_current_count_read_only(void)
{
	uint32_t c1, c2;

	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | V_TIMER);
	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_128);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	c1 = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_CUR, 0x10);
	c2 = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	attack_check(c2 <= c1 && c2 > 0x10 && c1 > 0x10,
		     "write 0x10 to the current count of a running timer: %#x then %#x (counts on)",
		     c1, c2);
}

/* Reserved registers, and offsets between registers, read 0 and keep
 * nothing written to them. */
static void check_reserved(void)
{
	static const uint32_t offs[] = {
		0x000, 0x010, 0x040, 0x050, 0x060, 0x070, 0x290, 0x2a0, 0x2b0, 0x2c0, 0x2d0,
		0x2e0, 0x3a0, 0x3b0, 0x3c0, 0x3d0, 0x3f0, 0x400, 0x800, 0xff0, 0x024, 0x084, 0x0fc,
	};
	struct lapic_snapshot snap;
	unsigned bad = 0, first = 0;
	uint32_t got = 0;
	char why[64];

	lapic_snapshot_take(&snap);
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint32_t before = lapic_read(offs[i]), after;

		lapic_write(offs[i], 0xffffffff);
		after = lapic_read(offs[i]);
		if ((before || after) && !bad++) {
			first = offs[i];
			got = before | after;
		}
	}
	attack_check(!bad && lapic_snapshot_same(&snap, why, sizeof(why)),
		     "%u reserved offsets read 0 before and after a write of all ones (%u do not, "
		     "first %#x: %#x), %s",
		     (unsigned)(sizeof(offs) / sizeof(offs[0])), bad, first, got, why);
}

/* ---- the ICR ------------------------------------------------------------ */

struct ipi_mode {
	uint32_t bits;
	const char *name;
};

static const struct ipi_mode ipi_modes[] = {
	{ ICR_FIXED, "fixed" }, { ICR_LOWEST, "lowest" }, { ICR_SMI, "SMI" },
	{ ICR_NMI, "NMI" },	{ ICR_INIT, "INIT" },	  { ICR_SIPI, "SIPI" },
};
#define IPI_MODES (sizeof(ipi_modes) / sizeof(ipi_modes[0]))

/* A destination, and what the architecture sends this vCPU from it. */
struct ipi_dest {
	const char *what;
	uint8_t dest;	   /* ICR bits 56-63 */
	uint32_t icr;	   /* destination mode, shorthand */
	int self;	   /* the destination includes this vCPU */
	int lowest_exact;  /* lowest priority is defined here (it arbitrates to us) */
	int fixed_only;	   /* shorthand "self": every other mode is invalid */
};

/* What an IPI brought this vCPU: its vector, NMIs, anything else. */
struct ipi_got {
	uint64_t irqs, nmis, others;
	unsigned busy; /* delivery status left "send pending" */
};

static void ipi_send(uint8_t dest, uint32_t lo, struct ipi_got *g)
{
	uint64_t v = guest_irq_count(V_IPI), t = guest_irq_total(), n = nmis;

	lapic_ipi(dest, lo);
	delay_spin(SETTLE_LOOPS);
	g->irqs += guest_irq_count(V_IPI) - v;
	g->others += guest_irq_total() - t - (guest_irq_count(V_IPI) - v);
	g->nmis += nmis - n;
	g->busy += (lapic_read(LAPIC_ICR_LO) & ICR_BUSY) != 0;
}

/*
 * Whether g is what mode may bring, given the destination. Where this
 * vCPU is included: fixed exactly once; lowest priority once where it is
 * defined, else at most once (with a shorthand or broadcast it is invalid
 * or model-specific); NMI exactly once; SMI nothing visible (no SMM in a
 * guest); SIPI nothing (this vCPU is not waiting for one). Everything
 * else: nothing at all.
 */
static int ipi_expected(const struct ipi_dest *d, uint32_t mode, const struct ipi_got *g, unsigned sends)
{
	uint64_t irq_min = 0, irq_max = 0, nmi = 0;

	if (d->self && !(d->fixed_only && mode != ICR_FIXED)) {
		if (mode == ICR_FIXED)
			irq_min = irq_max = sends;
		else if (mode == ICR_LOWEST)
			irq_min = d->lowest_exact ? sends : 0, irq_max = sends;
		else if (mode == ICR_NMI)
			nmi = sends;
	}
	return g->irqs >= irq_min && g->irqs <= irq_max && g->nmis == nmi && !g->others && !g->busy;
}

/* Every mode to one destination: one check line. INIT is not sent where
 * it would include this vCPU: delivered, it would reset it. */
static void ipi_to(const struct ipi_dest *d)
{
	char line[160];
	size_t len = 0;
	int ok = 1;

	for (unsigned m = 0; m < IPI_MODES; m++) {
		struct ipi_got g = { 0 };
		uint32_t mode = ipi_modes[m].bits;

		if (mode == ICR_INIT && d->self) {
			len += snprintf(line + len, sizeof(line) - len, " INIT -");
			continue;
		}
		ipi_send(d->dest, d->icr | ICR_ASSERT | mode | V_IPI, &g);
		ok &= ipi_expected(d, mode, &g, 1);
		len += snprintf(line + len, sizeof(line) - len, " %s %lu", ipi_modes[m].name,
				mode == ICR_NMI ? g.nmis : g.irqs + g.others);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
	}
	attack_check(ok, "ICR to %s, received:%s", d->what, line);
}

/* Physical destinations 1..254: other CPUs' APIC IDs, every mode. */
static void ipi_to_other_ids(void)
{
	static const struct ipi_dest others = { "physical IDs 1..254", 0, 0, 0, 0, 0 };

	for (unsigned m = 0; m < IPI_MODES; m++) {
		struct ipi_got g = { 0 };

		for (unsigned id = 1; id < 0xff; id++)
			ipi_send((uint8_t)id, ICR_ASSERT | ipi_modes[m].bits | V_IPI, &g);
		attack_check(ipi_expected(&others, ipi_modes[m].bits, &g, 254),
			     "ICR %s to physical IDs 1..254: %lu interrupt(s), %lu NMI(s), "
			     "%u left pending",
			     ipi_modes[m].name, g.irqs + g.others, g.nmis, g.busy);
	}
}

static const struct ipi_dest flat_dests[] = {
	{ "physical ID 0 (own)", 0x00, 0, 1, 1, 0 },
	{ "physical broadcast 0xff", 0xff, 0, 1, 0, 0 },
	{ "logical flat 0x01 (own)", 0x01, ICR_LOGICAL, 1, 1, 0 },
	{ "logical flat 0xfe (all others)", 0xfe, ICR_LOGICAL, 0, 0, 0 },
	{ "logical flat 0x02", 0x02, ICR_LOGICAL, 0, 0, 0 },
	{ "logical flat 0x80", 0x80, ICR_LOGICAL, 0, 0, 0 },
	{ "logical broadcast 0xff", 0xff, ICR_LOGICAL, 1, 0, 0 },
	{ "shorthand self (dest 0x05 ignored)", 0x05, ICR_DEST_SELF, 1, 1, 1 },
	{ "all including self", 0x05, ICR_DEST_ALL, 1, 0, 0 },
	{ "all excluding self", 0x00, ICR_DEST_OTHERS, 0, 0, 0 },
};

static const struct ipi_dest cluster_dests[] = {
	{ "logical cluster 0x21 (own)", 0x21, ICR_LOGICAL, 1, 1, 0 },
	{ "logical cluster 0x22 (same cluster, another member)", 0x22, ICR_LOGICAL, 0, 0, 0 },
	{ "logical cluster 0x2e", 0x2e, ICR_LOGICAL, 0, 0, 0 },
	{ "logical cluster 0x11 (another cluster)", 0x11, ICR_LOGICAL, 0, 0, 0 },
	{ "logical cluster 0x31", 0x31, ICR_LOGICAL, 0, 0, 0 },
	{ "logical cluster broadcast 0xff", 0xff, ICR_LOGICAL, 1, 0, 0 },
};

/* INIT level de-assert (a no-op since the Pentium 4), a fixed vector below
 * 16 (an illegal vector: ESR bit 5, nothing sent). */
static void ipi_odd(void)
{
	struct ipi_got g = { 0 };
	uint32_t esr;

	ipi_send(0, ICR_DEST_ALL | ICR_LEVEL | ICR_INIT, &g);
	ipi_send(0, ICR_DEST_OTHERS | ICR_LEVEL | ICR_INIT, &g);
	attack_check(!g.irqs && !g.nmis && !g.others && !g.busy,
		     "INIT level de-assert to all and to all others: nothing received");
	g = (struct ipi_got){ 0 };
	lapic_write(LAPIC_ESR, 0);
	ipi_send(0, ICR_DEST_SELF | ICR_FIXED | 3, &g);
	ipi_send(0, ICR_DEST_ALL | ICR_FIXED | 15, &g);
	lapic_write(LAPIC_ESR, 0);
	esr = lapic_read(LAPIC_ESR);
	attack_check(!g.irqs && !g.others && (esr & 0x20),
		     "fixed vectors 3 and 15 to self and all: nothing received, ESR %#x (send illegal "
		     "vector, bit 5)",
		     esr);
	lapic_write(LAPIC_ESR, 0);
}

static void check_icr(void)
{
	guest_set_fault_handler(on_nmi);
	sti();
	ipi_to_other_ids();
	lapic_write(LAPIC_DFR, 0xffffffff); /* flat */
	lapic_write(LAPIC_LDR, 0x01000000);
	for (unsigned i = 0; i < sizeof(flat_dests) / sizeof(flat_dests[0]); i++)
		ipi_to(&flat_dests[i]);
	lapic_write(LAPIC_DFR, 0x0fffffff); /* cluster */
	lapic_write(LAPIC_LDR, 0x21000000);
	for (unsigned i = 0; i < sizeof(cluster_dests) / sizeof(cluster_dests[0]); i++)
		ipi_to(&cluster_dests[i]);
	lapic_write(LAPIC_DFR, 0xffffffff);
	lapic_write(LAPIC_LDR, 0x01000000);
	ipi_odd();
	cli();
	guest_set_fault_handler(NULL);
	attack_check(lapic_idle(), "after the ICR checks nothing is pending or in service");
}

/* ---- storms ------------------------------------------------------------- */

/*
 * With interrupts on, each self-IPI is taken before the next ICR write
 * (the VMM injects at its next entry), so none is pending when the next
 * one is sent: all must arrive. Merging is checked with interrupts off:
 * a vector sent again while pending is the same interrupt.
 */
static void check_self_ipi_storm(void)
{
	uint64_t before = guest_irq_count(V_STORM), t0, t1, got;

	sti();
	t0 = rdtsc();
	for (unsigned i = 0; i < LAPIC_STORM_IPIS; i++)
		lapic_self_ipi(V_STORM);
	t1 = rdtsc();
	delay_spin(SETTLE_LOOPS);
	cli();
	got = guest_irq_count(V_STORM) - before;
	attack_check(got == LAPIC_STORM_IPIS && lapic_idle(),
		     "%u self-IPIs with interrupts on: %lu arrived, %lu ms", LAPIC_STORM_IPIS, got,
		     tsc_hz ? (t1 - t0) / (tsc_hz / 1000) : 0);

	merge_seen = 0;
	for (unsigned i = 0; i < MERGE_IPIS; i++) {
		lapic_self_ipi(V_MERGE_LO);
		lapic_self_ipi(V_MERGE_HI);
	}
	attack_check(lapic_vec_bit(LAPIC_IRR, V_MERGE_HI) && lapic_vec_bit(LAPIC_IRR, V_MERGE_LO),
		     "with interrupts off both vectors wait in IRR");
	sti();
	delay_spin(SETTLE_LOOPS);
	cli();
	attack_check(merge_seen == 2 && merge_order[0] == V_MERGE_HI && merge_order[1] == V_MERGE_LO,
		     "%u self-IPIs each of %#x and %#x sent with interrupts off arrive as one each, "
		     "higher first: %u arrived (%#x, %#x)",
		     MERGE_IPIS, V_MERGE_LO, V_MERGE_HI, merge_seen, merge_order[0], merge_order[1]);
}

/*
 * Arrival k (from 1) of a periodic timer started at t0 with period p
 * cannot come before t0 + k * p; only as many fit in the time it ran.
 * The handler stops the timer once its time is up: where delivering and
 * ending one interrupt costs more than the floor (an emulated CPU), every
 * return from the handler finds the next one due and the guest's own code
 * gets no further; the loop count shows how far it got.
 */
static void check_timer_storm(void)
{
	uint64_t floor = tsc_hz / (1000000 / TIMER_FLOOR_US), window = tsc_hz / 1000 * TIMER_STORM_MS;
	uint64_t before = guest_irq_count(V_TIMER), t0, t1, n, after, early = 0, loops = 0;

	floor -= floor / 50; /* 2%: the guest's TSC rate is rounded down from the VMM's */
	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | V_TIMER);
	storm_stopped = 0;
	sti();
	t0 = rdtsc();
	storm_end = t0 + window;
	lapic_write(LAPIC_TIMER_INIT, 1);
	while (!storm_stopped && rdtsc() - t0 < window)
		loops++;
	cli();
	if (!storm_stopped)
		lapic_write(LAPIC_TIMER_INIT, 0);
	storm_end = 0;
	t1 = rdtsc();
	n = guest_irq_count(V_TIMER) - before;
	for (uint64_t k = 1; k <= n && before + k <= TIMER_STAMPS; k++)
		early += timer_stamp[before + k - 1] < t0 + k * floor;
	sti();
	delay_spin(SETTLE_LOOPS); /* one raised before the stop may still be pending */
	n = guest_irq_count(V_TIMER) - before;
	tsc_spin(tsc_hz / 100); /* 10 ms: a stopped timer stays quiet */
	after = guest_irq_count(V_TIMER) - before;
	cli();
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | V_TIMER);
	attack_check(n >= 1 && !early && n <= (t1 - t0) / floor + 1,
		     "periodic timer, count 1, divide 1, %lu ms: %lu interrupts (at most %lu at the 50 "
		     "us floor), %lu early; %lu loops ran", (t1 - t0) / (tsc_hz / 1000), n,
		     (t1 - t0) / floor + 1, early, loops);
	attack_check(after == n, "the timer stopped when its count was set to 0: %lu more",
		     after - n);
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-lapic");
	tsc_hz = guest_tsc_hz();
	attack_check(tsc_hz != 0, "CPUID 0x15 states the TSC rate: %lu Hz", tsc_hz);
	for (unsigned v = 32; v < 256; v++)
		guest_set_irq_handler(v, on_irq);
	lapic_enable(V_SPURIOUS);
	check_identity();
	check_read_only();
	check_vector_regs_read_only();
	check_current_count_read_only();
	check_reserved();
	check_icr();
	check_self_ipi_storm();
	if (tsc_hz)
		check_timer_storm();
	lapic_refused_accesses();
	attack_check(hc_version() == HC_ABI_VERSION, "the VMM still answers: HC_VERSION %ld",
		     hc_version());
	attack_end();
}
