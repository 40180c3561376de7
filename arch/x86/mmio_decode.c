/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "arch/x86/mmio_decode.h"

#define REX_W 0x8
#define REX_R 0x4

/* The bytes being decoded; pos is the next byte's index. */
struct mmio_cursor {
	const uint8_t *bytes;
	size_t avail, pos;
};

/*
 * Claim the next n bytes. The 15-byte limit is checked before avail, so an
 * over-long instruction is -EINVAL however many bytes the caller read; a
 * field cut short by avail is -EFAULT (read more and retry).
 */
static int mmio_claim(struct mmio_cursor *c, size_t n)
{
	if (c->pos + n > MMIO_INSN_MAX)
		return -EINVAL;
	if (c->pos + n > c->avail)
		return -EFAULT;
	c->pos += n;
	return 0;
}

static int mmio_take(struct mmio_cursor *c, uint8_t *out)
{
	int err = mmio_claim(c, 1);

	if (!err)
		*out = c->bytes[c->pos - 1];
	return err;
}

/* An n-byte little-endian field (immediate). */
static int mmio_take_le(struct mmio_cursor *c, unsigned n, uint64_t *out)
{
	int err = mmio_claim(c, n);

	if (err)
		return err;
	*out = 0;
	for (unsigned i = 0; i < n; i++)
		*out |= (uint64_t)c->bytes[c->pos - n + i] << (8 * i);
	return 0;
}

struct mmio_prefixes {
	bool opsize; /* 66 */
	bool addrsize; /* 67 */
	uint8_t rex; /* 0: none */
};

/*
 * Consume the prefixes and return the opcode byte in *opc. Segment
 * overrides are accepted and ignored: the exit gives the physical address.
 * A REX must come last, so the byte after it is the opcode; a REX followed
 * by a prefix (which the CPU would ignore) is refused rather than modelled.
 */
static int mmio_prefixes(struct mmio_cursor *c, bool long64, struct mmio_prefixes *p,
			 uint8_t *opc)
{
	for (;;) {
		int err = mmio_take(c, opc);

		if (err)
			return err;
		switch (*opc) {
		case 0x66: p->opsize = true; continue;
		case 0x67: p->addrsize = true; continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: continue;
		case 0xf0: case 0xf2: case 0xf3: return -EINVAL; /* LOCK, REP: never MMIO MOVs */
		default: break;
		}
		if (!long64 || (*opc & 0xf0) != 0x40)
			return 0;
		p->rex = *opc;
		err = mmio_take(c, opc);
		if (err)
			return err;
		switch (*opc) {
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
			return -EINVAL;
		default:
			return (*opc & 0xf0) == 0x40 ? -EINVAL : 0;
		}
	}
}

/*
 * After the ModRM byte: the SIB byte and displacement, whose lengths depend
 * on the address size. 16-bit addressing has no SIB; mod 0 with r/m 110 is
 * a bare disp16. In 32/64-bit addressing r/m 100 brings a SIB, and mod 0
 * with r/m 101 (RIP-relative in 64-bit code) or SIB base 101 a disp32.
 * REX.B and REX.X never change these lengths.
 */
static int mmio_skip_address(struct mmio_cursor *c, uint8_t modrm, bool addr16)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;
	uint8_t sib = 0;
	int err;

	if (addr16) {
		if (mod == 0)
			return mmio_claim(c, rm == 6 ? 2 : 0);
		return mmio_claim(c, mod == 1 ? 1 : 2);
	}
	if (rm == 4) {
		err = mmio_take(c, &sib);
		if (err)
			return err;
	}
	if (mod == 0)
		return mmio_claim(c, rm == 5 || (rm == 4 && (sib & 7) == 5) ? 4 : 0);
	return mmio_claim(c, mod == 1 ? 1 : 4);
}

/* What the opcode means: fills size, reg_size, write, has_imm, zero_ext. */
static int mmio_opcode(struct mmio_cursor *c, uint8_t opc, unsigned osz, struct mmio_op *op)
{
	uint8_t opc2;
	int err;

	op->size = op->reg_size = (uint8_t)osz;
	switch (opc) {
	case 0x88: op->size = op->reg_size = 1; /* fall through */
	case 0x89: op->write = true; return 0;
	case 0x8a: op->size = op->reg_size = 1; /* fall through */
	case 0x8b: return 0;
	case 0xc6: op->size = op->reg_size = 1; /* fall through */
	case 0xc7: op->write = op->has_imm = true; return 0;
	case 0x0f: break;
	default: return -EINVAL;
	}
	err = mmio_take(c, &opc2);
	if (err)
		return err;
	if (opc2 != 0xb6 && opc2 != 0xb7)
		return -EINVAL;
	op->size = opc2 == 0xb6 ? 1 : 2;
	op->zero_ext = true;
	return 0;
}

/* The immediate of C6/C7: imm8, imm16 or imm32 (sign-extended for 64). */
static int mmio_immediate(struct mmio_cursor *c, struct mmio_op *op)
{
	unsigned n = op->size > 4 ? 4 : op->size;
	int err = mmio_take_le(c, n, &op->imm);

	if (!err && op->size == 8)
		op->imm = (uint64_t)(int64_t)(int32_t)(uint32_t)op->imm;
	return err;
}

/* Operand size of the non-byte forms: REX.W, else the default flipped by 66. */
static unsigned mmio_operand_size(const struct mmio_prefixes *p, bool default32)
{
	if (p->rex & REX_W)
		return 8;
	return default32 != p->opsize ? 4 : 2;
}

int mmio_decode(const uint8_t *bytes, size_t avail, bool long64, bool opsize32,
		struct mmio_op *op)
{
	struct mmio_cursor c = { bytes, avail, 0 };
	struct mmio_prefixes p = { false, false, 0 };
	bool default32 = long64 || opsize32;
	uint8_t opc, modrm;
	unsigned reg;
	int err;

	*op = (struct mmio_op){ 0 };
	err = mmio_prefixes(&c, long64, &p, &opc);
	if (!err)
		err = mmio_opcode(&c, opc, mmio_operand_size(&p, default32), op);
	if (!err)
		err = mmio_take(&c, &modrm);
	if (err)
		return err;
	reg = (modrm >> 3) & 7;
	if ((modrm >> 6) == 3 || (op->has_imm && reg != 0))
		return -EINVAL; /* a register operand; C6/C7 other than /0 */
	/* 16-bit addressing only outside 64-bit code, when 67 and CS.D agree. */
	err = mmio_skip_address(&c, modrm, !long64 && p.addrsize == default32);
	if (!err && op->has_imm)
		err = mmio_immediate(&c, op);
	if (err)
		return err;
	op->reg = (uint8_t)(reg | (p.rex & REX_R ? 8 : 0));
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (op->reg_size == 1 && !op->has_imm && !p.rex && reg >= 4) {
		op->high8 = true;
		op->reg = (uint8_t)(reg - 4);
	}
	op->len = (uint8_t)c.pos;
	return 0;
}

static uint64_t mmio_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t mmio_store_value(const struct mmio_op *op, uint64_t gpr)
{
	if (op->has_imm)
		return op->imm & mmio_mask(op->size);
	return (op->high8 ? gpr >> 8 : gpr) & mmio_mask(op->size);
}

uint64_t mmio_reg_merge(uint64_t old, uint64_t val, const struct mmio_op *op)
{
	uint64_t v = val & mmio_mask(op->size); /* MOVZX's zero-extension too */

	switch (op->reg_size) {
	case 1:
		if (op->high8)
			return (old & ~0xff00ull) | (v << 8);
		return (old & ~0xffull) | v;
	case 2:
		return (old & ~0xffffull) | v;
	default:
		return v; /* 32-bit writes clear bits 32-63; 64-bit replace all */
	}
}
