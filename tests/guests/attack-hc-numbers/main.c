/* SPDX-License-Identifier: MIT */
/*
 * attack-hc-numbers: hypercalls with numbers past the table, negative, and
 * with high bits set over a valid number (a VMM that truncated RAX to 32
 * bits would run HC_EXIT for 0x100000001). Each must return -HC_ENOSYS,
 * act on nothing (this guest keeps running) and keep every register but RAX.
 */
#include "attack.h"

static const uint64_t bad_numbers[] = {
	HC_COUNT, HC_COUNT + 1, 0xff, 0x7fffffff, 0x80000000, 0xffffffff,
	0x100000000ull, 0x100000001ull, 0xffffffff00000001ull, 0x8000000000000001ull,
	~0ull,
};

int guest_main(const struct hvm_start_info *si)
{
	int kept;
	long ret;

	(void)si;
	attack_begin("attack-hc-numbers");
	for (size_t i = 0; i < sizeof(bad_numbers) / sizeof(bad_numbers[0]); i++) {
		ret = attack_hypercall(bad_numbers[i], 1, 2, 3, &kept);
		attack_check(ret == -HC_ENOSYS && kept, "hypercall %#lx: %ld, registers %s",
			     bad_numbers[i], ret, kept ? "kept" : "CHANGED");
	}
	ret = attack_hypercall(HC_VERSION, ~0ull, ~0ull, ~0ull, &kept);
	attack_check(ret == HC_ABI_VERSION && kept, "HC_VERSION still answers %ld", ret);
	attack_end();
}
