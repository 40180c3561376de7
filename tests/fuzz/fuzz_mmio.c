// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the MMIO instruction decoder (arch/x86/mmio_decode.c).
 *
 * The first input byte picks the mode (64-bit, 32-bit or 16-bit code);
 * the rest are the bytes at the guest's RIP, copied into a buffer of
 * exactly that size so ASan sees any read past avail. Checked: only 0,
 * -EINVAL and -EFAULT come back; an accepted instruction is 1..15 bytes,
 * within avail, with consistent fields; every shorter prefix of the bytes
 * gives -EFAULT (accepted) or a refusal/-EFAULT (refused), every longer one
 * the same answer, and a refusal stays one as bytes are added; a register
 * merge keeps the bits x86 keeps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/mmio_decode.h"

struct fuzz_mode {
	bool long64, opsize32;
};

static int fuzz_decode(const uint8_t *data, size_t n, struct fuzz_mode m, struct mmio_op *op)
{
	uint8_t *buf = malloc(n ? n : 1);
	int ret;

	if (n)
		memcpy(buf, data, n);
	ret = mmio_decode(buf, n, m.long64, m.opsize32, op);
	free(buf);
	if (ret != 0 && ret != -EINVAL && ret != -EFAULT)
		abort();
	return ret;
}

static bool fuzz_width_ok(unsigned w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

static void fuzz_check_op(const struct mmio_op *op, size_t avail)
{
	uint64_t mask = op->size == 8 ? ~0ull : (1ull << (8 * op->size)) - 1;

	if (!op->len || op->len > MMIO_INSN_MAX || op->len > avail)
		abort();
	if (!fuzz_width_ok(op->size) || !fuzz_width_ok(op->reg_size) || op->reg_size < op->size)
		abort();
	if (op->reg > 15 || (op->high8 && (op->reg > 3 || op->reg_size != 1 || op->has_imm)))
		abort();
	if (op->has_imm && (!op->write || op->zero_ext))
		abort();
	/* MOVZX widens (or, 0F B7 with a 16-bit operand, keeps) the width. */
	if ((!op->zero_ext && op->reg_size != op->size) || (op->zero_ext && op->write))
		abort();
	if (op->has_imm ? (op->imm & ~mask) && op->size != 8 : op->imm != 0)
		abort();
}

/* The merge changes only what the destination's width covers. */
static void fuzz_check_merge(const struct mmio_op *op, uint64_t old, uint64_t val)
{
	uint64_t r = mmio_reg_merge(old, val, op);
	uint64_t v = op->size == 8 ? val : val & ((1ull << (8 * op->size)) - 1);

	switch (op->reg_size) {
	case 1:
		if (op->high8 ? r != ((old & ~0xff00ull) | v << 8) : r != ((old & ~0xffull) | v))
			abort();
		break;
	case 2:
		if (r != ((old & ~0xffffull) | v))
			abort();
		break;
	default:
		if (r != v || (op->reg_size == 4 && r >> 32))
			abort();
	}
}

static bool fuzz_same(const struct mmio_op *a, const struct mmio_op *b)
{
	return a->len == b->len && a->size == b->size && a->reg_size == b->reg_size &&
	       a->write == b->write && a->has_imm == b->has_imm && a->zero_ext == b->zero_ext &&
	       a->high8 == b->high8 && a->reg == b->reg && a->imm == b->imm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fuzz_mode modes[4] = {
		{ true, true }, { false, true }, { false, false }, { true, false },
	};
	struct mmio_op full, op;
	struct fuzz_mode m;
	bool refused = false;
	int ret;

	if (!size)
		return 0;
	m = modes[data[0] & 3];
	data++;
	size--;
	ret = fuzz_decode(data, size, m, &full);
	if (ret == -EFAULT && size >= MMIO_INSN_MAX)
		abort(); /* 15 bytes always decide */
	if (ret == 0) {
		fuzz_check_op(&full, size);
		fuzz_check_merge(&full, 0x0123456789abcdefull ^ size, 0xfedcba9876543210ull);
	}
	/* Shorter and longer prefixes of the same bytes agree with the full
	 * answer, and a refusal, once reached, stays. */
	for (size_t k = 0; k <= size && k <= MMIO_INSN_MAX + 1; k++) {
		int r = fuzz_decode(data, k, m, &op);

		if (ret == 0 && k < full.len && r != -EFAULT)
			abort();
		if (ret == 0 && k >= full.len && (r != 0 || !fuzz_same(&op, &full)))
			abort();
		if (ret != 0 && (r == 0 || (ret == -EFAULT && r != -EFAULT)))
			abort();
		if (refused && r != -EINVAL)
			abort();
		refused = r == -EINVAL;
	}
	return 0;
}
