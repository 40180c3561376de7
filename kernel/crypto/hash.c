// SPDX-License-Identifier: MIT
/* Digests; see hash.h. */
#include "kernel/crypto/hash.h"

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <string.h>

void crypto_sha256(const void *p, size_t n, uint8_t out[CRYPTO_SHA256_LEN])
{
	/* Returns non-zero only from an _ALT implementation; none is configured. */
	(void)mbedtls_sha256_ret(p, n, out, 0);
}

void crypto_sha384(const void *p, size_t n, uint8_t out[CRYPTO_SHA384_LEN])
{
	/* mbedtls writes through an unsigned char[64] even for SHA-384. */
	uint8_t full[64];

	(void)mbedtls_sha512_ret(p, n, full, 1);
	memcpy(out, full, CRYPTO_SHA384_LEN);
}

/* The _ret functions fail only in an _ALT implementation: none is configured. */
void crypto_stream_start(struct crypto_hash_stream *s)
{
	mbedtls_sha256_init(&s->sha256);
	mbedtls_sha512_init(&s->sha384);
	(void)mbedtls_sha256_starts_ret(&s->sha256, 0);
	(void)mbedtls_sha512_starts_ret(&s->sha384, 1);
}

void crypto_stream_add(struct crypto_hash_stream *s, const void *p, size_t n)
{
	(void)mbedtls_sha256_update_ret(&s->sha256, p, n);
	(void)mbedtls_sha512_update_ret(&s->sha384, p, n);
}

void crypto_stream_end(struct crypto_hash_stream *s, uint8_t sha256[CRYPTO_SHA256_LEN],
		       uint8_t sha384[CRYPTO_SHA384_LEN])
{
	uint8_t full[64];

	(void)mbedtls_sha256_finish_ret(&s->sha256, sha256);
	(void)mbedtls_sha512_finish_ret(&s->sha384, full);
	memcpy(sha384, full, CRYPTO_SHA384_LEN);
}
