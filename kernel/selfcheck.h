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
 * Only a verified live patch or revert moves the expected digest.
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
/* A verified patch or revert changed the code: take its digest as expected. */
void selfcheck_rebase(void);
/* Hash the text now; returns true when it matches. */
bool selfcheck_run(void);
const struct selfcheck_state *selfcheck_state(void);

#endif
