/* SPDX-License-Identifier: MIT */
/*
 * One page-table builder for every 4-level x86 table Vigil makes: its own
 * (host) tables, AMD nested page tables and Intel EPT. Only the entry format
 * differs; it is a struct pt_format. Pure logic: it reaches table pages only
 * through the caller's phys_to_virt and alloc callbacks, so host unit tests
 * run it on ordinary memory.
 */
#ifndef ARCH_X86_PT_H
#define ARCH_X86_PT_H

#include <stdbool.h>
#include <stdint.h>

#define PT_R 1u	 /* readable (every mapping is) */
#define PT_W 2u	 /* writable */
#define PT_X 4u	 /* executable */
#define PT_UC 8u /* uncached (MMIO) */

#define PT_LEVELS 4
#define PT_PAGE_4K 0x1000ull
#define PT_PAGE_2M 0x200000ull
#define PT_PAGE_1G 0x40000000ull

struct pt_format {
	const char *name;
	uint64_t (*leaf)(uint64_t pa, unsigned flags, unsigned level);
	/* An entry at level (0: the last table) that points to the table at pa. */
	uint64_t (*table)(uint64_t pa, unsigned level);
	unsigned (*flags)(uint64_t entry); /* PT_* of a present entry */
	bool (*present)(uint64_t entry);
	bool (*large)(uint64_t entry, unsigned level); /* a leaf above level 0 */
	uint64_t addr_mask;
};

extern const struct pt_format pt_format_host; /* the VMM's own tables */
extern const struct pt_format pt_format_npt;  /* AMD nested paging (U=1) */
extern const struct pt_format pt_format_ept;  /* Intel EPT (R/W/X bits, memory type WB) */
extern const struct pt_format pt_format_vtd;  /* Intel VT-d second level (R/W bits; a device's window) */
extern const struct pt_format pt_format_amdvi; /* AMD-Vi I/O page tables (IR/IW bits, next level) */

struct pt {
	const struct pt_format *fmt;
	uint64_t root_pa;
	uint64_t large_sizes; /* PT_PAGE_2M | PT_PAGE_1G: leaf sizes allowed */
	void *(*phys_to_virt)(uint64_t pa);
	/* Returns a zeroed page's physical address, or 0 when out of memory. */
	uint64_t (*alloc_table)(void *ctx);
	void *ctx;
};

/* Allocate the root table. */
int pt_init(struct pt *pt) __attribute__((warn_unused_result));
/* Map [va, va+size) onto [pa, ...), using the largest allowed pages that fit.
 * All three must be 4 KiB aligned and the range canonical; an existing
 * mapping in the range is an error (-EEXIST): callers build tables once and
 * change them explicitly. A failure part-way leaves what was mapped before
 * it: every caller treats a failure as fatal for the table it was building. */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
	__attribute__((warn_unused_result));
/* Change the flags of every 4 KiB-mapped page in the range (large pages: -EINVAL). */
int pt_protect(struct pt *pt, uint64_t va, uint64_t size, unsigned flags)
	__attribute__((warn_unused_result));
/* Remove the 4 KiB mappings in the range (guard pages). */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t size) __attribute__((warn_unused_result));
/* Translate va; returns 0 and fills pa/flags, or -ENOENT. */
int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, unsigned *flags);

/* Visit every present leaf: fn(va, pa, size, flags, ctx). Table pages
 * themselves are reported through table_fn(pa, ctx) when it is non-NULL. */
void pt_walk(const struct pt *pt,
	     void (*fn)(uint64_t va, uint64_t pa, uint64_t size, unsigned flags, void *ctx),
	     void (*table_fn)(uint64_t pa, void *ctx), void *ctx);

#endif
