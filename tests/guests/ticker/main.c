/* SPDX-License-Identifier: MIT */
/*
 * ticker: a victim. It prints "beat <n>" forever, a few per second under
 * QEMU TCG, so a harness can see it keep running while another guest
 * attacks. It never exits and prints no verdict. The pace is a busy loop:
 * tune TICKER_SPIN_LOOPS (make TICKER_SPIN=...) rather than adding a timer.
 */
#include "guest.h"

#ifndef TICKER_SPIN_LOOPS
#define TICKER_SPIN_LOOPS 300000000ull
#endif

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	printf("ticker: victim, a beat every %llu spins\n", (unsigned long long)TICKER_SPIN_LOOPS);
	for (uint64_t n = 0;; n++) {
		printf("beat %lu\n", n);
		delay_spin(TICKER_SPIN_LOOPS);
	}
}
