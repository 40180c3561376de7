/* SPDX-License-Identifier: MIT */
/*
 * ELF64 checks for the VMM image. The file is signed, but the loader is
 * still written as if it were hostile: a signing mistake must not turn into
 * a wild write in the stub. Every offset and size is checked for overflow
 * before it is added, and headers are copied out with memcpy so a
 * misaligned field cannot fault.
 */
#include <errno.h>
#include <string.h>

#include "boot/elf_load.h"
#include "vigil/elf.h"

#define EV_CURRENT 1
#define ET_EXEC 2

/* a + b without wrapping, else -EINVAL. */
static int add_checked(uint64_t a, uint64_t b, uint64_t *sum)
{
	if (a > UINT64_MAX - b)
		return -EINVAL;
	*sum = a + b;
	return 0;
}

static int ehdr_check(const struct elf64_ehdr *eh, size_t len)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	uint64_t ph_end;

	if (memcmp(eh->ident, magic, sizeof(magic)) != 0)
		return -ENOEXEC;
	if (eh->ident[4] != ELFCLASS64 || eh->ident[5] != ELFDATA2LSB ||
	    eh->ident[6] != EV_CURRENT || eh->version != EV_CURRENT)
		return -ENOEXEC;
	if (eh->type != ET_EXEC || eh->machine != EM_X86_64)
		return -ENOEXEC;
	if (eh->ehsize < sizeof(*eh) || eh->phentsize != sizeof(struct elf64_phdr))
		return -EINVAL;
	if (eh->phnum == 0 || eh->phnum > ELF_MAX_PHDRS)
		return -EINVAL;
	if (add_checked(eh->phoff, (uint64_t)eh->phnum * sizeof(struct elf64_phdr), &ph_end))
		return -EINVAL;
	if (eh->phoff < sizeof(*eh) || ph_end > len)
		return -EINVAL;
	return 0;
}

/* One PT_LOAD header: sizes sane, file bytes inside the file, no wrap. */
static int load_check(const struct elf64_phdr *ph, size_t len)
{
	uint64_t end;

	if (ph->memsz == 0 || ph->filesz > ph->memsz)
		return -EINVAL;
	if (add_checked(ph->offset, ph->filesz, &end) || end > len)
		return -EINVAL;
	if (add_checked(ph->vaddr, ph->memsz, &end))
		return -EINVAL;
	if (ph->flags & ~(ELF_PF_R | ELF_PF_W | ELF_PF_X))
		return -EINVAL;
	return 0;
}

static int overlaps(const struct elf_segment *a, const struct elf_segment *b)
{
	return a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz;
}

/* Collect the PT_LOAD headers into img->seg, rejecting anything the loader
 * does not implement (dynamic linking, an interpreter). */
static int segments_collect(const uint8_t *file, size_t len, const struct elf64_ehdr *eh,
			    struct elf_image *img)
{
	struct elf64_phdr ph;
	unsigned i, j;
	int err;

	img->nseg = 0;
	for (i = 0; i < eh->phnum; i++) {
		memcpy(&ph, file + eh->phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_DYNAMIC || ph.type == PT_INTERP)
			return -ENOEXEC;
		if (ph.type != PT_LOAD)
			continue;
		if (img->nseg == ELF_MAX_LOADS)
			return -E2BIG;
		err = load_check(&ph, len);
		if (err)
			return err;
		img->seg[img->nseg++] = (struct elf_segment){
			.vaddr = ph.vaddr, .memsz = ph.memsz, .offset = ph.offset,
			.filesz = ph.filesz, .flags = ph.flags,
		};
	}
	if (img->nseg == 0)
		return -ENOEXEC;
	for (i = 0; i < img->nseg; i++)
		for (j = i + 1; j < img->nseg; j++)
			if (overlaps(&img->seg[i], &img->seg[j]))
				return -EINVAL;
	return 0;
}

/* Base, span and entry: the entry must lie inside an executable segment. */
static int layout_compute(struct elf_image *img)
{
	uint64_t lo = UINT64_MAX, hi = 0, span;
	int entry_ok = 0;
	unsigned i;

	for (i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (s->vaddr < lo)
			lo = s->vaddr;
		if (s->vaddr + s->memsz > hi)
			hi = s->vaddr + s->memsz;
		if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = 1;
	}
	if (!entry_ok)
		return -ENOEXEC;
	img->virt_base = lo & ~(ELF_BASE_ALIGN - 1);
	span = hi - img->virt_base;
	if (span > ELF_MAX_SPAN)
		return -E2BIG;
	img->span = (span + ELF_BASE_ALIGN - 1) & ~(ELF_BASE_ALIGN - 1);
	return 0;
}

int elf_check(const void *file, size_t len, struct elf_image *img)
{
	struct elf64_ehdr eh;
	int err;

	if (!file || len < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, file, sizeof(eh));
	err = ehdr_check(&eh, len);
	if (err)
		return err;
	img->entry = eh.entry;
	err = segments_collect(file, len, &eh, img);
	if (err)
		return err;
	return layout_compute(img);
}

void elf_copy(const void *file, const struct elf_image *img, void *dest)
{
	const uint8_t *src = file;
	uint8_t *dst = dest;
	unsigned i;

	/* Zeroing the whole span first covers bss and the gaps between
	 * segments, so no stale firmware data is handed to the VMM. */
	memset(dst, 0, img->span);
	for (i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		memcpy(dst + (s->vaddr - img->virt_base), src + s->offset, s->filesz);
	}
}
