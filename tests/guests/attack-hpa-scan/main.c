/* SPDX-License-Identifier: MIT */
/*
 * attack-hpa-scan: looks for another guest's memory at host-physical
 * addresses. Guest memory is host RAM somewhere below 4 GiB; a VMM whose
 * nested page tables mapped host RAM at its own address would let this
 * scan find the victim ticker's text. The scan starts at 16 MiB, past this
 * guest's memory: the VMM must stop it at its first read.
 */
#include "attack.h"

#define SCAN_START 0x1000000ull	 /* 16 MiB */
#define SCAN_END 0x40000000ull	 /* 1 GiB: RAM of the test machine, below any MMIO */
#define CHUNK 0x200000ull

/* "ticker: victim, a beat every", each byte plus one, so that this
 * guest's own image does not hold the text it looks for. */
static const char marker_shifted[] = "ujdlfs;!wjdujn-!b!cfbu!fwfsz";

int guest_main(const struct hvm_start_info *si)
{
	uint8_t marker[sizeof(marker_shifted) - 1];
	long at;

	(void)si;
	attack_begin("attack-hpa-scan");
	for (size_t i = 0; i < sizeof(marker); i++)
		marker[i] = (uint8_t)(marker_shifted[i] - 1);
	attack_announce("read host-physical RAM from %#llx looking for the victim's text",
			SCAN_START);
	for (uint64_t pa = SCAN_START; pa < SCAN_END; pa += CHUNK) {
		at = attack_find((const volatile uint8_t *)(uintptr_t)pa, CHUNK + sizeof(marker) - 1,
				 marker, sizeof(marker));
		if (at >= 0)
			attack_survived("found the victim's text at %#lx", pa + (uint64_t)at);
	}
	attack_survived("read %#llx..%#llx without being stopped", SCAN_START, SCAN_END);
}
