/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "kernel/time.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "drivers/acpi.h"

/*
 * The TSC's rate and the local APIC timer's, from the best source the
 * machine has (docs/boot.md, "Clocks"): CPUID leaf 0x15/0x16 when a timer
 * confirms it (or none exists), else the first timer that counts, in
 * order: the ACPI PM timer, the HPET, the PIT.
 *
 * A timer is read over windows of about 1 ms: the TSC and the APIC timer
 * are read right after the timer's first reading and right after the
 * reading that ends the window, so a window's error is about one read of
 * the timer (~1 us on hardware): 0.1 %, plenty for timeouts, uptimes and a
 * 100 ms tick. A CPU held between a timer read and a TSC read (an SMI on
 * hardware, a busy host under an emulator) stretches one window: five are
 * taken and the one with the median TSC count is used, which two such
 * upsets cannot move.
 */
#define CALIBRATE_US 1000
#define CALIBRATE_WINDOWS 5
#define CALIBRATE_SPINS 100000000u /* a PIT that never fires: give up */
#define CALIBRATE_STUCK 1000000u   /* reads of a counter that did not move: give up */
#define CALIBRATE_BESIDE 3	   /* windows of the timer that checks the one used */
#define CALIBRATE_JUMPS 8	   /* windows a jump spoiled (an SMI, a descheduled vCPU) retried */
#define PM_TIMER_HZ 3579545ull
#define HPET_CAPS 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_ENABLE 1u
#define HPET_MAX_PERIOD_FS 100000000ull /* 100 ns: the specification's bound */

static uint64_t tsc_boot, tsc_per_ms = 1, apic_per_ms;

/* Per millisecond, in one window. */
struct time_window {
	uint64_t tsc;
	uint64_t apic;
};

/* A timer: a free-running counter of known rate, or the PIT's one-shot. */
struct time_ref {
	const char *name;
	uint64_t hz;
	uint64_t mask; /* its width */
	uint64_t (*read)(void);
	int (*window)(const struct time_ref *r, struct time_window *w);
};

static uint16_t pm_port;
static volatile uint32_t *hpet;

static uint64_t pm_read(void)
{
	return cpu_inl(pm_port);
}

static uint64_t hpet_read(void)
{
	return hpet[HPET_COUNTER / 4]; /* the low 32 bits: wraps after minutes */
}

static int time_window_ref(const struct time_ref *r, struct time_window *w)
{
	uint64_t need = r->hz * CALIBRATE_US / 1000000, c0, n = 0, last = 0, t0, t1;
	uint32_t a0, a1;
	unsigned still = 0;

	c0 = r->read();
	t0 = cpu_rdtsc();
	a0 = apic_timer_count();
	while (n < need && still < CALIBRATE_STUCK) {
		n = (r->read() - c0) & r->mask;
		still = n == last ? still + 1 : 0;
		last = n;
	}
	t1 = cpu_rdtsc();
	a1 = apic_timer_count();
	if (n < need) /* stuck */
		return -1;
	if (n > 4 * need) /* a jump no 1 ms window makes: this window says nothing */
		return -EAGAIN;
	w->tsc = (uint64_t)((unsigned __int128)(t1 - t0) * r->hz / n / 1000);
	w->apic = (uint64_t)((unsigned __int128)(uint32_t)(a1 - a0) * r->hz / n / 1000);
	return 0;
}

/* PIT channel 2 in one-shot mode: its output must be low after the load
 * (a missing PIT reads as done at once) and rise once the count runs out.
 * (Its hz in struct time_ref only says it is there: it is always tried.) */
static int time_window_pit(const struct time_ref *r, struct time_window *w)
{
	uint64_t t0, t1;
	uint32_t a0, a1;
	unsigned spin = 0;

	(void)r;
	pit_oneshot_start(CALIBRATE_US);
	t0 = cpu_rdtsc();
	a0 = apic_timer_count();
	if (pit_oneshot_done())
		return -1;
	while (!pit_oneshot_done() && ++spin < CALIBRATE_SPINS)
		cpu_pause();
	t1 = cpu_rdtsc();
	a1 = apic_timer_count();
	if (spin == CALIBRATE_SPINS || t1 == t0)
		return -1;
	*w = (struct time_window){ (t1 - t0) * 1000 / CALIBRATE_US, (uint64_t)(uint32_t)(a1 - a0) * 1000 / CALIBRATE_US };
	return 0;
}

/* n (at most CALIBRATE_WINDOWS) windows of one source; the median by TSC
 * count. A window a jump spoiled (an SMI, or under an emulator the vCPU's
 * thread descheduled) is measured again, up to CALIBRATE_JUMPS times in all. */
static int time_windows(const struct time_ref *r, struct time_window *out, unsigned n)
{
	struct time_window w[CALIBRATE_WINDOWS], t;
	unsigned i = 0, jumps = 0;

	while (i < n) {
		int err = r->window(r, &w[i]);

		if (err == -EAGAIN && ++jumps <= CALIBRATE_JUMPS)
			continue;
		if (err)
			return -1;
		for (unsigned j = i; j > 0 && w[j - 1].tsc > w[j].tsc; j--) /* insertion sort */
			t = w[j], w[j] = w[j - 1], w[j - 1] = t;
		i++;
	}
	*out = w[n / 2];
	return 0;
}

static int time_measure(const struct time_ref *r, struct time_window *out)
{
	return !time_windows(r, out, CALIBRATE_WINDOWS) && clock_plausible(out->tsc) ? 0 : -1;
}

/* The HPET's rate from its capabilities; its counter started if the
 * firmware left it stopped. 0 when it cannot be used. */
static uint64_t hpet_setup(uint64_t pa)
{
	uint64_t period;

	hpet = pa ? mm_map_mmio(pa, 0x400) : NULL;
	if (!hpet)
		return 0;
	period = hpet[HPET_CAPS / 4 + 1];
	if (!period || period > HPET_MAX_PERIOD_FS)
		return 0;
	if (!(hpet[HPET_CONFIG / 4] & HPET_ENABLE))
		hpet[HPET_CONFIG / 4] |= HPET_ENABLE;
	return 1000000000000000ull / period;
}

/*
 * The first timer, in order, that gives a plausible rate: its name, or
 * NULL. The next timer present then measures three windows beside it (their
 * median: one 1 ms window is at the mercy of one late poll), and
 * the boot log says whether the two agree: a firmware table or a chipset
 * timer that lies shows there (the first one's figure is kept).
 */
static const char *time_measured(const struct acpi_timers *t, struct time_window *w)
{
	struct time_ref refs[] = {
		{ "the ACPI PM timer", t->pm_port ? PM_TIMER_HZ : 0, t->pm_bits == 32 ? 0xffffffffull : 0xffffffull,
		  pm_read, time_window_ref },
		{ "the HPET", hpet_setup(t->hpet_pa), 0xffffffffull, hpet_read, time_window_ref },
		{ "the PIT", 1, 0, NULL, time_window_pit },
	};
	const unsigned n = sizeof(refs) / sizeof(refs[0]);
	struct time_window other;
	unsigned i = 0, j;

	pm_port = t->pm_port;
	while (i < n && (!refs[i].hz || time_measure(&refs[i], w)))
		i++;
	if (i == n)
		return NULL;
	for (j = i + 1; j < n && !refs[j].hz; j++)
		;
	if (j < n && !time_windows(&refs[j], &other, CALIBRATE_BESIDE))
		printk("vigil: clock: %s measures %lu kHz beside it: %s\n", refs[j].name, other.tsc,
		       clock_agree(other.tsc, w->tsc) ? "they agree" : "THEY DISAGREE");
	else if (j < n)
		printk("vigil: clock: %s does not count\n", refs[j].name);
	return refs[i].name;
}

/* The APIC timer against the TSC alone (its rate already known): one
 * millisecond of TSC ticks. */
static uint64_t time_apic_by_tsc(void)
{
	uint64_t end = cpu_rdtsc() + tsc_per_ms;
	uint32_t a0 = apic_timer_count();

	while (cpu_rdtsc() < end)
		cpu_pause();
	return (uint32_t)(apic_timer_count() - a0);
}

int time_init(const struct acpi_timers *t)
{
	struct cpuid_regs l0 = cpu_cpuid(0, 0);
	uint64_t cpuid_khz = clock_cpuid_khz(l0.eax, cpu_cpuid_upto(0x15, l0.eax), cpu_cpuid_upto(0x16, l0.eax));
	struct time_window w = { 0, 0 };
	const char *timer;
	enum clock_choice c;

	tsc_boot = cpu_rdtsc();
	apic_timer_count_start();
	timer = time_measured(t, &w);
	c = clock_choose(cpuid_khz, timer ? w.tsc : 0, &tsc_per_ms);
	if (c == CLOCK_NONE) {
		tsc_per_ms = 1;
		printk("vigil: clock: no source gives a plausible TSC rate (CPUID: %lu kHz; no timer counts)\n",
		       cpuid_khz);
		return -1;
	}
	if (cpuid_khz && c == CLOCK_MEASURED)
		printk("vigil: clock: CPUID says %lu kHz, %s measures %lu kHz: the measurement is used\n", cpuid_khz,
		       timer, w.tsc);
	apic_per_ms = timer ? w.apic : time_apic_by_tsc();
	printk("vigil: clock: TSC %lu kHz from %s%s; APIC timer %lu kHz\n", tsc_per_ms,
	       c == CLOCK_CPUID ? "CPUID" : timer, c == CLOCK_CPUID && timer ? " (confirmed by a timer)" : "",
	       apic_per_ms);
	return apic_per_ms ? 0 : -1;
}

uint64_t time_apic_per_ms(void)
{
	return apic_per_ms;
}

uint64_t time_tsc_per_ms(void)
{
	return tsc_per_ms;
}

uint64_t time_tsc_to_apic(uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * apic_per_ms / tsc_per_ms);
}

void time_delay_us(uint64_t us)
{
	uint64_t end = cpu_rdtsc() + us * tsc_per_ms / 1000;

	while (cpu_rdtsc() < end)
		cpu_pause();
}

uint64_t time_tsc_to_ms(uint64_t ticks)
{
	return ticks / tsc_per_ms;
}

uint64_t time_ms(void)
{
	return time_tsc_to_ms(cpu_rdtsc() - tsc_boot);
}
