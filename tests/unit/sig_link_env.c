// SPDX-License-Identifier: MIT
/*
 * The environment the signature verifier may assume in the VMM, and nothing
 * more: calloc, free and __stack_chk_fail (include/libc/stdlib.h). Linked
 * with the VMM flavour of sig.c, string.c and mbedtls by tests/unit/unit.mk;
 * any other undefined symbol fails that link. Never run.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/crypto/sig.h"

void *calloc(size_t n, size_t size)
{
	(void)n;
	(void)size;
	return NULL;
}

void free(void *p)
{
	(void)p;
}

__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	for (;;)
		;
}

void sig_link_entry(void);
void sig_link_entry(void)
{
	static const uint8_t points[1][SIG_POINT_LEN];
	static const struct sig_keyset keys = { points, 1, 1 };

	(void)!sig_verify_set(NULL, 0, NULL, 0, &keys, NULL);
}
