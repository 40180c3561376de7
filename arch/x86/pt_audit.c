/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "arch/x86/pt_audit.h"

#define AUDIT_MAX_TABLES 512

struct audit_ctx {
	struct pt_audit *out;
	uint64_t tables[AUDIT_MAX_TABLES];
	unsigned ntables;
};

static void audit_leaf(uint64_t va, uint64_t pa, uint64_t size, unsigned flags, void *p)
{
	struct audit_ctx *c = p;

	(void)va;
	(void)pa;
	c->out->mappings++;
	c->out->pages_4k += size / PT_PAGE_4K;
	c->out->writable += !!(flags & PT_W);
	c->out->executable += !!(flags & PT_X);
	c->out->wx += (flags & PT_W) && (flags & PT_X);
}

static void audit_table(uint64_t pa, void *p)
{
	struct audit_ctx *c = p;

	c->out->tables++;
	if (c->ntables < AUDIT_MAX_TABLES)
		c->tables[c->ntables++] = pa;
}

void pt_audit_run(const struct pt *pt, uint64_t (*table_alias)(uint64_t pa), struct pt_audit *out)
{
	static struct audit_ctx c; /* large: kept off the stack; audits do not run concurrently */

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.out = out;
	pt_walk(pt, audit_leaf, audit_table, &c);
	for (unsigned i = 0; i < c.ntables; i++) {
		uint64_t va = table_alias ? table_alias(c.tables[i]) : 0, pa;
		unsigned flags;

		if (va && !pt_lookup(pt, va, &pa, &flags) && (flags & PT_W))
			out->tables_writable++;
	}
	/* Tables beyond what the audit could record count as unverified. */
	if (out->tables > c.ntables)
		out->tables_writable += out->tables - c.ntables;
}
