/* SPDX-License-Identifier: MIT */
/*
 * attack-ac-storm: an alignment-check storm (the CVE-2015-5307 class). With
 * CR0.AM and EFLAGS.AC set it runs misaligned loads at CPL 3 in a loop, one
 * #AC each. The VMM intercepts #AC so that no delivery can loop inside the
 * CPU, and must reflect every one: exactly one #AC (error code 0, from
 * CPL 3) per load, and the guest and everyone else keep running.
 */
#include "attack.h"

#define AC_LOOPS 20000
#define CR0_AM (1ull << 18)
#define RFLAGS_AC 0x40000ull

static uint8_t misaligned[64] __attribute__((aligned(64)));

static long user_ac_loop(void)
{
	const uint64_t p = (uint64_t)(uintptr_t)(misaligned + 1);

	asm volatile("pushf\n\torq %0, (%%rsp)\n\tpopf" ::"i"(RFLAGS_AC) : "memory", "cc");
	for (int i = 0; i < AC_LOOPS; i++)
		(void)read64(p);
	asm volatile("pushf\n\tandq %0, (%%rsp)\n\tpopf" ::"i"(~RFLAGS_AC) : "memory", "cc");
	return 0;
}

static void run_user(void *arg)
{
	(void)arg;
	guest_user_run(user_ac_loop);
}

static void cr0_update(uint64_t set, uint64_t clear)
{
	uint64_t cr0;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %0, %%cr0" ::"r"((cr0 | set) & ~clear) : "memory");
}

static int cr0_am_set(void)
{
	uint64_t cr0;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	return !!(cr0 & CR0_AM);
}

int guest_main(const struct hvm_start_info *si)
{
	struct attack_fault r;

	(void)si;
	attack_begin("attack-ac-storm");
	cr0_update(CR0_AM, 0);
	attack_note("%d misaligned loads at CPL 3 with AC on", AC_LOOPS);
	r = attack_try(run_user, NULL, READ64_LEN);
	if (r.vector == ATTACK_NO_FAULT && cr0_am_set()) {
		verdict(VERDICT_SKIP, "attack-ac-storm: this CPU raised no #AC (no alignment checking)");
		hc_exit(0);
	}
	cr0_update(0, CR0_AM);
	attack_check(r.count == AC_LOOPS, "%lu faults, want %d", r.count, AC_LOOPS);
	attack_check(r.vector == VEC_AC && r.error_code == 0 && r.cpl == 3,
		     "last fault %s error %#lx from CPL %u, want #AC 0 from CPL 3",
		     r.vector < 0 ? "none" : guest_fault_name((uint64_t)r.vector), r.error_code, r.cpl);
	attack_end();
}
