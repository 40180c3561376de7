// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the length decoder of the intercepted instructions
 * (arch/x86/insn.c), which skips them when the CPU gives no next RIP.
 *
 * Input byte 0, bit 0, picks 64-bit code (REX prefixes); the rest are the
 * bytes at the guest's RIP, in a buffer of exactly that size so ASan sees
 * any read past avail. Checked: the answer is -EINVAL or a length 1..15
 * within avail with a kind; every shorter prefix of the bytes is refused
 * and every longer one gives the same length and kind (the decoder never
 * looks past the instruction); and the one-compare fast path
 * (insn_is_plain) agrees with the decoder wherever it matches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/insn.h"

static int fuzz_decode(const uint8_t *data, size_t n, bool long64, enum insn_kind *kind)
{
	uint8_t *buf = malloc(n ? n : 1);
	int ret;

	if (n)
		memcpy(buf, data, n);
	ret = insn_decode(buf, n, long64, kind);
	free(buf);
	if (ret != -EINVAL && (ret < 1 || ret > INSN_MAX_LEN || (size_t)ret > n))
		abort();
	if (ret > 0 && *kind == INSN_OTHER)
		abort();
	return ret;
}

/* Where the plain encoding matches, the decoder must say the same. */
static void fuzz_check_plain(const uint8_t *data, size_t size, bool long64)
{
	static const struct {
		struct insn_plain p;
		enum insn_kind kind;
	} plains[] = {
		{ INSN_PLAIN_CPUID, INSN_CPUID }, { INSN_PLAIN_RDMSR, INSN_RDMSR },
		{ INSN_PLAIN_WRMSR, INSN_WRMSR }, { INSN_PLAIN_VMMCALL, INSN_VMMCALL },
		{ INSN_PLAIN_HLT, INSN_HLT },	  { INSN_PLAIN_ICEBP, INSN_ICEBP },
	};
	enum insn_kind kind;

	if (size < INSN_PLAIN_READ)
		return;
	for (size_t i = 0; i < sizeof(plains) / sizeof(plains[0]); i++) {
		if (!insn_is_plain(data, plains[i].p))
			continue;
		if (fuzz_decode(data, size, long64, &kind) != (int)plains[i].p.len ||
		    kind != plains[i].kind)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum insn_kind full_kind, kind;
	bool long64;
	int full;

	if (!size)
		return 0;
	long64 = data[0] & 1;
	data++;
	size--;
	full = fuzz_decode(data, size, long64, &full_kind);
	for (size_t k = 0; k <= size && k <= INSN_MAX_LEN + 1; k++) {
		int r = fuzz_decode(data, k, long64, &kind);

		if (full > 0 && (size_t)full > k && r != -EINVAL)
			abort(); /* the instruction is not all there yet */
		if (full > 0 && (size_t)full <= k && (r != full || kind != full_kind))
			abort();
		if (full == -EINVAL && r != -EINVAL)
			abort(); /* fewer bytes cannot make an instruction */
	}
	fuzz_check_plain(data, size, long64);
	return 0;
}
