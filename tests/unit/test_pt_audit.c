// SPDX-License-Identifier: MIT
/* Unit tests of arch/x86/pt_audit.c: counts of a known table, a W+X page is
 * found wherever it is, and writable aliases of table pages are reported. */
#define CHECK_SUITE "pt_audit"
#include "tests/unit/check.h"

#include <stdlib.h>
#include "arch/x86/pt_audit.h"

#define POOL 64
static uint8_t *pool;
static unsigned used;

static void *p2v(uint64_t pa) { return (void *)(uintptr_t)pa; }

static uint64_t alloc_page(void *ctx)
{
	(void)ctx;
	if (used == POOL)
		return 0;
	memset(pool + used * 4096ul, 0, 4096);
	return (uint64_t)(uintptr_t)(pool + used++ * 4096ul);
}

static void pt_fresh(struct pt *pt)
{
	used = 0;
	*pt = (struct pt){ .fmt = &pt_format_host, .large_sizes = PT_PAGE_2M, .phys_to_virt = p2v,
			   .alloc_table = alloc_page };
	CHECK_EQ(pt_init(pt), 0);
}

/* The tables are reached at va = TABLE_VA + index in pool. */
#define TABLE_VA 0xffff900000000000ull
static uint64_t alias(uint64_t pa)
{
	return TABLE_VA + (pa - (uint64_t)(uintptr_t)pool);
}

static void counts_known_table(void)
{
	struct pt pt;
	struct pt_audit a;

	pt_fresh(&pt);
	CHECK_EQ(pt_map(&pt, 0xffffffff80000000ull, 0x1000000, 0x3000, PT_R | PT_X), 0);
	CHECK_EQ(pt_map(&pt, 0xffffffff80003000ull, 0x1003000, 0x2000, PT_R), 0);
	CHECK_EQ(pt_map(&pt, 0xffffffff80005000ull, 0x1005000, 0x1000, PT_R | PT_W), 0);
	CHECK_EQ(pt_map(&pt, 0xffff888000200000ull, 0x200000, 0x400000, PT_R | PT_W), 0);
	pt_audit_run(&pt, NULL, &a);
	CHECK_EQ(a.mappings, 3 + 2 + 1 + 2);
	CHECK_EQ(a.pages_4k, 6 + 1024);
	CHECK_EQ(a.executable, 3);
	CHECK_EQ(a.writable, 3);
	CHECK_EQ(a.wx, 0);
	CHECK_EQ(a.tables, used);
	CHECK_EQ(a.tables_writable, 0);
}

static void finds_wx_page(void)
{
	struct pt pt;
	struct pt_audit a;

	pt_fresh(&pt);
	CHECK_EQ(pt_map(&pt, 0x400000, 0x400000, 0x200000, PT_R | PT_W), 0);
	CHECK_EQ(pt_map(&pt, 0x7fff0000, 0x10000, 0x1000, PT_R | PT_W | PT_X), 0);
	pt_audit_run(&pt, NULL, &a);
	CHECK_EQ(a.wx, 1);
	/* A 2 MiB W+X page counts too. */
	CHECK_EQ(pt_map(&pt, 0x40000000, 0x40000000, 0x200000, PT_R | PT_W | PT_X), 0);
	pt_audit_run(&pt, NULL, &a);
	CHECK_EQ(a.wx, 2);
}

static void finds_writable_table_alias(void)
{
	struct pt pt;
	struct pt_audit a;

	pt_fresh(&pt);
	CHECK_EQ(pt_map(&pt, 0xffffffff80000000ull, 0x1000000, 0x1000, PT_R | PT_X), 0);
	/* Map every table page read-only at its alias: nothing to report. */
	/* Map the whole pool (tables the mapping itself adds are in it). */
	CHECK_EQ(pt_map(&pt, TABLE_VA, (uint64_t)(uintptr_t)pool, POOL * 4096ul, PT_R), 0);
	pt_audit_run(&pt, alias, &a);
	CHECK_EQ(a.tables_writable, 0);
	/* Make one table page writable: the audit must say so. */
	CHECK_EQ(pt_protect(&pt, TABLE_VA + 4096, 4096, PT_R | PT_W), 0);
	pt_audit_run(&pt, alias, &a);
	CHECK_EQ(a.tables_writable, 1);
}

int main(void)
{
	pool = aligned_alloc(4096, POOL * 4096ul);
	CHECK_RUN(counts_known_table);
	CHECK_RUN(finds_wx_page);
	CHECK_RUN(finds_writable_table_alias);
	free(pool);
	return check_done();
}
