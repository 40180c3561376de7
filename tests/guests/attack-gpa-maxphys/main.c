/* SPDX-License-Identifier: MIT */
/*
 * attack-gpa-maxphys: reads the last 8 bytes below the CPU's maximum
 * physical address (CPUID 0x80000008 EAX[7:0]), the last entry of the last
 * nested page table. The VMM must stop the guest.
 */
#include "attack.h"

int guest_main(const struct hvm_start_info *si)
{
	unsigned bits;

	(void)si;
	attack_begin("attack-gpa-maxphys");
	bits = cpuid(0x80000008u).eax & 0xff;
	attack_note("physical address bits: %u", bits);
	if (bits < 36 || bits > 52) {
		verdict(VERDICT_ERROR, "attack-gpa-maxphys: implausible MAXPHYADDR %u", bits);
		hc_exit(2);
	}
	attack_stop_read((1ull << bits) - 8, "the top of the physical address space");
}
