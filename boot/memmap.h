/* SPDX-License-Identifier: MIT */
/*
 * Building handoff->mem from the firmware's memory map, one range at a time,
 * without allocating: it runs after ExitBootServices. No firmware types; the
 * caller classifies each range first.
 */
#ifndef BOOT_MEMMAP_H
#define BOOT_MEMMAP_H

#include <stdint.h>

#include <vigil/handoff.h>

/* Insert [base, base + size) of the given handoff_mem_type into h->mem,
 * keeping it sorted by base and merging with touching neighbours of the same
 * type. Returns 0, -EINVAL (empty, wrapping or overlapping range) or -ENOSPC
 * (more than HANDOFF_MAX_MEM entries). h->mem is unchanged on error. */
__attribute__((warn_unused_result)) int memmap_add(struct handoff *h, uint64_t base,
						   uint64_t size, uint32_t type);

#endif
