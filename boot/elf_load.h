/* SPDX-License-Identifier: MIT */
/*
 * Validating and loading the VMM's ELF image. No firmware types: the same
 * code runs in the UEFI stub and in a host unit test.
 *
 * Contract: elf_check() accepts an image only when every field the loader
 * will act on has been checked, so elf_copy() and the page-table builder can
 * trust struct elf_image without re-checking the file.
 */
#ifndef BOOT_ELF_LOAD_H
#define BOOT_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_PHDRS 64      /* program headers we are willing to scan */
#define ELF_MAX_LOADS 16      /* PT_LOAD segments we are willing to load */
#define ELF_MAX_SPAN 0x40000000ull /* 1 GiB: far above any sane VMM */
#define ELF_BASE_ALIGN 0x200000ull /* vmm_virt_base granularity (2 MiB) */

#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint32_t flags;	 /* ELF_PF_* */
};

struct elf_image {
	uint64_t entry;
	uint64_t virt_base; /* lowest p_vaddr rounded down to ELF_BASE_ALIGN */
	uint64_t span;	    /* bytes from virt_base to the highest end, 2 MiB multiple */
	unsigned nseg;
	struct elf_segment seg[ELF_MAX_LOADS];
};

/* Validate a whole ELF file (len bytes at file) and describe its loadable
 * segments in *img. Returns 0 or a negative errno; *img is only meaningful
 * on success. */
__attribute__((warn_unused_result)) int elf_check(const void *file, size_t len,
						  struct elf_image *img);

/* Copy every segment of a checked image into dest (img->span bytes,
 * dest corresponds to img->virt_base) and zero everything else there,
 * bss included. file/len must be the ones elf_check() accepted. */
void elf_copy(const void *file, const struct elf_image *img, void *dest);

#endif
