// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/loader.c: guest ELF images and the PVH start info
 * (docs/formats.md, "Guest images"). Images are assembled here byte by byte
 * from the ELF and PVH specifications, not by a compiler, so each case
 * controls every field. Guest memory is two malloc'd regions behind
 * shim_vm.c's vm_gpa_to_hva.
 */
#define CHECK_SUITE "loader"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vmm/loader.h"
#include "vmm/vm.h"

#define R0_SIZE 0x400000ull	/* region 0: [0, 4 MiB) */
#define R1_GPA 0x10000000ull	/* region 1: [256 MiB, +2 MiB) */
#define R1_SIZE 0x200000ull
#define FILL 0xcc		/* guest memory before loading */

/* ELF64 as the specification lays it out. */
struct t_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct t_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct t_ehdr) == 64 && sizeof(struct t_phdr) == 56, "ELF64 layout");

#define PT_LOAD 1
#define PT_NOTE 4

struct seg {
	uint32_t type;
	uint64_t paddr;
	const void *data;
	uint64_t filesz, memsz;
};

struct image {
	uint8_t *b;
	size_t size;
};

/* ELF header, program headers right after it, then each segment's bytes. */
static struct image image_build(uint64_t entry, const struct seg *segs, unsigned n)
{
	size_t size = sizeof(struct t_ehdr) + n * sizeof(struct t_phdr);
	struct t_ehdr eh = { .ident = { 0x7f, 'E', 'L', 'F', 2, 1, 1 }, .type = 2, .machine = 62,
			     .version = 1, .entry = entry, .phoff = sizeof(eh), .ehsize = sizeof(eh),
			     .phentsize = sizeof(struct t_phdr), .phnum = (uint16_t)n };
	struct image im;
	size_t off;

	for (unsigned i = 0; i < n; i++)
		size += segs[i].filesz;
	im.b = calloc(1, size);
	im.size = size;
	memcpy(im.b, &eh, sizeof(eh));
	off = sizeof(eh) + n * sizeof(struct t_phdr);
	for (unsigned i = 0; i < n; i++) {
		struct t_phdr ph = { .type = segs[i].type, .flags = 5, .offset = off, .vaddr = segs[i].paddr,
				     .paddr = segs[i].paddr, .filesz = segs[i].filesz, .memsz = segs[i].memsz,
				     .align = 0x1000 };

		memcpy(im.b + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		memcpy(im.b + off, segs[i].data, segs[i].filesz);
		off += segs[i].filesz;
	}
	return im;
}

static struct t_ehdr *ehdr(struct image *im)
{
	return (struct t_ehdr *)im->b;
}

static struct t_phdr *phdr(struct image *im, unsigned i)
{
	return (struct t_phdr *)(im->b + sizeof(struct t_ehdr)) + i;
}

/* One ELF note: namesz, descsz, type, name and desc each padded to 4. */
static size_t note_put(uint8_t *p, const char *name, uint32_t namesz, uint32_t type, const void *desc,
		       uint32_t descsz)
{
	size_t nlen = (namesz + 3) & ~3u, dlen = (descsz + 3) & ~3u;

	memset(p, 0, 12 + nlen + dlen);
	memcpy(p, &namesz, 4);
	memcpy(p + 4, &descsz, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + 12, name, namesz);
	memcpy(p + 12 + nlen, desc, descsz);
	return 12 + nlen + dlen;
}

static size_t pvh_note(uint8_t *p, uint64_t entry, uint32_t descsz)
{
	return note_put(p, "Xen", 4, 18, &entry, descsz);
}

static struct vm *vm_make(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	void *r0 = malloc(R0_SIZE), *r1 = malloc(R1_SIZE);

	memset(r0, FILL, R0_SIZE);
	memset(r1, FILL, R1_SIZE);
	vm->region_count = 2;
	vm->regions[0] = (struct vm_region){ 0, R0_SIZE, (uint64_t)(uintptr_t)r0 };
	vm->regions[1] = (struct vm_region){ R1_GPA, R1_SIZE, (uint64_t)(uintptr_t)r1 };
	return vm;
}

static void vm_free(struct vm *vm)
{
	free((void *)(uintptr_t)vm->regions[0].hpa);
	free((void *)(uintptr_t)vm->regions[1].hpa);
	free(vm);
}

static uint8_t *gmem(struct vm *vm, uint64_t gpa)
{
	return vm_gpa_to_hva(vm, gpa, 1);
}

/* Load im into a fresh VM; the image is copied to an exact-size buffer. */
static int load(struct image *im, uint32_t *entry, struct vm **out)
{
	struct vm *vm = vm_make();
	uint64_t lo, hi;
	int rc = loader_load_elf(vm, im->b, im->size, entry, &lo, &hi);

	if (out)
		*out = vm;
	else
		vm_free(vm);
	return rc;
}

static const uint8_t text[] = { 0xfa, 0xf4, 0xeb, 0xfd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const uint8_t data[] = "initialised data";

static void segments_loaded_bss_zeroed(void)
{
	const struct seg segs[] = {
		{ PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) },
		{ PT_LOAD, 0x200000, data, sizeof(data), 0x3000 },
		{ PT_LOAD, R1_GPA + 0x1000, text, sizeof(text), 0x20 },
	};
	struct image im = image_build(0x100000, segs, 3);
	struct vm *vm;
	uint32_t entry = 0;

	CHECK_EQ(load(&im, &entry, &vm), 0);
	CHECK_EQ(entry, 0x100000);
	CHECK(!memcmp(gmem(vm, 0x100000), text, sizeof(text)));
	CHECK(!memcmp(gmem(vm, 0x200000), data, sizeof(data)));
	for (uint64_t a = 0x200000 + sizeof(data); a < 0x203000; a++)
		if (!CHECK(*gmem(vm, a) == 0))
			break;
	CHECK(!memcmp(gmem(vm, R1_GPA + 0x1000), text, sizeof(text)));
	CHECK_EQ(*gmem(vm, R1_GPA + 0x1000 + sizeof(text)), 0);
	CHECK_EQ(*gmem(vm, R1_GPA + 0x101f), 0);
	/* Nothing outside [paddr, paddr + memsz) was written. */
	CHECK_EQ(*gmem(vm, 0x0fffff), FILL);
	CHECK_EQ(*gmem(vm, 0x100000 + sizeof(text)), FILL);
	CHECK_EQ(*gmem(vm, 0x1fffff), FILL);
	CHECK_EQ(*gmem(vm, 0x203000), FILL);
	CHECK_EQ(*gmem(vm, R1_GPA + 0x1020), FILL);
	vm_free(vm);
	free(im.b);
}

/* Segments of other types, and empty ones, are not loaded. */
static void other_segments_ignored(void)
{
	const struct seg segs[] = {
		{ PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) },
		{ 6 /* PT_PHDR */, 0x300000, data, sizeof(data), sizeof(data) },
		{ PT_LOAD, 0x380000, data, 0, 0 },
	};
	struct image im = image_build(0x100000, segs, 3);
	struct vm *vm;
	uint32_t entry;

	CHECK_EQ(load(&im, &entry, &vm), 0);
	CHECK_EQ(*gmem(vm, 0x300000), FILL);
	CHECK_EQ(*gmem(vm, 0x380000), FILL);
	vm_free(vm);
	free(im.b);
}

static struct image image_with_notes(uint64_t e_entry, const uint8_t *notes, size_t len)
{
	const struct seg segs[] = {
		{ PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) },
		{ PT_NOTE, 0, notes, len, len },
	};

	return image_build(e_entry, segs, 2);
}

static void pvh_note_4_byte_entry(void)
{
	uint8_t notes[64];
	struct image im = image_with_notes(0x100000, notes, pvh_note(notes, 0x100004, 4));
	uint32_t entry = 0;

	CHECK_EQ(load(&im, &entry, NULL), 0);
	CHECK_EQ(entry, 0x100004);
	free(im.b);
}

static void pvh_note_8_byte_entry(void)
{
	uint8_t notes[64];
	struct image im = image_with_notes(0x100000, notes, pvh_note(notes, 0x100008, 8));
	uint32_t entry = 0;

	CHECK_EQ(load(&im, &entry, NULL), 0);
	CHECK_EQ(entry, 0x100008);
	free(im.b);
}

/* A PVH entry above 4 GiB cannot be a 32-bit entry point: never truncated. */
static void pvh_note_8_byte_entry_above_4g_refused(void)
{
	uint8_t notes[64];
	struct image im = image_with_notes(0x100000, notes, pvh_note(notes, 0x100100008ull, 8));
	uint32_t entry = 0;

	CHECK(load(&im, &entry, NULL) < 0);
	free(im.b);
}

static void pvh_note_after_other_notes(void)
{
	uint8_t notes[256], id[20] = { 1, 2, 3 };
	size_t n = note_put(notes, "GNU", 4, 3, id, sizeof(id));      /* build id */
	uint32_t other = 0x100010;
	struct image im;
	uint32_t entry = 0;

	n += note_put(notes + n, "Xen", 4, 17, &other, 4);  /* another Xen note */
	n += note_put(notes + n, "Linux", 6, 18, &other, 4); /* type 18, not Xen's */
	n += pvh_note(notes + n, 0x10000c, 4);
	im = image_with_notes(0x100000, notes, n);
	CHECK_EQ(load(&im, &entry, NULL), 0);
	CHECK_EQ(entry, 0x10000c);
	free(im.b);
}

static void no_pvh_note_falls_back_to_e_entry(void)
{
	uint8_t notes[64];
	uint32_t v = 0x100008, entry = 0;
	struct image im = image_with_notes(0x100002, notes, note_put(notes, "Xem", 4, 18, &v, 4));

	CHECK_EQ(load(&im, &entry, NULL), 0);
	CHECK_EQ(entry, 0x100002);
	free(im.b);
	/* Right name and type, wrong descriptor size: not the entry note. */
	im = image_with_notes(0x100003, notes, note_put(notes, "Xen", 4, 18, &v, 2));
	CHECK_EQ(load(&im, &entry, NULL), 0);
	CHECK_EQ(entry, 0x100003);
	free(im.b);
}

static void e_entry_above_4g_refused(void)
{
	const struct seg segs[] = { { PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) } };
	struct image im = image_build(0x100100000ull, segs, 1);
	uint32_t entry;

	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	free(im.b);
}

static void entry_outside_memory_refused(void)
{
	const struct seg segs[] = { { PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) } };
	struct image im = image_build(R0_SIZE, segs, 1);
	uint8_t notes[64];
	uint32_t entry;

	CHECK_EQ(load(&im, &entry, NULL), -ERANGE);
	free(im.b);
	im = image_with_notes(0x100000, notes, pvh_note(notes, 0x8000000, 4));
	CHECK_EQ(load(&im, &entry, NULL), -ERANGE);
	free(im.b);
}

static void segment_outside_memory_refused(void)
{
	static const uint64_t bad[][2] = {
		{ R0_SIZE, 0x10 },		   /* just past region 0 */
		{ R0_SIZE - 0x1000, 0x1001 },	   /* straddles its end */
		{ R1_GPA - 0x10, 0x20 },	   /* straddles region 1's start */
		{ R1_GPA + R1_SIZE - 8, 16 },	   /* past region 1 */
		{ 0x3ff000, R1_GPA },		   /* spans the gap */
		{ 0xfffffffffffff000ull, 0x2000 }, /* wraps */
		{ 0x1000, 0xfffffffffffff000ull }, /* huge memsz */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct seg segs[] = {
			{ PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) },
			{ PT_LOAD, bad[i][0], text, 4, bad[i][1] },
		};
		struct image im = image_build(0x100000, segs, 2);
		uint32_t entry;

		if (!CHECK(load(&im, &entry, NULL) == -ERANGE))
			printf("    segment %#llx+%#llx\n", (unsigned long long)bad[i][0],
			       (unsigned long long)bad[i][1]);
		free(im.b);
	}
}

static void filesz_above_memsz_refused(void)
{
	const struct seg segs[] = { { PT_LOAD, 0x100000, text, sizeof(text), 8 } };
	struct image im = image_build(0x100000, segs, 1);
	struct vm *vm;
	uint32_t entry;

	CHECK_EQ(load(&im, &entry, &vm), -ENOEXEC);
	CHECK_EQ(*gmem(vm, 0x100008), FILL); /* nothing copied past memsz */
	vm_free(vm);
	free(im.b);
}

static void phdrs_beyond_file_refused(void)
{
	const struct seg segs[] = { { PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) } };
	struct image im = image_build(0x100000, segs, 1);
	uint32_t entry;

	ehdr(&im)->phnum = 2; /* the second would overlap the text and run off the end */
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	ehdr(&im)->phnum = 1;
	ehdr(&im)->phoff = im.size;
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	ehdr(&im)->phoff = im.size - sizeof(struct t_phdr) + 1;
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	ehdr(&im)->phoff = ~0ull - 8;
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	ehdr(&im)->phoff = sizeof(struct t_ehdr);
	ehdr(&im)->phnum = 0xffff;
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	free(im.b);
}

static void offsets_beyond_file_refused(void)
{
	const struct seg segs[] = { { PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) } };
	struct image im = image_build(0x100000, segs, 1);
	uint64_t off = phdr(&im, 0)->offset;
	uint32_t entry;

	phdr(&im, 0)->offset = im.size + 1;
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	phdr(&im, 0)->offset = off + 1; /* the last byte would be past the end */
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	phdr(&im, 0)->offset = ~0ull - 4; /* offset + filesz wraps */
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	phdr(&im, 0)->offset = off;
	phdr(&im, 0)->filesz = phdr(&im, 0)->memsz = ~0ull;
	CHECK_EQ(load(&im, &entry, NULL), -ENOEXEC);
	free(im.b);
}

static void note_segment_beyond_file_refused(void)
{
	uint8_t notes[64];
	struct image im = image_with_notes(0x100000, notes, pvh_note(notes, 0x100004, 4));
	uint32_t entry;

	phdr(&im, 1)->offset = im.size + 0x100;
	CHECK(load(&im, &entry, NULL) < 0);
	phdr(&im, 1)->offset = im.size - 8; /* filesz runs past the end */
	CHECK(load(&im, &entry, NULL) < 0);
	free(im.b);
}

static void truncated_notes_refused(void)
{
	uint8_t notes[64];
	size_t n = pvh_note(notes, 0x100004, 4);
	uint32_t big = 0x1000, entry;
	struct image im;

	/* The segment ends inside the note's descriptor. */
	im = image_with_notes(0x100000, notes, n - 4);
	CHECK_EQ(load(&im, &entry, NULL), -EINVAL);
	free(im.b);
	/* A note claims a descriptor longer than the segment. */
	memcpy(notes + 4, &big, 4);
	im = image_with_notes(0x100000, notes, n);
	CHECK_EQ(load(&im, &entry, NULL), -EINVAL);
	free(im.b);
	/* ... or a name longer than anything. */
	big = 0xffffffff;
	memcpy(notes, &big, 4);
	im = image_with_notes(0x100000, notes, n);
	CHECK_EQ(load(&im, &entry, NULL), -EINVAL);
	free(im.b);
}

static void bad_headers_refused(void)
{
	static const struct {
		size_t off;
		uint8_t value;
	} edits[] = {
		{ 0, 0x7e },	       /* magic */
		{ 3, 'f' },	       /* magic */
		{ 4, 1 },	       /* ELFCLASS32 */
		{ 5, 2 },	       /* big-endian */
		{ 18, 3 },	       /* e_machine: i386 */
		{ 54, 32 },	       /* e_phentsize */
		{ 56, 0 },	       /* e_phnum = 0 */
	};
	const struct seg segs[] = { { PT_LOAD, 0x100000, text, sizeof(text), sizeof(text) } };

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct image im = image_build(0x100000, segs, 1);
		uint32_t entry;

		im.b[edits[i].off] = edits[i].value;
		if (!CHECK(load(&im, &entry, NULL) == -ENOEXEC))
			printf("    edit at byte %zu\n", edits[i].off);
		free(im.b);
	}
}

/* Every prefix of a valid image: refused, and never read past its end. */
static void every_truncation_refused(void)
{
	uint8_t notes[64];
	struct image im = image_with_notes(0x100000, notes, pvh_note(notes, 0x100004, 4));
	struct vm *vm = vm_make();

	for (size_t n = 0; n < im.size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		uint32_t entry;
		uint64_t lo, hi;

		memcpy(copy, im.b, n);
		if (!CHECK(loader_load_elf(vm, copy, n, &entry, &lo, &hi) < 0))
			printf("    %zu of %zu bytes accepted\n", n, im.size);
		free(copy);
	}
	vm_free(vm);
	free(im.b);
}

struct t_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct t_memmap {
	uint64_t addr, size;
	uint32_t type, reserved;
};

static void start_info_written(void)
{
	struct vm *vm = vm_make();
	const uint64_t page = R0_SIZE - 0x1000;
	struct t_start_info si;
	struct t_memmap map[3];
	uint64_t gpa = 0;

	CHECK_EQ(loader_write_start_info(vm, NULL, &gpa), 0);
	CHECK_EQ(gpa, page);
	memcpy(&si, gmem(vm, page), sizeof(si));
	CHECK_EQ(si.magic, 0x336ec578);
	CHECK_EQ(si.version, 1);
	CHECK_EQ(si.flags, 0);
	CHECK_EQ(si.nr_modules, 0);
	CHECK_EQ(si.cmdline_paddr, 0);
	CHECK_EQ(si.rsdp_paddr, 0);
	CHECK_EQ(si.memmap_entries, 3);
	CHECK(si.memmap_paddr >= page + sizeof(si) && si.memmap_paddr + sizeof(map) <= page + 0x1000);
	CHECK_EQ(si.memmap_paddr % 8, 0);
	memcpy(map, gmem(vm, si.memmap_paddr), sizeof(map));
	CHECK_EQ(map[0].addr, 0);
	CHECK_EQ(map[0].size, R0_SIZE - 0x1000); /* RAM minus the start-info page */
	CHECK_EQ(map[0].type, 1);
	CHECK_EQ(map[1].addr, R1_GPA);
	CHECK_EQ(map[1].size, R1_SIZE);
	CHECK_EQ(map[1].type, 1);
	CHECK_EQ(map[2].addr, page);
	CHECK_EQ(map[2].size, 0x1000);
	CHECK_EQ(map[2].type, 2); /* reserved */
	/* The rest of the page is zero; nothing outside it was touched. */
	for (uint64_t a = si.memmap_paddr + sizeof(map); a < R0_SIZE; a++)
		if (!CHECK(*gmem(vm, a) == 0))
			break;
	CHECK_EQ(*gmem(vm, page - 1), FILL);
	CHECK_EQ(*gmem(vm, R1_GPA), FILL);
	vm_free(vm);
}

static void start_info_one_region(void)
{
	struct vm *vm = vm_make();
	struct t_start_info si;
	struct t_memmap map[2];
	uint64_t gpa = 0;

	vm->region_count = 1;
	CHECK_EQ(loader_write_start_info(vm, NULL, &gpa), 0);
	memcpy(&si, gmem(vm, gpa), sizeof(si));
	CHECK_EQ(si.memmap_entries, 2);
	memcpy(map, gmem(vm, si.memmap_paddr), sizeof(map));
	CHECK_EQ(map[0].size, R0_SIZE - 0x1000);
	CHECK_EQ(map[1].addr, gpa);
	CHECK_EQ(map[1].type, 2);
	vm->region_count = 2;
	vm_free(vm);
}

struct t_modlist {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

/* A Linux guest's start: ACPI tables at their window, the initrd at the
 * top of region 0 below the start page, the command line, and a memory
 * map with both holes reserved. */
static void start_info_linux_extras(void)
{
	struct vm *vm = vm_make();
	static uint8_t acpi[300], initrd[10000];
	struct loader_extras x = { initrd, sizeof(initrd), acpi, sizeof(acpi), "console=ttyS0 panic=5",
				   0x100000, 0x200000 };
	const uint64_t page = R0_SIZE - 0x1000, at = (page - sizeof(initrd)) & ~0xfffull;
	struct t_start_info si;
	struct t_modlist mod;
	struct t_memmap map[6];
	uint64_t gpa = 0;

	memset(acpi, 0xa5, sizeof(acpi));
	memset(initrd, 0x5a, sizeof(initrd));
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), 0);
	memcpy(&si, gmem(vm, gpa), sizeof(si));
	CHECK_EQ(si.rsdp_paddr, 0xe0000);
	CHECK(!memcmp(gmem(vm, 0xe0000), acpi, sizeof(acpi)));
	CHECK_EQ(*gmem(vm, 0xe0000 + sizeof(acpi)), 0); /* the rest of the window is cleared */
	CHECK_EQ(si.nr_modules, 1);
	memcpy(&mod, gmem(vm, si.modlist_paddr), sizeof(mod));
	CHECK_EQ(mod.paddr, at);
	CHECK_EQ(mod.size, sizeof(initrd));
	CHECK(!memcmp(gmem(vm, at), initrd, sizeof(initrd)));
	CHECK(si.cmdline_paddr > gpa && si.cmdline_paddr < gpa + 0x1000);
	CHECK(!strcmp((const char *)gmem(vm, si.cmdline_paddr), "console=ttyS0 panic=5"));
	CHECK_EQ(si.memmap_entries, 5);
	memcpy(map, gmem(vm, si.memmap_paddr), sizeof(map));
	CHECK(map[0].addr == 0 && map[0].size == 0xe0000 && map[0].type == 1);
	CHECK(map[1].addr == 0x100000 && map[1].size == page - 0x100000 && map[1].type == 1);
	CHECK(map[2].addr == R1_GPA && map[2].size == R1_SIZE && map[2].type == 1);
	CHECK(map[3].addr == 0xe0000 && map[3].size == 0x20000 && map[3].type == 2);
	CHECK(map[4].addr == page && map[4].size == 0x1000 && map[4].type == 2);
	vm_free(vm);
}

/* Each extra that does not fit is refused, and the start page is left
 * clear rather than half written. */
static void start_info_extras_refused(void)
{
	struct vm *vm = vm_make();
	static uint8_t big[R0_SIZE], acpi[0x20001];
	static char line[4096];
	struct loader_extras x;
	uint64_t gpa = 0;

	memset(line, 'a', sizeof(line) - 1);
	x = (struct loader_extras){ .cmdline = line };
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), -E2BIG);
	CHECK_EQ(*gmem(vm, R0_SIZE - 0x1000), 0);
	x = (struct loader_extras){ .acpi = acpi, .acpi_size = sizeof(acpi) };
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), -E2BIG); /* larger than the window */
	x = (struct loader_extras){ .acpi = acpi, .acpi_size = 16, .image_lo = 0xff000, .image_hi = 0x101000 };
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), -ERANGE); /* the kernel sits in the window */
	x = (struct loader_extras){ .initrd = big, .initrd_size = sizeof(big) };
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), -ENOSPC); /* larger than region 0 */
	x = (struct loader_extras){ .initrd = big, .initrd_size = 0x2000, .image_lo = 0x100000,
				    .image_hi = R0_SIZE - 0x2000 };
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), -ENOSPC); /* would overlap the kernel */
	x = (struct loader_extras){ .initrd = big, .initrd_size = R0_SIZE - 0x1000 - 0x100000 + 1,
				    .acpi = acpi, .acpi_size = 16 };
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), -ENOSPC); /* would overlap the ACPI window */
	x = (struct loader_extras){ .initrd = big, .initrd_size = 0 };
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), -EINVAL);
	for (uint64_t a = R0_SIZE - 0x1000; a < R0_SIZE; a++)
		if (!CHECK(*gmem(vm, a) == 0))
			break;
	vm_free(vm);
}

/* ACPI tables need their window inside guest memory. */
static void start_info_acpi_outside_memory(void)
{
	struct vm *vm = vm_make();
	static uint8_t acpi[64];
	struct loader_extras x = { .acpi = acpi, .acpi_size = sizeof(acpi) };
	uint64_t gpa;

	vm->regions[0].gpa = 0x200000; /* region 0 is now [2 MiB, 6 MiB) */
	CHECK_EQ(loader_write_start_info(vm, &x, &gpa), -ERANGE);
	vm->regions[0].gpa = 0;
	vm_free(vm);
}

int main(void)
{
	CHECK_RUN(segments_loaded_bss_zeroed);
	CHECK_RUN(other_segments_ignored);
	CHECK_RUN(pvh_note_4_byte_entry);
	CHECK_RUN(pvh_note_8_byte_entry);
	CHECK_RUN(pvh_note_8_byte_entry_above_4g_refused);
	CHECK_RUN(pvh_note_after_other_notes);
	CHECK_RUN(no_pvh_note_falls_back_to_e_entry);
	CHECK_RUN(e_entry_above_4g_refused);
	CHECK_RUN(entry_outside_memory_refused);
	CHECK_RUN(segment_outside_memory_refused);
	CHECK_RUN(filesz_above_memsz_refused);
	CHECK_RUN(phdrs_beyond_file_refused);
	CHECK_RUN(offsets_beyond_file_refused);
	CHECK_RUN(note_segment_beyond_file_refused);
	CHECK_RUN(truncated_notes_refused);
	CHECK_RUN(bad_headers_refused);
	CHECK_RUN(every_truncation_refused);
	CHECK_RUN(start_info_written);
	CHECK_RUN(start_info_one_region);
	CHECK_RUN(start_info_linux_extras);
	CHECK_RUN(start_info_extras_refused);
	CHECK_RUN(start_info_acpi_outside_memory);
	return check_done();
}
