/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "kernel/selfcheck.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/patch.h"
#include <mbedtls/sha256.h>

/* Filled in the linked image by tools/text-digest.py; all zero until then. */
__attribute__((used, section(".rodata.text_sha256"))) const uint8_t selfcheck_text_sha256[32];

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

/*
 * All the code the VMM can run: its text, then the part of the live-patch
 * area patches used. The rest of the area must be int3 as at boot, which
 * a word compare checks for a fraction of a hash's cost; if it is not,
 * the rest is hashed too, so the digest moves and the check fails.
 */
static void selfcheck_hash(uint8_t out[32])
{
	mbedtls_sha256_context ctx;
	uint64_t used = patch_area_used();

	mbedtls_sha256_init(&ctx);
	(void)mbedtls_sha256_starts_ret(&ctx, 0);
	(void)mbedtls_sha256_update_ret(&ctx, (const uint8_t *)__text_start, (size_t)(__text_end - __text_start));
	if (!patch_area_rest_unused())
		used = PATCH_AREA_SIZE;
	(void)mbedtls_sha256_update_ret(&ctx, patch_area(), used);
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

int selfcheck_init(void)
{
	static const uint8_t none[32];
	char hex[65];

	/* Read through a volatile view: the compiler saw the array as zeros. */
	for (unsigned i = 0; i < sizeof(state.expected); i++)
		state.expected[i] = ((const volatile uint8_t *)selfcheck_text_sha256)[i];
	if (!memcmp(state.expected, none, sizeof(none)))
		return -1;
	memcpy(state.last, state.expected, sizeof(state.last));
	selfcheck_hex(state.expected, hex);
	printk("vigil: code %lu KiB text (+ %lu KiB patch area, all int3) sha256:%s (from the image)\n",
	       (uint64_t)(__text_end - __text_start) / 1024, (uint64_t)PATCH_AREA_SIZE / 1024, hex);
	return 0;
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
