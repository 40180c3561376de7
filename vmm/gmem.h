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
 * The instruction fetcher's memo, one per vCPU: where the page of the last
 * instruction a full walk read is, and the leaf paging entry that mapped
 * it, with its value. It answers a hit while CR0, CR3 and CR4 and that
 * leaf entry are unchanged: a handful of loads where a walk costs hundreds
 * of instructions. EFER is not compared: guests cannot write it without an
 * exit (policy forbids passing it through) and its emulation clears the
 * memo. Guest memory never moves, so the host address stays good.
 *
 * A hit is not proof: a guest could replace an upper-level table and keep
 * the old one's bytes. So a backend trusts a hit only for the plain
 * encoding of the instruction the CPU reported (arch/x86/insn.h); any
 * other bytes are read again through a full walk (gmem_fetch). The one
 * case a hit can then get wrong is a guest that remaps its code page under
 * an unchanged CR3 and leaf entry and runs, at the same address, a prefixed
 * form where the old page had the plain one: its own RIP lands wrong, in
 * its own memory, and nothing else is affected. The APIC-page decode
 * (vmm/virq.c) trusts a hit too, on the same grounds: the access itself is
 * the one the exit reported, so stale bytes could only make the VMM use
 * another of the guest's registers, or its #GP, on the guest's own APIC.
 *
 * The leaf entry is watched as the aligned 8 bytes that hold it (a 4-byte
 * entry shares them with a neighbour); with paging off there is none and
 * the memo watches its own leaf_val. Any change there, the accessed and
 * dirty bits the CPU sets included, only costs a walk.
 */
struct gmem_memo {
	uint64_t cr0, cr3, cr4; /* the mode of the walk; cr0 = ~0: empty */
	uint64_t page;		/* linear address of the page */
	const uint8_t *hva;	/* that page, in VMM memory */
	const uint64_t *leaf;	/* the leaf entry's aligned 8 bytes */
	uint64_t leaf_val;
};

void gmem_memo_clear(struct gmem_memo *f);

/* Whether the memo holds la's page (in the sense above) and at least
 * `room` bytes of it from la on; if so, *bytes is where they are in VMM
 * memory. f->page is page-aligned, so one unsigned difference tests both
 * the page and the room. Inline: it is on the path of every intercepted
 * instruction. */
static inline bool gmem_memo_at(const struct gmem_memo *f, uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t la,
				unsigned room, const uint8_t **bytes)
{
	uint64_t off = la - f->page;

	if ((f->cr0 ^ cr0) | (f->cr3 ^ cr3) | (f->cr4 ^ cr4) | (*f->leaf ^ f->leaf_val) || off > 4096 - room)
		return false;
	*bytes = f->hva + off;
	return true;
}

/* Read up to len bytes at la into buf through a full walk, which refills
 * the memo; returns how many bytes could be read (fewer when a page is not
 * mapped). */
size_t gmem_fetch(const struct vm *vm, struct gmem_memo *f, const struct guest_mode *m, uint64_t la,
		  void *buf, size_t len);

#endif
