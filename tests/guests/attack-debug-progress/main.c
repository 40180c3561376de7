/* SPDX-License-Identifier: MIT */
/*
 * attack-debug-progress: debug events a guest may legitimately take in
 * great numbers, which must never stop it (the VMM intercepts #DB so that
 * no delivery can loop inside the CPU, and reflects each one):
 *   - ICEBP (INT1, 0xf1) at CPL 0 and CPL 3: one #DB trap each, RIP past
 *     the instruction, as on a CPU without a VMM;
 *   - single-stepping a one-instruction loop (LOOP to itself) STEP_LOOPS
 *     times: every trap at the same RIP, but the guest makes progress;
 *   - a hardware watchpoint (DR0, write, 8 bytes) in a hot loop: one #DB
 *     per write, WATCH_LOOPS of them. DR7 must survive every exit, so the
 *     watchpoint keeps firing (VMX: the debug controls of the VMCS).
 * PASS when every trap arrived, and the guest still runs.
 */
#include "attack.h"

#ifndef STEP_LOOPS
#define STEP_LOOPS 120000 /* more than any same-RIP storm limit */
#endif
#define WATCH_LOOPS 5000
#define RFLAGS_TF 0x100ull
#define DR7_L0 1ull
#define DR7_RW0_WRITE (1ull << 16)
#define DR7_LEN0_8 (2ull << 18)
#define DR6_B0 1ull

static volatile uint64_t watched __attribute__((aligned(8)));
static uint64_t icebp_next_rip;

static void icebp_kernel(void *arg)
{
	(void)arg;
	asm volatile("lea 1f(%%rip), %0\n\t.byte 0xf1\n1:" : "=r"(icebp_next_rip)::"memory");
}

static long icebp_user(void)
{
	asm volatile(".byte 0xf1" ::: "memory");
	return 0;
}

static void run_icebp_user(void *arg)
{
	(void)arg;
	guest_user_run(icebp_user);
}

/* #DB traps resume where they point; a #UD (a CPU without ICEBP) skips
 * the one-byte instruction. */
static long icebp_handler(const struct guest_fault *f)
{
	return f->vector == VEC_UD ? 1 : f->vector == VEC_DB ? 0 : -1;
}

static struct attack_fault icebp_try(void (*fn)(void *), unsigned *ud)
{
	uint64_t before = guest_fault_last().count;
	struct guest_fault f;

	guest_set_fault_handler(icebp_handler);
	fn(NULL);
	guest_set_fault_handler(NULL);
	f = guest_fault_last();
	*ud = f.count != before && f.vector == VEC_UD;
	if (f.count == before)
		return (struct attack_fault){ .vector = ATTACK_NO_FAULT };
	return (struct attack_fault){ .vector = (int)f.vector, .count = f.count - before, .cpl = f.cpl };
}

static void check_icebp(void)
{
	unsigned ud;
	struct attack_fault r = icebp_try(icebp_kernel, &ud);
	struct guest_fault f = guest_fault_last();

	if (ud) {
		/* QEMU 7.2's TCG decodes 0xf1 as an invalid opcode before any
		 * intercept: the CPU under test has no ICEBP to virtualize. */
		attack_note("ICEBP not tried: this CPU raises #UD for 0xf1 (no ICEBP to intercept)");
		return;
	}
	attack_check(r.count == 1 && r.vector == VEC_DB && r.cpl == 0, "ICEBP at CPL 0: %lu fault(s), last %s",
		     r.count, r.vector < 0 ? "none" : guest_fault_name((uint64_t)r.vector));
	attack_check(f.rip == icebp_next_rip, "ICEBP's #DB is a trap: rip %#lx, want %#lx", f.rip,
		     icebp_next_rip);
	r = icebp_try(run_icebp_user, &ud);
	attack_check(r.count == 1 && r.vector == VEC_DB && r.cpl == 3, "ICEBP at CPL 3: %lu fault(s), cpl %u",
		     r.count, r.cpl);
}

/* Traps: the instruction after popf sets TF (mov), STEP_LOOPS loops, then
 * pushf, andq and the popf that clears TF. */
#define STEP_TRAPS (1 + STEP_LOOPS + 3)

static long user_step_loop(void)
{
	asm volatile("pushf\n\torq %0, (%%rsp)\n\tpopf\n\t"
		     "mov %1, %%ecx\n"
		     "1:\tloop 1b\n\t"
		     "pushf\n\tandq %2, (%%rsp)\n\tpopf"
		     :
		     : "i"(RFLAGS_TF), "i"(STEP_LOOPS), "i"(~RFLAGS_TF)
		     : "rcx", "memory", "cc");
	return 0;
}

static void run_step(void *arg)
{
	(void)arg;
	guest_user_run(user_step_loop);
}

static void check_single_step(void)
{
	struct attack_fault r = attack_try(run_step, NULL, 0);

	attack_check(r.count == STEP_TRAPS && r.vector == VEC_DB, "single-step at one RIP: %lu traps, want %d",
		     r.count, STEP_TRAPS);
}

static void watch_loop(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < WATCH_LOOPS; i++)
		watched = i;
}

static void check_watchpoint(void)
{
	uint64_t dr6, dr7 = DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8, got;
	struct attack_fault r;

	asm volatile("mov %0, %%dr0" ::"r"((uint64_t)(uintptr_t)&watched));
	asm volatile("mov %0, %%dr7" ::"r"(dr7 | 0x400));
	r = attack_try(watch_loop, NULL, 0);
	asm volatile("mov %%dr7, %0" : "=r"(got));
	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	asm volatile("mov %0, %%dr7" ::"r"(0x400ull));
	attack_check(r.count == WATCH_LOOPS && r.vector == VEC_DB, "watchpoint in a hot loop: %lu traps, want %d",
		     r.count, WATCH_LOOPS);
	attack_check((got & 0xffff00ffull) == (dr7 & 0xffff00ffull), "DR7 kept across exits: %#lx", got);
	attack_check(dr6 & DR6_B0, "DR6.B0 set by the watchpoint: DR6 %#lx", dr6);
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-debug-progress");
	attack_note("ICEBP, %d single-steps at one RIP, %d watchpoint hits", STEP_LOOPS, WATCH_LOOPS);
	check_icebp();
	check_single_step();
	check_watchpoint();
	attack_end();
}
