/* SPDX-License-Identifier: MIT */
/*
 * The page-table unit tests' table allocator (test_pt.c, test_ept.c,
 * test_iommu_pt.c): zeroed, 4 KiB-aligned host pages, each recorded so
 * that a test can count and free them; at most `limit` of them (at most
 * POOL_MAX; 0: none, for the out-of-memory checks). Table addresses are host pointers: identity() is the
 * builder's phys_to_virt.
 */
#ifndef TESTS_UNIT_PT_POOL_H
#define TESTS_UNIT_PT_POOL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MAX 64

struct pool {
	unsigned limit, used;
	uint64_t pages[POOL_MAX];
};

static inline uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	void *page;

	if (p->used == p->limit || p->used == POOL_MAX)
		return 0;
	page = aligned_alloc(4096, 4096);
	if (!page)
		abort();
	memset(page, 0, 4096);
	p->pages[p->used++] = (uint64_t)(uintptr_t)page;
	return (uint64_t)(uintptr_t)page;
}

static inline void pool_free(struct pool *p)
{
	for (unsigned i = 0; i < p->used; i++)
		free((void *)(uintptr_t)p->pages[i]);
	p->used = 0;
}

static inline void *identity(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

#endif
