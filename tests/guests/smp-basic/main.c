/* SPDX-License-Identifier: MIT */
/*
 * smp-basic: a guest of two vCPUs, as an SMP operating system starts and
 * uses them (vmm/vcpu.c, vmm/virq.c).
 *  - the boot vCPU is APIC ID 0 with IA32_APIC_BASE.BSP set; the other
 *    waits for INIT and SIPI and starts in real mode at the SIPI's page
 *    (lib/smp.S takes it to long mode), as APIC ID 1 without BSP;
 *  - fixed IPIs both ways, each waking a target asleep in HLT: every one
 *    arrives once, on the CPU it was sent to;
 *  - "all but self" reaches the sibling only, "all" both;
 *  - an AP halted with interrupts off (as Linux parks an offline CPU)
 *    sleeps, and INIT and SIPI start it again, at its new page's code;
 *  - IPIs to APIC IDs the guest does not have reach nobody (here: nothing
 *    arrives anywhere; the VMM counts them as dropped);
 *  - NMIs: to the AP asleep in HLT, each arrives once; to itself by its
 *    own APIC ID and "all including self" to both; while the AP runs its
 *    NMI handler a further NMI waits (no nesting), two sent then are one,
 *    and it arrives once the handler has returned.
 * Verdict: PASS only if every check held.
 */
#include "apic.h"
#include "attack.h"

#define V_TO_AP 0x50
#define V_TO_BSP 0x51
#define V_ALL 0x52
#define V_NOWHERE 0x53
#define ROUNDS 200u
#define WAIT_MS 2000u
#define NMI_ROUNDS 50u
#define VEC_NMI 2
#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_BSP (1ull << 8)

static uint64_t ms_tsc;
static volatile unsigned ap_id = ~0u, ap_bsp_flag = ~0u, ap_runs;
static volatile uint64_t got[2][256]; /* per CPU (APIC ID), per vector */
static volatile unsigned ap_stop, ap_sent;
static volatile uint64_t nmi_got[2];	      /* per CPU (APIC ID) */
static volatile unsigned nmi_depth[2], nmi_nested;
static volatile unsigned nmi_hold;	      /* 1: the AP's next NMI waits in its handler (2) until 0 */

static unsigned my_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

static void on_irq(unsigned vector)
{
	unsigned id = my_id();

	if (id < 2)
		__atomic_fetch_add(&got[id][vector], 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

/* NMIs (vector 2 arrives as a fault): counted per CPU; one inside another's
 * handler on the same CPU is nesting. */
static long on_nmi(const struct guest_fault *f)
{
	unsigned id = my_id();
	uint64_t t0;

	if (f->vector != VEC_NMI || id > 1)
		return -1;
	if (++nmi_depth[id] > 1)
		nmi_nested++;
	__atomic_fetch_add(&nmi_got[id], 1, __ATOMIC_RELEASE);
	if (id == 1 && nmi_hold == 1) {
		nmi_hold = 2;
		for (t0 = rdtsc(); nmi_hold == 2 && rdtsc() - t0 < WAIT_MS * ms_tsc;)
			asm volatile("pause" ::: "memory");
	}
	nmi_depth[id]--;
	return 0;
}

static int wait_for(volatile uint64_t *count, uint64_t want)
{
	uint64_t t0 = rdtsc();

	while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < want && rdtsc() - t0 < WAIT_MS * ms_tsc)
		asm volatile("pause" ::: "memory");
	return __atomic_load_n(count, __ATOMIC_ACQUIRE) >= want;
}

/* The AP: reports who it is, then sleeps in STI; HLT and answers each IPI
 * from the boot CPU with one of its own, until told to stop; then returns
 * (and halts with interrupts off). */
static void ap_main(unsigned id)
{
	uint64_t seen = 0;

	ap_id = id;
	ap_bsp_flag = (rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP) != 0;
	__atomic_fetch_add(&ap_runs, 1, __ATOMIC_RELEASE);
	while (!ap_stop) {
		sti_hlt();
		cli();
		while (got[1][V_TO_AP] > seen) {
			seen++;
			lapic_ipi(0, ICR_FIXED | V_TO_BSP);
			ap_sent++;
		}
	}
}

/* The second start: proof that INIT and SIPI took it from its HLT. */
static void ap_again(unsigned id)
{
	(void)id;
	__atomic_fetch_add(&ap_runs, 100, __ATOMIC_RELEASE);
}

static void check_ping_pong(void)
{
	unsigned lost = 0;

	sti();
	for (unsigned i = 1; i <= ROUNDS; i++) {
		lapic_ipi(1, ICR_FIXED | V_TO_AP);
		lost += !wait_for(&got[0][V_TO_BSP], i);
	}
	cli();
	attack_check(!lost && got[1][V_TO_AP] == ROUNDS && got[0][V_TO_BSP] == ROUNDS && !got[0][V_TO_AP] &&
			     !got[1][V_TO_BSP],
		     "%u IPIs to the AP asleep in HLT, each answered by one to the boot CPU: AP took %lu, "
		     "boot CPU %lu, %u unanswered, none on the wrong CPU", ROUNDS, got[1][V_TO_AP],
		     got[0][V_TO_BSP], lost);
}

static void check_shorthands(void)
{
	uint64_t ap0 = got[1][V_ALL], bsp0 = got[0][V_ALL];

	sti();
	lapic_write(LAPIC_ICR_LO, ICR_DEST_OTHERS | ICR_FIXED | V_ALL);
	wait_for(&got[1][V_ALL], ap0 + 1);
	tsc_spin(10 * ms_tsc);
	attack_check(got[1][V_ALL] == ap0 + 1 && got[0][V_ALL] == bsp0,
		     "all but self: the AP took %lu, the sender %lu (want 1, 0)", got[1][V_ALL] - ap0,
		     got[0][V_ALL] - bsp0);
	lapic_write(LAPIC_ICR_LO, ICR_DEST_ALL | ICR_FIXED | V_ALL);
	wait_for(&got[1][V_ALL], ap0 + 2);
	tsc_spin(10 * ms_tsc);
	cli();
	attack_check(got[1][V_ALL] == ap0 + 2 && got[0][V_ALL] == bsp0 + 1,
		     "all including self: the AP took %lu, the sender %lu (want 1, 1)",
		     got[1][V_ALL] - ap0 - 1, got[0][V_ALL] - bsp0);
}

static void check_nowhere(void)
{
	static const uint8_t dests[] = { 2, 3, 7, 0x80, 0xfe };

	sti();
	for (unsigned i = 0; i < sizeof(dests); i++)
		lapic_ipi(dests[i], ICR_FIXED | V_NOWHERE);
	lapic_ipi(2, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	lapic_ipi(2, ICR_SIPI | (GUEST_AP_PAGE >> 12));
	tsc_spin(20 * ms_tsc);
	cli();
	attack_check(!got[0][V_NOWHERE] && !got[1][V_NOWHERE],
		     "fixed IPIs, INIT and SIPI to APIC IDs this guest lacks (2, 3, 7, 0x80, 0xfe): "
		     "nothing arrived (%lu, %lu)", got[0][V_NOWHERE], got[1][V_NOWHERE]);
}

static void check_nmis(void)
{
	uint64_t ap0 = nmi_got[1], bsp0 = nmi_got[0], held;
	unsigned lost = 0, holding;

	for (unsigned i = 1; i <= NMI_ROUNDS; i++) {
		lapic_ipi(1, ICR_NMI);
		lost += !wait_for(&nmi_got[1], ap0 + i);
	}
	attack_check(!lost && nmi_got[1] == ap0 + NMI_ROUNDS && nmi_got[0] == bsp0,
		     "%u NMIs to the AP asleep in HLT: it took %lu, the sender %lu", NMI_ROUNDS, nmi_got[1] - ap0,
		     nmi_got[0] - bsp0);
	lapic_ipi(0, ICR_NMI);
	wait_for(&nmi_got[0], bsp0 + 1);
	lapic_write(LAPIC_ICR_LO, ICR_DEST_ALL | ICR_NMI);
	wait_for(&nmi_got[0], bsp0 + 2);
	wait_for(&nmi_got[1], ap0 + NMI_ROUNDS + 1);
	tsc_spin(10 * ms_tsc);
	attack_check(nmi_got[0] == bsp0 + 2 && nmi_got[1] == ap0 + NMI_ROUNDS + 1,
		     "an NMI to its own APIC ID and one to all including self: the sender took %lu (want 2), "
		     "the AP %lu (want 1)", nmi_got[0] - bsp0, nmi_got[1] - ap0 - NMI_ROUNDS);

	ap0 = nmi_got[1];
	nmi_hold = 1;
	lapic_ipi(1, ICR_NMI);
	for (uint64_t t0 = rdtsc(); nmi_hold != 2 && rdtsc() - t0 < WAIT_MS * ms_tsc;)
		asm volatile("pause" ::: "memory");
	holding = nmi_hold == 2;
	lapic_ipi(1, ICR_NMI); /* both while its handler runs: one NMI waits */
	lapic_ipi(1, ICR_NMI);
	tsc_spin(20 * ms_tsc);
	held = nmi_got[1] - ap0;
	nmi_hold = 0;
	wait_for(&nmi_got[1], ap0 + 2);
	tsc_spin(20 * ms_tsc);
	attack_check(holding && held == 1 && nmi_got[1] == ap0 + 2 && !nmi_nested,
		     "NMIs blocked in the AP's NMI handler: %s, %lu taken while it ran (want 1), %lu after it "
		     "returned (want 1: the two sent meanwhile are one), %u nested",
		     holding ? "it held" : "it never held", held, nmi_got[1] - ap0 - held, nmi_nested);
}

int guest_main(const struct hvm_start_info *si)
{
	int started;

	(void)si;
	attack_begin("smp-basic");
	ms_tsc = guest_tsc_hz() / 1000;
	for (unsigned v = 32; v < 256; v++)
		guest_set_irq_handler(v, on_irq);
	guest_set_fault_handler(on_nmi);
	lapic_enable(0xff);
	attack_check(my_id() == 0 && (rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP),
		     "the boot vCPU: APIC ID %u, IA32_APIC_BASE.BSP %s", my_id(),
		     rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP ? "set" : "clear");
	started = guest_start_ap(1, ap_main);
	for (uint64_t t0 = rdtsc(); !ap_runs && rdtsc() - t0 < WAIT_MS * ms_tsc;)
		asm volatile("pause" ::: "memory");
	if (!attack_check(!started && ap_id == 1 && ap_bsp_flag == 0,
			  "INIT, SIPI at page %#x: the AP runs in long mode as APIC ID %u, BSP flag %u",
			  GUEST_AP_PAGE >> 12, ap_id, ap_bsp_flag))
		attack_end();
	check_ping_pong();
	check_shorthands();
	check_nowhere();
	check_nmis();

	ap_stop = 1;
	lapic_ipi(1, ICR_FIXED | V_TO_AP); /* wakes it to see the stop */
	tsc_spin(50 * ms_tsc);	   /* it returns and halts with interrupts off */
	started = guest_start_ap(1, ap_again);
	for (uint64_t t0 = rdtsc(); ap_runs < 101 && rdtsc() - t0 < WAIT_MS * ms_tsc;)
		asm volatile("pause" ::: "memory");
	attack_check(!started && ap_runs == 101,
		     "the AP halted with interrupts off; INIT and SIPI started it again (runs %u, want 101)",
		     ap_runs);
	attack_end();
}
