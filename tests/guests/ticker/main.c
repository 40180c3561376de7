/* SPDX-License-Identifier: MIT */
/*
 * ticker: a victim. It prints "beat <n>" forever, a few per second under
 * QEMU TCG, so a harness can see it keep running while another guest
 * attacks. It never exits and prints no verdict. The pace is a busy loop:
 * tune TICKER_SPIN_LOOPS (make TICKER_SPIN=...) rather than adding a timer.
 *
 * It runs as a guest with interrupts does: its local APIC enabled, a
 * handler on every vector and RFLAGS.IF set. It asks for no interrupt
 * (no timer, no I/O APIC pin, no IPI), so every one it takes is a stray
 * that another guest's IPI or I/O APIC entry must never cause. Each is
 * counted and acknowledged; a beat after one reports them:
 *   stray interrupts: <total>, last vector <v>
 * and the attack harness (tests/attacks/run.py) fails any boot where a
 * victim printed that line. An NMI, which no handler here takes, ends the
 * guest with an ERROR verdict: the victim then stops beating.
 */
#include "guest.h"
#include "apic.h"

#ifndef TICKER_SPIN_LOOPS
#define TICKER_SPIN_LOOPS 300000000ull
#endif

#define TICKER_SPURIOUS_VECTOR 0xff
#define TICKER_USER_GATE 0x80 /* the library's own gate (guest.h) */

static volatile uint64_t ticker_strays;
static volatile unsigned ticker_last_stray;

static void ticker_stray(unsigned vector)
{
	ticker_strays++;
	ticker_last_stray = vector;
	if (vector != TICKER_SPURIOUS_VECTOR) /* a spurious interrupt sets no ISR bit */
		lapic_eoi();
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t reported = 0;

	(void)si;
	for (unsigned v = 32; v < 256; v++)
		if (v != TICKER_USER_GATE)
			guest_set_irq_handler(v, ticker_stray);
	lapic_enable(TICKER_SPURIOUS_VECTOR);
	sti();
	printf("ticker: victim, a beat every %llu spins, interrupts on\n",
	       (unsigned long long)TICKER_SPIN_LOOPS);
	for (uint64_t n = 0;; n++) {
		uint64_t strays = ticker_strays;

		printf("beat %lu\n", n);
		if (strays != reported) {
			printf("stray interrupts: %lu, last vector %#x\n", strays, ticker_last_stray);
			reported = strays;
		}
		delay_spin(TICKER_SPIN_LOOPS);
	}
}
