/* SPDX-License-Identifier: MIT */
/*
 * attack-vmm-read: looks for the VMM's image in host RAM. The stub loads
 * it at a 2 MiB aligned base below 4 GiB; firmware allocates from the top
 * of low memory, so the scan walks 2 MiB steps down from 1 GiB looking for
 * the VMM's boot banner. Any read outside this guest's memory must stop it.
 */
#include "attack.h"

#define SCAN_TOP 0x40000000ull /* 1 GiB: the top of the test machine's RAM */
#define SCAN_BOTTOM 0x1000000ull
#define CHUNK 0x200000ull

/* "Vigil %s starting", each byte plus one (see attack-hpa-scan). */
static const char banner_shifted[] = "Wjhjm!&t!tubsujoh";

int guest_main(const struct hvm_start_info *si)
{
	uint8_t banner[sizeof(banner_shifted) - 1];
	long at;

	(void)si;
	attack_begin("attack-vmm-read");
	for (size_t i = 0; i < sizeof(banner); i++)
		banner[i] = (uint8_t)(banner_shifted[i] - 1);
	attack_announce("read host RAM down from %#llx looking for the VMM's image",
			SCAN_TOP - CHUNK);
	for (uint64_t pa = SCAN_TOP - CHUNK; pa >= SCAN_BOTTOM; pa -= CHUNK) {
		at = attack_find((const volatile uint8_t *)(uintptr_t)pa, CHUNK, banner,
				 sizeof(banner));
		if (at >= 0)
			attack_survived("found the VMM's banner at %#lx", pa + (uint64_t)at);
	}
	attack_survived("read %#llx..%#llx without being stopped", SCAN_BOTTOM, SCAN_TOP);
}
