/* SPDX-License-Identifier: MIT */
/*
 * The boot page tables described in include/vigil/handoff.h: identity map of
 * [0, identity_top) with 2 MiB pages, plus the VMM's segments at their link
 * addresses with 4 KiB pages. No firmware types; tables come from a pool the
 * caller allocated (paging_pool_pages() says how big), so a host test can
 * build and walk them too.
 *
 * Physical addresses are the pool's own addresses: the stub runs identity
 * mapped, which is what makes that true.
 */
#ifndef BOOT_PAGING_H
#define BOOT_PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "boot/elf_load.h"

#define PAGE_SIZE 0x1000ull
#define PAGE_2M 0x200000ull
#define PAGE_1G 0x40000000ull

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

struct paging_pool {
	uint64_t *next; /* next free 4 KiB table */
	uint64_t *end;
};

/* Upper bound of the tables paging_build() may need. */
size_t paging_pool_pages(uint64_t identity_top, const struct elf_image *img);

/* Build the tables into pool (pages need not be zeroed). identity_top is
 * rounded up to 1 GiB. Returns 0 and the root table in *cr3, or -ENOMEM /
 * -EINVAL (an address the identity map already owns, or not canonical). */
__attribute__((warn_unused_result)) int paging_build(struct paging_pool *pool,
						     uint64_t identity_top,
						     const struct elf_image *img,
						     uint64_t vmm_phys_base, uint64_t *cr3);

#endif
