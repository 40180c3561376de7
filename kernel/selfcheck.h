/* SPDX-License-Identifier: MIT */
/*
 * The runtime self-check: the VMM re-hashes its code (SHA-256 of its text
 * and of the live-patch area) and compares it with the digest taken at boot,
 * before any other CPU or any guest ran. The text is mapped read-only and has no writable alias, so a
 * mismatch means the protections were bypassed (a physical or DMA write, a
 * hardware fault): it is reported as tampering. Only a verified live patch
 * may move the expected digest (the channel issue builds that).
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

void selfcheck_init(void);
/* A verified patch or revert changed the code: take its digest as expected. */
void selfcheck_rebase(void);
/* Hash the text now; returns true when it matches. */
bool selfcheck_run(void);
const struct selfcheck_state *selfcheck_state(void);

#endif
