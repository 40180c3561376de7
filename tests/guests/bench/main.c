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
 *   bench: watch start <ticks>       (Vigil) then the longest TSC gap seen:
 *   bench: watch max-gap <ticks> reads <n>
 *   bench: done
 * Under Xen the lines go to port 0xE9 (Xen's console for HVM guests),
 * elsewhere to the guest console.
 */
#include "guest.h"
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

static void bench_reps(const char *name, const char *kind, bench_loop_fn *loop, uint64_t arg)
{
	char line[BENCH_LINE_MAX];
	size_t len;

	loop(1, arg); /* warm: first-touch costs out of the timed passes */
	len = (size_t)snprintf(line, sizeof(line), "bench: raw %s %s %u", name, kind,
			       BENCH_ITERATIONS);
	for (int i = 0; i < BENCH_REPS && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %lu",
					loop(BENCH_ITERATIONS, arg));
	bench_say("%s", line);
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

	(void)si;
	bench_env = bench_detect();
	bench_say("bench: tsc main %lu", tsc_main);
	bench_say("bench: env %s", bench_env_names[bench_env]);
	if (bench_env == BENCH_VIGIL)
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
