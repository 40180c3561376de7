// SPDX-License-Identifier: MIT
/*
 * Unit tests of kernel/crypto/sig.c: the detached signature format and the
 * M-of-N rule (docs/formats.md). Keys and signatures are made here with
 * mbedtls (same configuration as the VMM) from a deterministic generator.
 */
#define CHECK_SUITE "sig"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <mbedtls/ecdsa.h>

#include "kernel/crypto/hash.h"
#include "kernel/crypto/sig.h"

struct tkey {
	mbedtls_ecp_keypair kp;
	uint8_t point[SIG_POINT_LEN];
	uint8_t id[SIG_KEYID_LEN];
};

/* Keys 0..2 form the sets under test; key 3 is a stranger. */
static struct tkey tkeys[4];

struct sigbuf {
	uint8_t b[SIG_FILE_LEN(SIG_MAX_ENTRIES + 1) + 8];
	unsigned count;
};

static const char payload[] = "vigil: the exact bytes that are signed\n";

/* Deterministic bytes: SHA-256 over a counter. Tests need repeatability, not secrecy. */
static int test_rng(void *ctx, unsigned char *out, size_t len)
{
	static uint64_t counter;
	uint8_t block[CRYPTO_SHA256_LEN];

	(void)ctx;
	while (len) {
		size_t n = len < sizeof(block) ? len : sizeof(block);

		counter++;
		crypto_sha256(&counter, sizeof(counter), block);
		memcpy(out, block, n);
		out += n;
		len -= n;
	}
	return 0;
}

static void tkey_make(struct tkey *k)
{
	size_t olen = 0;

	mbedtls_ecp_keypair_init(&k->kp);
	if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, &k->kp, test_rng, NULL) ||
	    mbedtls_ecp_point_write_binary(&k->kp.grp, &k->kp.Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
					   &olen, k->point, SIG_POINT_LEN) ||
	    olen != SIG_POINT_LEN) {
		printf("cannot make test keys\n");
		exit(2);
	}
	sig_key_id(k->point, k->id);
}

/* A signature entry by `signer` over `msg`, filed under key id `as`. */
static void entry_make(uint8_t *e, const struct tkey *signer, const uint8_t *as,
		       const void *msg, size_t len)
{
	uint8_t digest[CRYPTO_SHA384_LEN];
	mbedtls_mpi r, s;

	crypto_sha384(msg, len, digest);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_ecdsa_sign((mbedtls_ecp_group *)&signer->kp.grp, &r, &s, &signer->kp.d, digest,
			       sizeof(digest), test_rng, NULL) ||
	    mbedtls_mpi_write_binary(&r, e + SIG_KEYID_LEN, SIG_SCALAR_LEN) ||
	    mbedtls_mpi_write_binary(&s, e + SIG_KEYID_LEN + SIG_SCALAR_LEN, SIG_SCALAR_LEN)) {
		printf("cannot sign\n");
		exit(2);
	}
	memcpy(e, as, SIG_KEYID_LEN);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
}

static void sb_init(struct sigbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
	memcpy(sb->b, SIG_MAGIC, SIG_MAGIC_LEN);
}

/* Append a signature of `payload` by key k (id = its own). */
static void sb_add(struct sigbuf *sb, int k)
{
	entry_make(sb->b + SIG_FILE_LEN(sb->count), &tkeys[k], tkeys[k].id, payload, sizeof(payload));
	sb->count++;
	sb->b[8] = (uint8_t)sb->count;
}

/* Append key k's signature filed under a key id no key has (k's with its
 * first byte changed by `n`, n = 1..255): distinct ids for long files. */
static void sb_add_stranger(struct sigbuf *sb, int k, uint8_t n)
{
	uint8_t id[SIG_KEYID_LEN];

	memcpy(id, tkeys[k].id, sizeof(id));
	id[0] ^= n;
	entry_make(sb->b + SIG_FILE_LEN(sb->count), &tkeys[k], id, payload, sizeof(payload));
	sb->count++;
	sb->b[8] = (uint8_t)sb->count;
}

static size_t sb_len(const struct sigbuf *sb)
{
	return SIG_FILE_LEN(sb->count);
}

static uint8_t set_points[SIG_MAX_KEYS + 1][SIG_POINT_LEN];

/* A key set of the listed test keys (-1 ends the list). */
static struct sig_keyset set_of(unsigned threshold, const int *ks)
{
	unsigned n = 0;

	for (; *ks >= 0; ks++)
		memcpy(set_points[n++], tkeys[*ks].point, SIG_POINT_LEN);
	return (struct sig_keyset){ set_points, n, threshold };
}

static int verify(const struct sigbuf *sb, size_t len, const struct sig_keyset *set,
		  struct sig_verdict *v)
{
	return sig_verify_set(payload, sizeof(payload), sb->b, len, set, v);
}

static void accepts_one_of_one(void)
{
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), 0);
	CHECK_EQ(v.valid, 1);
	CHECK_EQ(v.needed, 1);
	CHECK_EQ(v.entries, 1);
	CHECK_EQ(v.unknown, 0);
}

static void refuses_short_files(void)
{
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	for (size_t len = 0; len < SIG_HEADER_LEN; len++)
		CHECK_EQ(verify(&sb, len, &set, &v), -EBADMSG);
	CHECK_EQ(sig_verify_set(payload, sizeof(payload), NULL, 0, &set, &v), -EBADMSG);
	CHECK_EQ(v.valid, 0);
}

static void refuses_bad_magic(void)
{
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	for (unsigned i = 0; i < SIG_MAGIC_LEN; i++) {
		sb.b[i] ^= 0x20;
		CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EBADMSG);
		sb.b[i] ^= 0x20;
	}
	memcpy(sb.b, "VGSIG002", SIG_MAGIC_LEN);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EBADMSG);
}

/* The length always matches the count, so only the count rule can refuse. */
static void refuses_count_out_of_range(void)
{
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	for (unsigned i = 1; i < SIG_MAX_ENTRIES + 1; i++)
		sb_add_stranger(&sb, 0, (uint8_t)i);
	CHECK_EQ(verify(&sb, SIG_FILE_LEN(17), &set, NULL), -EBADMSG);
	sb.b[8] = 16;
	CHECK_EQ(verify(&sb, SIG_FILE_LEN(16), &set, NULL), 0);
	sb.b[8] = 0;
	CHECK_EQ(verify(&sb, SIG_FILE_LEN(0), &set, NULL), -EBADMSG);
	/* 257 and 2^32-1: only the low byte looks valid. */
	sb.b[8] = 1, sb.b[9] = 1;
	CHECK_EQ(verify(&sb, SIG_FILE_LEN(1), &set, NULL), -EBADMSG);
	memset(sb.b + 8, 0xff, 4);
	CHECK_EQ(verify(&sb, SIG_FILE_LEN(1), &set, NULL), -EBADMSG);
}

static void refuses_reserved_nonzero(void)
{
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	for (unsigned i = 12; i < 16; i++) {
		sb.b[i] = 1;
		CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), -EBADMSG);
		CHECK(strstr(v.why, "reserved") != NULL);
		sb.b[i] = 0;
	}
}

/* The entry itself is valid: only the length rule can refuse these. */
static void refuses_truncated_and_trailing(void)
{
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	CHECK_EQ(verify(&sb, sb_len(&sb) - 1, &set, &v), -EBADMSG);
	CHECK(strstr(v.why, "truncated") != NULL);
	CHECK_EQ(verify(&sb, sb_len(&sb) + 1, &set, &v), -EBADMSG);
	CHECK(strstr(v.why, "trailing") != NULL);
	CHECK_EQ(verify(&sb, sb_len(&sb) + SIG_ENTRY_LEN, &set, &v), -EBADMSG);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), 0);
}

static void ignores_unknown_keys(void)
{
	static const int ks[] = { 0, 1, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 3);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), -EPERM);
	CHECK_EQ(v.unknown, 1);
	sb_add(&sb, 1);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), 0);
	CHECK_EQ(v.unknown, 1);
	CHECK_EQ(v.valid, 1);
}

/* A file names each key once: a repeated key id is malformed, refused
 * before any verification (copies with bad signatures would otherwise
 * cost one P-384 verification each). */
static void refuses_a_key_id_twice(void)
{
	static const int ks[] = { 0, 1, -1 };
	struct sig_keyset set = set_of(2, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	sb_add(&sb, 1);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), 0);
	CHECK_EQ(v.valid, 2);
	sb_add(&sb, 0);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), -EBADMSG);
	CHECK_EQ(v.valid, 0);
	CHECK(v.why && strstr(v.why, "twice"));
	/* Sixteen copies of one key id, each with a bad signature. */
	sb_init(&sb);
	for (int i = 0; i < SIG_MAX_ENTRIES; i++) {
		sb_add(&sb, 0);
		sb.b[SIG_FILE_LEN(i) + SIG_KEYID_LEN + 5] ^= 1;
	}
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), -EBADMSG);
	CHECK_EQ(v.valid, 0);
}

/* A set listing key 0 twice has two distinct keys, not three. */
static void counts_a_key_listed_twice_in_set_once(void)
{
	static const int dup2[] = { 0, 0, -1 };
	static const int dup3[] = { 0, 0, 1, -1 };
	struct sig_keyset set;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	set = set_of(2, dup2);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EINVAL);
	set = set_of(2, dup3);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EPERM);
	set = set_of(3, dup3);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EINVAL);
}

/* Every subset of signers of a 2-of-3 set, in both entry orders. */
static void two_of_three(void)
{
	static const int ks[] = { 0, 1, 2, -1 };
	struct sig_keyset set = set_of(2, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	for (unsigned mask = 1; mask < 8; mask++) {
		unsigned n = __builtin_popcount(mask);

		for (int rev = 0; rev < 2; rev++) {
			sb_init(&sb);
			for (int i = 0; i < 3; i++)
				if (mask & 1u << (rev ? 2 - i : i))
					sb_add(&sb, rev ? 2 - i : i);
			CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), n >= 2 ? 0 : -EPERM);
			CHECK_EQ(v.valid, n);
		}
	}
}

/* Key 1's id on key 0's signature: must not count for either key. */
static void refuses_wrong_key(void)
{
	static const int ks[] = { 0, 1, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	sb_init(&sb);
	entry_make(sb.b + SIG_HEADER_LEN, &tkeys[0], tkeys[1].id, payload, sizeof(payload));
	sb.count = 1;
	sb.b[8] = 1;
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), -EPERM);
	CHECK_EQ(v.valid, 0);
	CHECK_EQ(v.unknown, 0);
}

static void refuses_out_of_range_scalars(void)
{
	static const uint8_t order[SIG_SCALAR_LEN] = { /* n of P-384 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2,
		0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
	};
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	uint8_t *r = NULL, *s = NULL;
	struct sigbuf sb, good;

	sb_init(&good);
	sb_add(&good, 0);
	for (int which = 0; which < 4; which++) {
		sb = good;
		r = sb.b + SIG_HEADER_LEN + SIG_KEYID_LEN;
		s = r + SIG_SCALAR_LEN;
		uint8_t *x = which & 1 ? s : r;

		if (which < 2)
			memset(x, 0, SIG_SCALAR_LEN);
		else
			memcpy(x, order, SIG_SCALAR_LEN);
		CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EPERM);
	}
}

/* A bad entry by a key does not stop a later good entry by it counting. */
/* An invalid entry (another key's) does not spoil a valid one after it. */
static void invalid_entry_then_valid_entry(void)
{
	static const int ks[] = { 0, 1, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sig_verdict v;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 1);
	sb.b[SIG_HEADER_LEN + SIG_KEYID_LEN + 5] ^= 1;
	sb_add(&sb, 0);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, &v), 0);
	CHECK_EQ(v.valid, 1);
}

static void refuses_invalid_key_sets(void)
{
	static const int one[] = { 0, -1 }, two[] = { 0, 1, -1 };
	struct sig_keyset set;
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	set = set_of(0, one);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EINVAL);
	set = set_of(3, two);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EINVAL);
	set = set_of(1, one);
	set.count = 0;
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EINVAL);
	set.count = SIG_MAX_KEYS + 1;
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EINVAL);
	CHECK_EQ(verify(&sb, sb_len(&sb), NULL, NULL), -EINVAL);
	/* The signer's key is in the set, next to a point off the curve. */
	set = set_of(1, two);
	set_points[1][SIG_POINT_LEN - 1] ^= 1;
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EINVAL);
	set = set_of(1, two);
	set_points[1][0] = 0x02;
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), -EINVAL);
	set = set_of(1, two);
	CHECK_EQ(verify(&sb, sb_len(&sb), &set, NULL), 0);
}

static void refuses_flipped_payload_bits(void)
{
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	uint8_t msg[sizeof(payload)];
	struct sigbuf sb;

	sb_init(&sb);
	sb_add(&sb, 0);
	memcpy(msg, payload, sizeof(msg));
	for (size_t bit = 0; bit < 8 * sizeof(msg); bit++) {
		msg[bit / 8] ^= 1u << bit % 8;
		CHECK_EQ(sig_verify_set(msg, sizeof(msg), sb.b, sb_len(&sb), &set, NULL), -EPERM);
		msg[bit / 8] ^= 1u << bit % 8;
	}
	CHECK_EQ(sig_verify_set(msg, sizeof(msg) - 1, sb.b, sb_len(&sb), &set, NULL), -EPERM);
	CHECK_EQ(sig_verify_set(msg, sizeof(msg), sb.b, sb_len(&sb), &set, NULL), 0);
}

/* Every single-bit change of a valid one-entry file must be refused. */
static void refuses_every_flipped_file_bit(void)
{
	static const int ks[] = { 0, -1 };
	struct sig_keyset set = set_of(1, ks);
	struct sigbuf sb;
	size_t len;

	sb_init(&sb);
	sb_add(&sb, 0);
	len = sb_len(&sb);
	for (size_t bit = 0; bit < 8 * len; bit++) {
		int ret;

		sb.b[bit / 8] ^= 1u << bit % 8;
		ret = verify(&sb, len, &set, NULL);
		sb.b[bit / 8] ^= 1u << bit % 8;
		if (!CHECK(ret == (bit < 8 * SIG_HEADER_LEN ? -EBADMSG : -EPERM)))
			printf("    bit %zu: %d\n", bit, ret);
	}
	CHECK_EQ(verify(&sb, len, &set, NULL), 0);
}

static void strerror_names_every_code(void)
{
	static const int codes[] = { 0, -EBADMSG, -EINVAL, -EPERM, -ENOMEM };

	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		CHECK(strcmp(sig_strerror(codes[i]), "unknown error") != 0);
	CHECK(strcmp(sig_strerror(-EIO), "unknown error") == 0);
}

int main(void)
{
	for (unsigned i = 0; i < 4; i++)
		tkey_make(&tkeys[i]);
	CHECK_RUN(accepts_one_of_one);
	CHECK_RUN(refuses_short_files);
	CHECK_RUN(refuses_bad_magic);
	CHECK_RUN(refuses_count_out_of_range);
	CHECK_RUN(refuses_reserved_nonzero);
	CHECK_RUN(refuses_truncated_and_trailing);
	CHECK_RUN(ignores_unknown_keys);
	CHECK_RUN(refuses_a_key_id_twice);
	CHECK_RUN(counts_a_key_listed_twice_in_set_once);
	CHECK_RUN(two_of_three);
	CHECK_RUN(refuses_wrong_key);
	CHECK_RUN(refuses_out_of_range_scalars);
	CHECK_RUN(invalid_entry_then_valid_entry);
	CHECK_RUN(refuses_invalid_key_sets);
	CHECK_RUN(refuses_flipped_payload_bits);
	CHECK_RUN(refuses_every_flipped_file_bit);
	CHECK_RUN(strerror_names_every_code);
	for (unsigned i = 0; i < 4; i++)
		mbedtls_ecp_keypair_free(&tkeys[i].kp);
	return check_done();
}
