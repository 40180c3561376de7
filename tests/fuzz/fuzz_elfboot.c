// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the UEFI stub's check of the VMM's ELF image
 * (boot/elf_load.c). The image is signed, but elf_check() promises that
 * elf_copy() and the page-table builder may trust what it accepts.
 *
 * The input is the file, in a buffer of exactly its size (ASan sees any
 * read past it). Checked: only the documented errors come back, and an
 * accepted image keeps the contract: base 2 MiB-aligned, span a 2 MiB
 * multiple of at most ELF_MAX_SPAN, 1..ELF_MAX_LOADS segments, each one's
 * file bytes inside the file and its memory inside [base, base + span),
 * no two overlapping, the entry in an executable one: what elf_copy()
 * relies on. elf_copy() itself runs into a heap buffer of exactly the span
 * (allocated once, so its pages fault in once; ASan sees a write running
 * past either end) for one accepted input in 16, chosen by
 * the input's length so that a crash reproduces, and only for the smallest
 * span, 2 MiB: its memset of the whole span would otherwise be nearly all
 * of the target's time.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "boot/elf_load.h"

static void fuzz_check_segment(const struct elf_image *img, const struct elf_segment *s,
			       size_t len)
{
	if (!s->memsz || s->filesz > s->memsz || s->offset > len || s->filesz > len - s->offset)
		abort();
	if (s->vaddr < img->virt_base || s->vaddr - img->virt_base > img->span ||
	    s->memsz > img->span - (s->vaddr - img->virt_base))
		abort();
}

static void fuzz_check_image(const struct elf_image *img, size_t len)
{
	bool entry_ok = false;

	if (img->virt_base % ELF_BASE_ALIGN || img->span % ELF_BASE_ALIGN || !img->span ||
	    img->span > ELF_MAX_SPAN || !img->nseg || img->nseg > ELF_MAX_LOADS)
		abort();
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		fuzz_check_segment(img, s, len);
		for (unsigned j = 0; j < i; j++)
			if (s->vaddr < img->seg[j].vaddr + img->seg[j].memsz &&
			    img->seg[j].vaddr < s->vaddr + s->memsz)
				abort();
		if ((s->flags & ELF_PF_X) && img->entry - s->vaddr < s->memsz && img->entry >= s->vaddr)
			entry_ok = true;
	}
	if (!entry_ok)
		abort();
}

static uint8_t *dest; /* ELF_BASE_ALIGN bytes */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dest = malloc(ELF_BASE_ALIGN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *file = malloc(size ? size : 1);
	struct elf_image img;
	int ret;

	if (size)
		memcpy(file, data, size);
	ret = elf_check(file, size, &img);
	if (ret && ret != -ENOEXEC && ret != -EINVAL && ret != -E2BIG)
		abort();
	if (!ret) {
		fuzz_check_image(&img, size);
		if (img.span == ELF_BASE_ALIGN && size % 16 == 0)
			elf_copy(file, &img, dest);
	}
	free(file);
	return 0;
}
