// SPDX-License-Identifier: MIT
/*
 * Detached signature files: decode, check the key set, verify M of N.
 * See sig.h for the contract and docs/formats.md for the bytes.
 *
 * The file is untrusted and fully decoded before any cryptography runs. The
 * key set is trusted (built into the stub, or from the validated config) but
 * still checked, so a misconfigured set (threshold 0, a threshold that its
 * distinct keys can never reach, a point off the curve) fails loudly instead
 * of accepting too little.
 */
#include "kernel/crypto/sig.h"
#include "kernel/crypto/hash.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

_Static_assert(SIG_KEYID_LEN + 2 * SIG_SCALAR_LEN == SIG_ENTRY_LEN, "entry layout");
_Static_assert(CRYPTO_SHA384_LEN == SIG_SCALAR_LEN, "digest fits the curve order");

static uint32_t sig_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int sig_fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

int sig_file_decode(const void *buf, size_t len, struct sig_file *out, const char **why)
{
	const uint8_t *p = buf;
	uint32_t count;

	if (!p || len < SIG_HEADER_LEN)
		return sig_fail(why, "signature file shorter than its 16-byte header", -EBADMSG);
	if (memcmp(p, SIG_MAGIC, SIG_MAGIC_LEN) != 0)
		return sig_fail(why, "not a signature file (bad magic)", -EBADMSG);
	count = sig_le32(p + 8);
	if (count < 1 || count > SIG_MAX_ENTRIES)
		return sig_fail(why, "signature count outside 1..16", -EBADMSG);
	if (sig_le32(p + 12) != 0)
		return sig_fail(why, "reserved header field is not zero", -EBADMSG);
	if (len < SIG_FILE_LEN(count))
		return sig_fail(why, "signature file truncated", -EBADMSG);
	if (len > SIG_FILE_LEN(count))
		return sig_fail(why, "trailing bytes after the last signature", -EBADMSG);

	out->count = count;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = p + SIG_FILE_LEN(i);

		/* One entry per key: a repeated key id could only make a verifier
		 * spend a P-384 verification per copy, so it is refused here,
		 * before any is spent. */
		for (uint32_t j = 0; j < i; j++)
			if (!memcmp(out->entries[j].key_id, e, SIG_KEYID_LEN))
				return sig_fail(why, "one key id appears twice", -EBADMSG);
		out->entries[i].key_id = e;
		out->entries[i].r = e + SIG_KEYID_LEN;
		out->entries[i].s = e + SIG_KEYID_LEN + SIG_SCALAR_LEN;
	}
	return 0;
}

void sig_key_id(const uint8_t point[SIG_POINT_LEN], uint8_t id[SIG_KEYID_LEN])
{
	crypto_sha256(point, SIG_POINT_LEN, id);
}

static int sig_mbedtls_err(int ret, int otherwise)
{
	if (ret == MBEDTLS_ERR_MPI_ALLOC_FAILED || ret == MBEDTLS_ERR_ECP_ALLOC_FAILED)
		return -ENOMEM;
	return ret ? otherwise : 0;
}

/*
 * P-384, loaded once and kept: mbedtls stores the comb table it computes
 * for the generator in the group on the first multiplication by G, and
 * every later verification reuses it instead of computing it again (about
 * a third of a verification's work; 8 points from the heap). One CPU at a
 * time verifies, as one CPU at a time uses the heap (kernel/heap.h).
 */
static mbedtls_ecp_group sig_grp;
static bool sig_grp_loaded;

static int sig_group(mbedtls_ecp_group **grp)
{
	if (!sig_grp_loaded) {
		int ret;

		mbedtls_ecp_group_init(&sig_grp);
		ret = mbedtls_ecp_group_load(&sig_grp, MBEDTLS_ECP_DP_SECP384R1);
		if (ret) {
			mbedtls_ecp_group_free(&sig_grp);
			return ret;
		}
		sig_grp_loaded = true;
	}
	*grp = &sig_grp;
	return 0;
}

/* Load a 97-byte point and check it lies on the group's curve. */
static int sig_point_load(const mbedtls_ecp_group *grp, mbedtls_ecp_point *q,
			  const uint8_t point[SIG_POINT_LEN])
{
	int ret = mbedtls_ecp_point_read_binary(grp, q, point, SIG_POINT_LEN);

	if (ret == 0)
		ret = mbedtls_ecp_check_pubkey(grp, q);
	return ret;
}

static int sig_points_check(const struct sig_keyset *keys)
{
	mbedtls_ecp_group *grp;
	mbedtls_ecp_point q;
	int ret;

	mbedtls_ecp_point_init(&q);
	ret = sig_group(&grp);
	for (unsigned i = 0; ret == 0 && i < keys->count; i++)
		ret = sig_point_load(grp, &q, keys->points[i]);
	mbedtls_ecp_point_free(&q);
	return sig_mbedtls_err(ret, -EINVAL);
}

/* Index of the first key with this id, or -1. */
static int sig_key_find(uint8_t ids[][SIG_KEYID_LEN], unsigned count, const uint8_t *id)
{
	for (unsigned i = 0; i < count; i++)
		if (memcmp(ids[i], id, SIG_KEYID_LEN) == 0)
			return (int)i;
	return -1;
}

int sig_keyset_check(const struct sig_keyset *keys, uint8_t ids[][SIG_KEYID_LEN], const char **why)
{
	unsigned distinct = 0;
	int ret;

	if (!keys || !keys->points || keys->count == 0 || keys->count > SIG_MAX_KEYS)
		return sig_fail(why, "key set empty or larger than 16 keys", -EINVAL);
	if (keys->threshold == 0)
		return sig_fail(why, "key set threshold is 0", -EINVAL);
	for (unsigned i = 0; i < keys->count; i++) {
		sig_key_id(keys->points[i], ids[i]);
		if (sig_key_find(ids, i, ids[i]) < 0)
			distinct++;
	}
	if (keys->threshold > distinct)
		return sig_fail(why, "key set threshold exceeds its distinct keys", -EINVAL);
	ret = sig_points_check(keys);
	if (ret == -EINVAL)
		return sig_fail(why, "key set holds a point that is not on P-384", ret);
	return sig_fail(why, ret ? "out of memory" : "key set valid", ret);
}

int sig_verify_digest(const uint8_t point[SIG_POINT_LEN], const uint8_t digest[48],
		      const uint8_t r[SIG_SCALAR_LEN], const uint8_t s[SIG_SCALAR_LEN])
{
	mbedtls_ecp_group *grp = NULL;
	mbedtls_ecp_point q;
	mbedtls_mpi mr, ms;
	int ret;

	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&mr);
	mbedtls_mpi_init(&ms);
	ret = sig_group(&grp);
	if (ret == 0)
		ret = sig_point_load(grp, &q, point);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&mr, r, SIG_SCALAR_LEN);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&ms, s, SIG_SCALAR_LEN);
	/* Rejects r or s outside [1, n-1] itself. */
	if (ret == 0)
		ret = mbedtls_ecdsa_verify(grp, digest, CRYPTO_SHA384_LEN, &q, &mr, &ms);
	mbedtls_mpi_free(&ms);
	mbedtls_mpi_free(&mr);
	mbedtls_ecp_point_free(&q);
	return sig_mbedtls_err(ret, -EPERM);
}

/* Count the distinct keys of the set with a valid entry; each key once. */
static int sig_count_valid(const struct sig_file *f, const struct sig_keyset *keys,
			   uint8_t ids[][SIG_KEYID_LEN], const uint8_t *digest,
			   struct sig_verdict *v)
{
	bool counted[SIG_MAX_KEYS] = { false };

	for (unsigned i = 0; i < f->count; i++) {
		const struct sig_entry *e = &f->entries[i];
		int k = sig_key_find(ids, keys->count, e->key_id);
		int ret;

		if (k < 0) {
			v->unknown++;
			continue;
		}
		if (counted[k])
			continue;
		ret = sig_verify_digest(keys->points[k], digest, e->r, e->s);
		if (ret == -ENOMEM)
			return ret;
		if (ret == 0) {
			counted[k] = true;
			v->signers |= 1u << k;
			v->valid++;
		}
	}
	return 0;
}

int sig_verify_set(const void *payload, size_t len, const void *sigfile, size_t siglen,
		   const struct sig_keyset *keys, struct sig_verdict *verdict)
{
	uint8_t ids[SIG_MAX_KEYS][SIG_KEYID_LEN];
	uint8_t digest[CRYPTO_SHA384_LEN];
	struct sig_verdict v = { .needed = keys ? keys->threshold : 0 };
	struct sig_file f;
	int ret;

	ret = sig_file_decode(sigfile, siglen, &f, &v.why);
	if (ret)
		goto out;
	v.entries = f.count;
	ret = sig_keyset_check(keys, ids, &v.why);
	if (ret)
		goto out;
	crypto_sha384(payload, len, digest);
	ret = sig_count_valid(&f, keys, ids, digest, &v);
	if (ret) {
		v.why = "out of memory";
		goto out;
	}
	ret = v.valid >= keys->threshold ? 0 : -EPERM;
	v.why = ret ? "too few valid signatures by keys of the set" : "accepted";
out:
	if (verdict)
		*verdict = v;
	return ret;
}

const char *sig_strerror(int err)
{
	switch (err) {
	case 0:
		return "accepted";
	case -EBADMSG:
		return "malformed signature file";
	case -EINVAL:
		return "invalid key set";
	case -EPERM:
		return "too few valid signatures";
	case -ENOMEM:
		return "out of memory";
	default:
		return "unknown error";
	}
}
