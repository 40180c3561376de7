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
	return check_done();
}
