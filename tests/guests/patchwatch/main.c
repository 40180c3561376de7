/* SPDX-License-Identifier: MIT */
/*
 * patchwatch: watches the running VMM's version code (HC_VMM_VERSION), the
 * value a live patch of vmm_version_code() changes. It prints
 * "beat <n> vmm <code>" forever, so a harness sees the value move without a
 * reboot and sees that the guest never stopped. Not under Vigil: SKIP.
 */
#include "guest.h"

#ifndef TICKER_SPIN_LOOPS
#define TICKER_SPIN_LOOPS 300000000ull
#endif

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	if (hc_version() < 0) {
		verdict(VERDICT_SKIP, "patchwatch: not under Vigil");
		return 0;
	}
	for (uint64_t n = 0;; n++) {
		printf("beat %lu vmm 0x%06lx\n", n, (unsigned long)hc_call(HC_VMM_VERSION, 0, 0, 0));
		delay_spin(TICKER_SPIN_LOOPS);
	}
}
