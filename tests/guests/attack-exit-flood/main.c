/* SPDX-License-Identifier: MIT */
/*
 * attack-exit-flood: exits to the VMM as fast as it can (CPUID, the
 * cheapest intercepted instruction) to starve the VMM or the other guests.
 * It runs two phases the harness times from the console: first it only
 * spins (no exits) for as long as the flood roughly lasts, then it floods.
 * The victims' beat rate in the two phases is the measurement; PASS here
 * means every CPUID of the flood was answered correctly.
 * After the measured phases, WBINVD in a loop: each must complete as an
 * exit the VMM answers without flushing the caches the other guests' CPUs
 * share (the harness reads the guest's `wbinvd` exit count).
 */
#include "attack.h"

#ifndef FLOOD_SPIN_LOOPS
#define FLOOD_SPIN_LOOPS 8000000000ull /* about 10 s beside two victims under TCG */
#endif
#ifndef FLOOD_EXITS
#define FLOOD_EXITS 400000ull /* about 10 s under TCG */
#endif
#define FLOOD_WBINVD 10000ull
#define HV_BASE 0x40000000u
#define SIG_EBX 0x69676956u /* "Vigi" */

int guest_main(const struct hvm_start_info *si)
{
	uint64_t wrong = 0;

	(void)si;
	attack_begin("attack-exit-flood");
	attack_note("phase spin: %llu loops, no exits", FLOOD_SPIN_LOOPS);
	delay_spin(FLOOD_SPIN_LOOPS);
	attack_note("phase flood: %llu CPUID exits", FLOOD_EXITS);
	for (uint64_t i = 0; i < FLOOD_EXITS; i++)
		wrong += cpuid(HV_BASE).ebx != SIG_EBX;
	attack_note("phase end");
	attack_check(!wrong, "%llu CPUIDs answered, %lu wrong", FLOOD_EXITS, wrong);
	for (uint64_t i = 0; i < FLOOD_WBINVD; i++)
		asm volatile("wbinvd" ::: "memory");
	attack_check(1, "%llu WBINVD completed", FLOOD_WBINVD);
	attack_end();
}
