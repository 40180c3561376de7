/* SPDX-License-Identifier: MIT */
/*
 * The live-patch engine: function replacement at function entry.
 *
 * The patch area (include/vigil/patch.h) is backed by pages inside the VMM
 * image, so the physmap has no alias of it, and is mapped once, at boot,
 * executable and read-only; unused bytes are int3. Placing code and writing
 * the `jmp rel32` redirections happens while every other CPU waits at a safe
 * point (kernel/rendezvous.h), with CR0.WP cleared on the writing CPU alone
 * for those few stores: no writable mapping of the text or the patch area
 * ever exists. Afterwards the self-check's expected digest moves to the new
 * text, so the change is not reported as tampering, and only this path moves
 * it.
 */
#ifndef KERNEL_PATCH_H
#define KERNEL_PATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vigil/patch.h"

struct bundle_patch;

#define PATCH_MAX_LIVE 16

int patch_init(void) __attribute__((warn_unused_result));
/* Check everything, then apply. On error nothing changed and why says why.
 * *pause_tsc: TSC ticks other CPUs were held. */
int patch_apply(const struct bundle_patch *p, char *why, size_t whylen, uint64_t *pause_tsc)
	__attribute__((warn_unused_result));
int patch_revert(const char *name, char *why, size_t whylen, uint64_t *pause_tsc)
	__attribute__((warn_unused_result));
unsigned patch_live_count(void);

/* The patch area as mapped (for the self-check). */
const uint8_t *patch_area(void);
/* How much of it live patches use (up to the end of the highest, rounded
 * up to PATCH_ALIGN), and whether every byte beyond is int3: a revert
 * refills its code with int3, so the digest after it is the one before. */
uint64_t patch_area_used(void);
bool patch_area_rest_unused(void);

#endif
