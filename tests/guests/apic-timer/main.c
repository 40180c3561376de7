/* SPDX-License-Identifier: MIT */
/*
 * apic-timer: the virtual local APIC's timer and interrupt delivery, and
 * the I/O APIC's edge and level paths, as an operating system uses them
 * (vmm/vlapic.c, vmm/vlapic_timer.c, vmm/vioapic.c behind vmm/virq.c).
 * Times are TSC readings; the TSC's rate and the timer's tick come from
 * CPUID 0x15 (one tick every EBX / EAX TSC cycles at divide-by-1). Lower
 * bounds are exact (nothing may fire before its time), upper bounds broad
 * (LATE_MS: a vCPU of an emulator shares its host with others).
 *
 *  - one-shot fires once, not before init * divisor ticks; periodic fires
 *    repeatedly, arrival k not before k periods; TSC-deadline fires at or
 *    after its deadline and IA32_TSC_DEADLINE reads 0 after; 0 disarms,
 *    a deadline in the past fires at once; the initial count is ignored
 *    in that mode;
 *  - every divide configuration: the current count falls at TSC / (ratio
 *    * divisor), never rises, reaches 0;
 *  - a masked timer never interrupts (nor does one that expired masked);
 *  - TPR holds back a priority class until it is lowered;
 *  - two nested vectors: the higher one interrupts the lower's handler,
 *    the EOI ends the highest in service, a same-class vector waits;
 *  - STI; HLT sleeps until the timer's interrupt and returns after it;
 *    1,000 STI; HLT pairs aimed at a periodic timer's expiries: no
 *    interrupt is ever taken between the STI and its HLT;
 *  - I/O APIC pin 4, driven by the UART's transmitter-empty interrupt:
 *    edge delivers once per rising edge (and loses an edge while masked),
 *    level re-delivers after each EOI while the line stays high, with
 *    remote IRR set until the EOI. Where the UART raises no interrupt (its
 *    line is a stub in vmm/vuart.c), these are skipped on a line marked
 *    "NOT RUN" (see uart_interrupts()).
 * Verdict: PASS only if every check that ran held.
 */
#include "apic.h"
#include "attack.h"

#define LATE_MS 500u	    /* how late an interrupt may come */
#define SETTLE_LOOPS 20000u /* lets an interrupt already injected run */
#define PERIODS 20u
#define STAMPS 32u
#define LEVEL_ROUNDS 3u

#define V_ONESHOT 0x40
#define V_PERIODIC 0x41
#define V_DEADLINE 0x42
#define V_MASKED 0x43
#define V_HLT 0x44
#define V_HLT_DL 0x47 /* not V_HLT: a periodic expiry may still wait in IRR */
#define V_SHADOW 0x4a
#define V_EXPIRED 0x46
#define V_TPR_LOW 0x45 /* class 4 */
#define V_TPR_MID 0x55 /* class 5 */
#define V_TPR_HIGH 0x65 /* class 6 */
#define V_NEST_LOW 0x48
#define V_NEST_SAME 0x49
#define V_NEST_HIGH 0x68
#define V_EDGE 0x58
#define V_LEVEL 0x59
#define V_SPURIOUS 0xff

#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define IIR_ID_MASK 0x0f
#define IIR_THRE 0x02

static uint64_t tsc_hz, tick_num, tick_den; /* one tick = num / den TSC cycles */
static volatile uint64_t stamp[256][STAMPS];

/* TSC cycles of n ticks at divisor div. */
static uint64_t ticks_tsc(uint64_t n, unsigned div)
{
	return n * div * tick_num / tick_den;
}

static uint64_t us(uint64_t tsc)
{
	return tsc * 1000000 / tsc_hz;
}

static uint64_t ms_tsc(uint64_t ms)
{
	return tsc_hz / 1000 * ms;
}

/* Every vector by default: the time of each arrival, then the EOI. */
static void on_irq(unsigned vector)
{
	uint64_t n = guest_irq_count(vector);

	if (n <= STAMPS)
		stamp[vector][n - 1] = rdtsc();
	if (vector != V_SPURIOUS)
		lapic_eoi();
}

/* Interrupts on until vector has `want` more arrivals than `from`, or the
 * time runs out; then interrupts off. */
static void wait_irqs(unsigned vector, uint64_t from, uint64_t want, uint64_t tsc_max)
{
	uint64_t t0 = rdtsc();

	sti();
	while (guest_irq_count(vector) - from < want && rdtsc() - t0 < tsc_max)
		asm volatile("pause" ::: "memory");
	delay_spin(SETTLE_LOOPS);
	cli();
}

/* Interrupts on for a while; then off. */
static void open_window(uint64_t tsc)
{
	sti();
	tsc_spin(tsc);
	cli();
}

/* ---- the three modes ----------------------------------------------------- */

static void check_oneshot(void)
{
	uint32_t init = (uint32_t)(tsc_hz / 500 * tick_den / tick_num); /* 2 ms */
	uint64_t n0 = guest_irq_count(V_ONESHOT), t0, due, n;

	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | V_ONESHOT);
	t0 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, init);
	due = t0 + ticks_tsc(init, 1);
	wait_irqs(V_ONESHOT, n0, 1, ticks_tsc(init, 1) + ms_tsc(LATE_MS));
	open_window(ms_tsc(10));
	n = guest_irq_count(V_ONESHOT) - n0;
	attack_check(n == 1 && stamp[V_ONESHOT][n0] >= due && stamp[V_ONESHOT][n0] <= due + ms_tsc(LATE_MS),
		     "one-shot, %u ticks at divide 1 (%lu us): fired %lu time(s), at %ld us", init,
		     us(due - t0), n, n ? (long)us(stamp[V_ONESHOT][n0] - t0) : -1L);
	attack_check(lapic_read(LAPIC_TIMER_CUR) == 0 && lapic_read(LAPIC_TIMER_INIT) == init,
		     "after it fired the current count reads 0, the initial count %u", init);
}

static void check_periodic(void)
{
	uint32_t init = (uint32_t)(tsc_hz / 1000 * tick_den / tick_num); /* 1 ms */
	uint64_t n0 = guest_irq_count(V_PERIODIC), t0, period = ticks_tsc(init, 1), early = 0, n;
	uint32_t cur;
	unsigned pending;

	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | V_PERIODIC);
	t0 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, init);
	wait_irqs(V_PERIODIC, n0, PERIODS, PERIODS * period + ms_tsc(LATE_MS));
	cur = lapic_read(LAPIC_TIMER_CUR);
	n = guest_irq_count(V_PERIODIC) - n0;
	for (uint64_t k = 1; k <= n && n0 + k <= STAMPS; k++)
		early += stamp[V_PERIODIC][n0 + k - 1] < t0 + k * period;
	attack_check(n >= PERIODS && !early && n0 + PERIODS <= STAMPS &&
			     stamp[V_PERIODIC][n0 + PERIODS - 1] <= t0 + PERIODS * period + ms_tsc(LATE_MS),
		     "periodic, %lu us: %lu arrivals, the %uth at %lu us, %lu before their time",
		     us(period), n, PERIODS, n >= PERIODS ? us(stamp[V_PERIODIC][n0 + PERIODS - 1] - t0) : 0,
		     early);
	attack_check(cur > 0 && cur <= init, "periodic: the current count reloads: reads %u of %u",
		     cur, init);
	/* An expiry raised before the stop stays pending in IRR: it may come. */
	lapic_write(LAPIC_TIMER_INIT, 0);
	pending = lapic_vec_bit(LAPIC_IRR, V_PERIODIC);
	n = guest_irq_count(V_PERIODIC);
	open_window(ms_tsc(10));
	attack_check(guest_irq_count(V_PERIODIC) - n == pending,
		     "periodic: an initial count of 0 stops it (%lu more in 10 ms, %u was pending)",
		     guest_irq_count(V_PERIODIC) - n, pending);
}

static void check_deadline_mode(void)
{
	uint32_t init;

	attack_check(cpuid(1).ecx & CPUID1_ECX_TSC_DEADLINE, "CPUID.1:ECX[24] shows TSC-deadline");
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | V_DEADLINE);
	lapic_write(LAPIC_TIMER_INIT, 12345);
	init = lapic_read(LAPIC_TIMER_INIT);
	attack_check(init == 0 && lapic_read(LAPIC_TIMER_CUR) == 0 && rdmsr(MSR_TSC_DEADLINE) == 0,
		     "TSC-deadline mode: the initial count ignores a write (reads %u), current count "
		     "0, the deadline MSR 0 until written", init);
}

/* The MSR reads back the deadline until it fired (then 0: a vCPU held up
 * past the deadline between the write and the read may see 0). */
static void check_deadline_fire(void)
{
	uint64_t n0 = guest_irq_count(V_DEADLINE), t0 = rdtsc(), dl = t0 + ms_tsc(2), got, t1, after, n;
	int read_ok;

	wrmsr(MSR_TSC_DEADLINE, dl);
	got = rdmsr(MSR_TSC_DEADLINE);
	t1 = rdtsc();
	read_ok = got == dl || (got == 0 && t1 >= dl);
	wait_irqs(V_DEADLINE, n0, 1, ms_tsc(2 + LATE_MS));
	open_window(ms_tsc(10));
	after = rdmsr(MSR_TSC_DEADLINE);
	n = guest_irq_count(V_DEADLINE) - n0;
	attack_check(read_ok && n == 1 && stamp[V_DEADLINE][n0] >= dl &&
			     stamp[V_DEADLINE][n0] <= dl + ms_tsc(LATE_MS) && after == 0,
		     "TSC deadline 2 ms ahead: MSR read back %#lx (%s), fired %lu time(s), %ld us "
		     "after the deadline, MSR then %#lx", got, read_ok ? "ok" : "WRONG", n,
		     n ? (long)us(stamp[V_DEADLINE][n0] - dl) : -1L, after);
}

/* Writing 0 disarms: nothing fires, unless the deadline had passed by the
 * time of that write (a vCPU held up between the two writes). A deadline
 * already past fires at once. */
static void check_deadline_disarm(void)
{
	uint64_t n0 = guest_irq_count(V_DEADLINE), dl = rdtsc() + ms_tsc(20), t1, n;

	wrmsr(MSR_TSC_DEADLINE, dl);
	wrmsr(MSR_TSC_DEADLINE, 0);
	t1 = rdtsc();
	open_window(ms_tsc(30));
	n = guest_irq_count(V_DEADLINE) - n0;
	attack_check(n == 0 || (n == 1 && t1 >= dl),
		     "TSC deadline written 0 disarms: %lu fired (the deadline %s passed at the write)",
		     n, t1 >= dl ? "had" : "had not");

	n0 = guest_irq_count(V_DEADLINE);
	t1 = rdtsc();
	wrmsr(MSR_TSC_DEADLINE, t1 - 1000);
	wait_irqs(V_DEADLINE, n0, 1, ms_tsc(LATE_MS));
	n = guest_irq_count(V_DEADLINE) - n0;
	attack_check(n == 1, "a TSC deadline already past fires at once: %lu, %ld us after the write",
		     n, n ? (long)us(stamp[V_DEADLINE][n0] - t1) : -1L);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_ONESHOT | V_DEADLINE);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + ms_tsc(1));
	attack_check(rdmsr(MSR_TSC_DEADLINE) == 0, "outside TSC-deadline mode the MSR ignores "
		     "writes and reads 0");
}

/* ---- divide configurations and the current count ------------------------ */

struct dcr {
	uint32_t val;
	unsigned div;
};

static const struct dcr dcrs[] = {
	{ 0xb, 1 }, { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 }, { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 },
};

/* Two readings of the current count, each between two TSC readings: the
 * ticks between them follow from the TSC, give or take one. */
static void check_divide(const struct dcr *d)
{
	uint64_t a0, a1, b0, b1, lo, hi, tick = ticks_tsc(1, d->div);
	uint32_t c1, c2, back;

	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_ONESHOT | V_ONESHOT);
	lapic_write(LAPIC_TIMER_DCR, d->val);
	back = lapic_read(LAPIC_TIMER_DCR);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	a0 = rdtsc();
	c1 = lapic_read(LAPIC_TIMER_CUR);
	a1 = rdtsc();
	tsc_spin(ticks_tsc(2000, d->div)); /* 2000 ticks */
	b0 = rdtsc();
	c2 = lapic_read(LAPIC_TIMER_CUR);
	b1 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, 0);
	lo = (b0 - a1) / tick;
	hi = (b1 - a0) / tick + 2;
	lo = lo > 0 ? lo - 1 : 0;
	attack_check(back == d->val && c2 <= c1 && c1 - c2 >= lo && c1 - c2 <= hi,
		     "divide by %u (DCR %#x, reads %#x): %u ticks in %lu TSC cycles, want %lu..%lu",
		     d->div, d->val, back, c1 - c2, (b0 + b1 - a0 - a1) / 2, lo, hi);
}

/* A one-shot at divide 16 fires after init * 16 ticks; its current count
 * never rises and ends at 0. */
static void check_countdown(void)
{
	uint32_t init = (uint32_t)(tsc_hz / 1000 * tick_den / tick_num / 16); /* 1 ms */
	uint64_t n0 = guest_irq_count(V_ONESHOT), t0, due, reads = 0;
	uint32_t last = init, cur, rises = 0;

	lapic_write(LAPIC_TIMER_DCR, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | V_ONESHOT);
	t0 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, init);
	due = t0 + ticks_tsc(init, 16);
	do {
		cur = lapic_read(LAPIC_TIMER_CUR);
		rises += cur > last;
		last = cur;
		reads++;
	} while (cur && rdtsc() - t0 < ms_tsc(1 + LATE_MS));
	wait_irqs(V_ONESHOT, n0, 1, ms_tsc(LATE_MS));
	attack_check(!cur && !rises && guest_irq_count(V_ONESHOT) == n0 + 1 &&
			     stamp[V_ONESHOT][n0] >= due,
		     "one-shot at divide 16 (%u ticks, %lu us): %lu reads of the current count, %u "
		     "rises, ends at %u, fired %lu time(s), %ld us after its time",
		     init, us(due - t0), reads, rises, cur, guest_irq_count(V_ONESHOT) - n0,
		     guest_irq_count(V_ONESHOT) > n0 ? (long)us(stamp[V_ONESHOT][n0] - due) : -1L);
	lapic_write(LAPIC_TIMER_DCR, 0xffffffff);
	attack_check(lapic_read(LAPIC_TIMER_DCR) == 0xb,
		     "divide configuration keeps bits 0, 1 and 3: all ones reads %#x",
		     lapic_read(LAPIC_TIMER_DCR));
}

/* ---- masking --------------------------------------------------------- */

static void check_masked(void)
{
	uint32_t init = (uint32_t)(tsc_hz / 10000 * tick_den / tick_num); /* 100 us */
	uint64_t n0 = guest_irq_count(V_MASKED);

	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_PERIODIC | V_MASKED);
	lapic_write(LAPIC_TIMER_INIT, init);
	open_window(ms_tsc(10));
	attack_check(guest_irq_count(V_MASKED) == n0,
		     "masked periodic timer, 100 us, 10 ms with interrupts on: %lu interrupts",
		     guest_irq_count(V_MASKED) - n0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | V_MASKED);
	wait_irqs(V_MASKED, n0, 3, ms_tsc(LATE_MS));
	lapic_write(LAPIC_TIMER_INIT, 0);
	attack_check(guest_irq_count(V_MASKED) >= n0 + 3, "unmasked, it interrupts: %lu",
		     guest_irq_count(V_MASKED) - n0);

	n0 = guest_irq_count(V_EXPIRED);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_ONESHOT | V_EXPIRED);
	lapic_write(LAPIC_TIMER_INIT, init);
	tsc_spin(ms_tsc(2));
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | V_EXPIRED);
	open_window(ms_tsc(10));
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | V_EXPIRED);
	attack_check(guest_irq_count(V_EXPIRED) == n0,
		     "a one-shot that expired while masked stays silent when unmasked: %lu",
		     guest_irq_count(V_EXPIRED) - n0);
}

/* ---- priority: TPR, nesting, EOI order ---------------------------------- */

static volatile unsigned order[8], order_n;

static void log_order(unsigned vector)
{
	if (order_n < 8)
		order[order_n++] = vector;
}

static void on_logged(unsigned vector)
{
	log_order(vector);
	lapic_eoi();
}

static int order_is(const unsigned *want, unsigned n)
{
	if (order_n != n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (order[i] != want[i])
			return 0;
	return 1;
}

/* TPR 0x50 holds back classes 4 and 5; 0x40 lets class 5 through; 0x30
 * class 4. Each arrives right after the write that allows it. */
static void check_tpr(void)
{
	static const unsigned want[] = { V_TPR_HIGH, V_TPR_MID, V_TPR_LOW };
	unsigned after_high, after_40, after_30, ppr, held;

	guest_set_irq_handler(V_TPR_LOW, on_logged);
	guest_set_irq_handler(V_TPR_MID, on_logged);
	guest_set_irq_handler(V_TPR_HIGH, on_logged);
	order_n = 0;
	lapic_write(LAPIC_TPR, 0x50);
	sti();
	lapic_self_ipi(V_TPR_LOW);
	lapic_self_ipi(V_TPR_MID);
	delay_spin(SETTLE_LOOPS);
	held = lapic_vec_bit(LAPIC_IRR, V_TPR_LOW) && lapic_vec_bit(LAPIC_IRR, V_TPR_MID) && !order_n;
	ppr = lapic_read(LAPIC_PPR);
	lapic_self_ipi(V_TPR_HIGH);
	delay_spin(SETTLE_LOOPS);
	after_high = order_n;
	lapic_write(LAPIC_TPR, 0x40);
	delay_spin(SETTLE_LOOPS);
	after_40 = order_n;
	lapic_write(LAPIC_TPR, 0x30);
	delay_spin(SETTLE_LOOPS);
	after_30 = order_n;
	cli();
	lapic_write(LAPIC_TPR, 0);
	attack_check(held && ppr == 0x50, "TPR 0x50: vectors %#x and %#x wait in IRR, PPR %#x",
		     V_TPR_LOW, V_TPR_MID, ppr);
	attack_check(after_high == 1 && after_40 == 2 && after_30 == 3 && order_is(want, 3),
		     "%#x arrives at once (%u), %#x when TPR is 0x40 (%u), %#x at 0x30 (%u)",
		     V_TPR_HIGH, after_high, V_TPR_MID, after_40, V_TPR_LOW, after_30);
}

static volatile unsigned nest_ok;

/* The high vector, nested in the low one's handler: both in service, PPR
 * the high class. */
static void on_nest_high(unsigned vector)
{
	log_order(vector);
	nest_ok = lapic_vec_bit(LAPIC_ISR, V_NEST_LOW) && lapic_vec_bit(LAPIC_ISR, V_NEST_HIGH) &&
		  lapic_read(LAPIC_PPR) == 0x60;
	lapic_eoi();
}

/* The low vector: sends the high one and one of its own class, opens
 * interrupts; only the high one nests. After its EOI ended the high one,
 * only the low one is in service and the same-class one still waits. */
static void on_nest_low(unsigned vector)
{
	log_order(vector);
	lapic_self_ipi(V_NEST_SAME);
	lapic_self_ipi(V_NEST_HIGH);
	sti();
	delay_spin(SETTLE_LOOPS);
	cli();
	log_order(0);
	nest_ok &= lapic_vec_bit(LAPIC_ISR, V_NEST_LOW) && !lapic_vec_bit(LAPIC_ISR, V_NEST_HIGH) &&
		   lapic_vec_bit(LAPIC_IRR, V_NEST_SAME) && lapic_read(LAPIC_PPR) == 0x40;
	lapic_eoi();
}

static void check_nesting(void)
{
	static const unsigned want[] = { V_NEST_LOW, V_NEST_HIGH, 0, V_NEST_SAME };
	int idle;

	guest_set_irq_handler(V_NEST_LOW, on_nest_low);
	guest_set_irq_handler(V_NEST_HIGH, on_nest_high);
	guest_set_irq_handler(V_NEST_SAME, on_logged);
	order_n = 0;
	nest_ok = 0;
	sti();
	lapic_self_ipi(V_NEST_LOW);
	delay_spin(SETTLE_LOOPS);
	cli();
	idle = !lapic_vec_bit(LAPIC_ISR, V_NEST_LOW) && !lapic_vec_bit(LAPIC_IRR, V_NEST_SAME) &&
	       lapic_read(LAPIC_PPR) == 0;
	attack_check(order_is(want, 4) && nest_ok && idle,
		     "nested vectors: order %#x %#x %#x %#x (want %#x %#x, back in %#x, then %#x), "
		     "ISR/IRR/PPR as expected: %s",
		     order[0], order[1], order[2], order[3], V_NEST_LOW, V_NEST_HIGH, V_NEST_LOW,
		     V_NEST_SAME, nest_ok && idle ? "yes" : "NO");
}

/* ---- HLT ---------------------------------------------------------------- */

/* STI; HLT returns only after an interrupt: the timer's, at its time. */
static void check_hlt(void)
{
	uint32_t init = (uint32_t)(tsc_hz / 500 * tick_den / tick_num); /* 2 ms */
	uint64_t n0 = guest_irq_count(V_HLT), t0, t1, due;
	unsigned woke = 0;

	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | V_HLT);
	t0 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, init);
	due = t0 + ticks_tsc(init, 1);
	sti_hlt();
	t1 = rdtsc();
	cli();
	attack_check(guest_irq_count(V_HLT) == n0 + 1 && t1 >= due && stamp[V_HLT][n0] >= due,
		     "STI; HLT with a one-shot due in %lu us: woke after %lu us, %lu interrupt(s)",
		     us(due - t0), us(t1 - t0), guest_irq_count(V_HLT) - n0);

	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | V_HLT);
	lapic_write(LAPIC_TIMER_INIT, init / 2);
	for (unsigned i = 0; i < 5; i++) {
		uint64_t n = guest_irq_count(V_HLT);

		sti_hlt();
		cli();
		woke += guest_irq_count(V_HLT) > n;
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	open_window(ms_tsc(1)); /* an expiry raised before the stop, still in IRR */
	attack_check(woke == 5, "5 HLTs under a periodic timer: %u returned after an interrupt",
		     woke);

	n0 = guest_irq_count(V_HLT_DL);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | V_HLT_DL);
	t0 = rdtsc();
	wrmsr(MSR_TSC_DEADLINE, t0 + ms_tsc(2));
	sti_hlt();
	t1 = rdtsc();
	cli();
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | V_HLT_DL);
	attack_check(guest_irq_count(V_HLT_DL) == n0 + 1 && t1 >= t0 + ms_tsc(2),
		     "STI; HLT with a TSC deadline 2 ms ahead: woke after %lu us, %lu interrupt(s)",
		     us(t1 - t0), guest_irq_count(V_HLT_DL) - n0);
}

/*
 * STI; HLT is atomic: an interrupt pending at the STI is taken after the
 * HLT (it ends the halt), never between the two, or the HLT would sleep
 * past the interrupt meant to wake it. A periodic timer's expiries are
 * aimed, by spinning with interrupts off until just before each, at the
 * moment of the STI: then the host's interrupt behind the virtual timer
 * often lands inside the STI's shadow and makes the vCPU exit there. The
 * handler (assembly: it must see its own return address) counts arrivals
 * whose return address is the HLT itself: delivered inside the shadow.
 */
#define SHADOW_ROUNDS 1000u
#define SHADOW_PERIOD_US 100u

void shadow_isr(void);
void shadow_sti_hlt(void);
extern volatile uint64_t shadow_irqs, shadow_early;
const uint64_t shadow_eoi = GP_LAPIC_BASE + LAPIC_EOI;
volatile uint64_t shadow_irqs, shadow_early;

asm(".text\n"
    ".globl shadow_sti_hlt, shadow_isr\n"
    "shadow_sti_hlt:\n"
    "	sti\n"
    "shadow_hlt:\n"
    "	hlt\n"
    "	cli\n"
    "	ret\n"
    "shadow_isr:\n"
    "	pushq %rax\n"
    "	incq shadow_irqs(%rip)\n"
    "	leaq shadow_hlt(%rip), %rax\n"
    "	cmpq %rax, 8(%rsp)\n" /* the return RIP, above the saved RAX */
    "	jne 1f\n"
    "	incq shadow_early(%rip)\n"
    "1:	movq shadow_eoi(%rip), %rax\n"
    "	movl $0, (%rax)\n"
    "	popq %rax\n"
    "	iretq\n");

static void check_sti_hlt_shadow(void)
{
	uint64_t period = (uint64_t)SHADOW_PERIOD_US * tsc_hz / 1000000, step = period / 64, t0, late = 0;
	uint32_t init = (uint32_t)(period * tick_den / tick_num);

	guest_set_irq_gate(V_SHADOW, shadow_isr);
	shadow_irqs = shadow_early = 0;
	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | V_SHADOW);
	t0 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, init);
	for (unsigned i = 0; i < SHADOW_ROUNDS; i++) {
		uint64_t now = rdtsc(), next = t0 + ((now - t0) / period + 2) * period;
		uint64_t before = shadow_irqs;

		/* From a quarter period before the expiry to its time. */
		while (rdtsc() < next - (uint64_t)(i % 16) * step)
			;
		shadow_sti_hlt();
		late += shadow_irqs == before; /* cannot be: HLT returns after one */
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | V_SHADOW);
	open_window(ms_tsc(1));
	attack_check(!shadow_early && !late,
		     "%u STI; HLT pairs aimed at a %u us periodic timer: %lu interrupts, %lu inside the "
		     "STI shadow (want 0), %lu HLTs that returned without one",
		     SHADOW_ROUNDS, SHADOW_PERIOD_US, shadow_irqs, shadow_early, late);
}

/* ---- the I/O APIC: pin 4 ------------------------------------------------- */

/*
 * Whether the UART interrupts at all: with IER.THRE on and the transmitter
 * empty a 16550's IIR reports "THR empty" (0x02); reading it clears that
 * interrupt. Pin 4 stays masked meanwhile.
 */
static int uart_interrupts(void)
{
	uint8_t iir;

	ioapic_rte_write(GP_UART_GSI, RTE_MASKED);
	uart_thre_irq(1);
	iir = uart_iir();
	uart_thre_irq(0);
	if ((iir & IIR_ID_MASK) == IIR_THRE)
		return 1;
	attack_note("NOT RUN: I/O APIC edge and level checks: the UART raises no interrupt (IIR "
		    "%#x with IER.THRE on, a 16550 reads 0x02)", iir);
	return 0;
}

/* Edge: one interrupt per rising edge, none while the line stays high, an
 * edge while masked lost. Nothing is printed while the UART interrupts. */
static void check_edge(void)
{
	uint64_t n0 = guest_irq_count(V_EDGE), first, held, toggled, masked, last;

	ioapic_rte_write(GP_UART_GSI, RTE_FIXED | V_EDGE | RTE_DEST(0));
	sti();
	uart_thre_irq(1);
	delay_spin(SETTLE_LOOPS);
	first = guest_irq_count(V_EDGE) - n0;
	tsc_spin(ms_tsc(5));
	held = guest_irq_count(V_EDGE) - n0;
	for (unsigned i = 0; i < 3; i++) {
		uart_thre_irq(0);
		uart_thre_irq(1);
		delay_spin(SETTLE_LOOPS);
	}
	toggled = guest_irq_count(V_EDGE) - n0;
	ioapic_rte_write(GP_UART_GSI, RTE_MASKED | V_EDGE);
	uart_thre_irq(0);
	uart_thre_irq(1);
	ioapic_rte_write(GP_UART_GSI, RTE_FIXED | V_EDGE | RTE_DEST(0));
	delay_spin(SETTLE_LOOPS);
	masked = guest_irq_count(V_EDGE) - n0;
	uart_thre_irq(0);
	uart_thre_irq(1);
	delay_spin(SETTLE_LOOPS);
	last = guest_irq_count(V_EDGE) - n0;
	uart_thre_irq(0);
	cli();
	ioapic_rte_write(GP_UART_GSI, RTE_MASKED);
	attack_check(first == 1 && held == 1 && toggled == 4 && masked == 4 && last == 5,
		     "pin 4 edge: first edge %lu, line held high 5 ms %lu, 3 more edges %lu, edge "
		     "while masked %lu, one more %lu (want 1 1 4 4 5)", first, held, toggled, masked, last);
}

static volatile unsigned level_n, level_stop;
static volatile uint32_t level_seen; /* bit i: delivery i saw remote IRR and TMR set, IRR clear */

/* Level: the line stays high until delivery level_stop, whose handler
 * lowers it before its EOI; every EOI before that re-delivers. */
static void on_level(unsigned vector)
{
	int ok = (ioapic_rte_read(GP_UART_GSI) & RTE_REMOTE_IRR) && lapic_vec_bit(LAPIC_TMR, vector) &&
		 !lapic_vec_bit(LAPIC_IRR, vector);

	if (ok && level_n < 32)
		level_seen |= 1u << level_n;
	if (++level_n >= level_stop)
		uart_thre_irq(0);
	lapic_eoi();
}

static void check_level(void)
{
	const uint64_t rte = RTE_LEVEL | RTE_FIXED | V_LEVEL | RTE_DEST(0);
	unsigned masked_n;
	uint64_t remote;

	guest_set_irq_handler(V_LEVEL, on_level);
	level_n = level_seen = 0;
	level_stop = LEVEL_ROUNDS;
	ioapic_rte_write(GP_UART_GSI, rte);
	uart_thre_irq(1);
	open_window(ms_tsc(5));
	remote = ioapic_rte_read(GP_UART_GSI) & RTE_REMOTE_IRR;
	attack_check(level_n == LEVEL_ROUNDS && level_seen == (1u << LEVEL_ROUNDS) - 1 && !remote,
		     "pin 4 level: %u deliveries while high (want %u), remote IRR and TMR set, IRR "
		     "clear in each: %#x, remote IRR after: %s",
		     level_n, LEVEL_ROUNDS, level_seen, remote ? "SET" : "clear");

	level_n = level_seen = 0;
	level_stop = 1;
	ioapic_rte_write(GP_UART_GSI, rte | RTE_MASKED);
	uart_thre_irq(1);
	open_window(ms_tsc(5));
	masked_n = level_n;
	ioapic_rte_write(GP_UART_GSI, rte);
	open_window(ms_tsc(5));
	uart_thre_irq(0);
	ioapic_rte_write(GP_UART_GSI, RTE_MASKED);
	attack_check(masked_n == 0 && level_n == 1 && level_seen == 1,
		     "pin 4 level, masked while high: %u deliveries, unmasked: %u", masked_n, level_n);
}

/* ---- main ----------------------------------------------------------------- */

int guest_main(const struct hvm_start_info *si)
{
	struct cpuid_regs c;

	(void)si;
	attack_begin("apic-timer");
	c = cpuid(0).eax >= 0x15 ? cpuid(0x15) : (struct cpuid_regs){ 0 };
	tsc_hz = guest_tsc_hz();
	tick_num = c.ebx;
	tick_den = c.eax;
	if (!attack_check(tsc_hz && tick_num && tick_den,
			  "CPUID 0x15: TSC %lu Hz, crystal %u Hz, one tick = %u/%u TSC cycles", tsc_hz,
			  c.ecx, c.ebx, c.eax))
		attack_end();
	for (unsigned v = 32; v < 256; v++)
		guest_set_irq_handler(v, on_irq);
	lapic_enable(V_SPURIOUS);
	check_oneshot();
	check_periodic();
	check_deadline_mode();
	check_deadline_fire();
	check_deadline_disarm();
	for (unsigned i = 0; i < sizeof(dcrs) / sizeof(dcrs[0]); i++)
		check_divide(&dcrs[i]);
	check_countdown();
	check_masked();
	check_tpr();
	check_nesting();
	check_hlt();
	check_sti_hlt_shadow();
	if (uart_interrupts()) {
		check_edge();
		check_level();
	}
	attack_end();
}
