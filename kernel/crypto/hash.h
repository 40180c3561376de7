/* SPDX-License-Identifier: MIT */
/*
 * Digests over a buffer, for measurements and key ids, and over a stream. Built on
 * mbedtls's software SHA-2, which has no failure path (no hardware hooks are
 * configured), so these return nothing.
 */
#ifndef VIGIL_CRYPTO_HASH_H
#define VIGIL_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA384_LEN 48

void crypto_sha256(const void *p, size_t n, uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_sha384(const void *p, size_t n, uint8_t out[CRYPTO_SHA384_LEN]);

/* Both digests of bytes that arrive in pieces (a guest update's files). */
struct crypto_hash_stream {
	mbedtls_sha256_context sha256;
	mbedtls_sha512_context sha384;
};

void crypto_stream_start(struct crypto_hash_stream *s);
void crypto_stream_add(struct crypto_hash_stream *s, const void *p, size_t n);
void crypto_stream_end(struct crypto_hash_stream *s, uint8_t sha256[CRYPTO_SHA256_LEN],
		       uint8_t sha384[CRYPTO_SHA384_LEN]);

#endif
