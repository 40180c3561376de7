/* SPDX-License-Identifier: MIT */
/*
 * Detached signature files (docs/formats.md, "Detached signature files"):
 * decoding and M-of-N verification against a key set.
 *
 * One implementation for the UEFI stub, the VMM and the host tools: it
 * depends on mbedtls and <string.h> only, allocates only through mbedtls
 * (calloc/free, see include/libc/stdlib.h) and keeps no state between calls.
 *
 * A key is its 97-byte uncompressed P-384 point 04 || X || Y; its id is the
 * SHA-256 of those bytes. A signature is ECDSA P-384 over the SHA-384 of the
 * exact payload bytes, (r, s) big-endian, 48 bytes each.
 */
#ifndef VIGIL_CRYPTO_SIG_H
#define VIGIL_CRYPTO_SIG_H

#include <stddef.h>
#include <stdint.h>

#define SIG_POINT_LEN 97
#define SIG_KEYID_LEN 32
#define SIG_SCALAR_LEN 48
#define SIG_MAGIC "VGSIG001"
#define SIG_MAGIC_LEN 8
#define SIG_HEADER_LEN 16
#define SIG_ENTRY_LEN 128
#define SIG_MAX_ENTRIES 16
#define SIG_MAX_KEYS 16
#define SIG_FILE_LEN(count) (SIG_HEADER_LEN + (size_t)SIG_ENTRY_LEN * (count))

/*
 * A key set with its threshold: accepted means at least `threshold`
 * distinct keys of `points` signed. Valid sets have 1 <= count <=
 * SIG_MAX_KEYS, every point on P-384, and 1 <= threshold <= the number of
 * distinct points (a point listed twice is one key).
 */
struct sig_keyset {
	const uint8_t (*points)[SIG_POINT_LEN];
	unsigned count;
	unsigned threshold;
};

/* One decoded entry; the pointers point into the caller's file buffer. */
struct sig_entry {
	const uint8_t *key_id; /* SIG_KEYID_LEN bytes */
	const uint8_t *r;      /* SIG_SCALAR_LEN bytes, big-endian */
	const uint8_t *s;      /* SIG_SCALAR_LEN bytes, big-endian */
};

struct sig_file {
	unsigned count;
	struct sig_entry entries[SIG_MAX_ENTRIES];
};

/* What a verification found, for messages ("too few signers: 1 of 2"). */
struct sig_verdict {
	unsigned valid;	  /* distinct keys of the set with a valid signature */
	unsigned needed;  /* the set's threshold */
	unsigned entries; /* entries in the file (0 if it did not decode) */
	unsigned unknown; /* entries whose key id is not in the set */
	uint32_t signers; /* bit k: key k of the set signed validly */
	const char *why;  /* static text: the first reason for refusal, or "accepted" */
};

/*
 * Decode and validate a whole signature file without any cryptography:
 * magic, count 1..SIG_MAX_ENTRIES, reserved zero, exact length.
 * Returns 0, or -EBADMSG with *why set to the reason (why may be NULL).
 */
int sig_file_decode(const void *buf, size_t len, struct sig_file *out, const char **why)
	__attribute__((warn_unused_result));

/*
 * Check a key set (see struct sig_keyset) and compute its key ids into
 * ids[0..count). Returns 0 or -EINVAL (*why set), -ENOMEM.
 */
int sig_keyset_check(const struct sig_keyset *keys, uint8_t ids[][SIG_KEYID_LEN], const char **why)
	__attribute__((warn_unused_result));

/*
 * Verify `sigfile` over `payload` against `keys`. Order: decode the whole
 * file, check the key set, then verify only entries naming a key of the set,
 * each key at most once. Returns:
 *   0          accepted: at least keys->threshold distinct keys verified;
 *   -EBADMSG   the file is malformed (nothing was verified);
 *   -EINVAL    the key set is invalid;
 *   -EPERM     well formed, but too few keys of the set signed validly;
 *   -ENOMEM    mbedtls could not allocate.
 * `verdict` (may be NULL) is filled in on every return.
 */
int sig_verify_set(const void *payload, size_t len, const void *sigfile, size_t siglen,
		   const struct sig_keyset *keys, struct sig_verdict *verdict)
	__attribute__((warn_unused_result));

/*
 * Verify one raw signature (r, s) by one point over a SHA-384 digest.
 * Returns 0 if valid, -EPERM if not (including a point off the curve),
 * -ENOMEM. The building block of sig_verify_set, exported for tools and tests.
 */
int sig_verify_digest(const uint8_t point[SIG_POINT_LEN], const uint8_t digest[48],
		      const uint8_t r[SIG_SCALAR_LEN], const uint8_t s[SIG_SCALAR_LEN])
	__attribute__((warn_unused_result));

/* The key id of a point: SHA-256 of its 97 bytes. */
void sig_key_id(const uint8_t point[SIG_POINT_LEN], uint8_t id[SIG_KEYID_LEN]);

/* A short fixed description of a return code of the functions above. */
const char *sig_strerror(int err);

#endif
