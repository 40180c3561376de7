/* SPDX-License-Identifier: MIT */
/* attack-lapic's parts: main.c (registers, IPIs, storms), access.c (refused accesses). */
#ifndef ATTACK_LAPIC_H
#define ATTACK_LAPIC_H

#include "apic.h"
#include "attack.h"

/* The writable registers, to see that an access changed none of them. */
struct lapic_snapshot {
	uint32_t reg[48];
	unsigned n;
};

void lapic_snapshot_take(struct lapic_snapshot *s);
/* Whether every register reads as in s; names the first that does not. */
int lapic_snapshot_same(const struct lapic_snapshot *s, char *why, unsigned why_len);

/* Every access form the VMM must refuse: each exactly one #GP, nothing changed. */
void lapic_refused_accesses(void);

#endif
