// SPDX-License-Identifier: MIT
/*
 * Unit tests of arch/x86/pt.c, the one page-table builder behind the VMM's
 * own tables and the guests' nested tables. Table pages are ordinary heap
 * pages here: the "physical" address of a table is its host address, so
 * phys_to_virt is the identity. Raw entries are read back by index with
 * this file's own walker, independently of pt_lookup().
 */
#define CHECK_SUITE "pt"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "arch/x86/pt.h"

#define P (1ull << 0)
#define W (1ull << 1)
#define U (1ull << 2)
#define PWT (1ull << 3)
#define PCD (1ull << 4)
#define PS (1ull << 7)
#define NX (1ull << 63)
#define ADDR 0x000ffffffffff000ull

#include "tests/unit/pt_pool.h"

static struct pt pt_make(const struct pt_format *fmt, uint64_t large, struct pool *pool, unsigned limit)
{
	*pool = (struct pool){ .limit = limit };
	return (struct pt){ .fmt = fmt, .large_sizes = large, .phys_to_virt = identity,
			    .alloc_table = pool_alloc, .ctx = pool };
}

/* The raw entry for va at level (0 = PTE), or NULL; the test's own walk. */
static uint64_t *raw_entry(const struct pt *pt, uint64_t va, unsigned level)
{
	uint64_t *table = identity(pt->root_pa);

	for (unsigned l = 3; l > level; l--) {
		uint64_t e = table[(va >> (12 + 9 * l)) & 511];

		if (!(e & P) || (e & PS))
			return NULL;
		table = identity(e & ADDR);
	}
	return &table[(va >> (12 + 9 * level)) & 511];
}

/* pt_walk's findings. */
struct seen {
	unsigned leaves, tables;
	uint64_t va[64], pa[64], size[64];
	unsigned flags[64];
	uint64_t table_pa[POOL_MAX];
};

static void seen_leaf(uint64_t va, uint64_t pa, uint64_t size, unsigned flags, void *ctx)
{
	struct seen *s = ctx;

	if (s->leaves < 64) {
		s->va[s->leaves] = va;
		s->pa[s->leaves] = pa;
		s->size[s->leaves] = size;
		s->flags[s->leaves] = flags;
	}
	s->leaves++;
}

static void seen_table(uint64_t pa, void *ctx)
{
	struct seen *s = ctx;

	if (s->tables < POOL_MAX)
		s->table_pa[s->tables] = pa;
	s->tables++;
}

static void map_4k_lookup_round_trip(void)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_host, 0, &pool, POOL_MAX);
	uint64_t pa;
	unsigned flags;

	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x400000, 0x12345000, 0x3000, PT_R | PT_W), 0);
	for (uint64_t off = 0; off < 0x3000; off += 0x7ff) {
		CHECK_EQ(pt_lookup(&pt, 0x400000 + off, &pa, &flags), 0);
		CHECK_EQ(pa, 0x12345000 + off);
		CHECK_EQ(flags, PT_R | PT_W);
	}
	CHECK_EQ(pt_lookup(&pt, 0x403000, &pa, &flags), -ENOENT);
	CHECK_EQ(pt_lookup(&pt, 0x3ff000, &pa, &flags), -ENOENT);
	CHECK_EQ(pt_lookup(&pt, 0x7f0000000000, &pa, &flags), -ENOENT);
	CHECK_EQ(pool.used, 4); /* PML4, PDPT, PD, PT */
	pool_free(&pool);
}

static void map_2m_and_1g_lookup_round_trip(void)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_npt, PT_PAGE_2M | PT_PAGE_1G, &pool, POOL_MAX);
	uint64_t pa;
	unsigned flags;

	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x200000, 0x40000000, 0x400000, PT_R | PT_X), 0);
	CHECK_EQ(pt_map(&pt, 0x80000000, 0x100000000, PT_PAGE_1G, PT_R | PT_W), 0);
	CHECK_EQ(pt_lookup(&pt, 0x200000, &pa, &flags), 0);
	CHECK_EQ(pa, 0x40000000);
	CHECK_EQ(flags, PT_R | PT_X);
	CHECK_EQ(pt_lookup(&pt, 0x5fffff, &pa, &flags), 0);
	CHECK_EQ(pa, 0x403fffff);
	CHECK_EQ(pt_lookup(&pt, 0x80000000 + 0x3456789, &pa, &flags), 0);
	CHECK_EQ(pa, 0x100000000 + 0x3456789);
	CHECK_EQ(flags, PT_R | PT_W);
	CHECK_EQ(pt_lookup(&pt, 0x600000, &pa, &flags), -ENOENT);
	/* Large leaves, not tables of 4 KiB pages: no page table was needed. */
	CHECK(raw_entry(&pt, 0x200000, 1) && (*raw_entry(&pt, 0x200000, 1) & PS));
	CHECK(raw_entry(&pt, 0x80000000, 2) && (*raw_entry(&pt, 0x80000000, 2) & PS));
	CHECK_EQ(pool.used, 3); /* PML4, PDPT, PD */
	pool_free(&pool);
}

/* Leaf sizes pt_map chose, in address order. */
static unsigned map_sizes(uint64_t large, uint64_t va, uint64_t pa, uint64_t size, uint64_t *sizes,
			  unsigned max)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_host, large, &pool, POOL_MAX);
	struct seen s = { 0 };

	if (pt_init(&pt) || pt_map(&pt, va, pa, size, PT_R)) {
		pool_free(&pool);
		return 0;
	}
	pt_walk(&pt, seen_leaf, NULL, &s);
	for (unsigned i = 0; i < s.leaves && i < max && i < 64; i++)
		sizes[i] = s.size[i];
	pool_free(&pool);
	return s.leaves;
}

static void large_pages_only_when_aligned(void)
{
	uint64_t sz[64];

	/* [0x1ff000, 0x601000): 4K, 2M, 2M, 4K. */
	CHECK_EQ(map_sizes(PT_PAGE_2M, 0x1ff000, 0x1ff000, 0x402000, sz, 64), 4);
	CHECK_EQ(sz[0], PT_PAGE_4K);
	CHECK_EQ(sz[1], PT_PAGE_2M);
	CHECK_EQ(sz[2], PT_PAGE_2M);
	CHECK_EQ(sz[3], PT_PAGE_4K);
	/* va aligned, pa not: 4K pages only. */
	CHECK_EQ(map_sizes(PT_PAGE_2M, 0x200000, 0x201000, PT_PAGE_2M, sz, 64), 512);
	/* pa aligned, va not. */
	CHECK_EQ(map_sizes(PT_PAGE_2M, 0x201000, 0x200000, PT_PAGE_2M, sz, 64), 512);
	/* Both aligned but less than 2 MiB left. */
	CHECK_EQ(map_sizes(PT_PAGE_2M, 0x200000, 0x200000, PT_PAGE_2M - PT_PAGE_4K, sz, 64), 511);
	/* Large pages not allowed at all. */
	CHECK_EQ(map_sizes(0, 0x200000, 0x200000, PT_PAGE_2M, sz, 64), 512);
	/* 1 GiB only when allowed; else 2 MiB pages. */
	CHECK_EQ(map_sizes(PT_PAGE_2M | PT_PAGE_1G, 0x40000000, 0x80000000, PT_PAGE_1G, sz, 64), 1);
	CHECK_EQ(sz[0], PT_PAGE_1G);
	CHECK_EQ(map_sizes(PT_PAGE_2M, 0x40000000, 0x80000000, PT_PAGE_1G, sz, 64), 512);
	CHECK_EQ(sz[0], PT_PAGE_2M);
	/* 1 GiB allowed but 2 MiB not: 1G where it fits, 4K elsewhere. */
	CHECK_EQ(map_sizes(PT_PAGE_1G, 0x40000000, 0x40000000, PT_PAGE_1G + PT_PAGE_4K, sz, 64), 2);
	CHECK_EQ(sz[0], PT_PAGE_1G);
	CHECK_EQ(sz[1], PT_PAGE_4K);
}

static void overlap_is_eexist(void)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_host, PT_PAGE_2M, &pool, POOL_MAX);
	uint64_t pa;
	unsigned flags;

	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x201000, 0x1000, 0x1000, PT_R), 0);
	CHECK_EQ(pt_map(&pt, 0x201000, 0x5000, 0x1000, PT_R), -EEXIST);	/* same page */
	CHECK_EQ(pt_map(&pt, 0x200000, 0x400000, PT_PAGE_2M, PT_R), -EEXIST); /* 2M over a 4K */
	CHECK_EQ(pt_map(&pt, 0x1ff000, 0x9000, 0x3000, PT_R), -EEXIST);	/* straddles it */
	CHECK_EQ(pt_map(&pt, 0x600000, 0x600000, PT_PAGE_2M, PT_R), 0);
	CHECK_EQ(pt_map(&pt, 0x601000, 0x9000, 0x1000, PT_R), -EEXIST);	/* 4K inside a 2M */
	CHECK_EQ(pt_map(&pt, 0x600000, 0x800000, PT_PAGE_2M, PT_R), -EEXIST); /* same 2M */
	/* The refused maps changed nothing that was mapped. */
	CHECK_EQ(pt_lookup(&pt, 0x201000, &pa, &flags), 0);
	CHECK_EQ(pa, 0x1000);
	CHECK_EQ(pt_lookup(&pt, 0x601000, &pa, &flags), 0);
	CHECK_EQ(pa, 0x601000);
	pool_free(&pool);
}

static void protect_changes_flags(void)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_host, PT_PAGE_2M, &pool, POOL_MAX);
	uint64_t pa;
	unsigned flags;

	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x10000, 0x20000, 0x3000, PT_R | PT_W), 0);
	CHECK_EQ(pt_protect(&pt, 0x11000, 0x1000, PT_R | PT_X), 0);
	CHECK_EQ(pt_lookup(&pt, 0x11000, &pa, &flags), 0);
	CHECK_EQ(pa, 0x21000);
	CHECK_EQ(flags, PT_R | PT_X);
	CHECK_EQ(pt_lookup(&pt, 0x10000, &pa, &flags), 0);
	CHECK_EQ(flags, PT_R | PT_W);
	CHECK_EQ(pt_lookup(&pt, 0x12000, &pa, &flags), 0);
	CHECK_EQ(flags, PT_R | PT_W);
	CHECK_EQ(pt_protect(&pt, 0x10000, 0x3000, PT_R), 0);
	CHECK_EQ(*raw_entry(&pt, 0x12000, 0), 0x22000 | P | NX);
	/* Not mapped, inside a large page, unaligned: refused. */
	CHECK_EQ(pt_protect(&pt, 0x13000, 0x1000, PT_R), -EINVAL);
	CHECK_EQ(pt_map(&pt, 0x200000, 0x200000, PT_PAGE_2M, PT_R), 0);
	CHECK_EQ(pt_protect(&pt, 0x200000, 0x1000, PT_R | PT_W), -EINVAL);
	CHECK_EQ(pt_lookup(&pt, 0x200000, &pa, &flags), 0);
	CHECK_EQ(flags, PT_R);
	CHECK_EQ(pt_protect(&pt, 0x10800, 0x1000, PT_R), -EINVAL);
	pool_free(&pool);
}

static void unmap_removes(void)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_host, 0, &pool, POOL_MAX);
	uint64_t pa;
	unsigned flags;
	struct seen s = { 0 };

	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x100000, 0x100000, 0x4000, PT_R | PT_W), 0);
	CHECK_EQ(pt_unmap(&pt, 0x101000, 0x2000), 0);
	CHECK_EQ(pt_lookup(&pt, 0x101000, &pa, &flags), -ENOENT);
	CHECK_EQ(pt_lookup(&pt, 0x102000, &pa, &flags), -ENOENT);
	CHECK_EQ(pt_lookup(&pt, 0x100000, &pa, &flags), 0);
	CHECK_EQ(pt_lookup(&pt, 0x103000, &pa, &flags), 0);
	CHECK_EQ(*raw_entry(&pt, 0x101000, 0), 0);
	pt_walk(&pt, seen_leaf, NULL, &s);
	CHECK_EQ(s.leaves, 2);
	/* An unmapped hole can be mapped again. */
	CHECK_EQ(pt_map(&pt, 0x101000, 0x900000, 0x1000, PT_R), 0);
	CHECK_EQ(pt_lookup(&pt, 0x101000, &pa, &flags), 0);
	CHECK_EQ(pa, 0x900000);
	/* No table for the range at all. */
	CHECK_EQ(pt_unmap(&pt, 0x40000000, 0x1000), -EINVAL);
	pool_free(&pool);
}

/* Every entry on the path to va: tables (levels 3..level+1) and the leaf. */
static int check_path(const struct pt *pt, uint64_t va, unsigned level, uint64_t want_leaf)
{
	uint64_t *table = identity(pt->root_pa);
	int ok = 1;
	int npt = pt->fmt == &pt_format_npt;

	for (unsigned l = 3; l > level; l--) {
		uint64_t e = table[(va >> (12 + 9 * l)) & 511];

		/* Tables grant everything; the leaf decides. U only for nested tables. */
		ok &= CHECK((e & (P | W | NX | PS)) == (P | W));
		ok &= CHECK(!!(e & U) == npt);
		table = identity(e & ADDR);
	}
	ok &= CHECK(table[(va >> (12 + 9 * level)) & 511] == want_leaf);
	return ok;
}

static void leaf_bits_encode_flags_exactly(void)
{
	static const struct {
		unsigned flags;
		uint64_t bits;
	} want[] = {
		{ PT_R, P | NX },
		{ PT_R | PT_W, P | W | NX },
		{ PT_R | PT_X, P },
		{ PT_R | PT_W | PT_X, P | W },
		{ PT_R | PT_UC, P | NX | PCD | PWT },
		{ PT_R | PT_W | PT_UC, P | W | NX | PCD | PWT },
	};
	const struct pt_format *fmts[] = { &pt_format_host, &pt_format_npt };

	for (unsigned f = 0; f < 2; f++) {
		struct pool pool;
		struct pt pt = pt_make(fmts[f], PT_PAGE_2M | PT_PAGE_1G, &pool, POOL_MAX);
		uint64_t u = f ? U : 0;

		CHECK_EQ(pt_init(&pt), 0);
		for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			uint64_t va4k = 0x1000 * (i + 1), va2m = PT_PAGE_2M * (i + 1);
			uint64_t va1g = PT_PAGE_1G * (i + 1);
			uint64_t pa = 0x80000000ull * (i + 1);
			uint64_t pa4k = pa + 0x5000;
			unsigned flags;
			uint64_t got;

			CHECK_EQ(pt_map(&pt, va4k, pa4k, 0x1000, want[i].flags), 0);
			CHECK_EQ(pt_map(&pt, va2m, pa, PT_PAGE_2M, want[i].flags), 0);
			CHECK_EQ(pt_map(&pt, va1g, pa, PT_PAGE_1G, want[i].flags), 0);
			if (!check_path(&pt, va4k, 0, pa4k | want[i].bits | u) ||
			    !check_path(&pt, va2m, 1, pa | want[i].bits | u | PS) ||
			    !check_path(&pt, va1g, 2, pa | want[i].bits | u | PS))
				printf("    %s flags %#x\n", fmts[f]->name, want[i].flags);
			CHECK_EQ(pt_lookup(&pt, va4k, &got, &flags), 0);
			CHECK_EQ(flags, want[i].flags);
		}
		pool_free(&pool);
	}
}

static int seen_has(const struct seen *s, uint64_t va, uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < s->leaves && i < 64; i++)
		if (s->va[i] == va && s->pa[i] == pa && s->size[i] == size)
			return 1;
	return 0;
}

static void walk_visits_every_leaf_and_table(void)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_host, PT_PAGE_2M, &pool, POOL_MAX);
	struct seen s = { 0 };

	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x0, 0x1000, 0x1000, PT_R), 0);
	CHECK_EQ(pt_map(&pt, 0x7ffffffff000, 0x2000, 0x1000, PT_R | PT_W), 0); /* top of the low half */
	CHECK_EQ(pt_map(&pt, 0xffff800000000000, 0x3000, 0x1000, PT_R), 0);  /* bottom of the high half */
	CHECK_EQ(pt_map(&pt, 0xffffffff80000000, 0x40000000, 0x400000, PT_R | PT_X), 0);
	CHECK_EQ(pt_map(&pt, 0xfffffffffffff000 - 0x1000, 0x4000, 0x1000, PT_R), 0);
	pt_walk(&pt, seen_leaf, seen_table, &s);
	CHECK_EQ(s.leaves, 6);
	CHECK(seen_has(&s, 0x0, 0x1000, PT_PAGE_4K));
	CHECK(seen_has(&s, 0x7ffffffff000, 0x2000, PT_PAGE_4K));
	CHECK(seen_has(&s, 0xffff800000000000, 0x3000, PT_PAGE_4K));
	CHECK(seen_has(&s, 0xffffffff80000000, 0x40000000, PT_PAGE_2M));
	CHECK(seen_has(&s, 0xffffffff80200000, 0x40200000, PT_PAGE_2M));
	CHECK(seen_has(&s, 0xffffffffffffe000, 0x4000, PT_PAGE_4K));
	/* Every table page, each once, and nothing else. */
	CHECK_EQ(s.tables, pool.used);
	for (unsigned i = 0; i < pool.used && i < s.tables; i++) {
		unsigned n = 0;

		for (unsigned j = 0; j < s.tables; j++)
			n += s.table_pa[j] == pool.pages[i];
		CHECK_EQ(n, 1);
	}
	pool_free(&pool);
}

static void out_of_memory_is_enomem(void)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_host, 0, &pool, 0);

	CHECK_EQ(pt_init(&pt), -ENOMEM);
	pt = pt_make(&pt_format_host, 0, &pool, 1);
	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1000, 0x1000, PT_R), -ENOMEM);
	pool_free(&pool);
	pt = pt_make(&pt_format_host, 0, &pool, 4);
	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1000, 0x1000, PT_R), 0);
	/* A second 2 MiB slot needs one more page table: none left. */
	CHECK_EQ(pt_map(&pt, 0x200000, 0x1000, 0x1000, PT_R), -ENOMEM);
	pool_free(&pool);
}

static void bad_ranges_refused(void)
{
	struct pool pool;
	struct pt pt = pt_make(&pt_format_host, PT_PAGE_2M, &pool, POOL_MAX);
	struct seen s = { 0 };

	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0xfffffffffffff000, 0x1000, 0x2000, PT_R), -EINVAL); /* wraps */
	CHECK_EQ(pt_map(&pt, 0xffffffffffe00000, 0x0, 0x400000, PT_R), -EINVAL);
	CHECK_EQ(pt_map(&pt, 0x1800, 0x1000, 0x1000, PT_R), -EINVAL);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1800, 0x1000, PT_R), -EINVAL);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1000, 0x1800, PT_R), -EINVAL);
	CHECK_EQ(pt_unmap(&pt, 0x1000, 0x800), -EINVAL);
	pt_walk(&pt, seen_leaf, NULL, &s);
	CHECK_EQ(s.leaves, 0); /* nothing was half-mapped */
	pool_free(&pool);
}

int main(void)
{
	CHECK_RUN(map_4k_lookup_round_trip);
	CHECK_RUN(map_2m_and_1g_lookup_round_trip);
	CHECK_RUN(large_pages_only_when_aligned);
	CHECK_RUN(overlap_is_eexist);
	CHECK_RUN(protect_changes_flags);
	CHECK_RUN(unmap_removes);
	CHECK_RUN(leaf_bits_encode_flags_exactly);
	CHECK_RUN(walk_visits_every_leaf_and_table);
	CHECK_RUN(out_of_memory_is_enomem);
	CHECK_RUN(bad_ranges_refused);
	return check_done();
}
