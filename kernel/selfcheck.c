/* SPDX-License-Identifier: MIT */
#include <errno.h>
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

/* Whether the digest just taken (state.last) is the expected one; a
 * mismatch is counted, and reported once per distinct digest. */
static bool selfcheck_matches(void)
{
	char hex[65];

	if (!memcmp(state.last, state.expected, sizeof(state.last)))
		return true;
	state.mismatches++;
	if (memcmp(state.last, reported, sizeof(reported))) {
		memcpy(reported, state.last, sizeof(reported));
		selfcheck_hex(state.last, hex);
		printk("vigil: TAMPERING: VMM text changed outside a verified patch: sha256:%s (check %lu)\n", hex,
		       state.runs);
	}
	return false;
}

bool selfcheck_run(void)
{
	selfcheck_hash(state.last);
	state.runs++;
	return selfcheck_matches();
}

/* Lay the edits that reach into [addr, addr + len) over buf, which holds those bytes. */
static void selfcheck_overlay(uint8_t *buf, uint64_t addr, uint64_t len, const struct code_edit *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t lo = e[i].addr > addr ? e[i].addr : addr;
		uint64_t hi = e[i].addr + e[i].len < addr + len ? e[i].addr + e[i].len : addr + len;

		if (lo >= hi)
			continue;
		if (e[i].src)
			memcpy(buf + (lo - addr), e[i].src + (lo - e[i].addr), hi - lo);
		else
			memset(buf + (lo - addr), e[i].fill, hi - lo);
	}
}

/* Feed the code in [addr, addr + len) to now (as it is) and to after (with
 * the edits laid over); either may be NULL. One read of each byte serves
 * both, so the digest after is made of the very bytes the digest now
 * vouches for. */
static void selfcheck_span(mbedtls_sha256_context *now, mbedtls_sha256_context *after, uint64_t addr, uint64_t len,
			   const struct code_edit *e, unsigned n)
{
	uint8_t buf[256];

	while (len) {
		uint64_t k = len < sizeof(buf) ? len : sizeof(buf);

		memcpy(buf, (const void *)(uintptr_t)addr, k);
		if (now)
			(void)mbedtls_sha256_update_ret(now, buf, k);
		if (after) {
			selfcheck_overlay(buf, addr, k, e, n);
			(void)mbedtls_sha256_update_ret(after, buf, k);
		}
		addr += k;
		len -= k;
	}
}

int selfcheck_digest_after(const struct code_edit *edits, unsigned n, uint64_t area_used_after, uint8_t next[32])
{
	mbedtls_sha256_context now, after;
	uint64_t text = (uint64_t)(uintptr_t)__text_start, area = (uint64_t)(uintptr_t)patch_area();
	uint64_t used = patch_area_rest_unused() ? patch_area_used() : PATCH_AREA_SIZE; /* as selfcheck_hash */
	uint64_t both = used < area_used_after ? used : area_used_after;

	mbedtls_sha256_init(&now);
	mbedtls_sha256_init(&after);
	(void)mbedtls_sha256_starts_ret(&now, 0);
	(void)mbedtls_sha256_starts_ret(&after, 0);
	selfcheck_span(&now, &after, text, (uint64_t)(__text_end - __text_start), edits, n);
	selfcheck_span(&now, &after, area, both, edits, n);
	selfcheck_span(&now, NULL, area + both, used - both, edits, n);
	selfcheck_span(NULL, &after, area + both, area_used_after - both, edits, n);
	(void)mbedtls_sha256_finish_ret(&now, state.last);
	(void)mbedtls_sha256_finish_ret(&after, next);
	mbedtls_sha256_free(&now);
	mbedtls_sha256_free(&after);
	state.runs++;
	if (selfcheck_matches())
		return 0;
	return -EBADMSG;
}

bool selfcheck_adopt(const uint8_t next[32])
{
	char hex[65];

	memcpy(state.expected, next, sizeof(state.expected));
	selfcheck_hex(state.expected, hex);
	printk("vigil: code digest moved by a verified change: sha256:%s\n", hex);
	return selfcheck_run();
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

const struct selfcheck_state *selfcheck_state(void)
{
	return &state;
}
