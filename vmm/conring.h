/* SPDX-License-Identifier: MIT */
/*
 * A guest's console ring: finished console lines on their way from the
 * guest's CPU (the one producer) to the VMM's CPU (the one consumer), which
 * prints them (vmm/vm_console.c). No lock and no waiting on either side:
 * the producer alone moves head, the consumer alone moves tail, each
 * publishing with a release store that the other reads with an acquire
 * load, so a line's bytes are in the ring before its end is visible and
 * are read out before its space is handed back.
 *
 * An entry is one whole line, its last byte '\n' and no other '\n' in it.
 * A line that does not fit is dropped whole, never cut, and counted. Guest
 * lines leave CONRING_RESERVE bytes free for the VMM's own lines about the
 * guest (it stopped, it restarted), so a flood cannot crowd those out.
 */
#ifndef VMM_CONRING_H
#define VMM_CONRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONRING_SIZE 16384u	/* bytes; a power of two */
#define CONRING_LINE_MAX 256u	/* the longest entry, its '\n' included */
#define CONRING_RESERVE (2 * CONRING_LINE_MAX)

_Static_assert((CONRING_SIZE & (CONRING_SIZE - 1)) == 0, "CONRING_SIZE must be a power of two");

struct conring {
	uint32_t head;	  /* bytes ever queued; written by the producer only */
	uint32_t tail;	  /* bytes ever taken; written by the consumer only */
	uint64_t dropped; /* guest lines dropped, ring full; written by the producer only */
	char buf[CONRING_SIZE];
};

/*
 * Producer: queue one line of len bytes (ending in '\n'). A guest line
 * needs len + CONRING_RESERVE bytes free, a VMM line (vmm_line) len bytes.
 * 0, or -ENOSPC (not queued; a guest line is counted as dropped), or
 * -EINVAL (not a line: empty, too long, or no '\n' at its end).
 */
int conring_put(struct conring *r, const char *line, size_t len, bool vmm_line);
/* Consumer: move the oldest line into out (cap >= CONRING_LINE_MAX takes
 * it whole). The bytes moved, 0 when the ring is empty. */
size_t conring_take(struct conring *r, char *out, size_t cap);
/* Producer: whether the consumer has taken every line queued so far (it
 * may be asleep: a line put now should wake it). */
bool conring_empty(const struct conring *r);
/* Any CPU: how many guest lines were dropped so far. */
uint64_t conring_dropped(const struct conring *r);

#endif
