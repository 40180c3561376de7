// SPDX-License-Identifier: MIT
/*
 * Unit tests of the TPM 2.0 commands (drivers/tpm2.c): the bytes of each
 * command as TPM 2.0 Library Part 3 lays them out, written out here by
 * hand; responses built the same way parse, and every malformed one (a
 * size that disagrees with the bytes, a wrong tag, an answer about another
 * PCR, algorithm or NV index, a short digest, an oversized TPM2B, a handle
 * of the wrong type, trailing bytes, a wrong session reply, a response cut
 * anywhere) is refused; a TPM error code comes back as itself.
 */
#define CHECK_SUITE "tpm2"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/tpm2.h"
#include "kernel/crypto/hash.h"

static uint8_t digest[32];

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32be_params(const uint8_t *r)
{
	return (uint32_t)r[10] << 24 | (uint32_t)r[11] << 16 | (uint32_t)r[12] << 8 | r[13];
}

static void pcr_read_command(void)
{
	uint8_t buf[TPM2_CMD_MAX];
	static const uint8_t want[] = { 0x80, 0x01, 0, 0, 0, 0x14, 0, 0, 0x01, 0x7e, /* header */
					0, 0, 0, 1,				  /* one selection */
					0x00, 0x0b, 3, 0x00, 0x00, 0x02 };	  /* SHA-256, PCR 17 */
	size_t n = tpm2_build_pcr_read(buf, 17);

	CHECK_EQ(n, sizeof(want));
	CHECK(!memcmp(buf, want, sizeof(want)));
}

static void pcr_extend_command(void)
{
	uint8_t buf[TPM2_CMD_MAX];
	static const uint8_t head[] = { 0x80, 0x02, 0, 0, 0, 0x41, 0, 0, 0x01, 0x82, /* header, 65 bytes */
					0, 0, 0, 23,				  /* PCR 23 */
					0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0, /* password session */
					0, 0, 0, 1, 0x00, 0x0b };		  /* one SHA-256 digest */
	size_t n;

	for (unsigned i = 0; i < 32; i++)
		digest[i] = (uint8_t)(i + 1);
	n = tpm2_build_pcr_extend(buf, 23, digest);
	CHECK_EQ(n, sizeof(head) + 32);
	CHECK(!memcmp(buf, head, sizeof(head)));
	CHECK(!memcmp(buf + sizeof(head), digest, 32));
}

static void get_property_command(void)
{
	uint8_t buf[TPM2_CMD_MAX];
	static const uint8_t want[] = { 0x80, 0x01, 0, 0, 0, 0x16, 0, 0, 0x01, 0x7a, 0, 0, 0, 6, 0, 0, 0x01, 0x05,
					0, 0, 0, 1 };
	size_t n = tpm2_build_get_property(buf, TPM2_PT_MANUFACTURER);

	CHECK_EQ(n, sizeof(want));
	CHECK(!memcmp(buf, want, sizeof(want)));
}

/* A PCR_Read response for pcr (its selection as given), its digest of dlen bytes. */
static size_t pcr_read_rsp(uint8_t *r, unsigned pcr, uint16_t alg, unsigned dlen)
{
	size_t n = 0;

	r[n++] = 0x80;
	r[n++] = 0x01;
	n += 4;
	put32be(r + n, 0);
	n += 4;
	put32be(r + n, 42); /* update counter */
	n += 4;
	put32be(r + n, 1);
	n += 4;
	r[n++] = (uint8_t)(alg >> 8);
	r[n++] = (uint8_t)alg;
	r[n++] = 3;
	for (unsigned i = 0; i < 3; i++)
		r[n++] = i == pcr / 8 ? (uint8_t)(1u << pcr % 8) : 0;
	put32be(r + n, 1);
	n += 4;
	r[n++] = 0;
	r[n++] = (uint8_t)dlen;
	for (unsigned i = 0; i < dlen; i++)
		r[n++] = (uint8_t)(0xc0 + i);
	put32be(r + 2, (uint32_t)n);
	return n;
}

static void pcr_read_response(void)
{
	uint8_t r[128], d[32];
	size_t n = pcr_read_rsp(r, 17, 0x000b, 32);

	CHECK_EQ(tpm2_parse_pcr_read(r, n, 17, d), 0);
	CHECK_EQ(d[0], 0xc0);
	CHECK_EQ(d[31], 0xdf);
}

static void pcr_read_malformed(void)
{
	uint8_t r[128], d[32];
	size_t n;

	n = pcr_read_rsp(r, 18, 0x000b, 32); /* another PCR */
	CHECK_EQ(tpm2_parse_pcr_read(r, n, 17, d), -EIO);
	n = pcr_read_rsp(r, 17, 0x0004, 32); /* SHA-1 */
	CHECK_EQ(tpm2_parse_pcr_read(r, n, 17, d), -EIO);
	n = pcr_read_rsp(r, 17, 0x000b, 20); /* a short digest */
	CHECK_EQ(tpm2_parse_pcr_read(r, n, 17, d), -EIO);
	n = pcr_read_rsp(r, 17, 0x000b, 32);
	CHECK_EQ(tpm2_parse_pcr_read(r, n - 1, 17, d), -EIO); /* size says one more than came */
	r[n] = 0;
	put32be(r + 2, (uint32_t)n + 1);
	CHECK_EQ(tpm2_parse_pcr_read(r, n + 1, 17, d), -EIO); /* a trailing byte */
	n = pcr_read_rsp(r, 17, 0x000b, 32);
	r[1] = 0x02; /* sessions tag on a command without */
	CHECK_EQ(tpm2_parse_pcr_read(r, n, 17, d), -EIO);
	n = pcr_read_rsp(r, 17, 0x000b, 32);
	put32be(r + 18, 2); /* two selections */
	CHECK_EQ(tpm2_parse_pcr_read(r, n, 17, d), -EIO);
	CHECK_EQ(tpm2_parse_pcr_read(r, 6, 17, d), -EIO); /* shorter than a header */
}

static void error_code_returned(void)
{
	uint8_t r[10] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x09, 0x84 }; /* TPM_RC_VALUE | parameter 1 */
	uint8_t d[32];
	uint32_t v;

	CHECK_EQ(tpm2_parse_pcr_read(r, 10, 0, d), 0x984);
	CHECK_EQ(tpm2_parse_pcr_extend(r, 10), 0x984);
	CHECK_EQ(tpm2_parse_get_property(r, 10, TPM2_PT_MANUFACTURER, &v), 0x984);
	r[8] = 0x01, r[9] = 0xc4; /* TPM_RC_VALUE | parameter 1: PolicyAuthorize's answer to another policy */
	CHECK_EQ(tpm2_parse_empty(r, 10), 0x1c4);
	r[8] = 0x09, r[9] = 0x9d; /* TPM_RC_POLICY_FAIL | session 1 */
	CHECK_EQ(tpm2_parse_nv_write(r, 10, 0x03000000), 0x99d);
	r[8] = 0x01, r[9] = 0x2f; /* TPM_RC_AUTH_UNAVAILABLE */
	CHECK_EQ(tpm2_parse_nv_write(r, 10, TPM2_RS_PW), 0x12f);
	r[8] = 0x02, r[9] = 0x8b; /* TPM_RC_HANDLE | handle 2 */
	{
		struct tpm2_nv_public pub;
		struct tpm2_ticket tk;
		uint8_t data[4], name[TPM2_P384_NAME_LEN];
		uint32_t h;

		CHECK_EQ(tpm2_parse_nv_read_public(r, 10, 0x01800056, &pub), 0x28b);
		CHECK_EQ(tpm2_parse_nv_read(r, 10, data, 4), 0x28b);
		CHECK_EQ(tpm2_parse_start_policy_session(r, 10, &h), 0x28b);
		CHECK_EQ(tpm2_parse_load_external(r, 10, &h, name), 0x28b);
		r[8] = 0x02, r[9] = 0xdb; /* TPM_RC_SIGNATURE | parameter 2 */
		CHECK_EQ(tpm2_parse_verify_signature(r, 10, &tk), 0x2db);
	}
	r[5] = 11; /* an error with a body */
	CHECK_EQ(tpm2_parse_pcr_extend(r, 10), -EIO);
}

static void pcr_extend_response(void)
{
	uint8_t r[] = { 0x80, 0x02, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0 };

	CHECK_EQ(tpm2_parse_pcr_extend(r, sizeof(r)), 0);
	r[15] = 1; /* a nonce in a password session's reply */
	CHECK_EQ(tpm2_parse_pcr_extend(r, sizeof(r)), -EIO);
	r[15] = 0;
	r[13] = 1; /* parameters the command has none of */
	CHECK_EQ(tpm2_parse_pcr_extend(r, sizeof(r)), -EIO);
	r[13] = 0;
	r[1] = 0x01; /* no sessions */
	CHECK_EQ(tpm2_parse_pcr_extend(r, sizeof(r)), -EIO);
}

static void get_property_response(void)
{
	uint8_t r[] = { 0x80, 0x01, 0, 0, 0, 31, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0x01, 0x05,
			'I', 'B', 'M', ' ', 0, 0, 0, 0 };
	uint32_t v = 0;

	CHECK_EQ(tpm2_parse_get_property(r, 27, TPM2_PT_MANUFACTURER, &v), -EIO); /* size says 31 */
	r[5] = 27;
	CHECK_EQ(tpm2_parse_get_property(r, 27, TPM2_PT_MANUFACTURER, &v), 0);
	CHECK_EQ(v, 0x49424d20);
	CHECK_EQ(tpm2_parse_get_property(r, 27, 0x106, &v), -EIO); /* another property */
	r[5] = 31;
	CHECK_EQ(tpm2_parse_get_property(r, 31, TPM2_PT_MANUFACTURER, &v), -EIO); /* trailing bytes */
}

/* The AK template, written out from Part 2 (TPMT_PUBLIC for ECC). */
static const uint8_t ak_template[] = {
	0x00, 0x23, 0x00, 0x0b,	      /* TPM_ALG_ECC, nameAlg SHA-256 */
	0x00, 0x05, 0x00, 0x72,	      /* fixedTPM fixedParent sensitiveDataOrigin userWithAuth restricted sign */
	0x00, 0x00, 0x00, 0x10,	      /* no policy; symmetric TPM_ALG_NULL */
	0x00, 0x18, 0x00, 0x0b,	      /* ECDSA with SHA-256 */
	0x00, 0x03, 0x00, 0x10,	      /* NIST P-256; kdf TPM_ALG_NULL */
};

static void create_ak_command(void)
{
	uint8_t buf[TPM2_CMD_MAX];
	static const uint8_t head[] = { 0x80, 0x02, 0, 0, 0, 0x41, 0, 0, 0x01, 0x31, /* header, 65 bytes */
					0x40, 0, 0, 0x0b,			  /* TPM_RH_ENDORSEMENT */
					0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0, /* password session */
					0, 4, 0, 0, 0, 0,			  /* empty inSensitive */
					0, 24 };				  /* inPublic: 24 bytes */
	size_t n = tpm2_build_create_ak(buf);

	CHECK_EQ(n, sizeof(head) + sizeof(ak_template) + 4 + 2 + 4);
	CHECK(!memcmp(buf, head, sizeof(head)));
	CHECK(!memcmp(buf + sizeof(head), ak_template, sizeof(ak_template)));
	for (size_t i = sizeof(head) + sizeof(ak_template); i < n; i++) /* empty point, outsideInfo, creationPCR */
		CHECK_EQ(buf[i], 0);
}

/* A CreatePrimary response: handle, outPublic (the template and a point
 * of xlen/ylen bytes), a few bytes standing for the creation data, the
 * password session's reply. */
static size_t create_ak_rsp(uint8_t *r, const uint8_t *tmpl, unsigned xlen, unsigned ylen)
{
	size_t n = 10, params;

	r[0] = 0x80, r[1] = 0x02;
	put32be(r + 6, 0);
	put32be(r + n, 0x80000001), n += 4;
	params = n, n += 4;
	r[n] = 0, r[n + 1] = (uint8_t)(sizeof(ak_template) + 4 + xlen + ylen), n += 2;
	memcpy(r + n, tmpl, sizeof(ak_template)), n += sizeof(ak_template);
	r[n++] = 0, r[n++] = (uint8_t)xlen;
	for (unsigned i = 0; i < xlen; i++)
		r[n++] = (uint8_t)(0x10 + i);
	r[n++] = 0, r[n++] = (uint8_t)ylen;
	for (unsigned i = 0; i < ylen; i++)
		r[n++] = (uint8_t)(0x40 + i);
	for (unsigned i = 0; i < 20; i++) /* creationData and the rest: not read */
		r[n++] = 0xee;
	put32be(r + params, (uint32_t)(n - params - 4));
	r[n++] = 0, r[n++] = 0, r[n++] = 1, r[n++] = 0, r[n++] = 0;
	put32be(r + 2, (uint32_t)n);
	return n;
}

static void create_ak_response(void)
{
	uint8_t r[256], pub[TPM2_AK_PUBLIC_LEN], bad[sizeof(ak_template)];
	uint32_t h = 0;
	size_t n = create_ak_rsp(r, ak_template, 32, 32);

	CHECK_EQ(tpm2_parse_create_ak(r, n, &h, pub), 0);
	CHECK_EQ(h, 0x80000001);
	CHECK(pub[0] == 0 && pub[1] == 88 && !memcmp(pub + 2, ak_template, sizeof(ak_template)));
	CHECK(pub[24] == 0x10 && pub[58] == 0x40 && pub[89] == 0x40 + 31);

	/* A key that is not the one asked for: not restricted, a decrypting
	 * key, RSA, another curve, another hash. */
	static const struct {
		unsigned at;
		uint8_t v;
	} changes[] = { { 5, 0x04 }, { 6, 0x06 }, { 1, 0x01 }, { 17, 0x04 }, { 15, 0x0c } };
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		memcpy(bad, ak_template, sizeof(bad));
		bad[changes[i].at] = changes[i].v;
		n = create_ak_rsp(r, bad, 32, 32);
		if (!CHECK(tpm2_parse_create_ak(r, n, &h, pub) == -EIO))
			printf("    byte %u of the public area changed\n", changes[i].at);
	}
	n = create_ak_rsp(r, ak_template, 31, 32); /* a short coordinate */
	CHECK_EQ(tpm2_parse_create_ak(r, n, &h, pub), -EIO);
	n = create_ak_rsp(r, ak_template, 32, 32);
	put32be(r + 14, 0x1000); /* parameters past the response */
	CHECK_EQ(tpm2_parse_create_ak(r, n, &h, pub), -EIO);
	n = create_ak_rsp(r, ak_template, 32, 32);
	put32be(r + 2, (uint32_t)n - 5); /* no session reply */
	CHECK_EQ(tpm2_parse_create_ak(r, n - 5, &h, pub), -EIO);
}

static const uint8_t nonce[] = { 0xa1, 0xb2, 0xc3, 0xd4, 0xe5 };

static void quote_command(void)
{
	uint8_t buf[TPM2_CMD_MAX];
	static const uint8_t want[] = { 0x80, 0x02, 0, 0, 0, 0x2e, 0, 0, 0x01, 0x58, /* header, 46 bytes */
					0x80, 0, 0, 1,				  /* the AK */
					0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0, /* password session */
					0, 5, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5,	  /* the nonce */
					0, 0x10,				  /* the key's scheme */
					0, 0, 0, 1, 0, 0x0b, 3, 0xff, 0x8c, 0 };  /* SHA-256 0-7, 10, 11, 15 */
	size_t n = tpm2_build_quote(buf, 0x80000001, nonce, sizeof(nonce), 0x8cff);

	CHECK_EQ(n, sizeof(want));
	CHECK(!memcmp(buf, want, sizeof(want)));
}

/* A Quote response: a TPMS_ATTEST (magic, type, signer name, the nonce,
 * some bytes for the rest), an ECDSA signature with r and s of rl, sl. */
static size_t quote_rsp(uint8_t *r, uint32_t magic, uint16_t type, const uint8_t *n5, unsigned rl, unsigned sl,
			uint16_t sig_alg)
{
	size_t n = 14, params = 10, attest;

	r[0] = 0x80, r[1] = 0x02;
	put32be(r + 6, 0);
	attest = n, n += 2;
	put32be(r + n, magic), n += 4;
	r[n++] = (uint8_t)(type >> 8), r[n++] = (uint8_t)type;
	r[n++] = 0, r[n++] = 4, n += 4; /* qualifiedSigner */
	r[n++] = 0, r[n++] = 5;
	memcpy(r + n, n5, 5), n += 5;
	for (unsigned i = 0; i < 40; i++) /* clock, firmware, quote info */
		r[n++] = (uint8_t)i;
	r[attest] = 0, r[attest + 1] = (uint8_t)(n - attest - 2);
	r[n++] = (uint8_t)(sig_alg >> 8), r[n++] = (uint8_t)sig_alg, r[n++] = 0, r[n++] = 0x0b;
	r[n++] = 0, r[n++] = (uint8_t)rl, n += rl;
	r[n++] = 0, r[n++] = (uint8_t)sl, n += sl;
	put32be(r + params, (uint32_t)(n - params - 4));
	r[n++] = 0, r[n++] = 0, r[n++] = 1, r[n++] = 0, r[n++] = 0;
	put32be(r + 2, (uint32_t)n);
	return n;
}

static void quote_response(void)
{
	static struct tpm2_quote q;
	static const uint8_t other[5] = { 0xa1, 0xb2, 0xc3, 0xd4, 0xe6 };
	uint8_t r[512];
	size_t n = quote_rsp(r, 0xff544347, 0x8018, nonce, 32, 32, 0x0018);

	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), 0);
	CHECK(q.attest_len == 59 && !memcmp(q.attest, r + 16, 59));
	CHECK(q.sig_len == 72 && q.sig[0] == 0 && q.sig[1] == 0x18);
	n = quote_rsp(r, 0xff544347, 0x8018, nonce, 31, 32, 0x0018); /* a short r: still ECDSA */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), 0);

	n = quote_rsp(r, 0xff544347, 0x8018, other, 32, 32, 0x0018); /* another nonce */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), -EIO);
	n = quote_rsp(r, 0x12345678, 0x8018, nonce, 32, 32, 0x0018); /* not TPM_GENERATED */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), -EIO);
	n = quote_rsp(r, 0xff544347, 0x8017, nonce, 32, 32, 0x0018); /* a certification, not a quote */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), -EIO);
	n = quote_rsp(r, 0xff544347, 0x8018, nonce, 32, 32, 0x0014); /* RSASSA */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), -EIO);
	n = quote_rsp(r, 0xff544347, 0x8018, nonce, 33, 32, 0x0018); /* r longer than P-256's */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), -EIO);
	n = quote_rsp(r, 0xff544347, 0x8018, nonce, 32, 0, 0x0018); /* an empty s */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), -EIO);
	n = quote_rsp(r, 0xff544347, 0x8018, nonce, 32, 32, 0x0018);
	r[14] = 0x02; /* an attestation longer than what follows */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), -EIO);
	n = quote_rsp(r, 0xff544347, 0x8018, nonce, 32, 32, 0x0018);
	put32be(r + 10, get32be_params(r) - 1); /* parameters that end inside the signature */
	CHECK_EQ(tpm2_parse_quote(r, n, nonce, sizeof(nonce), &q), -EIO);
}

/* ---- NV marks: the commands (Part 3) and their responses -------------- */

#define INDEX 0x01800056u
#define SESSION 0x03000000u

/* A response built field by field; rsp_end() writes its size. */
struct rsp {
	uint8_t b[1024];
	size_t n, params; /* params: where the parameter size goes */
};

static void r8(struct rsp *r, uint8_t v)
{
	r->b[r->n++] = v;
}

static void r16(struct rsp *r, unsigned v)
{
	r8(r, (uint8_t)(v >> 8));
	r8(r, (uint8_t)v);
}

static void r32(struct rsp *r, uint32_t v)
{
	r16(r, v >> 16);
	r16(r, v & 0xffff);
}

static void rfill(struct rsp *r, uint8_t v, size_t n)
{
	memset(r->b + r->n, v, n);
	r->n += n;
}

static void rsp_begin(struct rsp *r, unsigned tag)
{
	r->n = 0;
	r16(r, tag);
	r32(r, 0); /* size: rsp_end() */
	r32(r, 0); /* success */
}

/* With sessions: the parameter size, filled in by params_end(). */
static void params_begin(struct rsp *r)
{
	r->params = r->n;
	r32(r, 0);
}

static void params_end(struct rsp *r)
{
	put32be(r->b + r->params, (uint32_t)(r->n - r->params - 4));
}

static size_t rsp_end(struct rsp *r)
{
	put32be(r->b + 2, (uint32_t)r->n);
	return r->n;
}

/* One byte more after the response, its size saying so. */
static size_t trailing(struct rsp *r)
{
	r8(r, 0);
	return rsp_end(r);
}

/* Every cut of the response (its size field saying so), each in a buffer
 * of exactly that size, so that ASan sees any read past it: all refused. */
static void cuts_refused(const struct rsp *r, int (*parse)(const uint8_t *, size_t))
{
	for (size_t k = 10; k < r->n; k++) {
		uint8_t *p = malloc(k);

		memcpy(p, r->b, k);
		put32be(p + 2, (uint32_t)k);
		if (!CHECK(parse(p, k) == -EIO))
			printf("    cut at %zu of %zu bytes\n", k, r->n);
		free(p);
	}
}

/* A command built into a buffer of exactly the bound it is documented to
 * need, so that ASan sees any write past it; compared with want. */
static void check_command(const uint8_t *got, size_t n, const uint8_t *want, size_t want_len)
{
	if (!CHECK_EQ_INT(n, want_len))
		return;
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i]) {
			CHECK_EQ_INT(got[i], want[i]);
			printf("    at byte %zu\n", i);
			return;
		}
}

static void nv_read_public_command(void)
{
	uint8_t *buf = malloc(TPM2_CMD_MAX);
	static const uint8_t want[] = { 0x80, 0x01, 0, 0, 0, 0x0e, 0, 0, 0x01, 0x69, /* header, 14 bytes */
					0x01, 0x80, 0x00, 0x56 };		  /* the index */

	check_command(buf, tpm2_build_nv_read_public(buf, INDEX), want, sizeof(want));
	free(buf);
}

static void nv_read_command(void)
{
	uint8_t *buf = malloc(TPM2_CMD_MAX);
	static const uint8_t want[] = { 0x80, 0x02, 0, 0, 0, 0x23, 0, 0, 0x01, 0x4e, /* header, 35 bytes */
					0x01, 0x80, 0x00, 0x56,			  /* authHandle: the index */
					0x01, 0x80, 0x00, 0x56,			  /* nvIndex */
					0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0, /* password session */
					0x01, 0x00,				  /* size 256 */
					0x00, 0x10 };				  /* offset 16 */

	check_command(buf, tpm2_build_nv_read(buf, INDEX, 16, 256), want, sizeof(want));
	free(buf);
}

static void nv_write_command(void)
{
	uint8_t *buf = malloc(TPM2_NV_WRITE_CMD_MAX), data[TPM2_NV_DATA_MAX];
	static const uint8_t want[] = { 0x80, 0x02, 0, 0, 0, 0x28, 0, 0, 0x01, 0x37, /* header, 40 bytes */
					0x01, 0x80, 0x00, 0x56,			  /* authHandle: the index */
					0x01, 0x80, 0x00, 0x56,			  /* nvIndex */
					0, 0, 0, 9,				  /* authorization size */
					0x03, 0, 0, 0,				  /* the policy session */
					0, 0, 0, 0, 0,				  /* nonce, attributes, hmac */
					0, 5, 'm', 'a', 'r', 'k', 's',		  /* data */
					0, 0 };					  /* offset 0 */
	size_t n;

	check_command(buf, tpm2_build_nv_write(buf, INDEX, SESSION, (const uint8_t *)"marks", 5), want, sizeof(want));
	/* the most data: exactly the bound, its sizes in the header and the TPM2B */
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	n = tpm2_build_nv_write(buf, INDEX, SESSION, data, sizeof(data));
	CHECK_EQ(n, TPM2_NV_WRITE_CMD_MAX);
	CHECK(buf[4] == 0x02 && buf[5] == 0x23 && buf[31] == 0x02 && buf[32] == 0x00);
	CHECK(!memcmp(buf + 33, data, sizeof(data)) && buf[n - 2] == 0 && buf[n - 1] == 0);
	/* without the policy: the empty password session */
	n = tpm2_build_nv_write(buf, INDEX, TPM2_RS_PW, data, 1);
	CHECK(n == 36 && buf[22] == 0x40 && buf[25] == 0x09);
	free(buf);
}

static void start_session_command(void)
{
	uint8_t *buf = malloc(TPM2_CMD_MAX), caller[TPM2_SESSION_NONCE];
	static const uint8_t head[] = { 0x80, 0x01, 0, 0, 0, 0x3b, 0, 0, 0x01, 0x76, /* header, 59 bytes */
					0x40, 0, 0, 0x07,			  /* tpmKey: TPM_RH_NULL */
					0x40, 0, 0, 0x07,			  /* bind: TPM_RH_NULL */
					0, 32 };				  /* nonceCaller */
	static const uint8_t tail[] = { 0, 0,	   /* encryptedSalt */
					0x01,	   /* TPM_SE_POLICY */
					0, 0x10,   /* symmetric: TPM_ALG_NULL */
					0, 0x0b }; /* authHash: SHA-256 */
	uint8_t want[sizeof(head) + 32 + sizeof(tail)];

	for (unsigned i = 0; i < sizeof(caller); i++)
		caller[i] = (uint8_t)(0xa0 + i);
	memcpy(want, head, sizeof(head));
	memcpy(want + sizeof(head), caller, 32);
	memcpy(want + sizeof(head) + 32, tail, sizeof(tail));
	check_command(buf, tpm2_build_start_policy_session(buf, caller), want, sizeof(want));
	free(buf);
}

static void policy_pcr_command(void)
{
	uint8_t *buf = malloc(TPM2_CMD_MAX);
	static const uint8_t want[] = { 0x80, 0x01, 0, 0, 0, 0x1a, 0, 0, 0x01, 0x7f, /* header, 26 bytes */
					0x03, 0, 0, 0,				  /* the session */
					0, 0,					  /* pcrDigest: empty */
					0, 0, 0, 1, 0, 0x0b, 3, 0x90, 0x04, 0 };  /* SHA-256 4, 7, 10 */

	check_command(buf, tpm2_build_policy_pcr(buf, SESSION, 1u << 4 | 1u << 7 | 1u << 10), want, sizeof(want));
	free(buf);
}

/* NIST P-384's base point G (FIPS 186-4, D.1.2.4), as an uncompressed
 * point; and the name tpm2-tools' tpm2_loadexternal gave it (with -g
 * sha384 -a "sign|userwithauth" -G ecc384:ecdsa-sha384) on swtpm. */
static const uint8_t g384[TPM2_P384_POINT_LEN] = {
	0x04, 0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7, 0x1e, 0xf3, 0x20, 0xad, 0x74,
	0x6e, 0x1d, 0x3b, 0x62, 0x8b, 0xa7, 0x9b, 0x98, 0x59, 0xf7, 0x41, 0xe0, 0x82, 0x54, 0x2a, 0x38, 0x55,
	0x02, 0xf2, 0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a, 0x54, 0x5e, 0x38, 0x72, 0x76, 0x0a, 0xb7, 0x36, 0x17,
	0xde, 0x4a, 0x96, 0x26, 0x2c, 0x6f, 0x5d, 0x9e, 0x98, 0xbf, 0x92, 0x92, 0xdc, 0x29, 0xf8, 0xf4, 0x1d,
	0xbd, 0x28, 0x9a, 0x14, 0x7c, 0xe9, 0xda, 0x31, 0x13, 0xb5, 0xf0, 0xb8, 0xc0, 0x0a, 0x60, 0xb1, 0xce,
	0x1d, 0x7e, 0x81, 0x9d, 0x7a, 0x43, 0x1d, 0x7c, 0x90, 0xea, 0x0e, 0x5f,
};
static const uint8_t g384_name[TPM2_P384_NAME_LEN] = {
	0x00, 0x0c, 0x41, 0x36, 0xa1, 0x13, 0xbd, 0xea, 0x0a, 0x95, 0xb6, 0x04, 0x16, 0x33, 0x1a, 0x98, 0xa1,
	0xce, 0x1c, 0x25, 0x31, 0xd1, 0xb6, 0xf0, 0x8c, 0xe2, 0x72, 0x03, 0xb2, 0x8a, 0xf1, 0x85, 0xf6, 0x73,
	0x5a, 0xd9, 0x78, 0x2d, 0xb9, 0x1d, 0x15, 0x0a, 0x0f, 0x87, 0xbc, 0xa3, 0x03, 0xd9, 0x77, 0xf6,
};

/* The key's TPMT_PUBLIC, written out from Part 2 (ECC parameters and point). */
static const uint8_t p384_head[] = {
	0x00, 0x23, 0x00, 0x0c, /* TPM_ALG_ECC, nameAlg SHA-384 */
	0x00, 0x04, 0x00, 0x40, /* sign, userWithAuth */
	0x00, 0x00, 0x00, 0x10, /* no policy; symmetric TPM_ALG_NULL */
	0x00, 0x18, 0x00, 0x0c, /* ECDSA with SHA-384 */
	0x00, 0x04, 0x00, 0x10, /* NIST P-384; kdf TPM_ALG_NULL */
};

static void p384_public_and_name(void)
{
	uint8_t pub[TPM2_P384_PUBLIC_LEN + 1], name[TPM2_P384_NAME_LEN], bad[TPM2_P384_POINT_LEN];

	pub[TPM2_P384_PUBLIC_LEN] = 0xee;
	CHECK_EQ(tpm2_p384_public(g384, pub), TPM2_P384_PUBLIC_LEN);
	CHECK(!memcmp(pub, p384_head, sizeof(p384_head)));
	CHECK(pub[20] == 0 && pub[21] == 48 && !memcmp(pub + 22, g384 + 1, 48));
	CHECK(pub[70] == 0 && pub[71] == 48 && !memcmp(pub + 72, g384 + 49, 48));
	CHECK_EQ(pub[TPM2_P384_PUBLIC_LEN], 0xee); /* nothing past it */
	/* its name: 0x000c || SHA-384 of those bytes, as tpm2-tools has it */
	name[0] = 0x00, name[1] = 0x0c;
	crypto_sha384(pub, TPM2_P384_PUBLIC_LEN, name + 2);
	CHECK(!memcmp(name, g384_name, sizeof(name)));
	memcpy(bad, g384, sizeof(bad));
	bad[0] = 0x02; /* a compressed point */
	CHECK_EQ(tpm2_p384_public(bad, pub), 0);
}

static void load_external_command(void)
{
	uint8_t *buf = malloc(TPM2_CMD_MAX);
	static const uint8_t head[] = { 0x80, 0x01, 0, 0, 0, 0x8a, 0, 0, 0x01, 0x67, /* header, 138 bytes */
					0, 0,					  /* inPrivate: none */
					0, 120 };				  /* inPublic: 120 bytes */
	static const uint8_t owner[] = { 0x40, 0, 0, 0x01 };			  /* TPM_RH_OWNER */
	uint8_t want[sizeof(head) + TPM2_P384_PUBLIC_LEN + 4];
	size_t n = sizeof(head);

	memcpy(want, head, n);
	memcpy(want + n, p384_head, sizeof(p384_head)), n += sizeof(p384_head);
	want[n++] = 0, want[n++] = 48;
	memcpy(want + n, g384 + 1, 48), n += 48;
	want[n++] = 0, want[n++] = 48;
	memcpy(want + n, g384 + 49, 48), n += 48;
	memcpy(want + n, owner, 4), n += 4;
	check_command(buf, tpm2_build_load_external(buf, g384, TPM2_RH_OWNER), want, n);
	free(buf);
}

static void verify_signature_command(void)
{
	uint8_t *buf = malloc(TPM2_CMD_MAX), d[48], r[48], s[48], want[168];
	static const uint8_t head[] = { 0x80, 0x01, 0, 0, 0, 0xa8, 0, 0, 0x01, 0x77, /* header, 168 bytes */
					0x80, 0, 0, 0x02 };			  /* keyHandle */
	size_t n = sizeof(head);

	for (unsigned i = 0; i < 48; i++)
		d[i] = (uint8_t)i, r[i] = (uint8_t)(0x40 + i), s[i] = (uint8_t)(0x80 + i);
	memcpy(want, head, n);
	want[n++] = 0, want[n++] = 48; /* digest */
	memcpy(want + n, d, 48), n += 48;
	want[n++] = 0, want[n++] = 0x18, want[n++] = 0, want[n++] = 0x0c; /* ECDSA, SHA-384 */
	want[n++] = 0, want[n++] = 48;					 /* signatureR */
	memcpy(want + n, r, 48), n += 48;
	want[n++] = 0, want[n++] = 48; /* signatureS */
	memcpy(want + n, s, 48), n += 48;
	check_command(buf, tpm2_build_verify_signature(buf, 0x80000002, d, r, s), want, n);
	free(buf);
}

static void policy_authorize_command(void)
{
	uint8_t *buf = malloc(TPM2_CMD_MAX), approved[32], want[185];
	static const uint8_t head[] = { 0x80, 0x01, 0, 0, 0, 0xb9, 0, 0, 0x01, 0x6a, /* header, 185 bytes */
					0x03, 0, 0, 0 };			  /* the session */
	static const uint8_t ref[] = "vigil-marks";
	struct tpm2_ticket tk = { .len = 72, .hierarchy = TPM2_RH_OWNER };
	size_t n = sizeof(head);

	for (unsigned i = 0; i < 32; i++)
		approved[i] = (uint8_t)(0x20 + i);
	tk.raw[0] = 0x80, tk.raw[1] = 0x22, tk.raw[2] = 0x40, tk.raw[5] = 0x01, tk.raw[7] = 64;
	for (unsigned i = 8; i < 72; i++)
		tk.raw[i] = (uint8_t)i;
	memcpy(want, head, n);
	want[n++] = 0, want[n++] = 32; /* approvedPolicy */
	memcpy(want + n, approved, 32), n += 32;
	want[n++] = 0, want[n++] = 11; /* policyRef */
	memcpy(want + n, ref, 11), n += 11;
	want[n++] = 0, want[n++] = 50; /* keySign */
	memcpy(want + n, g384_name, 50), n += 50;
	memcpy(want + n, tk.raw, 72), n += 72; /* checkTicket */
	check_command(buf, tpm2_build_policy_authorize(buf, SESSION, approved, ref, 11, g384_name, &tk), want, n);
	free(buf);
}

static void flush_context_command(void)
{
	uint8_t *buf = malloc(TPM2_CMD_MAX);
	static const uint8_t want[] = { 0x80, 0x01, 0, 0, 0, 0x0e, 0, 0, 0x01, 0x65, /* header, 14 bytes */
					0x03, 0, 0, 0 };			  /* flushHandle */

	check_command(buf, tpm2_build_flush_context(buf, SESSION), want, sizeof(want));
	free(buf);
}

/* An NV_ReadPublic response: index, nameAlg SHA-256, attributes, a policy
 * of plen bytes, dataSize 256, a name of nlen bytes (SHA-256's). */
static size_t nv_public_rsp(struct rsp *r, uint32_t index, unsigned plen, unsigned nlen)
{
	rsp_begin(r, 0x8001);
	r16(r, 4 + 2 + 4 + 2 + plen + 2);
	r32(r, index);
	r16(r, 0x000b);
	r32(r, 0x02061008); /* policywrite writeall ownerread authread no_da */
	r16(r, plen);
	rfill(r, 0x66, plen);
	r16(r, 256);
	r16(r, nlen);
	r16(r, 0x000b);
	rfill(r, 0x99, nlen - 2);
	return rsp_end(r);
}

static int parse_nv_public(const uint8_t *p, size_t n)
{
	struct tpm2_nv_public pub;

	return tpm2_parse_nv_read_public(p, n, INDEX, &pub);
}

static void nv_read_public_response(void)
{
	static struct rsp r;
	struct tpm2_nv_public pub;
	size_t n = nv_public_rsp(&r, INDEX, 32, 34);

	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), 0);
	CHECK(pub.index == INDEX && pub.name_alg == 0x000b && pub.attributes == 0x02061008 && pub.size == 256);
	CHECK(pub.policy_len == 32 && pub.policy[0] == 0x66 && pub.policy[31] == 0x66);
	CHECK(pub.name_len == 34 && pub.name[0] == 0 && pub.name[1] == 0x0b && pub.name[33] == 0x99);
	n = nv_public_rsp(&r, INDEX, 0, 34); /* no policy */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), 0);
	CHECK_EQ(pub.policy_len, 0);
}

static void nv_read_public_malformed(void)
{
	static struct rsp r;
	struct tpm2_nv_public pub;
	size_t n;

	n = nv_public_rsp(&r, INDEX + 1, 32, 34); /* another index */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 32, 34);
	r.b[11]++; /* nvPublic's size one more than its fields */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	r.b[11] -= 2; /* one less */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 20, 34); /* a policy not of SHA-256's size */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 65, 34); /* a policy longer than any digest */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 32, 33); /* a short name */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 32, 67); /* a name longer than any */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 32, 34);
	r.b[61] = 0x0c; /* a name of another algorithm */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 32, 34);
	r.b[17] = 0x12, r.b[61] = 0x12; /* a name algorithm not used here */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 32, 34);
	r.b[59] = 35; /* a name that runs past the end */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 32, 34);
	r.b[23] = 0xff; /* a policy that runs past the end */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	nv_public_rsp(&r, INDEX, 32, 34);
	n = trailing(&r);
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	n = nv_public_rsp(&r, INDEX, 32, 34);
	r.b[1] = 0x02; /* sessions tag on a command without */
	CHECK_EQ(tpm2_parse_nv_read_public(r.b, n, INDEX, &pub), -EIO);
	nv_public_rsp(&r, INDEX, 32, 34);
	cuts_refused(&r, parse_nv_public);
}

/* An NV_Read response: n data bytes of fill, the password session's reply. */
static size_t nv_read_rsp(struct rsp *r, unsigned n, uint8_t fill)
{
	rsp_begin(r, 0x8002);
	params_begin(r);
	r16(r, n);
	rfill(r, fill, n);
	params_end(r);
	r16(r, 0), r8(r, 1), r16(r, 0);
	return rsp_end(r);
}

static int parse_nv_read_256(const uint8_t *p, size_t n)
{
	uint8_t data[256];

	return tpm2_parse_nv_read(p, n, data, sizeof(data));
}

static void nv_read_response(void)
{
	static struct rsp r;
	uint8_t data[TPM2_NV_DATA_MAX];
	size_t n = nv_read_rsp(&r, 256, 0x5a);

	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, 256), 0);
	CHECK(data[0] == 0x5a && data[255] == 0x5a);
	n = nv_read_rsp(&r, TPM2_NV_DATA_MAX, 0x3c); /* the most */
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, TPM2_NV_DATA_MAX), 0);
	CHECK_EQ(data[TPM2_NV_DATA_MAX - 1], 0x3c);
}

/* Each refused, and data not written. */
static void nv_read_malformed(void)
{
	static struct rsp r;
	uint8_t data[TPM2_NV_DATA_MAX + 1];
	size_t n;

	memset(data, 0xaa, sizeof(data));
	n = nv_read_rsp(&r, 255, 0x5a); /* fewer bytes than asked */
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, 256), -EIO);
	n = nv_read_rsp(&r, 257, 0x5a); /* more */
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, 256), -EIO);
	n = nv_read_rsp(&r, TPM2_NV_DATA_MAX + 1, 0x5a); /* more than any read here */
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, TPM2_NV_DATA_MAX + 1), -EIO);
	n = nv_read_rsp(&r, 256, 0x5a);
	r.b[13] = 3; /* parameters that end inside the data */
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, 256), -EIO);
	n = nv_read_rsp(&r, 256, 0x5a);
	r.b[14] = 0x02; /* data that runs past the end */
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, 256), -EIO);
	n = nv_read_rsp(&r, 256, 0x5a);
	r.b[n - 4] = 1; /* a nonce in a password session's reply */
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, 256), -EIO);
	nv_read_rsp(&r, 256, 0x5a);
	n = trailing(&r);
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, 256), -EIO);
	n = nv_read_rsp(&r, 256, 0x5a);
	r.b[1] = 0x01; /* no sessions */
	CHECK_EQ(tpm2_parse_nv_read(r.b, n, data, 256), -EIO);
	for (size_t i = 0; i < sizeof(data); i++)
		if (!CHECK_EQ_INT(data[i], 0xaa))
			break;
	nv_read_rsp(&r, 256, 0x5a);
	cuts_refused(&r, parse_nv_read_256);
}

/* An NV_Write response: no parameters; a session reply with a nonce of
 * nlen bytes and an hmac of hmac bytes. */
static size_t nv_write_rsp(struct rsp *r, unsigned nlen, unsigned hmac)
{
	rsp_begin(r, 0x8002);
	params_begin(r);
	params_end(r);
	r16(r, nlen);
	rfill(r, 0x3c, nlen);
	r8(r, 0);
	r16(r, hmac);
	rfill(r, 0x77, hmac);
	return rsp_end(r);
}

static int parse_nv_write_policy(const uint8_t *p, size_t n)
{
	return tpm2_parse_nv_write(p, n, SESSION);
}

static void nv_write_response(void)
{
	static struct rsp r;
	size_t n = nv_write_rsp(&r, 32, 0);

	CHECK_EQ(tpm2_parse_nv_write(r.b, n, SESSION), 0);
	CHECK_EQ(tpm2_parse_nv_write(r.b, n, TPM2_RS_PW), -EIO); /* a nonce in a password's reply */
	n = nv_write_rsp(&r, 0, 0);
	CHECK_EQ(tpm2_parse_nv_write(r.b, n, TPM2_RS_PW), 0);
	CHECK_EQ(tpm2_parse_nv_write(r.b, n, SESSION), -EIO); /* a policy session's reply without its nonce */
	n = nv_write_rsp(&r, 16, 0); /* a nonce not of SHA-256's size */
	CHECK_EQ(tpm2_parse_nv_write(r.b, n, SESSION), -EIO);
	n = nv_write_rsp(&r, 33, 0);
	CHECK_EQ(tpm2_parse_nv_write(r.b, n, SESSION), -EIO);
	n = nv_write_rsp(&r, 32, 32); /* an hmac the session does not make */
	CHECK_EQ(tpm2_parse_nv_write(r.b, n, SESSION), -EIO);
	n = nv_write_rsp(&r, 32, 0);
	r.b[13] = 1; /* parameters the command has none of */
	CHECK_EQ(tpm2_parse_nv_write(r.b, n, SESSION), -EIO);
	nv_write_rsp(&r, 32, 0);
	n = trailing(&r);
	CHECK_EQ(tpm2_parse_nv_write(r.b, n, SESSION), -EIO);
	nv_write_rsp(&r, 32, 0);
	cuts_refused(&r, parse_nv_write_policy);
}

/* A StartAuthSession response: the handle, a nonceTPM of nlen bytes. */
static size_t session_rsp(struct rsp *r, uint32_t handle, unsigned nlen)
{
	rsp_begin(r, 0x8001);
	r32(r, handle);
	r16(r, nlen);
	rfill(r, 0x4e, nlen);
	return rsp_end(r);
}

static int parse_session(const uint8_t *p, size_t n)
{
	uint32_t h;

	return tpm2_parse_start_policy_session(p, n, &h);
}

static void start_session_response(void)
{
	static struct rsp r;
	uint32_t h = 0;
	size_t n = session_rsp(&r, 0x03000001, 32);

	CHECK_EQ(tpm2_parse_start_policy_session(r.b, n, &h), 0);
	CHECK_EQ(h, 0x03000001);
	n = session_rsp(&r, 0x02000000, 32); /* an HMAC session */
	CHECK_EQ(tpm2_parse_start_policy_session(r.b, n, &h), -EIO);
	n = session_rsp(&r, 0x80000000, 32); /* an object */
	CHECK_EQ(tpm2_parse_start_policy_session(r.b, n, &h), -EIO);
	n = session_rsp(&r, 0x03000000, 16); /* a nonce not of SHA-256's size */
	CHECK_EQ(tpm2_parse_start_policy_session(r.b, n, &h), -EIO);
	n = session_rsp(&r, 0x03000000, 48);
	CHECK_EQ(tpm2_parse_start_policy_session(r.b, n, &h), -EIO);
	n = session_rsp(&r, 0x03000000, 32);
	r.b[15] = 33; /* a nonce that runs past the end */
	CHECK_EQ(tpm2_parse_start_policy_session(r.b, n, &h), -EIO);
	session_rsp(&r, 0x03000000, 32);
	n = trailing(&r);
	CHECK_EQ(tpm2_parse_start_policy_session(r.b, n, &h), -EIO);
	n = session_rsp(&r, 0x03000000, 32);
	r.b[1] = 0x02;
	CHECK_EQ(tpm2_parse_start_policy_session(r.b, n, &h), -EIO);
	session_rsp(&r, 0x03000000, 32);
	cuts_refused(&r, parse_session);
}

/* A LoadExternal response: the handle, a name of nlen bytes of algorithm alg. */
static size_t load_rsp(struct rsp *r, uint32_t handle, unsigned alg, unsigned nlen)
{
	rsp_begin(r, 0x8001);
	r32(r, handle);
	r16(r, nlen);
	r16(r, alg);
	rfill(r, 0xab, nlen - 2);
	return rsp_end(r);
}

static int parse_load(const uint8_t *p, size_t n)
{
	uint8_t name[TPM2_P384_NAME_LEN];
	uint32_t h;

	return tpm2_parse_load_external(p, n, &h, name);
}

static void load_external_response(void)
{
	static struct rsp r;
	uint8_t name[TPM2_P384_NAME_LEN];
	uint32_t h = 0;
	size_t n = load_rsp(&r, 0x80000001, 0x000c, 50);

	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), 0);
	CHECK(h == 0x80000001 && name[0] == 0 && name[1] == 0x0c && name[49] == 0xab);
	n = load_rsp(&r, 0x80000001, 0x000b, 34); /* a SHA-256 name */
	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), -EIO);
	n = load_rsp(&r, 0x80000001, 0x000b, 50); /* SHA-256 said, 48 bytes given */
	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), -EIO);
	n = load_rsp(&r, 0x80000001, 0x000c, 49);
	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), -EIO);
	n = load_rsp(&r, 0x80000001, 0x000c, 51);
	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), -EIO);
	n = load_rsp(&r, 0x81000001, 0x000c, 50); /* a persistent handle */
	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), -EIO);
	n = load_rsp(&r, 0x03000000, 0x000c, 50); /* a session's */
	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), -EIO);
	n = load_rsp(&r, 0x80000001, 0x000c, 50);
	r.b[15] = 51; /* a name that runs past the end */
	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), -EIO);
	load_rsp(&r, 0x80000001, 0x000c, 50);
	n = trailing(&r);
	CHECK_EQ(tpm2_parse_load_external(r.b, n, &h, name), -EIO);
	load_rsp(&r, 0x80000001, 0x000c, 50);
	cuts_refused(&r, parse_load);
}

/* A VerifySignature response: a ticket with this tag, hierarchy and a
 * digest of dlen bytes. */
static size_t verified_rsp(struct rsp *r, unsigned tag, uint32_t hierarchy, unsigned dlen)
{
	rsp_begin(r, 0x8001);
	r16(r, tag);
	r32(r, hierarchy);
	r16(r, dlen);
	for (unsigned i = 0; i < dlen; i++)
		r8(r, (uint8_t)(0xd0 + i));
	return rsp_end(r);
}

static int parse_verified(const uint8_t *p, size_t n)
{
	struct tpm2_ticket tk;

	return tpm2_parse_verify_signature(p, n, &tk);
}

static void verify_signature_response(void)
{
	static struct rsp r;
	struct tpm2_ticket tk;
	size_t n = verified_rsp(&r, 0x8022, TPM2_RH_OWNER, 64);

	CHECK_EQ(tpm2_parse_verify_signature(r.b, n, &tk), 0);
	CHECK(tk.len == 72 && tk.hierarchy == TPM2_RH_OWNER && !memcmp(tk.raw, r.b + 10, 72));
	n = verified_rsp(&r, 0x8022, TPM2_RH_NULL, 0); /* a NULL ticket: well formed */
	CHECK_EQ(tpm2_parse_verify_signature(r.b, n, &tk), 0);
	CHECK(tk.len == 8 && tk.hierarchy == TPM2_RH_NULL);
	n = verified_rsp(&r, 0x8021, TPM2_RH_OWNER, 32); /* a creation ticket */
	CHECK_EQ(tpm2_parse_verify_signature(r.b, n, &tk), -EIO);
	n = verified_rsp(&r, 0x8024, TPM2_RH_OWNER, 32); /* a hashcheck ticket */
	CHECK_EQ(tpm2_parse_verify_signature(r.b, n, &tk), -EIO);
	n = verified_rsp(&r, 0x8022, TPM2_RH_OWNER, 65); /* longer than any digest */
	CHECK_EQ(tpm2_parse_verify_signature(r.b, n, &tk), -EIO);
	n = verified_rsp(&r, 0x8022, TPM2_RH_OWNER, 32);
	r.b[17] = 33; /* a digest that runs past the end */
	CHECK_EQ(tpm2_parse_verify_signature(r.b, n, &tk), -EIO);
	verified_rsp(&r, 0x8022, TPM2_RH_OWNER, 64);
	n = trailing(&r);
	CHECK_EQ(tpm2_parse_verify_signature(r.b, n, &tk), -EIO);
	verified_rsp(&r, 0x8022, TPM2_RH_OWNER, 64);
	cuts_refused(&r, parse_verified);
}

/* PolicyPCR, PolicyAuthorize, FlushContext: a header alone. */
static void empty_response(void)
{
	uint8_t r[] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0, 0 };

	CHECK_EQ(tpm2_parse_empty(r, 10), 0);
	r[5] = 11; /* a byte after it */
	CHECK_EQ(tpm2_parse_empty(r, 11), -EIO);
	r[5] = 10;
	r[1] = 0x02; /* sessions tag on a command without */
	CHECK_EQ(tpm2_parse_empty(r, 10), -EIO);
	CHECK_EQ(tpm2_parse_empty(r, 9), -EIO);
}

/* The wrappers refuse what the TPM must never be sent. With no interface
 * (TPM_IFACE_NONE) a command that is sent fails with -ENODEV instead. */
/* ReadPublic of the storage root key: its name, of its public area's name
 * algorithm; the public area and qualified name skipped whole. */
static size_t read_public_rsp(struct rsp *r, unsigned pub_alg, unsigned name_alg, unsigned nlen)
{
	rsp_begin(r, 0x8001);
	r16(r, 10);
	r16(r, 0x0023);
	r16(r, pub_alg);
	rfill(r, 0x44, 6);
	r16(r, nlen);
	r16(r, name_alg);
	rfill(r, 0x55, nlen - 2);
	r16(r, 34);
	r16(r, 0x000b);
	rfill(r, 0x77, 32);
	return rsp_end(r);
}

static int parse_read_public(const uint8_t *p, size_t n)
{
	uint8_t name[TPM2_NAME_MAX];
	size_t len;

	return tpm2_parse_read_public(p, n, name, &len);
}

static void read_public(void)
{
	static struct rsp r;
	uint8_t *buf = malloc(TPM2_CMD_MAX), name[TPM2_NAME_MAX];
	static const uint8_t want[] = { 0x80, 0x01, 0, 0, 0, 0x0e, 0, 0, 0x01, 0x73, /* header, 14 bytes */
					0x81, 0, 0, 0x01 };			  /* objectHandle */
	size_t n, len = 0;

	check_command(buf, tpm2_build_read_public(buf, 0x81000001), want, sizeof(want));
	free(buf);
	n = read_public_rsp(&r, 0x000b, 0x000b, 34);
	CHECK_EQ(tpm2_parse_read_public(r.b, n, name, &len), 0);
	CHECK(len == 34 && name[0] == 0 && name[1] == 0x0b && name[2] == 0x55 && name[33] == 0x55);
	cuts_refused(&r, parse_read_public);
	CHECK_EQ(tpm2_parse_read_public(r.b, trailing(&r), name, &len), -EIO);
	n = read_public_rsp(&r, 0x000b, 0x000c, 50); /* a name of another algorithm than the area's */
	CHECK_EQ(tpm2_parse_read_public(r.b, n, name, &len), -EIO);
	n = read_public_rsp(&r, 0x000b, 0x000b, 33); /* a name one byte short */
	CHECK_EQ(tpm2_parse_read_public(r.b, n, name, &len), -EIO);
	n = read_public_rsp(&r, 0x0010, 0x0010, 34); /* no name algorithm */
	CHECK_EQ(tpm2_parse_read_public(r.b, n, name, &len), -EIO);
}

static void refused_before_sending(void)
{
	struct tpm t = { .iface = TPM_IFACE_NONE };
	struct tpm2_nv_public pub;
	struct tpm2_ticket tk = { .len = 8 };
	static uint8_t data[TPM2_NV_DATA_MAX + 1], approved[32];
	uint8_t point[TPM2_P384_POINT_LEN], name[TPM2_P384_NAME_LEN];
	uint32_t h;

	CHECK_EQ(tpm2_nv_read(&t, INDEX, 0, data, 0), -EINVAL);
	CHECK_EQ(tpm2_nv_read(&t, INDEX, 0, data, TPM2_NV_DATA_MAX + 1), -EINVAL);
	CHECK_EQ(tpm2_nv_read(&t, 0x81000000, 0, data, 4), -EINVAL); /* not an NV index */
	CHECK_EQ(tpm2_nv_read(&t, INDEX, 0, data, TPM2_NV_DATA_MAX), -ENODEV);
	CHECK_EQ(tpm2_nv_read_public(&t, TPM2_RH_OWNER, &pub), -EINVAL);
	CHECK_EQ(tpm2_nv_read_public(&t, INDEX, &pub), -ENODEV);
	CHECK_EQ(tpm2_nv_write(&t, INDEX, SESSION, data, TPM2_NV_DATA_MAX + 1), -EINVAL);
	CHECK_EQ(tpm2_nv_write(&t, INDEX, 0x02000000, data, 4), -EINVAL); /* an HMAC session */
	CHECK_EQ(tpm2_nv_write(&t, 0x80000000, SESSION, data, 4), -EINVAL);
	CHECK_EQ(tpm2_nv_write(&t, INDEX, SESSION, data, TPM2_NV_DATA_MAX), -ENODEV);
	CHECK_EQ(tpm2_nv_write(&t, INDEX, TPM2_RS_PW, data, 1), -ENODEV);
	CHECK_EQ(tpm2_policy_pcr(&t, SESSION, 1u << 24), -EINVAL); /* PCR 24 */
	CHECK_EQ(tpm2_policy_pcr(&t, SESSION, 1u << 23), -ENODEV);
	memcpy(point, g384, sizeof(point));
	point[0] = 0x03; /* compressed */
	CHECK_EQ(tpm2_load_external_p384(&t, point, TPM2_RH_OWNER, &h, name), -EINVAL);
	CHECK_EQ(tpm2_load_external_p384(&t, g384, TPM2_RH_OWNER, &h, name), -ENODEV);
	CHECK_EQ(tpm2_policy_authorize(&t, SESSION, approved, data, 33, g384_name, &tk), -EINVAL);
	CHECK_EQ(tpm2_policy_authorize(&t, SESSION, approved, data, 32, g384_name, &tk), -ENODEV);
	tk.len = sizeof(tk.raw) + 1;
	CHECK_EQ(tpm2_policy_authorize(&t, SESSION, approved, data, 32, g384_name, &tk), -EINVAL);
}

int main(void)
{
	CHECK_RUN(pcr_read_command);
	CHECK_RUN(pcr_extend_command);
	CHECK_RUN(get_property_command);
	CHECK_RUN(pcr_read_response);
	CHECK_RUN(pcr_read_malformed);
	CHECK_RUN(error_code_returned);
	CHECK_RUN(pcr_extend_response);
	CHECK_RUN(get_property_response);
	CHECK_RUN(create_ak_command);
	CHECK_RUN(create_ak_response);
	CHECK_RUN(quote_command);
	CHECK_RUN(quote_response);
	CHECK_RUN(nv_read_public_command);
	CHECK_RUN(nv_read_command);
	CHECK_RUN(nv_write_command);
	CHECK_RUN(start_session_command);
	CHECK_RUN(policy_pcr_command);
	CHECK_RUN(p384_public_and_name);
	CHECK_RUN(load_external_command);
	CHECK_RUN(verify_signature_command);
	CHECK_RUN(policy_authorize_command);
	CHECK_RUN(flush_context_command);
	CHECK_RUN(nv_read_public_response);
	CHECK_RUN(nv_read_public_malformed);
	CHECK_RUN(nv_read_response);
	CHECK_RUN(nv_read_malformed);
	CHECK_RUN(nv_write_response);
	CHECK_RUN(start_session_response);
	CHECK_RUN(load_external_response);
	CHECK_RUN(verify_signature_response);
	CHECK_RUN(empty_response);
	CHECK_RUN(read_public);
	CHECK_RUN(refused_before_sending);
	return check_done();
}
