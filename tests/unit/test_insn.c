// SPDX-License-Identifier: MIT
/*
 * Unit tests of arch/x86/insn.c, the length decoder the VMM uses to skip
 * intercepted instructions when the CPU does not report the next RIP. A
 * wrong length resumes the guest in the middle of an instruction, so every
 * case checks the exact length, and every refusal checks -EINVAL.
 */
#define CHECK_SUITE "insn"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "arch/x86/insn.h"

struct insn_case {
	const char *name;
	uint8_t bytes[20];
	size_t avail; /* bytes offered to the decoder */
	bool long64;
	int len;      /* expected return value */
	enum insn_kind kind;
};

#define OK64(n, k, l, ...) { n, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), true, l, k }
#define OK32(n, k, l, ...) { n, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), false, l, k }
#define BAD64(n, ...) { n, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), true, -EINVAL, INSN_OTHER }
#define BAD32(n, ...) { n, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), false, -EINVAL, INSN_OTHER }

static const struct insn_case cases[] = {
	OK64("cpuid", INSN_CPUID, 2, 0x0f, 0xa2),
	OK64("hlt", INSN_HLT, 1, 0xf4),
	OK64("icebp", INSN_ICEBP, 1, 0xf1),
	OK64("icebp_prefixed", INSN_ICEBP, 2, 0x66, 0xf1),
	OK64("rdmsr", INSN_RDMSR, 2, 0x0f, 0x32),
	OK64("wrmsr", INSN_WRMSR, 2, 0x0f, 0x30),
	OK64("vmmcall", INSN_VMMCALL, 3, 0x0f, 0x01, 0xd9),
	OK64("vmcall", INSN_VMCALL, 3, 0x0f, 0x01, 0xc1),
	OK64("invd", INSN_INVD, 2, 0x0f, 0x08),
	OK64("wbinvd", INSN_WBINVD, 2, 0x0f, 0x09),
	OK64("in_al_imm8", INSN_IO, 2, 0xe4, 0x80),
	OK64("in_eax_imm8", INSN_IO, 2, 0xe5, 0x70),
	OK64("out_imm8_al", INSN_IO, 2, 0xe6, 0x80),
	OK64("out_imm8_eax", INSN_IO, 2, 0xe7, 0x71),
	OK64("in_al_dx", INSN_IO, 1, 0xec),
	OK64("in_eax_dx", INSN_IO, 1, 0xed),
	OK64("out_dx_al", INSN_IO, 1, 0xee),
	OK64("out_dx_eax", INSN_IO, 1, 0xef),
	OK64("insb", INSN_IO, 1, 0x6c),
	OK64("insd", INSN_IO, 1, 0x6d),
	OK64("outsb", INSN_IO, 1, 0x6e),
	OK64("outsd", INSN_IO, 1, 0x6f),
	/* Legacy prefixes count towards the length. */
	OK64("out_dx_ax_opsize", INSN_IO, 2, 0x66, 0xef),
	OK64("rep_outsb", INSN_IO, 2, 0xf3, 0x6e),
	OK64("rep_outsw_seg", INSN_IO, 4, 0x2e, 0x66, 0xf3, 0x6f),
	OK64("cpuid_prefixed", INSN_CPUID, 4, 0x66, 0x2e, 0x0f, 0xa2),
	OK64("in_imm8_addr_size", INSN_IO, 3, 0x67, 0xe4, 0x10),
	OK32("rep_insd_32", INSN_IO, 2, 0xf3, 0x6d),
	OK32("vmmcall_32", INSN_VMMCALL, 3, 0x0f, 0x01, 0xd9),
	/* REX (0x40-0x4f) is a prefix in 64-bit mode only, and only once. */
	OK64("rex_w_wrmsr", INSN_WRMSR, 3, 0x48, 0x0f, 0x30),
	OK64("rex_out", INSN_IO, 2, 0x40, 0xee),
	OK64("prefix_rex_in", INSN_IO, 4, 0x66, 0x41, 0xe5, 0x60),
	BAD32("rex_is_inc_in_32bit", 0x40, 0xee),
	BAD32("rex_w_is_dec_in_32bit", 0x48, 0x0f, 0xa2),
	BAD64("two_rex", 0x48, 0x48, 0xf4),
	BAD64("legacy_after_rex", 0x48, 0x66, 0xef),
	/* Longest legal: 14 prefixes + hlt is exactly 15 bytes. */
	OK64("fifteen_bytes", INSN_HLT, 15, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	     0x66, 0x66, 0x66, 0x2e, 0xf4),
	/* 14 prefixes + a two-byte opcode is 16 bytes: invalid on x86. */
	BAD64("fourteen_prefixes_cpuid", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	      0x66, 0x66, 0x66, 0x2e, 0x0f, 0xa2),
	BAD64("fifteen_prefixes_hlt", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	      0x66, 0x66, 0x66, 0x2e, 0xf4),
	BAD64("fourteen_prefixes_in_imm8", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	      0x66, 0x66, 0x66, 0x66, 0xe4, 0x80),
	/* Truncated input: the decoder must not read past avail. */
	BAD64("empty"),
	BAD64("only_0f", 0x0f),
	BAD64("only_0f_01", 0x0f, 0x01),
	BAD64("in_imm8_without_imm", 0xe4),
	BAD64("only_prefixes", 0x66, 0xf3),
	BAD64("only_rex", 0x48),
	/* Anything not intercepted is unknown. */
	BAD64("nop", 0x90),
	BAD64("mov", 0x89, 0xc0),
	BAD64("0f_01_other", 0x0f, 0x01, 0xd8), /* vmrun: not skipped, #UD instead */
	BAD64("0f_other", 0x0f, 0x05),		 /* syscall */
	BAD64("int3", 0xcc),
};

/* Each case in an exact-size heap copy, so ASan catches any read past avail. */
static int decode_exact(const struct insn_case *c, enum insn_kind *kind)
{
	uint8_t *copy = malloc(c->avail ? c->avail : 1);
	int rc;

	memcpy(copy, c->bytes, c->avail);
	rc = insn_decode(copy, c->avail, c->long64, kind);
	free(copy);
	return rc;
}

static void run_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct insn_case *c = &cases[i];
		enum insn_kind kind = INSN_OTHER;
		unsigned before = check_case_failures;
		int rc = decode_exact(c, &kind);

		CHECK_EQ(rc, c->len);
		if (c->len > 0)
			CHECK_EQ(kind, c->kind);
		check_result(c->name, check_case_failures == before);
	}
}

/* More bytes than the instruction needs: the length is still the instruction's. */
static void trailing_bytes_ignored(void)
{
	const uint8_t b[] = { 0x0f, 0xa2, 0x0f, 0x01, 0xd9, 0x90, 0x90, 0x90, 0x90, 0x90,
			      0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };
	enum insn_kind kind;

	CHECK_EQ(insn_decode(b, sizeof(b), true, &kind), 2);
	CHECK_EQ(kind, INSN_CPUID);
	CHECK_EQ(insn_decode(b + 2, sizeof(b) - 2, false, &kind), 3);
	CHECK_EQ(kind, INSN_VMMCALL);
}

/* A buffer of 20 prefixes: the decoder stops at 15 bytes whatever avail says. */
static void long_prefix_run_refused(void)
{
	uint8_t b[20];
	enum insn_kind kind;

	memset(b, 0xf3, sizeof(b));
	CHECK_EQ(insn_decode(b, sizeof(b), true, &kind), -EINVAL);
	b[19] = 0xf4;
	CHECK_EQ(insn_decode(b, sizeof(b), true, &kind), -EINVAL);
}

/* The plain-encoding check answers exactly what the decoder answers for
 * those bytes, and nothing for a prefixed, truncated or other form. */
static void plain_encodings_agree_with_decoder(void)
{
	const struct {
		struct insn_plain plain;
		enum insn_kind kind;
	} plains[] = { { INSN_PLAIN_CPUID, INSN_CPUID },	    { INSN_PLAIN_RDMSR, INSN_RDMSR },
		      { INSN_PLAIN_WRMSR, INSN_WRMSR },	    { INSN_PLAIN_VMMCALL, INSN_VMMCALL },
		      { INSN_PLAIN_HLT, INSN_HLT }, { INSN_PLAIN_ICEBP, INSN_ICEBP } };

	for (unsigned i = 0; i < sizeof(plains) / sizeof(plains[0]); i++) {
		uint8_t b[INSN_MAX_LEN], pre[INSN_MAX_LEN];
		enum insn_kind kind;
		struct insn_plain p = plains[i].plain;

		memset(b, 0x90, sizeof(b));
		memcpy(b, &p.bytes, p.len);
		CHECK(insn_is_plain(b, p));
		CHECK_EQ(insn_decode(b, sizeof(b), true, &kind), (int)p.len);
		CHECK_EQ(kind, plains[i].kind);
		CHECK_EQ(insn_decode(b, sizeof(b), false, &kind), (int)p.len);
		/* With a prefix: not plain, and the decoder counts the prefix. */
		memset(pre, 0x90, sizeof(pre));
		pre[0] = 0x66;
		memcpy(pre + 1, &p.bytes, p.len);
		CHECK(!insn_is_plain(pre, p));
		CHECK_EQ(insn_decode(pre, sizeof(pre), true, &kind), (int)p.len + 1);
		/* Each plain encoding is no other's. */
		for (unsigned j = 0; j < sizeof(plains) / sizeof(plains[0]); j++)
			if (j != i)
				CHECK(!insn_is_plain(b, plains[j].plain));
		/* Its last byte changed: not plain. */
		b[p.len - 1] ^= 0x40;
		CHECK(!insn_is_plain(b, p));
	}
}

int main(void)
{
	run_table();
	CHECK_RUN(plain_encodings_agree_with_decoder);
	CHECK_RUN(trailing_bytes_ignored);
	CHECK_RUN(long_prefix_run_refused);
	return check_done();
}
