/* SPDX-License-Identifier: MIT */
/*
 * One-shot digests over a buffer, for measurements and key ids. Built on
 * mbedtls's software SHA-2, which has no failure path (no hardware hooks are
 * configured), so these return nothing.
 */
#ifndef VIGIL_CRYPTO_HASH_H
#define VIGIL_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA384_LEN 48

void crypto_sha256(const void *p, size_t n, uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_sha384(const void *p, size_t n, uint8_t out[CRYPTO_SHA384_LEN]);

#endif
