/* SPDX-License-Identifier: MIT */
/* Reading guest memory through the guest's own page tables. */
#ifndef VMM_GMEM_H
#define VMM_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86/vendor.h"

struct vm;

/* Translate a guest linear address with the guest's paging mode (none,
 * 32-bit, PAE, 4-level). Returns 0 or -EFAULT (not mapped or outside the
 * guest's memory); the guest's tables are read only through vm memory. */
int gmem_translate(const struct vm *vm, const struct guest_mode *m, uint64_t la, uint64_t *gpa);
/* Copy up to len bytes at linear address la; returns how many were read. */
size_t gmem_read_linear(const struct vm *vm, const struct guest_mode *m, uint64_t la, void *buf, size_t len);

/*
 * The instruction fetcher's memo, one per vCPU: the guest page that held
 * the last instruction read, and every paging entry the walk to it read,
 * with the value each had. While CR0, CR3 and CR4 are unchanged and each of
 * those entries still holds its value, a walk would end on the same page:
 * checking that is a handful of loads, a walk is hundreds of instructions.
 * EFER is not compared: guests cannot write it without an exit (policy
 * forbids passing it through), and its emulation clears the memo. Guest memory never moves, so the host address stays good.
 * Each entry is watched as the aligned 8 bytes that hold it (4-byte
 * entries share theirs with a neighbour); a slot a shorter walk leaves
 * unused watches its own val. Any change there, accessed and dirty bits
 * the CPU sets included, only costs a refill.
 */
#define GMEM_MEMO_LEVELS 4

struct gmem_memo {
	uint64_t cr0, cr3, cr4; /* the mode of the walk; cr0 = ~0: empty */
	uint64_t page;		      /* linear address of the page */
	const uint8_t *hva;	      /* that page, in VMM memory */
	const uint64_t *ent[GMEM_MEMO_LEVELS];
	uint64_t val[GMEM_MEMO_LEVELS];
	unsigned n; /* entries the walk read */
};

void gmem_memo_clear(struct gmem_memo *f);

/* Whether the memo still holds the page of linear address la (its bytes
 * are at f->hva + (la & 0xfff)). Inline: it is on the path of every
 * intercepted instruction. */
static inline bool gmem_memo_hit(const struct gmem_memo *f, uint64_t cr0, uint64_t cr3, uint64_t cr4,
				 uint64_t la)
{
	return !((f->cr0 ^ cr0) | (f->cr3 ^ cr3) | (f->cr4 ^ cr4) | ((f->page ^ la) & ~0xfffull) |
		 (*f->ent[0] ^ f->val[0]) | (*f->ent[1] ^ f->val[1]) | (*f->ent[2] ^ f->val[2]) |
		 (*f->ent[3] ^ f->val[3]));
}

/* Read up to len bytes at la into buf through the memo, refilling it on a
 * miss; returns how many bytes could be read (fewer when a page is not
 * mapped). */
size_t gmem_fetch(const struct vm *vm, struct gmem_memo *f, const struct guest_mode *m, uint64_t la,
		  void *buf, size_t len);

#endif
