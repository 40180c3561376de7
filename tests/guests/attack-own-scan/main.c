/* SPDX-License-Identifier: MIT */
/*
 * attack-own-scan: reads every byte it can reach without a fault (its whole
 * guest-physical memory, start info page included) looking for what must
 * never be there: another guest's text (the victim ticker's) or the VMM's
 * (its boot banner), left behind by a VMM that hands out memory without
 * scrubbing it or maps a stray page. PASS when neither is found.
 */
#include "attack.h"

/* Each byte plus one, so that this guest's image does not hold the texts. */
static const char victim_shifted[] = "ujdlfs;!wjdujn-!b!cfbu!fwfsz"; /* "ticker: victim, a beat every" */
static const char vmm_shifted[] = "Wjhjm!&t!tubsujoh";		     /* "Vigil %s starting" */

static uint8_t needle[64];

static size_t unshift(const char *s)
{
	size_t n = 0;

	for (; s[n] && n < sizeof(needle); n++)
		needle[n] = (uint8_t)(s[n] - 1);
	return n;
}

/* Search [0, top) but never report the needle buffer itself. */
static void scan_for(const char *shifted, uint64_t top, const char *what)
{
	size_t n = unshift(shifted);
	const uint64_t self = (uint64_t)(uintptr_t)needle;
	uint64_t from = 0, found = ~0ull;
	long at;

	while (from < top) {
		at = attack_find((const volatile uint8_t *)(uintptr_t)from, top - from, needle, n);
		if (at < 0)
			break;
		if (from + (uint64_t)at != self) {
			found = from + (uint64_t)at;
			break;
		}
		from += (uint64_t)at + 1;
	}
	if (found != ~0ull)
		attack_check(0, "%s found at gpa %#lx", what, found);
	else
		attack_check(1, "no %s in [0, %#lx)", what, top);
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t top = attack_mem_top(si);

	attack_begin("attack-own-scan");
	if (!attack_check(top >= 0x200000, "memory map top %#lx", top))
		attack_end();
	scan_for(victim_shifted, top, "victim's text");
	scan_for(vmm_shifted, top, "VMM banner");
	attack_end();
}
