/* SPDX-License-Identifier: MIT */
/*
 * attack-hc-args: hypercalls whose argument registers are shaped like the
 * classic bad buffers: guest addresses past its memory, lengths that wrap
 * the address space, ranges across its top, and addresses inside the VMM
 * (its image and its physmap, docs/vmm.md). Only HC_VERSION, HC_EXIT and
 * HC_VMM_VERSION exist, and none of them takes a buffer: every other
 * number must return -HC_ENOSYS whatever the arguments and touch nothing
 * (a canary page and the start info stay intact); HC_VERSION ignores its
 * arguments. So this checks that arguments are ignored, no more: with no
 * buffer to check, there is no bounds check here that it could catch. A
 * hypercall that takes a buffer brings its own cases (-HC_EFAULT).
 */
#include "attack.h"

#define VMM_IMAGE 0xffffffff80000000ull
#define VMM_PHYSMAP 0xffff888000000000ull
#define CALL_NUMBERS 32

static uint8_t canary[4096] __attribute__((aligned(4096)));
static uint8_t start_info_copy[4096];

struct bad_args {
	uint64_t a0, a1, a2;
	const char *what;
};

static int pages_intact(const struct hvm_start_info *si)
{
	const uint8_t *sp = (const uint8_t *)((uintptr_t)si & ~0xfffull);

	for (size_t i = 0; i < sizeof(canary); i++)
		if (canary[i] != 0x5a || sp[i] != start_info_copy[i])
			return 0;
	return 1;
}

int guest_main(const struct hvm_start_info *si)
{
	const uint64_t top = attack_mem_top(si), buf = (uint64_t)(uintptr_t)canary;
	const struct bad_args bad[] = {
		{ buf, ~0ull, 0, "arguments like a buffer with a length that wraps" },
		{ top - 8, 16, 0, "arguments like a buffer across the top of memory" },
		{ top, 4096, buf, "arguments like a buffer just past the top" },
		{ 0xfffffffffffff000ull, 0x2000, 0, "arguments like a buffer wrapping past 2^64" },
		{ VMM_IMAGE, 4096, buf, "VMM image address" },
		{ VMM_PHYSMAP, 1ull << 30, buf, "VMM physmap address" },
		{ 0, ~0ull, ~0ull, "whole address space" },
	};
	const uint8_t *sp = (const uint8_t *)((uintptr_t)si & ~0xfffull);
	unsigned wrong = 0;
	int kept;
	long ret;

	attack_begin("attack-hc-args");
	for (size_t i = 0; i < sizeof(canary); i++) {
		canary[i] = 0x5a;
		start_info_copy[i] = sp[i];
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = attack_hypercall(HC_VERSION, bad[i].a0, bad[i].a1, bad[i].a2, &kept);
		attack_check(ret == HC_ABI_VERSION && kept, "HC_VERSION with %s: %ld", bad[i].what, ret);
		wrong = 0;
		for (uint64_t nr = HC_COUNT; nr < CALL_NUMBERS; nr++) {
			ret = attack_hypercall(nr, bad[i].a0, bad[i].a1, bad[i].a2, &kept);
			wrong += ret != -HC_ENOSYS || !kept;
		}
		attack_check(!wrong, "numbers %u..%u with %s: -ENOSYS, registers kept (%u wrong)",
			     HC_COUNT, CALL_NUMBERS - 1, bad[i].what, wrong);
	}
	attack_check(pages_intact(si), "canary page and start info unchanged");
	attack_end();
}
