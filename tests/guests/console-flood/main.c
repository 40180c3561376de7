/* SPDX-License-Identifier: MIT */
/*
 * console-flood: writes console lines as fast as it can, one byte per
 * exit (no LSR polling), far faster than a console can carry them, so that
 * its console ring in the VMM fills (docs/vmm.md, "The guests' console").
 * Each line is "flood <n> xxx...", FLOOD_LINE_LEN bytes, numbered from 0: a
 * harness can check that every line that reached the console is whole and
 * in order, and count the missing ones against the inventory's
 * console-dropped. Then it waits for the ring to drain and writes its
 * verdict without a newline, a partial line that the VMM must print (when
 * the guest stops) before its "stopped" line. PASS only says it wrote
 * everything.
 */
#include "guest.h"

#define UART_THR 0x3f8
#define FLOOD_LINES 3000
#define FLOOD_LINE_LEN 100 /* bytes, the newline included */
#define DRAIN_SPIN_LOOPS 4000000000ull /* a few seconds under TCG */

static void raw_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		outb(UART_THR, (uint8_t)s[i]);
}

int guest_main(const struct hvm_start_info *si)
{
	char line[FLOOD_LINE_LEN];

	(void)si;
	if (!guest_under_vigil()) {
		verdict(VERDICT_SKIP, "console-flood: not under Vigil");
		return 0;
	}
	printf("console-flood: %u lines of %u bytes\n", FLOOD_LINES, FLOOD_LINE_LEN);
	for (unsigned n = 0; n < FLOOD_LINES; n++) {
		int k = snprintf(line, sizeof(line), "flood %06u ", n);

		for (int i = k; i < FLOOD_LINE_LEN - 1; i++)
			line[i] = 'x';
		line[FLOOD_LINE_LEN - 1] = '\n';
		raw_write(line, sizeof(line));
	}
	delay_spin(DRAIN_SPIN_LOOPS); /* then the ring has room: no line below is dropped */
	printf("console-flood: flood done\n");
	raw_write("verdict: PASS console-flood", 27);
	hc_exit(0);
}
