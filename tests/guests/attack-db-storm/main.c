/* SPDX-License-Identifier: MIT */
/*
 * attack-db-storm: a single-step storm (the CVE-2015-8104 class of #DB
 * loops). It sets EFLAGS.TF at CPL 3 and runs a tight loop, one #DB trap
 * per instruction. The VMM intercepts #DB so that no delivery can loop
 * inside the CPU, and must reflect every trap: exactly one #DB per
 * instruction stepped, from CPL 3, and the guest keeps running.
 */
#include "attack.h"

#define DB_LOOPS 10000
#define RFLAGS_TF 0x100ull
/* Traps: the mov after TF goes on, two per loop pass, then pushf, andq and
 * the popf that clears TF (it began with TF set). */
#define DB_TRAPS (1 + 2 * DB_LOOPS + 3)

static long user_tf_loop(void)
{
	asm volatile("pushf\n\torq %0, (%%rsp)\n\tpopf\n\t"
		     "mov %1, %%ecx\n"
		     "1:\tdec %%ecx\n\tjnz 1b\n\t"
		     "pushf\n\tandq %2, (%%rsp)\n\tpopf"
		     :
		     : "i"(RFLAGS_TF), "i"(DB_LOOPS), "i"(~RFLAGS_TF)
		     : "rcx", "memory", "cc");
	return 0;
}

static void run_user(void *arg)
{
	(void)arg;
	guest_user_run(user_tf_loop);
}

int guest_main(const struct hvm_start_info *si)
{
	struct attack_fault r;

	(void)si;
	attack_begin("attack-db-storm");
	attack_note("single-stepping %d instructions at CPL 3", DB_TRAPS);
	r = attack_try(run_user, NULL, 0); /* traps: RIP is already past the instruction */
	attack_check(r.count == DB_TRAPS, "%lu traps, want %d", r.count, DB_TRAPS);
	attack_check(r.vector == VEC_DB && r.cpl == 3, "last fault %s from CPL %u, want #DB from CPL 3",
		     r.vector < 0 ? "none" : guest_fault_name((uint64_t)r.vector), r.cpl);
	attack_end();
}
