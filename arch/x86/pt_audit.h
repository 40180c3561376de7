/* SPDX-License-Identifier: MIT */
/*
 * The page-table audit: walk a table and count what it maps, above all any
 * mapping that is both writable and executable (there must be none), and
 * any writable mapping of the table's own pages. Pure logic over pt_walk.
 */
#ifndef ARCH_X86_PT_AUDIT_H
#define ARCH_X86_PT_AUDIT_H

#include <stdint.h>
#include "arch/x86/pt.h"

struct pt_audit {
	uint64_t mappings;	  /* leaves */
	uint64_t pages_4k;	  /* bytes mapped, in 4 KiB units */
	uint64_t writable;	  /* leaves that are writable */
	uint64_t executable;	  /* leaves that are executable */
	uint64_t wx;		  /* leaves both writable and executable */
	uint64_t tables;	  /* table pages */
	uint64_t tables_writable; /* table pages mapped writable somewhere in this table */
};

/* Audit pt. table_alias(pa) gives the virtual address at which the table
 * page pa is expected to be reached (or 0 if it should not be mapped), so
 * the audit can check each table page's own mapping. */
void pt_audit_run(const struct pt *pt, uint64_t (*table_alias)(uint64_t pa), struct pt_audit *out);

#endif
