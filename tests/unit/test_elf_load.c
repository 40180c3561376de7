/* SPDX-License-Identifier: MIT */
/*
 * boot/elf_load.c: every malformed image is refused with the right error,
 * a good one is laid out and copied exactly, and no prefix of a good file
 * makes the checker read past its end (ASan would catch it).
 */
#define CHECK_SUITE "elf_load"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/elf_load.h"
#include "tests/unit/check.h"

#define BASE 0xffffffff80000000ull
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* A file: header, up to 20 program headers, then 3 pages of content. */
struct file {
	struct ehdr eh;
	struct phdr ph[20];
	uint8_t body[3 * 4096];
};

#define BODY_OFF offsetof(struct file, body)

/* A good two-segment VMM: text RX at BASE+0x1000, data+bss RW at BASE+0x3000. */
static void good(struct file *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eh.ident, "\x7f" "ELF\x02\x01\x01", 7);
	f->eh.type = 2;
	f->eh.machine = 62;
	f->eh.version = 1;
	f->eh.entry = BASE + 0x1010;
	f->eh.phoff = offsetof(struct file, ph);
	f->eh.ehsize = sizeof(struct ehdr);
	f->eh.phentsize = sizeof(struct phdr);
	f->eh.phnum = 2;
	f->ph[0] = (struct phdr){ .type = PT_LOAD, .flags = 5, .offset = BODY_OFF,
				  .vaddr = BASE + 0x1000, .filesz = 0x100, .memsz = 0x100 };
	f->ph[1] = (struct phdr){ .type = PT_LOAD, .flags = 6, .offset = BODY_OFF + 0x1000,
				  .vaddr = BASE + 0x3000, .filesz = 0x10, .memsz = 0x2000 };
	for (size_t i = 0; i < sizeof(f->body); i++)
		f->body[i] = (uint8_t)(i * 7 + 1);
}

static int check_file(struct file *f)
{
	struct elf_image img;

	return elf_check(f, sizeof(*f), &img);
}

static void accepts_good_image(void)
{
	struct file f;
	struct elf_image img;
	uint8_t *dest;

	good(&f);
	if (!CHECK(elf_check(&f, sizeof(f), &img) == 0))
		return;
	CHECK_EQ(img.virt_base, BASE);
	CHECK_EQ(img.span, 0x200000);
	CHECK_EQ(img.entry, BASE + 0x1010);
	CHECK_EQ(img.nseg, 2);
	dest = malloc(img.span);
	memset(dest, 0xaa, img.span); /* stale memory the copy must clear */
	elf_copy(&f, &img, dest);
	CHECK(memcmp(dest + 0x1000, f.body, 0x100) == 0);
	CHECK(memcmp(dest + 0x3000, f.body + 0x1000, 0x10) == 0);
	for (size_t i = 0; i < img.span; i++) {
		int in_file = (i >= 0x1000 && i < 0x1100) || (i >= 0x3000 && i < 0x3010);

		if (!in_file && dest[i] != 0) {
			CHECK(!"bss, gaps and tail are zero");
			break;
		}
	}
	free(dest);
}

static void span_rounds_and_spans_2m(void)
{
	struct file f;
	struct elf_image img;

	good(&f);
	f.ph[1].vaddr = BASE + 0x1ff000; /* data ends past the first 2 MiB */
	CHECK_EQ(elf_check(&f, sizeof(f), &img), 0);
	CHECK_EQ(img.span, 0x400000);
}

static void refuses_bad_headers(void)
{
	struct file f;

	good(&f); f.eh.ident[0] = 0;		CHECK_EQ(check_file(&f), -ENOEXEC);
	good(&f); f.eh.ident[4] = 1;		CHECK_EQ(check_file(&f), -ENOEXEC); /* 32-bit */
	good(&f); f.eh.ident[5] = 2;		CHECK_EQ(check_file(&f), -ENOEXEC); /* big-endian */
	good(&f); f.eh.machine = 3;		CHECK_EQ(check_file(&f), -ENOEXEC); /* i386 */
	good(&f); f.eh.type = 3;		CHECK_EQ(check_file(&f), -ENOEXEC); /* ET_DYN */
	good(&f); f.eh.phentsize = 32;		CHECK_EQ(check_file(&f), -EINVAL);
	good(&f); f.eh.phnum = 0;		CHECK_EQ(check_file(&f), -EINVAL);
	good(&f); f.eh.phnum = ELF_MAX_PHDRS + 1; CHECK_EQ(check_file(&f), -EINVAL);
	good(&f); f.eh.phoff = sizeof(f) - 8;	CHECK_EQ(check_file(&f), -EINVAL);
	good(&f); f.eh.phoff = UINT64_MAX - 8;	CHECK_EQ(check_file(&f), -EINVAL); /* wraps */
	good(&f); f.eh.phoff = 0;		CHECK_EQ(check_file(&f), -EINVAL); /* overlaps ehdr */
	good(&f);
	CHECK_EQ(elf_check(&f, sizeof(struct ehdr) - 1, &(struct elf_image){ 0 }), -ENOEXEC);
	CHECK_EQ(elf_check(NULL, 0, &(struct elf_image){ 0 }), -ENOEXEC);
}

static void refuses_bad_segments(void)
{
	struct file f;

	good(&f); f.ph[1].filesz = 0x1800; f.ph[1].memsz = 0x1000; /* inside the file, > memsz */
	CHECK_EQ(check_file(&f), -EINVAL);
	good(&f); f.ph[0].memsz = 0; f.ph[0].filesz = 0; CHECK_EQ(check_file(&f), -EINVAL);
	good(&f); f.ph[1].offset = sizeof(f) - 8; CHECK_EQ(check_file(&f), -EINVAL); /* past EOF */
	good(&f); f.ph[1].offset = UINT64_MAX - 4; CHECK_EQ(check_file(&f), -EINVAL); /* wraps */
	good(&f); f.ph[1].vaddr = UINT64_MAX - 0x100; CHECK_EQ(check_file(&f), -EINVAL); /* wraps */
	good(&f); f.ph[1].flags = 0x100;	CHECK_EQ(check_file(&f), -EINVAL);
	good(&f); f.ph[1].vaddr = BASE + 0x10f0; CHECK_EQ(check_file(&f), -EINVAL); /* overlap */
	good(&f); f.ph[1].vaddr = BASE + 0xff0; f.ph[1].memsz = 0x20;
	CHECK_EQ(check_file(&f), -EINVAL); /* overlaps from below */
	good(&f); f.ph[1].vaddr = BASE + 0x40000000; CHECK_EQ(check_file(&f), -E2BIG); /* > 1 GiB */
}

static void refuses_what_it_cannot_load(void)
{
	struct file f;

	good(&f); f.eh.entry = BASE + 0x3000;	CHECK_EQ(check_file(&f), -ENOEXEC); /* in data */
	good(&f); f.eh.entry = BASE + 0x1100;	CHECK_EQ(check_file(&f), -ENOEXEC); /* past text */
	good(&f); f.ph[0].type = PT_DYNAMIC;	CHECK_EQ(check_file(&f), -ENOEXEC);
	good(&f); f.ph[1].type = PT_INTERP;	CHECK_EQ(check_file(&f), -ENOEXEC);
	good(&f); f.ph[0].type = 4; f.ph[1].type = 4; CHECK_EQ(check_file(&f), -ENOEXEC); /* no load */
	good(&f);
	f.eh.phnum = ELF_MAX_LOADS + 1;
	for (int i = 0; i < ELF_MAX_LOADS + 1; i++)
		f.ph[i] = (struct phdr){ .type = PT_LOAD, .flags = 5, .offset = BODY_OFF,
					 .vaddr = BASE + 0x1000 * (i + 1), .filesz = 0x10,
					 .memsz = 0x10 };
	CHECK_EQ(check_file(&f), -E2BIG);
}

/* Every truncation of a good file, in a buffer of exactly that size. */
static void prefixes_stay_in_bounds(void)
{
	struct file f;
	struct elf_image img;
	int accepted = 0;

	good(&f);
	for (size_t n = 0; n <= sizeof(f); n++) {
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, &f, n);
		accepted += elf_check(p, n, &img) == 0;
		free(p);
	}
	/* Only lengths covering the data segment's file bytes may pass. */
	CHECK_EQ(accepted, sizeof(f) - (BODY_OFF + 0x1010) + 1);
}

int main(void)
{
	CHECK_RUN(accepts_good_image);
	CHECK_RUN(span_rounds_and_spans_2m);
	CHECK_RUN(refuses_bad_headers);
	CHECK_RUN(refuses_bad_segments);
	CHECK_RUN(refuses_what_it_cannot_load);
	CHECK_RUN(prefixes_stay_in_bounds);
	return check_done();
}
