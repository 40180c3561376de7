/* SPDX-License-Identifier: MIT */
/*
 * attack-smp-storm: a guest of two vCPUs storms its own vCPUs with IPIs
 * while the victims beat on beside it. Both vCPUs send fixed IPIs as fast
 * as they can, with interrupts on, in every way of naming a destination:
 * a physical APIC ID, logical flat and logical cluster destinations (each
 * naming the sibling, both, or nobody of this guest), and the shorthands
 * "all" and "all but self"; then physical IDs the guest lacks. Each sender
 * and way has its own vector, so the arrivals show who reached whom: each
 * must reach exactly the vCPUs it names (fixed interrupts to a vector
 * already pending merge, so counts only need to be above zero where named)
 * and nothing else. On the VMM's side every IPI to a sibling is posted and
 * its CPU kicked (vmm/virq.c): the storm costs this guest's CPUs alone,
 * and the harness checks that the victims took no interrupt and beat on.
 */
#include "apic.h"
#include "attack.h"

#define ROUNDS 1000u
#define WAIT_MS 5000u

/* The ways of naming, each with the vCPUs it reaches from sender s. */
enum way { W_PHYS, W_LOGICAL_OTHER, W_LOGICAL_BOTH, W_LOGICAL_NONE, W_OTHERS, W_ALL, W_PHYS_NONE, W_COUNT };
#define VEC(sender, way) (0x60 + (sender) * 0x10 + (way))

static const char *const way_names[W_COUNT] = { "physical ID", "logical, the sibling", "logical, both",
						"logical, nobody here", "all but self", "all",
						"physical IDs it lacks" };

static uint64_t ms_tsc;
static volatile uint64_t got[2][2][W_COUNT]; /* receiver, sender, way */
static volatile unsigned phase, ap_phase;

static unsigned my_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

static void on_irq(unsigned vector)
{
	unsigned r = my_id(), s = (vector - 0x60) / 0x10, w = (vector - 0x60) % 0x10;

	if (r < 2 && vector >= 0x60 && s < 2 && w < W_COUNT)
		__atomic_fetch_add(&got[r][s][w], 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

/* Whether way w from sender s names receiver r. */
static int names(unsigned w, unsigned s, unsigned r)
{
	return w == W_LOGICAL_BOTH || w == W_ALL || ((w == W_PHYS || w == W_LOGICAL_OTHER || w == W_OTHERS) && r != s);
}

/* Flat: one bit per vCPU (IDs 0, 1: bits 0, 1). Cluster: cluster 1,
 * member bit per vCPU. Destinations for "the sibling", "both", "nobody". */
static void set_logical(unsigned id, int flat)
{
	lapic_write(LAPIC_DFR, flat ? 0xffffffffu : 0x0fffffffu);
	lapic_write(LAPIC_LDR, (flat ? 1u << id : 0x10u | 1u << id) << 24);
}

static void storm(unsigned self, int flat)
{
	unsigned other = 1 - self;
	uint8_t sib = (uint8_t)(flat ? 1u << other : 0x10u | 1u << other), both = flat ? 0x03 : 0x13;
	uint8_t nobody = flat ? 0x0c : 0x21; /* flat bits 2, 3; cluster 2 */

	for (unsigned i = 0; i < ROUNDS; i++) {
		lapic_ipi((uint8_t)other, ICR_FIXED | VEC(self, W_PHYS));
		lapic_ipi(sib, ICR_LOGICAL | ICR_FIXED | VEC(self, W_LOGICAL_OTHER));
		lapic_ipi(both, ICR_LOGICAL | ICR_FIXED | VEC(self, W_LOGICAL_BOTH));
		lapic_ipi(nobody, ICR_LOGICAL | ICR_FIXED | VEC(self, W_LOGICAL_NONE));
		lapic_write(LAPIC_ICR_LO, ICR_DEST_OTHERS | ICR_FIXED | VEC(self, W_OTHERS));
		lapic_write(LAPIC_ICR_LO, ICR_DEST_ALL | ICR_FIXED | VEC(self, W_ALL));
		lapic_ipi((uint8_t)(2 + i % 6), ICR_FIXED | VEC(self, W_PHYS_NONE)); /* IDs 2..7 */
	}
}

/* The AP follows the boot vCPU's phases p = 1 (flat) and 2 (cluster):
 * phase p * 10 says "set up", p * 10 + 5 "go"; the AP answers p * 10 when
 * set up and p * 10 + 6 when its storm is done. */
static void ap_main(unsigned id)
{
	sti();
	for (unsigned p = 1; p <= 2; p++) {
		while (phase < p * 10)
			asm volatile("pause" ::: "memory");
		set_logical(id, p == 1);
		ap_phase = p * 10;
		while (phase < p * 10 + 5)
			asm volatile("pause" ::: "memory");
		storm(id, p == 1);
		ap_phase = p * 10 + 6;
	}
	for (;;)
		sti_hlt();
}

static void wait_ap(unsigned want)
{
	for (uint64_t t0 = rdtsc(); ap_phase != want && rdtsc() - t0 < WAIT_MS * ms_tsc;)
		asm volatile("pause" ::: "memory");
}

static void check_phase(const char *mode)
{
	for (unsigned w = 0; w < W_COUNT; w++) {
		unsigned bad = 0;

		for (unsigned s = 0; s < 2; s++)
			for (unsigned r = 0; r < 2; r++)
				bad += names(w, s, r) ? !got[r][s][w] : got[r][s][w] != 0;
		attack_check(!bad, "%s, %s: from 0 to 0/1 %lu/%lu, from 1 to 0/1 %lu/%lu", mode, way_names[w],
			     got[0][0][w], got[1][0][w], got[0][1][w], got[1][1][w]);
	}
	__builtin_memset((void *)got, 0, sizeof(got));
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-smp-storm");
	ms_tsc = guest_tsc_hz() / 1000;
	for (unsigned v = 32; v < 256; v++)
		guest_set_irq_handler(v, on_irq);
	lapic_enable(0xff);
	if (!attack_check(!guest_start_ap(1, ap_main), "the AP started"))
		attack_end();
	for (unsigned p = 1; p <= 2; p++) {
		set_logical(0, p == 1);
		phase = p * 10;
		wait_ap(p * 10);
		sti();
		phase = p * 10 + 5;
		storm(0, p == 1);
		wait_ap(p * 10 + 6);
		tsc_spin(20 * ms_tsc); /* the last ones land */
		cli();
		check_phase(p == 1 ? "flat" : "cluster");
	}
	attack_end();
}
