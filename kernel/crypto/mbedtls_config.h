/* SPDX-License-Identifier: MIT */
/*
 * The mbedtls configuration of the freestanding builds (VMM, UEFI stub) and
 * of the unit tests: exactly what verifying a detached signature needs
 * (docs/formats.md), nothing more. Selected with
 * -DMBEDTLS_CONFIG_FILE='"kernel/crypto/mbedtls_config.h"'
 * (see $(CRYPTO_INC) in mk/mbedtls.mk).
 *
 * Absent on purpose: file IO, time, entropy sources, a DRBG, printf.
 * Verification handles only public data, so ECP point blinding (which needs a
 * random generator) is not required: MBEDTLS_ECP_NO_INTERNAL_RNG.
 */
#ifndef VIGIL_MBEDTLS_CONFIG_H
#define VIGIL_MBEDTLS_CONFIG_H

/* Inline assembly in bn_mul.h uses general registers only (mulq). */
#define MBEDTLS_HAVE_ASM

/* Hashes: SHA-256 (key ids, measurements), SHA-384 (the signed digest). */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C

/* ECDSA P-384, and nothing but P-384. */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_ECDSA_C
/* Required by MBEDTLS_ECDSA_C (its DER signature helpers); unused by us. */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

/*
 * Memory: mbedtls calls calloc() and free(), resolved at link time. Every
 * environment provides them (see include/libc/stdlib.h); the unit tests get
 * the C library's. mbedtls_platform_set_calloc_free() can still override.
 */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_STD_MEM_HDR <stdlib.h>
#define MBEDTLS_PLATFORM_STD_CALLOC calloc
#define MBEDTLS_PLATFORM_STD_FREE free

#include "mbedtls/check_config.h"

#endif
