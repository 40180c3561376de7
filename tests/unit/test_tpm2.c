// SPDX-License-Identifier: MIT
/*
 * Unit tests of the TPM 2.0 commands (drivers/tpm2.c): the bytes of each
 * command as TPM 2.0 Library Part 3 lays them out, written out here by
 * hand; responses built the same way parse, and every malformed one (a
 * size that disagrees with the bytes, a wrong tag, an answer about another
 * PCR or algorithm, a short digest, trailing bytes, a non-empty session
 * reply) is refused; a TPM error code comes back as itself.
 */
#define CHECK_SUITE "tpm2"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "drivers/tpm2.h"

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
	return check_done();
}
