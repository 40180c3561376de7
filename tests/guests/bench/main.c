/* SPDX-License-Identifier: MIT */
/*
 * bench: times exits. Under QEMU's -icount shift=0,sleep=off the TSC counts
 * retired instructions, so each loop of loops.S measures, in instructions,
 * what one round trip through the hypervisor adds to a guest loop. The same
 * image runs under Vigil, under Xen (as its PVH dom0) and natively.
 *
 * Output, one fact per line, read by bench/run.py (docs/benchmarks.md):
 *   bench: tsc main <tsc>            first thing in guest_main (boot cost)
 *   bench: env vigil|xen|native
 *   bench: fastpath yes|no           (Vigil) the bench-only CPUID leaf answered
 *   bench: raw <case> exit|native <iterations> <delta per rep>...
 *   bench: raw lapic-timer off|on <iterations> <delta per rep>...   (Vigil)
 *   bench: raw lapic-timer off-irqs|on-irqs <iterations> <interrupts per rep>...
 *   bench: lapic-timer period <ticks> isr-retired <instructions of the handler>
 *   bench: watch start <ticks>       (Vigil) then the longest TSC gap seen:
 *   bench: watch max-gap <ticks> reads <n>
 *   bench: ipi rounds <n> delivered <n> answered <n>  (Vigil, command
 *                                    line "ipi": the IPI case alone,
 *                                    bench/bench-smp.dts)
 *   bench: done
 * Under Xen the lines go to port 0xE9 (Xen's console for HVM guests),
 * elsewhere to the guest console.
 */
#include "guest.h"
#include "apic.h"
#include "loops.h"
#include "bench/fastpath.h"

#define BENCH_ITERATIONS 1000
/* Timed passes per loop; the fastest counts (an interrupt only adds). */
#define BENCH_REPS 7
#define BENCH_LINE_MAX 160
/* The watch window: 1e9 instructions under -icount, some seconds of TCG. */
#define BENCH_WATCH_TICKS 1000000000ul
#define BENCH_WATCH_SPIN 1000

#define BENCH_SCRATCH_PORT 0x3ff /* 16550 scratch register: emulated, prints nothing */
#define BENCH_XEN_CONSOLE 0xe9
#define MSR_EFER 0xc0000080u
#define XEN_HC_XEN_VERSION 17 /* xen_version(XENVER_version = 0, NULL) */
#define CPUID_HV_BASE 0x40000000u
#define CPUID_TSC_CRYSTAL 0x15u

/* The APIC cases (Vigil, after the others: docs/benchmarks.md). */
#define BENCH_TIMER_VECTOR 0x40
#define BENCH_SPURIOUS_VECTOR 0xff
#define BENCH_TIMER_PERIOD_US 100
/* The IPI case: fixed IPIs between the boot vCPU and its sibling, each
 * to a vCPU asleep in HLT. */
#define BENCH_IPI_VECTOR 0x60
#define BENCH_IPI_REPLY_VECTOR 0x61
#define BENCH_IPI_ROUNDS 64u
/* Passes of the spin: 4 M instructions, some 40 timer periods under -icount. */
#define BENCH_SPIN_ITERATIONS 2000000ul

const uint64_t bench_lapic_eoi = GP_LAPIC_BASE + LAPIC_EOI;

enum bench_env { BENCH_NATIVE, BENCH_VIGIL, BENCH_XEN };

static const char *const bench_env_names[] = { "native", "vigil", "xen" };

struct bench_case {
	const char *name;
	bench_loop_fn *exit_loop;
	bench_loop_fn *native_loop;
	uint64_t arg;
};

static enum bench_env bench_env;

static int bench_signature_is(const char *want)
{
	struct cpuid_regs r = cpuid(CPUID_HV_BASE);
	const uint32_t words[3] = { r.ebx, r.ecx, r.edx };

	for (int i = 0; i < 12; i++)
		if (want[i] != (char)(words[i / 4] >> (8 * (i % 4))))
			return 0;
	return 1;
}

static enum bench_env bench_detect(void)
{
	if (guest_under_vigil())
		return BENCH_VIGIL;
	if (bench_signature_is("XenVMMXenVMM"))
		return BENCH_XEN;
	return BENCH_NATIVE;
}

/* Xen's console for an HVM dom0 is port 0xE9 ("(d0) ..." lines); the
 * 16550 at 0x3f8 belongs to Xen itself there. */
static void bench_say(const char *fmt, ...) GUEST_PRINTF(1, 2);
static void bench_say(const char *fmt, ...)
{
	char line[BENCH_LINE_MAX];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	if (bench_env != BENCH_XEN) {
		printf("%s\n", line);
		return;
	}
	for (int i = 0; i < len; i++)
		outb(BENCH_XEN_CONSOLE, (uint8_t)line[i]);
	outb(BENCH_XEN_CONSOLE, '\n');
}

/* One `bench: raw` line: BENCH_REPS figures of one case. */
static void bench_say_raw(const char *name, const char *kind, uint64_t iterations,
			  const uint64_t *vals)
{
	char line[BENCH_LINE_MAX];
	size_t len;

	len = (size_t)snprintf(line, sizeof(line), "bench: raw %s %s %lu", name, kind, iterations);
	for (int i = 0; i < BENCH_REPS && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %lu", vals[i]);
	bench_say("%s", line);
}

static void bench_reps(const char *name, const char *kind, bench_loop_fn *loop, uint64_t arg)
{
	uint64_t delta[BENCH_REPS];

	loop(1, arg); /* warm: first-touch costs out of the timed passes */
	for (int i = 0; i < BENCH_REPS; i++)
		delta[i] = loop(BENCH_ITERATIONS, arg);
	bench_say_raw(name, kind, BENCH_ITERATIONS, delta);
}

static void bench_run(const struct bench_case *c)
{
	bench_reps(c->name, "exit", c->exit_loop, c->arg);
	bench_reps(c->name, "native", c->native_loop, c->arg);
}

/*
 * Under Vigil, last: spin for BENCH_WATCH_TICKS, reading the TSC every
 * BENCH_WATCH_SPIN iterations of an empty loop (RDTSC is slow to emulate
 * under -icount), and report the longest gap between two reads.
 * bench/run.py applies a live patch over the management channel
 * meanwhile: the gap is the longest pause the guest saw, to within the
 * few thousand instructions of one spin.
 */
static void bench_watch(void)
{
	uint64_t start = rdtsc(), prev = start, now, gap = 0, reads = 0;

	bench_say("bench: watch start %lu", BENCH_WATCH_TICKS);
	do {
		delay_spin(BENCH_WATCH_SPIN);
		now = rdtsc();
		if (now - prev > gap)
			gap = now - prev;
		prev = now;
		reads++;
	} while (now - start < BENCH_WATCH_TICKS);
	bench_say("bench: watch max-gap %lu reads %lu", gap, reads);
}

/* Timed passes of the spin with interrupts on, and the timer interrupts
 * each one took. */
static void bench_spin_reps(const char *kind)
{
	uint64_t delta[BENCH_REPS], irqs[BENCH_REPS];
	char irq_kind[16];

	snprintf(irq_kind, sizeof(irq_kind), "%s-irqs", kind);
	bench_spin_sti(1, 0);
	for (int i = 0; i < BENCH_REPS; i++) {
		uint64_t before = bench_timer_irqs;

		delta[i] = bench_spin_sti(BENCH_SPIN_ITERATIONS, 0);
		irqs[i] = bench_timer_irqs - before;
	}
	bench_say_raw("lapic-timer", kind, BENCH_SPIN_ITERATIONS, delta);
	bench_say_raw("lapic-timer", irq_kind, BENCH_SPIN_ITERATIONS, irqs);
}

/*
 * The periodic LAPIC timer, every BENCH_TIMER_PERIOD_US, while the spin
 * runs with interrupts on; against the same spin with the timer off (run
 * first, so that no interrupt is pending yet). Each interrupt costs the
 * VMM a physical timer interrupt (an exit), the injection and the EOI
 * (an MMIO exit); the guest's handler is bench_timer_isr.
 */
static void bench_lapic_timer(void)
{
	uint32_t count = cpuid(CPUID_TSC_CRYSTAL).ecx / (1000000 / BENCH_TIMER_PERIOD_US);

	guest_set_irq_gate(BENCH_TIMER_VECTOR, bench_timer_isr);
	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | BENCH_TIMER_VECTOR);
	bench_spin_reps("off");
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | BENCH_TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, count);
	bench_spin_reps("on");
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | BENCH_TIMER_VECTOR);
	bench_spin_sti(1000, 0); /* an interrupt still pending is taken here */
	bench_say("bench: lapic-timer period %u isr-retired %u", count, BENCH_ISR_RETIRED);
}

static void bench_ignore_irq(unsigned vector)
{
	(void)vector;
}

/*
 * After the exit cases: a read of the LAPIC's version register with the
 * LAPIC as it starts (software-disabled: Vigil runs no interrupt checks
 * before entries), then, with it enabled as an OS has it, CPUID again (what
 * the checks add to every round trip), the read, and the timer.
 */
static void bench_apic(void)
{
	const uint64_t version = GP_LAPIC_BASE + LAPIC_VERSION;
	const struct bench_case off = { "apic-read-lapic-off", bench_mmio_read,
					bench_native_mmio_read, version };
	const struct bench_case on[] = {
		{ "cpuid-lapic-on", bench_cpuid, bench_native_cpuid, 0 },
		{ "apic-read", bench_mmio_read, bench_native_mmio_read, version },
	};

	bench_run(&off);
	guest_set_irq_handler(BENCH_SPURIOUS_VECTOR, bench_ignore_irq);
	lapic_enable(BENCH_SPURIOUS_VECTOR);
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		bench_run(&on[i]);
	bench_lapic_timer();
}

static volatile uint64_t bench_ipis, bench_replies;

/* The sibling's handler: counts the IPI, answers with one of its own. */
static void bench_ipi_irq(unsigned vector)
{
	(void)vector;
	__atomic_fetch_add(&bench_ipis, 1, __ATOMIC_RELEASE);
	lapic_eoi();
	lapic_ipi(0, ICR_FIXED | BENCH_IPI_REPLY_VECTOR);
}

static void bench_ipi_reply(unsigned vector)
{
	(void)vector;
	__atomic_fetch_add(&bench_replies, 1, __ATOMIC_RELEASE);
	lapic_eoi();
}

/* The sibling: asleep in HLT, woken by each IPI. */
static void bench_ipi_sibling(unsigned apic_id)
{
	(void)apic_id;
	for (;;)
		sti_hlt();
}

/*
 * IPIs between two vCPUs of one guest (bench/bench-smp.dts): the boot vCPU
 * starts its sibling, then sends it fixed IPIs one at a time and sleeps in
 * HLT until the sibling's handler answers with one of its own: each IPI
 * finds its target asleep in HLT (in the VMM, on its own CPU). Both sleep
 * rather than spin: under -icount QEMU runs the CPUs in turn, and a
 * spinning sender would keep the sibling from running for its whole turn.
 * No TSC figure comes of it (a cross-CPU latency under -icount is that
 * round-robin): bench/run.py reads the VMM's path lengths from QEMU's exec
 * log, the sender's exit to its VMRUN and the target's wake-up to its
 * VMRUN with the interrupt injected.
 */
static void bench_ipi(void)
{
	unsigned i;

	guest_set_irq_handler(BENCH_SPURIOUS_VECTOR, bench_ignore_irq);
	guest_set_irq_handler(BENCH_IPI_VECTOR, bench_ipi_irq);
	guest_set_irq_handler(BENCH_IPI_REPLY_VECTOR, bench_ipi_reply);
	lapic_enable(BENCH_SPURIOUS_VECTOR);
	if (guest_start_ap(1, bench_ipi_sibling)) {
		bench_say("bench: ipi rounds 0 delivered 0 (no sibling vCPU)");
		return;
	}
	for (i = 1; i <= BENCH_IPI_ROUNDS; i++) {
		cli();
		lapic_ipi(1, ICR_FIXED | BENCH_IPI_VECTOR);
		while (__atomic_load_n(&bench_replies, __ATOMIC_ACQUIRE) < i) {
			sti_hlt();
			cli();
		}
	}
	sti();
	bench_say("bench: ipi rounds %u delivered %lu answered %lu", BENCH_IPI_ROUNDS, bench_ipis, bench_replies);
}

static int bench_cmdline_is(const struct hvm_start_info *si, const char *want)
{
	const char *c = (const char *)(uintptr_t)si->cmdline_paddr;

	if (!c)
		return 0;
	while (*want && *c == *want)
		c++, want++;
	return !*want && !*c;
}

static bench_loop_fn *bench_hypercall_loop(void)
{
	return guest_hypercall_insn()[2] == 'm' ? bench_vmmcall : bench_vmcall;
}

/* The bench build of Vigil leaves EAX at the leaf; the real VMM zeroes it. */
static int bench_fastpath_present(void)
{
	return cpuid(BENCH_FAST_LEAF).eax == BENCH_FAST_LEAF;
}

static void bench_vigil(void)
{
	const struct bench_case cases[] = {
		{ "cpuid", bench_cpuid, bench_native_cpuid, 0 },
		{ "io-out", bench_out, bench_native_out, BENCH_SCRATCH_PORT },
		{ "hypercall", bench_hypercall_loop(), bench_native_hypercall, HC_VERSION },
		{ "msr-read", bench_rdmsr, bench_native_rdmsr, MSR_EFER },
	};
	const struct bench_case fast = { "cpuid-bench-leaf", bench_cpuid, bench_native_cpuid,
					 BENCH_FAST_LEAF };
	int fastpath = bench_fastpath_present();

	bench_say("bench: fastpath %s", fastpath ? "yes" : "no");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bench_run(&cases[i]);
	/* Only where it is the bench-only path: in the real VMM the leaf is an
	 * unlisted one, and its round trips would blur the exec-log breakdown
	 * of the CPUID case. */
	if (fastpath)
		bench_run(&fast);
	bench_apic();
	bench_watch();
}

static void bench_xen(void)
{
	const struct bench_case cases[] = {
		{ "cpuid", bench_cpuid, bench_native_cpuid, 0 },
		{ "io-out", bench_out, bench_native_out, BENCH_SCRATCH_PORT },
		{ "hypercall", bench_hypercall_loop(), bench_native_hypercall, XEN_HC_XEN_VERSION },
		{ "msr-read", bench_rdmsr, bench_native_rdmsr, MSR_EFER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bench_run(&cases[i]);
}

/* Natively nothing exits: the loops show the emulator's own cost of each
 * instruction (QEMU runs CPUID, OUT and RDMSR without a hypervisor). */
static void bench_native(void)
{
	const struct bench_case cases[] = {
		{ "cpuid", bench_cpuid, bench_native_cpuid, 0 },
		{ "msr-read", bench_rdmsr, bench_native_rdmsr, MSR_EFER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bench_run(&cases[i]);
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t tsc_main = rdtsc();

	bench_env = bench_detect();
	bench_say("bench: tsc main %lu", tsc_main);
	bench_say("bench: env %s", bench_env_names[bench_env]);
	if (bench_env == BENCH_VIGIL && bench_cmdline_is(si, "ipi"))
		bench_ipi();
	else if (bench_env == BENCH_VIGIL)
		bench_vigil();
	else if (bench_env == BENCH_XEN)
		bench_xen();
	else
		bench_native();
	bench_say("bench: done");
	if (bench_env == BENCH_NATIVE)
		verdict(VERDICT_SKIP, "bench: no hypervisor, native loops only");
	else
		verdict(VERDICT_PASS, "bench: %s measured", bench_env_names[bench_env]);
	hc_exit(0);
}
