/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "kernel/selfcheck.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/patch.h"
#include <mbedtls/sha256.h>

static struct selfcheck_state state;
static uint8_t reported[32]; /* the last bad digest reported, to report each change once */

static void selfcheck_hex(const uint8_t d[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

/* The VMM's text, then the live-patch area: all the code the VMM can run. */
static void selfcheck_hash(uint8_t out[32])
{
	mbedtls_sha256_context ctx;

	mbedtls_sha256_init(&ctx);
	(void)mbedtls_sha256_starts_ret(&ctx, 0);
	(void)mbedtls_sha256_update_ret(&ctx, (const uint8_t *)__text_start, (size_t)(__text_end - __text_start));
	(void)mbedtls_sha256_update_ret(&ctx, patch_area(), PATCH_AREA_SIZE);
	(void)mbedtls_sha256_finish_ret(&ctx, out);
	mbedtls_sha256_free(&ctx);
}

void selfcheck_rebase(void)
{
	char hex[65];

	selfcheck_hash(state.expected);
	memcpy(state.last, state.expected, sizeof(state.last));
	selfcheck_hex(state.expected, hex);
	printk("vigil: code digest moved by a verified change: sha256:%s\n", hex);
}

void selfcheck_init(void)
{
	char hex[65];

	selfcheck_hash(state.expected);
	memcpy(state.last, state.expected, sizeof(state.last));
	selfcheck_hex(state.expected, hex);
	printk("vigil: code %lu KiB text + %lu KiB patch area sha256:%s\n",
	       (uint64_t)(__text_end - __text_start) / 1024, (uint64_t)PATCH_AREA_SIZE / 1024, hex);
}

bool selfcheck_run(void)
{
	char hex[65];
	bool ok;

	selfcheck_hash(state.last);
	state.runs++;
	ok = !memcmp(state.last, state.expected, sizeof(state.last));
	if (!ok) {
		state.mismatches++;
		if (memcmp(state.last, reported, sizeof(reported))) {
			memcpy(reported, state.last, sizeof(reported));
			selfcheck_hex(state.last, hex);
			printk("vigil: TAMPERING: VMM text changed outside a verified patch: sha256:%s "
			       "(check %lu)\n", hex, state.runs);
		}
	}
	return ok;
}

const struct selfcheck_state *selfcheck_state(void)
{
	return &state;
}
