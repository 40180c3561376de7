/* SPDX-License-Identifier: MIT */
/*
 * The VMM's heap, for mbedtls only (include/libc/stdlib.h): a fixed arena in
 * the image, first fit, neighbours merged on free. Used by one CPU at a time
 * (the VMM's CPU verifies bundles); its size bounds what a verification may
 * take, and exhaustion fails the verification cleanly.
 */
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include "kernel/heap.h"

#define HEAP_SIZE (64u * 1024)
#define HEAP_ALIGN 16u

struct heap_block {
	uint32_t size; /* bytes including this header, multiple of HEAP_ALIGN */
	uint32_t used;
	uint64_t pad;  /* keeps the payload 16-byte aligned */
};

static uint8_t heap_arena[HEAP_SIZE] __attribute__((aligned(HEAP_ALIGN)));
static size_t heap_in_use, heap_peak;

static struct heap_block *heap_next(struct heap_block *b)
{
	uint8_t *n = (uint8_t *)b + b->size;

	return n < heap_arena + HEAP_SIZE ? (struct heap_block *)n : NULL;
}

void heap_init(void)
{
	struct heap_block *b = (struct heap_block *)heap_arena;

	b->size = HEAP_SIZE;
	b->used = 0;
}

void *calloc(size_t n, size_t size)
{
	size_t want;

	if (size && n > (SIZE_MAX - sizeof(struct heap_block)) / size)
		return NULL;
	want = (n * size + sizeof(struct heap_block) + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
	for (struct heap_block *b = (struct heap_block *)heap_arena; b; b = heap_next(b)) {
		if (b->used || b->size < want)
			continue;
		if (b->size - want >= 2 * sizeof(struct heap_block)) {
			struct heap_block *rest = (struct heap_block *)((uint8_t *)b + want);

			rest->size = b->size - (uint32_t)want;
			rest->used = 0;
			b->size = (uint32_t)want;
		}
		b->used = 1;
		heap_in_use += b->size;
		if (heap_in_use > heap_peak)
			heap_peak = heap_in_use;
		memset(b + 1, 0, b->size - sizeof(*b));
		return b + 1;
	}
	return NULL;
}

void free(void *p)
{
	struct heap_block *b, *prev = NULL;

	if (!p)
		return;
	for (b = (struct heap_block *)heap_arena; b && b + 1 != p; b = heap_next(b))
		prev = b;
	if (!b || !b->used)
		return; /* not ours, or freed twice: ignore rather than corrupt */
	b->used = 0;
	heap_in_use -= b->size;
	for (struct heap_block *n = heap_next(b); n && !n->used; n = heap_next(b))
		b->size += n->size;
	if (prev && !prev->used)
		prev->size += b->size;
}

size_t heap_peak_bytes(void)
{
	return heap_peak;
}
