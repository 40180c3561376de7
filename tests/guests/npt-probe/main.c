/* SPDX-License-Identifier: MIT */
/*
 * npt-probe: reads guest-physical memory outside its declared region
 * (0x40000000, 1 GiB; the default region is 0..4 MiB). The address is in
 * the guest's own identity map, so only the VMM's nested page tables can
 * stop the read. The guest cannot report its own stop, so the pass
 * condition is the VMM's line "vigil: guest npt-probe stopped: NPT
 * violation ..." after "npt-probe: touching 0x40000000"; any verdict from
 * the guest after that line means the read returned: a failure.
 *
 * Before that it reports whether it started from the CPU's reset state
 * (state.c): the channel tier restarts it and expects "clean" again.
 */
#include "guest.h"
#include "state.h"

#define NPT_PROBE_ADDR 0x40000000ull

int guest_main(const struct hvm_start_info *si)
{
	uint64_t val;

	(void)si;
	state_check_and_dirty("npt-probe");
	printf("npt-probe: touching %#llx\n", NPT_PROBE_ADDR);
	val = read64(NPT_PROBE_ADDR);
	if (!guest_under_vigil()) {
		verdict(VERDICT_SKIP, "npt-probe: not under Vigil (read %#llx gave %#lx)",
			NPT_PROBE_ADDR, val);
		hc_exit(0);
	}
	verdict(VERDICT_FAIL, "npt-probe read outside its memory (%#llx gave %#lx)",
		NPT_PROBE_ADDR, val);
	hc_exit(1);
}
