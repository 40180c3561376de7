/* SPDX-License-Identifier: MIT */
/*
 * A guest's console ring: the guest's console output, already cleaned, on
 * its way from the guest's CPU (the one producer, vmm/vuart.c) to the VMM's
 * CPU (the one consumer, vmm/vm_console.c), which prints it. No lock and no
 * waiting on either side: the producer alone moves head, the consumer alone
 * moves tail, each publishing with a release store that the other reads
 * with an acquire load, so bytes are in the ring before they are visible
 * and are read out before their space is handed back.
 *
 * The ring carries a byte stream, so that the consumer sees an unfinished
 * line while it is being written. What the bytes mean (text, line ends,
 * erasures, the VMM's own lines) and which lines are let in is the
 * producer's policy (vmm/vuart.h); the ring only counts the lines the
 * producer drops.
 */
#ifndef VMM_CONRING_H
#define VMM_CONRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONRING_SIZE 16384u	/* bytes; a power of two */
#define CONRING_LINE_MAX 256u	/* the longest line in the stream, its '\n' included */
#define CONRING_RESERVE (2 * CONRING_LINE_MAX) /* kept free for the VMM's own lines */

_Static_assert((CONRING_SIZE & (CONRING_SIZE - 1)) == 0, "CONRING_SIZE must be a power of two");

struct conring {
	uint32_t head;	  /* bytes ever queued; written by the producer only */
	uint32_t tail;	  /* bytes ever taken; written by the consumer only */
	uint64_t dropped; /* guest lines dropped, ring full; written by the producer only */
	char buf[CONRING_SIZE];
};

/* Producer: the bytes free now (the consumer may free more meanwhile). */
size_t conring_room(const struct conring *r);
/* Producer: queue len bytes; the caller checked they fit (else nothing is queued). */
void conring_push(struct conring *r, const char *s, size_t len);
/* Producer: count one line dropped. */
void conring_count_drop(struct conring *r);
/* Consumer: copy up to cap of the oldest bytes into out, leaving them queued. */
size_t conring_peek(const struct conring *r, char *out, size_t cap);
/* Consumer: hand back the oldest n bytes (at most what peek returned). */
void conring_consume(struct conring *r, size_t n);
/* Any CPU: the byte counters (free-running), and whether all was taken. */
uint32_t conring_head(const struct conring *r);
uint32_t conring_tail(const struct conring *r);
bool conring_empty(const struct conring *r);
/* Any CPU: how many guest lines were dropped so far. */
uint64_t conring_dropped(const struct conring *r);

#endif
