// SPDX-License-Identifier: MIT
/*
 * Unit tests of arch/x86/mmio_decode.c, the decoder of the MOVs a guest
 * uses on emulated MMIO. A wrong length resumes the guest mid-instruction
 * and a wrong register or width corrupts its state, so every accepted case
 * checks every field. The byte strings are what GNU as assembles for the
 * AT&T text in each comment (in .code64, .code32 or .code16), checked
 * against objdump's lengths when the table was written.
 *
 * Every case is decoded from a buffer of exactly the offered size (ASan
 * sees a read past it), truncated at every shorter length (-EFAULT for an
 * accepted instruction, never success for a refused one), and with
 * trailing bytes after it (the same answer).
 */
#define CHECK_SUITE "mmio_decode"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "arch/x86/mmio_decode.h"

enum { M64, M32, M16 };

#define W 1u   /* write */
#define I 2u   /* immediate */
#define Z 4u   /* zero-extending load */
#define H 8u   /* high byte register */

struct dec_case {
	const char *name;
	int mode;
	int ret;
	uint8_t size, reg_size, reg;
	unsigned flags;
	uint64_t imm;
	uint8_t bytes[20];
	size_t n;
};

#define BYTES(...) { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })
/* An accepted access: mode, memory size, register size, register, flags, imm. */
#define OK(nm, md, sz, rs, rg, fl, im, ...) { nm, md, 0, sz, rs, rg, fl, im, BYTES(__VA_ARGS__) }
#define BAD(nm, md, ...) { nm, md, -EINVAL, 0, 0, 0, 0, 0, BYTES(__VA_ARGS__) }

static const struct dec_case cases[] = {
	/* 64-bit code */
	OK("st32", M64, 4, 4, 0, W, 0, 0x89, 0x07),                   /* mov %eax,(%rdi) */
	OK("ld32", M64, 4, 4, 0, 0, 0, 0x8b, 0x07),                   /* mov (%rdi),%eax */
	OK("st32_disp32", M64, 4, 4, 0, W, 0, 0x89, 0x83, 0x00, 0x03, 0x00, 0x00), /* 0x300(%rbx) */
	OK("ld32_disp8", M64, 4, 4, 1, 0, 0, 0x8b, 0x48, 0x20),       /* mov 0x20(%rax),%ecx */
	OK("st32_rex_rb", M64, 4, 4, 8, W, 0, 0x45, 0x89, 0x81, 0xb0, 0x00, 0x00, 0x00), /* %r8d,0xb0(%r9) */
	OK("st64", M64, 8, 8, 0, W, 0, 0x48, 0x89, 0x06),             /* mov %rax,(%rsi) */
	OK("ld64_r15", M64, 8, 8, 15, 0, 0, 0x4c, 0x8b, 0x3e),        /* mov (%rsi),%r15 */
	OK("imm32", M64, 4, 4, 0, W | I, 0x12345678, 0xc7, 0x82, 0x80, 0x03, 0x00, 0x00, 0x78, 0x56,
	   0x34, 0x12),                                               /* movl $0x12345678,0x380(%rdx) */
	OK("imm64_minus1", M64, 8, 8, 0, W | I, ~0ull, 0x48, 0xc7, 0x01, 0xff, 0xff, 0xff, 0xff),
	OK("imm64_positive", M64, 8, 8, 0, W | I, 0x7fffffff, 0x48, 0xc7, 0x41, 0x08, 0xff, 0xff,
	   0xff, 0x7f),                                               /* movq $0x7fffffff,8(%rcx) */
	OK("imm64_sext", M64, 8, 8, 0, W | I, 0xfffffffffffffffeull, 0x4b, 0xc7, 0x84, 0x5c, 0x78,
	   0x56, 0x34, 0x12, 0xfe, 0xff, 0xff, 0xff),                 /* movq $-2,0x12345678(%r12,%r11,2) */
	OK("imm32_sib_disp32", M64, 4, 4, 0, W | I, 1, 0x43, 0xc7, 0x84, 0x5c, 0x78, 0x56, 0x34, 0x12,
	   0x01, 0x00, 0x00, 0x00),
	OK("imm16", M64, 2, 2, 0, W | I, 0xbeef, 0x66, 0xc7, 0x00, 0xef, 0xbe), /* movw $0xbeef,(%rax) */
	OK("imm8", M64, 1, 1, 0, W | I, 0x5a, 0xc6, 0x00, 0x5a),      /* movb $0x5a,(%rax) */
	OK("st8_ah", M64, 1, 1, 0, W | H, 0, 0x88, 0x23),             /* mov %ah,(%rbx) */
	OK("ld8_bh", M64, 1, 1, 3, H, 0, 0x8a, 0x3b),                 /* mov (%rbx),%bh */
	OK("st8_sil", M64, 1, 1, 6, W, 0, 0x40, 0x88, 0x37),          /* mov %sil,(%rdi) */
	OK("ld8_dil", M64, 1, 1, 7, 0, 0, 0x40, 0x8a, 0x3f),          /* mov (%rdi),%dil */
	OK("st8_spl", M64, 1, 1, 4, W, 0, 0x40, 0x88, 0x23),          /* mov %spl,(%rbx) */
	OK("st8_r12b", M64, 1, 1, 12, W, 0, 0x45, 0x88, 0x65, 0x00),  /* mov %r12b,0(%r13) */
	OK("st8_r12b_rex_r", M64, 1, 1, 12, W, 0, 0x44, 0x88, 0x27),  /* mov %r12b,(%rdi) */
	OK("st8_rex_w_ignored", M64, 1, 1, 0, W, 0, 0x48, 0x88, 0x07), /* rex.W mov %al,(%rdi) */
	OK("st16_sib", M64, 2, 2, 0, W, 0, 0x66, 0x89, 0x44, 0x24, 0x10), /* mov %ax,0x10(%rsp) */
	OK("ld16_r10w", M64, 2, 2, 10, 0, 0, 0x66, 0x44, 0x8b, 0x54, 0x24, 0x10),
	OK("rex_w_beats_66", M64, 8, 8, 0, W, 0, 0x66, 0x48, 0x89, 0x07), /* data16 mov %rax,(%rdi) */
	OK("ld_rip_rel", M64, 4, 4, 0, 0, 0, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), /* 0x100(%rip) */
	OK("st_rip_rel", M64, 4, 4, 2, W, 0, 0x89, 0x15, 0xf0, 0xff, 0xff, 0xff), /* %edx,-0x10(%rip) */
	OK("ld_eip_rel", M64, 4, 4, 0, 0, 0, 0x67, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00),
	OK("sib", M64, 4, 4, 1, W, 0, 0x89, 0x0c, 0x98),              /* mov %ecx,(%rax,%rbx,4) */
	OK("sib_disp8", M64, 4, 4, 1, W, 0, 0x89, 0x4c, 0x98, 0x10),
	OK("sib_no_base", M64, 4, 4, 1, W, 0, 0x89, 0x0c, 0xdd, 0x00, 0x10, 0x00, 0x00),
	OK("rbp_disp8", M64, 4, 4, 1, W, 0, 0x89, 0x4d, 0x00),        /* mov %ecx,0(%rbp) */
	OK("r13_disp8", M64, 4, 4, 1, W, 0, 0x41, 0x89, 0x4d, 0x00),  /* rex.B keeps the disp8 */
	OK("r12_sib", M64, 4, 4, 1, W, 0, 0x41, 0x89, 0x0c, 0x24),    /* rex.B keeps the SIB */
	OK("sib_disp32", M64, 4, 4, 1, W, 0, 0x43, 0x89, 0x8c, 0x5c, 0x78, 0x56, 0x34, 0x12),
	OK("movzbl", M64, 1, 4, 0, Z, 0, 0x0f, 0xb6, 0x07),           /* movzbl (%rdi),%eax */
	OK("movzwl_r11d", M64, 2, 4, 11, Z, 0, 0x44, 0x0f, 0xb7, 0x9f, 0x90, 0x03, 0x00, 0x00),
	OK("movzbq", M64, 1, 8, 0, Z, 0, 0x48, 0x0f, 0xb6, 0x07),
	OK("movzbw", M64, 1, 2, 0, Z, 0, 0x66, 0x0f, 0xb6, 0x07),
	OK("movzwq_r9", M64, 2, 8, 9, Z, 0, 0x4c, 0x0f, 0xb7, 0x0f),
	OK("fs_override", M64, 4, 4, 0, 0, 0, 0x64, 0x8b, 0x00),      /* mov %fs:(%rax),%eax */
	OK("addr32_st", M64, 4, 4, 0, W, 0, 0x67, 0x89, 0x07),        /* mov %eax,(%edi) */
	OK("addr32_ld", M64, 4, 4, 0, 0, 0, 0x67, 0x8b, 0x00),
	OK("fifteen_bytes", M64, 4, 4, 0, W | I, 1, 0x26, 0x2e, 0x3e, 0x43, 0xc7, 0x84, 0x5c, 0x78,
	   0x56, 0x34, 0x12, 0x01, 0x00, 0x00, 0x00),
	/* 32-bit code (CS.D = 1) */
	OK("32_st32", M32, 4, 4, 0, W, 0, 0x89, 0x07),
	OK("32_abs_disp32", M32, 4, 4, 1, W, 0, 0x89, 0x0d, 0xb0, 0x00, 0xe0, 0xfe), /* %ecx,0xfee000b0 */
	OK("32_ld_abs", M32, 4, 4, 2, 0, 0, 0x8b, 0x15, 0x90, 0x03, 0xe0, 0xfe),
	OK("32_st16", M32, 2, 2, 0, W, 0, 0x66, 0x89, 0x07),
	OK("32_imm16", M32, 2, 2, 0, W | I, 0x1234, 0x66, 0xc7, 0x46, 0x04, 0x34, 0x12),
	OK("32_imm32_sib", M32, 4, 4, 0, W | I, 0xdeadbeef, 0xc7, 0x44, 0xb3, 0x10, 0xef, 0xbe, 0xad,
	   0xde),                                                     /* movl $0xdeadbeef,0x10(%ebx,%esi,4) */
	OK("32_ebp_disp8", M32, 4, 4, 1, W, 0, 0x89, 0x4d, 0x10),
	OK("32_esp_sib", M32, 4, 4, 1, W, 0, 0x89, 0x0c, 0x24),
	OK("32_movzbl", M32, 1, 4, 2, Z, 0, 0x0f, 0xb6, 0x50, 0x01),
	OK("32_st8_dh", M32, 1, 1, 2, W | H, 0, 0x88, 0x31),          /* mov %dh,(%ecx) */
	OK("32_addr16", M32, 4, 4, 0, W, 0, 0x67, 0x89, 0x00),        /* mov %eax,(%bx,%si) */
	OK("32_addr16_disp16", M32, 4, 4, 1, 0, 0, 0x67, 0x8b, 0x0e, 0x34, 0x12), /* mov 0x1234,%ecx */
	OK("32_addr16_bp_disp8", M32, 4, 4, 0, W, 0, 0x67, 0x89, 0x46, 0x12),
	OK("32_addr16_imm32", M32, 4, 4, 0, W | I, 7, 0x67, 0xc7, 0x81, 0x34, 0x12, 0x07, 0x00, 0x00,
	   0x00),                                                     /* movl $7,0x1234(%bx,%di) */
	OK("32_es", M32, 4, 4, 0, W, 0, 0x26, 0x89, 0x07),
	OK("32_cs", M32, 4, 4, 0, W, 0, 0x2e, 0x89, 0x07),
	OK("32_ss", M32, 4, 4, 0, W, 0, 0x36, 0x89, 0x07),
	OK("32_ds", M32, 4, 4, 0, W, 0, 0x3e, 0x89, 0x07),
	OK("32_gs", M32, 4, 4, 0, W, 0, 0x65, 0x89, 0x07),
	/* 16-bit code (CS.D = 0) */
	OK("16_st32", M16, 4, 4, 0, W, 0, 0x66, 0x89, 0x05),          /* mov %eax,(%di) */
	OK("16_st16", M16, 2, 2, 0, W, 0, 0x89, 0x05),
	OK("16_ld16", M16, 2, 2, 1, 0, 0, 0x8b, 0x08),                /* mov (%bx,%si),%cx */
	OK("16_disp16", M16, 2, 2, 1, W, 0, 0x89, 0x0e, 0x34, 0x12),  /* mov %cx,0x1234 */
	OK("16_bp_disp8", M16, 2, 2, 1, W, 0, 0x89, 0x4e, 0x12),
	OK("16_bp_di_disp16", M16, 2, 2, 1, W, 0, 0x89, 0x8b, 0x34, 0x12),
	OK("16_imm16", M16, 2, 2, 0, W | I, 0xabcd, 0xc7, 0x44, 0x10, 0xcd, 0xab),
	OK("16_imm32", M16, 4, 4, 0, W | I, 0x12345678, 0x66, 0xc7, 0x87, 0x34, 0x12, 0x78, 0x56,
	   0x34, 0x12),
	OK("16_imm8", M16, 1, 1, 0, W | I, 1, 0xc6, 0x07, 0x01),
	OK("16_movzbw", M16, 1, 2, 0, Z, 0, 0x0f, 0xb6, 0x05),
	OK("16_movzww", M16, 2, 2, 0, Z, 0, 0x0f, 0xb7, 0x05),       /* movzww (%di),%ax: same width */
	OK("16_movzbl", M16, 1, 4, 0, Z, 0, 0x66, 0x0f, 0xb6, 0x05),
	OK("16_addr32", M16, 4, 4, 0, W, 0, 0x67, 0x66, 0x89, 0x07),  /* mov %eax,(%edi) */
	OK("16_addr32_sib", M16, 2, 2, 1, W, 0, 0x67, 0x89, 0x8c, 0x58, 0x78, 0x56, 0x34, 0x12),
	OK("16_addr32_imm16", M16, 2, 2, 0, W | I, 0x55aa, 0x67, 0xc7, 0x44, 0x24, 0x10, 0xaa, 0x55),
	OK("16_addr32_abs", M16, 4, 4, 1, 0, 0, 0x67, 0x66, 0x8b, 0x0d, 0x78, 0x56, 0x34, 0x12),
	                                                              /* addr32 mov 0x12345678,%ecx */
	OK("16_es", M16, 2, 2, 1, W, 0, 0x26, 0x89, 0x0e, 0x34, 0x12),

	/* Refused: prefixes */
	BAD("lock", M64, 0xf0, 0x89, 0x07),
	BAD("lock_late", M64, 0x66, 0xf0, 0x89, 0x07),
	BAD("rep", M64, 0xf3, 0x89, 0x07),
	BAD("repne", M64, 0xf2, 0x89, 0x07),
	BAD("lock_add", M64, 0xf0, 0x83, 0x07, 0x01),                 /* lock addl $1,(%rdi) */
	BAD("two_rex", M64, 0x48, 0x48, 0x89, 0x07),
	BAD("prefix_after_rex", M64, 0x48, 0x66, 0x89, 0x07),
	BAD("seg_after_rex", M64, 0x41, 0x2e, 0x89, 0x07),
	BAD("32_rex_is_inc", M32, 0x40, 0x89, 0x07),
	BAD("32_rex_w_is_dec", M32, 0x48, 0x89, 0x07),
	BAD("16_rex_is_inc", M16, 0x41, 0x89, 0x07),
	BAD("sixteen_bytes", M64, 0x26, 0x2e, 0x3e, 0x36, 0x43, 0xc7, 0x84, 0x5c, 0x78, 0x56, 0x34,
	    0x12, 0x01, 0x00, 0x00, 0x00),
	BAD("fifteen_prefixes", M64, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	    0x2e, 0x2e, 0x2e, 0x2e, 0x89, 0x07),
	BAD("thirteen_prefixes_disp8", M64, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	    0x2e, 0x2e, 0x2e, 0x2e, 0x89, 0x47, 0x10),
	/* Refused: register operands (mod = 3) */
	BAD("reg_reg_st", M64, 0x89, 0xc7),                           /* mov %eax,%edi */
	BAD("reg_reg_ld", M64, 0x8b, 0xc0),
	BAD("reg_imm8", M64, 0xc6, 0xc0, 0x01),
	BAD("reg_imm32", M64, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00),
	BAD("xabort", M64, 0xc6, 0xf8, 0x00),
	BAD("movzx_reg", M64, 0x0f, 0xb6, 0xc0),
	BAD("16_reg_reg", M16, 0x89, 0xc7),
	/* Refused: C6/C7 other than /0 */
	BAD("c7_slash1", M64, 0xc7, 0x08, 0x00, 0x00, 0x00, 0x00),
	BAD("c6_slash7", M64, 0xc6, 0x38, 0x00),
	/* Refused: other instructions that touch memory */
	BAD("movabs_store", M64, 0xa3, 0x10, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	BAD("moffs_load", M32, 0xa1, 0x90, 0x03, 0xe0, 0xfe),
	BAD("16_moffs", M16, 0xa3, 0x34, 0x12),
	BAD("add", M64, 0x01, 0x07),
	BAD("xchg", M64, 0x87, 0x07),
	BAD("movsxd", M64, 0x48, 0x63, 0x07),
	BAD("movswl", M64, 0x0f, 0xbf, 0x07),
	BAD("movsbl", M64, 0x0f, 0xbe, 0x07),
	BAD("movups", M64, 0x0f, 0x10, 0x07),
	BAD("vex_vmovd", M64, 0xc5, 0xf9, 0x7e, 0x07),
	BAD("mov_sreg", M64, 0x8e, 0x07),
	BAD("movs", M64, 0xa5),
	BAD("stos", M64, 0xab),
	BAD("lone_0f", M64, 0x0f, 0x0f),
};

static bool mode_long64(int mode)
{
	return mode == M64;
}

static bool mode_opsize32(int mode)
{
	return mode != M16;
}

/* Decode the first n bytes of c from a buffer of exactly n bytes. */
static int decode_exact(const struct dec_case *c, size_t n, const uint8_t *tail, size_t tail_n,
			struct mmio_op *op)
{
	uint8_t *buf = malloc(n + tail_n + 1);
	int ret;

	memcpy(buf, c->bytes, n);
	if (tail_n)
		memcpy(buf + n, tail, tail_n);
	ret = mmio_decode(buf, n + tail_n, mode_long64(c->mode), mode_opsize32(c->mode), op);
	free(buf);
	return ret;
}

static int check_fields(const struct dec_case *c, const struct mmio_op *op)
{
	int ok = 1;

	ok &= CHECK_EQ_INT(op->len, c->n);
	ok &= CHECK_EQ_INT(op->size, c->size);
	ok &= CHECK_EQ_INT(op->reg_size, c->reg_size);
	ok &= CHECK_EQ_INT(op->write, !!(c->flags & W));
	ok &= CHECK_EQ_INT(op->has_imm, !!(c->flags & I));
	ok &= CHECK_EQ_INT(op->zero_ext, !!(c->flags & Z));
	ok &= CHECK_EQ_INT(op->high8, !!(c->flags & H));
	if (!(c->flags & I))
		ok &= CHECK_EQ_INT(op->reg, c->reg);
	ok &= CHECK(op->imm == c->imm);
	return ok;
}

static int check_case(const struct dec_case *c)
{
	static const uint8_t junk[] = { 0x89, 0x07, 0xff, 0xf0 };
	struct mmio_op op;
	int ok = 1, ret;

	ret = decode_exact(c, c->n, NULL, 0, &op);
	ok &= CHECK_EQ_INT(ret, c->ret);
	if (!c->ret && !ret)
		ok &= check_fields(c, &op);
	/* More bytes after the instruction change nothing. */
	ret = decode_exact(c, c->n, junk, sizeof(junk), &op);
	ok &= CHECK_EQ_INT(ret, c->ret);
	if (!c->ret && !ret)
		ok &= CHECK_EQ_INT(op.len, c->n);
	/* Cut short: an accepted instruction asks for more bytes; a refused
	 * one is refused or asks for more, never accepted. */
	for (size_t k = 0; k < c->n; k++) {
		ret = decode_exact(c, k, NULL, 0, &op);
		if (!c->ret)
			ok &= CHECK_EQ_INT(ret, -EFAULT);
		else
			ok &= CHECK(ret == -EFAULT || ret == -EINVAL);
	}
	return ok;
}

static void table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case_failures = 0;
		check_case(&cases[i]);
		check_result(cases[i].name, check_case_failures == 0);
	}
}

/* A refusal that the first bytes decide needs no more. */
static void refused_early(void)
{
	struct mmio_op op;
	static const uint8_t lock[] = { 0xf0 }, rep[] = { 0xf3 }, add[] = { 0x01 };
	static const uint8_t regreg[] = { 0x89, 0xc7 }, rex2[] = { 0x48, 0x48 };

	CHECK_EQ(mmio_decode(lock, 1, true, true, &op), -EINVAL);
	CHECK_EQ(mmio_decode(rep, 1, false, false, &op), -EINVAL);
	CHECK_EQ(mmio_decode(add, 1, true, true, &op), -EINVAL);
	CHECK_EQ(mmio_decode(regreg, 2, true, true, &op), -EINVAL);
	CHECK_EQ(mmio_decode(rex2, 2, true, true, &op), -EINVAL);
	CHECK_EQ(mmio_decode(lock, 0, true, true, &op), -EFAULT);
}

/* Past 15 bytes is -EINVAL however many bytes the caller offers. */
static void too_long_any_avail(void)
{
	uint8_t b[32];
	struct mmio_op op;

	memset(b, 0x2e, sizeof(b));
	for (size_t n = 15; n <= sizeof(b); n++)
		CHECK_EQ(mmio_decode(b, n, true, true, &op), -EINVAL);
	for (size_t n = 0; n < 15; n++)
		CHECK_EQ(mmio_decode(b, n, true, true, &op), -EFAULT);
}

/* long64 ignores opsize32: long mode's default operand size is 32. */
static void long64_ignores_opsize(void)
{
	static const uint8_t st[] = { 0x89, 0x07 };
	struct mmio_op op;

	if (CHECK_EQ_INT(mmio_decode(st, sizeof(st), true, false, &op), 0))
		CHECK_EQ(op.size, 4);
}

/* A 66 prefix in 16-bit code flips to 32, in 32-bit code to 16. */
static void opsize_flip(void)
{
	static const uint8_t st[] = { 0x66, 0x89, 0x07 };
	struct mmio_op op;

	if (CHECK_EQ_INT(mmio_decode(st, sizeof(st), false, false, &op), 0))
		CHECK_EQ(op.size, 4);
	if (CHECK_EQ_INT(mmio_decode(st, sizeof(st), false, true, &op), 0))
		CHECK_EQ(op.size, 2);
}

static struct mmio_op op_of(uint8_t size, uint8_t reg_size, bool high8)
{
	return (struct mmio_op){ .len = 2, .size = size, .reg_size = reg_size, .high8 = high8 };
}

static void store_values(void)
{
	const uint64_t g = 0x1122334455667788ull;
	struct mmio_op imm = { .len = 3, .size = 1, .reg_size = 1, .write = true, .has_imm = true,
			       .imm = 0x5a };

	CHECK(mmio_store_value(&(struct mmio_op){ .size = 8 }, g) == g);
	CHECK(mmio_store_value(&(struct mmio_op){ .size = 4 }, g) == 0x55667788);
	CHECK(mmio_store_value(&(struct mmio_op){ .size = 2 }, g) == 0x7788);
	CHECK(mmio_store_value(&(struct mmio_op){ .size = 1 }, g) == 0x88);
	CHECK(mmio_store_value(&(struct mmio_op){ .size = 1, .high8 = true }, g) == 0x77);
	CHECK(mmio_store_value(&imm, g) == 0x5a);
}

static void reg_merges(void)
{
	const uint64_t ones = ~0ull, g = 0x1122334455667788ull;
	struct mmio_op o;

	o = op_of(8, 8, false);
	CHECK(mmio_reg_merge(ones, g, &o) == g);
	o = op_of(4, 4, false); /* 32-bit destinations clear bits 32-63 */
	CHECK(mmio_reg_merge(ones, 0xabcdef0112345678ull, &o) == 0x12345678);
	o = op_of(2, 2, false);
	CHECK(mmio_reg_merge(ones, 0x1abcd, &o) == 0xffffffffffffabcdull);
	o = op_of(1, 1, false);
	CHECK(mmio_reg_merge(g, 0x1ab, &o) == 0x11223344556677abull);
	o = op_of(1, 1, true);
	CHECK(mmio_reg_merge(g, 0x1ab, &o) == 0x112233445566ab88ull);
	/* MOVZX: zero-extend the loaded bytes to the destination's width. */
	o = op_of(1, 2, false);
	CHECK(mmio_reg_merge(ones, 0x1ff, &o) == 0xffffffffffff00ffull);
	o = op_of(1, 4, false);
	CHECK(mmio_reg_merge(ones, 0x1ff, &o) == 0xff);
	o = op_of(2, 8, false);
	CHECK(mmio_reg_merge(ones, 0x12345, &o) == 0x2345);
}

/* End to end: decode, then apply the load to a register file. */
static void decode_then_merge(void)
{
	static const uint8_t ld_bh[] = { 0x8a, 0x3b };      /* mov (%rbx),%bh */
	static const uint8_t ld_r15[] = { 0x4c, 0x8b, 0x3e }; /* mov (%rsi),%r15 */
	uint64_t regs[16];
	struct mmio_op op;

	for (unsigned i = 0; i < 16; i++)
		regs[i] = 0x0101010101010101ull * i;
	if (CHECK_EQ_INT(mmio_decode(ld_bh, sizeof(ld_bh), true, true, &op), 0)) {
		regs[op.reg] = mmio_reg_merge(regs[op.reg], 0xee, &op);
		CHECK(regs[3] == 0x030303030303ee03ull);
	}
	if (CHECK_EQ_INT(mmio_decode(ld_r15, sizeof(ld_r15), true, true, &op), 0)) {
		regs[op.reg] = mmio_reg_merge(regs[op.reg], 0xfee00000fee00020ull, &op);
		CHECK(regs[15] == 0xfee00000fee00020ull);
	}
}

int main(void)
{
	table();
	CHECK_RUN(refused_early);
	CHECK_RUN(too_long_any_avail);
	CHECK_RUN(long64_ignores_opsize);
	CHECK_RUN(opsize_flip);
	CHECK_RUN(store_values);
	CHECK_RUN(reg_merges);
	CHECK_RUN(decode_then_merge);
	return check_done();
}
