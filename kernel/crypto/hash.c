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
