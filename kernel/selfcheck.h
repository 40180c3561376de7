/* SPDX-License-Identifier: MIT */
/*
 * The runtime self-check: the VMM re-hashes its code (SHA-256 of its text
 * and of the used part of the live-patch area) and compares it with the
 * expected digest. At boot that is the digest of the text the build wrote
 * into the image (tools/text-digest.py), so it is covered by the platform
 * signature and measured with the image: code changed between the stub's
 * load and the first check is caught too. The text is mapped read-only and
 * has no writable alias, so a mismatch means the protections were bypassed
 * (a physical or DMA write, a hardware fault): it is reported as tampering.
 * Only a verified live patch or revert moves the expected digest, and only
 * to a digest computed from the verified code and the verified change.
 */
#ifndef KERNEL_SELFCHECK_H
#define KERNEL_SELFCHECK_H

#include <stdbool.h>
#include <stdint.h>

struct selfcheck_state {
	uint8_t expected[32];
	uint8_t last[32];
	uint64_t runs;
	uint64_t mismatches;
};

/* Take the image's text digest as expected; -1 if the build wrote none. */
int selfcheck_init(void) __attribute__((warn_unused_result));
/*
 * A verified change to the code (a live patch or its revert), as bytes laid
 * over the code: len bytes at addr from src, or of fill when src is NULL.
 */
struct code_edit {
	uint64_t addr;
	const uint8_t *src;
	uint8_t fill;
	uint64_t len;
};

/*
 * Before a verified change: the digest the code will have after it, in
 * next, computed in one pass over the code as it is, whose own digest must
 * be the expected one, with the edits laid over it. The expected digest
 * never comes from memory alone: a change made behind the self-check's
 * back is not adopted by the next patch. area_used_after is how much of
 * the patch area live patches use after the change (patch_area_used()'s
 * sense). -EBADMSG, with TAMPERING reported, when the code as it is does
 * not match: nothing may be built on it.
 */
int selfcheck_digest_after(const struct code_edit *edits, unsigned n, uint64_t area_used_after, uint8_t next[32])
	__attribute__((warn_unused_result));
/* The change is made: next is the expected digest from now on, and the
 * code is checked against it at once (false, TAMPERING reported, if the
 * code is not what the change should have made it). */
bool selfcheck_adopt(const uint8_t next[32]);
/* Hash the text now; returns true when it matches. */
bool selfcheck_run(void);
const struct selfcheck_state *selfcheck_state(void);

#endif
