/* SPDX-License-Identifier: MIT */
/*
 * The stub's firmware-free parts: boot page tables (boot/paging.c), the
 * handoff memory map (boot/memmap.c), the config's package paths
 * (boot/dtb_scan.c, boot/path.c).
 */
#define CHECK_SUITE "stub"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/dtb_scan.h"
#include "boot/memmap.h"
#include "boot/paging.h"
#include "boot/path.h"
#include "tests/unit/check.h"

#define VBASE 0xffffffff80000000ull
#define PHYS 0x40000000ull /* the test's pretend vmm_phys_base */

/* ---- page tables -------------------------------------------------------- */

struct tables {
	uint64_t *pool;
	size_t pages;
	uint64_t cr3;
};

static struct elf_image two_segments(void)
{
	struct elf_image img = { .virt_base = VBASE, .span = 0x200000, .nseg = 2 };

	img.seg[0] = (struct elf_segment){ .vaddr = VBASE + 0x1000, .memsz = 0x1800, .flags = 5 };
	img.seg[1] = (struct elf_segment){ .vaddr = VBASE + 0x2800, .memsz = 0x3000, .flags = 6 };
	return img;
}

static int build(struct tables *t, uint64_t top, const struct elf_image *img, size_t pages)
{
	struct paging_pool pool;

	t->pages = pages ? pages : paging_pool_pages(top, img);
	t->pool = aligned_alloc(4096, t->pages * 4096);
	pool = (struct paging_pool){ .next = t->pool, .end = t->pool + 512 * t->pages };
	return paging_build(&pool, top, img, PHYS, &t->cr3);
}

/* Walk the tables the way the CPU does; 0 if va is not mapped. */
static uint64_t walk(const struct tables *t, uint64_t va, uint64_t *pte)
{
	uint64_t *tab = (uint64_t *)(uintptr_t)t->cr3, e = 0;

	for (int level = 3; level >= 0; level--) {
		e = tab[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return 0;
		if (level == 1 && (e & PTE_PS)) {
			*pte = e;
			return (e & PTE_ADDR & ~(PAGE_2M - 1)) | (va & (PAGE_2M - 1));
		}
		tab = (uint64_t *)(uintptr_t)(e & PTE_ADDR);
	}
	*pte = e;
	return (e & PTE_ADDR) | (va & 0xfff);
}

static void tables_map_identity_and_image(void)
{
	struct elf_image img = two_segments();
	struct tables t;
	uint64_t pte;

	if (!CHECK(build(&t, 6ull << 30, &img, 0) == 0))
		return;
	CHECK_EQ(walk(&t, 0x1234, &pte), 0x1234);
	CHECK(pte & PTE_PS);
	CHECK_EQ(walk(&t, 0xfee00000, &pte), 0xfee00000); /* MMIO below 4 GiB */
	CHECK_EQ(walk(&t, (6ull << 30) - 1, &pte), (6ull << 30) - 1); /* RAM above it */
	CHECK_EQ(walk(&t, 6ull << 30, &pte), 0);
	CHECK_EQ(walk(&t, VBASE + 0x1000, &pte), PHYS + 0x1000);
	CHECK(!(pte & PTE_W)); /* text read-only */
	CHECK_EQ(walk(&t, VBASE + 0x2abc, &pte), PHYS + 0x2abc);
	CHECK(pte & PTE_W); /* the page text and data share takes the union */
	CHECK_EQ(walk(&t, VBASE + 0x5fff, &pte), PHYS + 0x5fff);
	CHECK_EQ(walk(&t, VBASE + 0x6000, &pte), 0); /* past the last segment */
	CHECK_EQ(walk(&t, VBASE, &pte), 0);		/* below the first */
	free(t.pool);
}

static void tables_shared_page_rights_any_order(void)
{
	struct elf_image img = two_segments();
	struct elf_segment text = img.seg[0];
	struct tables t;
	uint64_t pte = 0;

	img.seg[0] = img.seg[1]; /* data first, then text on the same page */
	img.seg[1] = text;
	if (!CHECK(build(&t, 4ull << 30, &img, 0) == 0))
		return;
	CHECK_EQ(walk(&t, VBASE + 0x2000, &pte), PHYS + 0x2000);
	CHECK(pte & PTE_W);
	CHECK_EQ(walk(&t, VBASE + 0x1000, &pte), PHYS + 0x1000);
	CHECK(!(pte & PTE_W));
	free(t.pool);
}

static void tables_minimum_is_4g_rounded_to_1g(void)
{
	struct elf_image img = two_segments();
	struct tables t;
	uint64_t pte;

	if (!CHECK(build(&t, (4ull << 30) + 1, &img, 0) == 0))
		return;
	CHECK_EQ(walk(&t, (5ull << 30) - 1, &pte), (5ull << 30) - 1);
	free(t.pool);
}

static void tables_pool_bound_holds(void)
{
	/* A span straddling a 1 GiB and a 512 GiB boundary, and a large top:
	 * the computed pool must suffice, a smaller one must not. */
	struct elf_image img = { .virt_base = 0xffffff7fffe00000ull, .span = 0x600000, .nseg = 1 };
	struct tables t;

	img.seg[0] = (struct elf_segment){ .vaddr = img.virt_base, .memsz = 0x600000, .flags = 7 };
	CHECK_EQ(build(&t, 600ull << 30, &img, 0), 0);
	free(t.pool);
	CHECK_EQ(build(&t, 4ull << 30, &img, 8), -ENOMEM);
	free(t.pool);
}

static void tables_refuse_conflicts(void)
{
	struct elf_image img = two_segments();
	struct tables t;

	img.seg[0].vaddr = 0x200000; /* inside the identity map */
	img.virt_base = 0;
	CHECK_EQ(build(&t, 4ull << 30, &img, 0), -EINVAL);
	free(t.pool);
	img = two_segments();
	img.seg[1].vaddr = 0x0000900000000000ull; /* not canonical */
	CHECK_EQ(build(&t, 4ull << 30, &img, 0), -EINVAL);
	free(t.pool);
}

/* ---- memory map ------------------------------------------------------- */

static struct handoff *handoff_new(void)
{
	return calloc(1, sizeof(struct handoff));
}

static void memmap_sorts_and_merges(void)
{
	struct handoff *h = handoff_new();

	CHECK_EQ(memmap_add(h, 0x3000, 0x1000, HANDOFF_MEM_USABLE), 0);
	CHECK_EQ(memmap_add(h, 0x0000, 0x1000, HANDOFF_MEM_USABLE), 0);
	CHECK_EQ(memmap_add(h, 0x5000, 0x1000, HANDOFF_MEM_BOOT), 0);
	CHECK_EQ(h->mem_count, 3);
	CHECK_EQ(memmap_add(h, 0x1000, 0x2000, HANDOFF_MEM_USABLE), 0); /* bridges two */
	CHECK_EQ(h->mem_count, 2);
	CHECK_EQ(h->mem[0].base, 0);
	CHECK_EQ(h->mem[0].size, 0x4000);
	CHECK_EQ(memmap_add(h, 0x4000, 0x1000, HANDOFF_MEM_RESERVED), 0); /* no merge */
	CHECK_EQ(h->mem_count, 3);
	CHECK_EQ(h->mem[1].base, 0x4000);
	CHECK_EQ(memmap_add(h, 0x6000, 0x1000, HANDOFF_MEM_BOOT), 0); /* extends down-neighbour */
	CHECK_EQ(h->mem[2].size, 0x2000);
	free(h);
}

static void memmap_refuses_bad_ranges(void)
{
	struct handoff *h = handoff_new();
	struct handoff copy;

	CHECK_EQ(memmap_add(h, 0x1000, 0x2000, HANDOFF_MEM_USABLE), 0);
	copy = *h;
	CHECK_EQ(memmap_add(h, 0x2000, 0x1000, HANDOFF_MEM_USABLE), -EINVAL); /* overlap */
	CHECK_EQ(memmap_add(h, 0x0000, 0x1001, HANDOFF_MEM_BOOT), -EINVAL);
	CHECK_EQ(memmap_add(h, 0x5000, 0, HANDOFF_MEM_BOOT), -EINVAL);
	CHECK_EQ(memmap_add(h, UINT64_MAX - 0xfff, 0x2000, HANDOFF_MEM_BOOT), -EINVAL);
	CHECK(memcmp(&copy, h, sizeof(copy)) == 0);
	free(h);
}

static void memmap_capacity(void)
{
	struct handoff *h = handoff_new();
	uint64_t i;

	/* Alternating types never merge: exactly HANDOFF_MAX_MEM fit. */
	for (i = 0; i < HANDOFF_MAX_MEM; i++)
		CHECK_EQ(memmap_add(h, i * 0x1000, 0x1000, 1 + (i & 1)), 0);
	CHECK_EQ(memmap_add(h, i * 0x1000, 0x1000, 1 + (i & 1)), -ENOSPC);
	CHECK_EQ(memmap_add(h, (i - 1) * 0x1000 + 0x1000, 0x1000, 1 + ((i - 1) & 1)), 0);
	CHECK_EQ(h->mem_count, HANDOFF_MAX_MEM); /* merging still works when full */
	free(h);
}

/*
 * Maps as a server's firmware writes them: hundreds of ranges of every
 * type, in any order, with holes of one page and more, memory far above
 * 4 GiB. Each generated map is checked against what it must become: sorted,
 * disjoint, merged wherever two ranges of one type touch, and covering
 * exactly the pages of each type it was given.
 */
static uint64_t gen_state;

static uint64_t gen_next(void)
{
	gen_state ^= gen_state << 13;
	gen_state ^= gen_state >> 7;
	gen_state ^= gen_state << 17;
	return gen_state;
}

#define GEN_RANGES 400

static void memmap_generated_maps(void)
{
	static uint64_t base[GEN_RANGES], size[GEN_RANGES];
	static uint32_t type[GEN_RANGES];
	static unsigned order[GEN_RANGES];

	for (uint64_t seed = 1; seed <= 50; seed++) {
		struct handoff *h = handoff_new();
		uint64_t at = 0, want[6] = { 0 }, got[6] = { 0 };
		unsigned bad = 0;

		gen_state = seed * 0x9e3779b97f4a7c15ull;
		for (unsigned i = 0; i < GEN_RANGES; i++) {
			at += (gen_next() % 3) * 0x1000 * (1 + gen_next() % 16);   /* a hole, or none */
			if (i == GEN_RANGES / 2)
				at += 1ull << 32;				   /* memory above 4 GiB */
			base[i] = at;
			size[i] = 0x1000 * (1 + gen_next() % 4096);
			type[i] = 1 + (uint32_t)(gen_next() % 5);
			at += size[i];
			want[type[i]] += size[i];
			order[i] = i;
		}
		for (unsigned i = GEN_RANGES - 1; i > 0; i--) { /* the firmware's order: any */
			unsigned j = (unsigned)(gen_next() % (i + 1)), t = order[i];

			order[i] = order[j], order[j] = t;
		}
		for (unsigned i = 0; i < GEN_RANGES; i++)
			bad += memmap_add(h, base[order[i]], size[order[i]], type[order[i]]) != 0;
		for (unsigned i = 0; i < h->mem_count; i++) {
			const struct handoff_mem *m = &h->mem[i], *n = m + 1;

			got[m->type < 6 ? m->type : 0] += m->size;
			if (i + 1 < h->mem_count)
				bad += m->base + m->size > n->base ||				/* sorted, disjoint */
				       (m->base + m->size == n->base && m->type == n->type); /* merged */
			bad += (m->base | m->size) & 0xfff || !m->size;
		}
		if (!CHECK(!bad && !memcmp(want, got, sizeof(want))))
			printf("    seed %lu: %u problems, %u entries\n", (unsigned long)seed, bad, h->mem_count);
		free(h);
	}
}

/* ---- device tree scan ------------------------------------------------- */

/* A tiny FDT writer: just enough to make well-formed and broken blobs. */
struct fdt {
	uint8_t st[4096], str[512];
	uint32_t nst, nstr;
};

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void tok(struct fdt *f, uint32_t t)
{
	be32_put(f->st + f->nst, t);
	f->nst += 4;
}

static void raw(struct fdt *f, const void *p, uint32_t n)
{
	memcpy(f->st + f->nst, p, n);
	f->nst += (n + 3) & ~3u;
}

static void node(struct fdt *f, const char *name)
{
	tok(f, 1);
	raw(f, name, strlen(name) + 1);
}

static void prop(struct fdt *f, const char *name, const void *val, uint32_t len)
{
	tok(f, 3);
	tok(f, len);
	tok(f, f->nstr);
	memcpy(f->str + f->nstr, name, strlen(name) + 1);
	f->nstr += strlen(name) + 1;
	raw(f, val, len);
}

static void sprop(struct fdt *f, const char *name, const char *s)
{
	prop(f, name, s, strlen(s) + 1);
}

/* The blob, in a malloc'd buffer of exactly *len bytes. */
static uint8_t *fdt_finish(struct fdt *f, size_t *len)
{
	uint32_t st_off = 40 + 16; /* header, empty reservation map */
	uint8_t *b;

	tok(f, 9);
	*len = st_off + f->nst + f->nstr;
	b = calloc(1, *len);
	be32_put(b, 0xd00dfeed);
	be32_put(b + 4, *len);
	be32_put(b + 8, st_off);
	be32_put(b + 12, st_off + f->nst);
	be32_put(b + 16, 40);
	be32_put(b + 20, 17);
	be32_put(b + 24, 16);
	be32_put(b + 32, f->nstr);
	be32_put(b + 36, f->nst);
	memcpy(b + st_off, f->st, f->nst);
	memcpy(b + st_off + f->nst, f->str, f->nstr);
	return b;
}

/* / { compatible; other { package }; guests { a { package; cpus; sub { package } }; b { package } } } */
static uint8_t *good_blob(size_t *len)
{
	static struct fdt f;

	memset(&f, 0, sizeof(f));
	node(&f, "");
	sprop(&f, "compatible", "vigil,system-v1");
	node(&f, "other");
	sprop(&f, "package", "not/a/guest");
	tok(&f, 2);
	node(&f, "guests");
	node(&f, "a");
	sprop(&f, "package", "packages/a");
	prop(&f, "cpus", "\0\0\0\1", 4);
	node(&f, "sub");
	sprop(&f, "package", "deeper/is/ignored");
	tok(&f, 2);
	tok(&f, 2);
	tok(&f, 4); /* NOP */
	node(&f, "b");
	sprop(&f, "package", "packages/b");
	tok(&f, 2);
	tok(&f, 2);
	tok(&f, 2);
	return fdt_finish(&f, len);
}

static void dtb_finds_guest_packages(void)
{
	struct dtb_file out[4];
	unsigned n;
	size_t len;
	uint8_t *b = good_blob(&len);

	CHECK_EQ(dtb_files_collect(b, len, out, 4, &n), 0);
	CHECK_EQ(n, 2);
	CHECK(n == 2 && !strcmp(out[0].guest, "a") && !strcmp(out[0].path, "packages/a"));
	CHECK(n == 2 && !strcmp(out[1].guest, "b") && !strcmp(out[1].path, "packages/b"));
	CHECK(n == 2 && !strcmp(out[0].prop, "package") && !strcmp(out[1].prop, "package"));
	CHECK_EQ(dtb_files_collect(b, len, out, 1, &n), -E2BIG);
	free(b);
}

static int one_guest(void (*body)(struct fdt *))
{
	static struct fdt f;
	struct dtb_file out[4];
	unsigned n;
	size_t len;
	uint8_t *b;
	int err;

	memset(&f, 0, sizeof(f));
	node(&f, "");
	node(&f, "guests");
	node(&f, "g");
	body(&f);
	tok(&f, 2);
	tok(&f, 2);
	tok(&f, 2);
	b = fdt_finish(&f, &len);
	err = dtb_files_collect(b, len, out, 4, &n);
	free(b);
	return err;
}

static void no_package(struct fdt *f) { prop(f, "cpus", "\0\0\0\1", 4); }
static void two_packages(struct fdt *f) { sprop(f, "package", "a"); sprop(f, "package", "b"); }
static void unterminated(struct fdt *f) { prop(f, "package", "abc", 3); }
static void inner_nul(struct fdt *f) { prop(f, "package", "a\0b", 4); }
static void empty(struct fdt *f) { prop(f, "package", "", 1); }
static void fine(struct fdt *f) { sprop(f, "package", "packages/g"); prop(f, "publishers", "\0\0\0\0", 4); }
/* The withdrawn form: a guest naming its own files, alone or beside a package. */
static void linux_files(struct fdt *f)
{
	sprop(f, "acpi", "guests/g.acpi");
	sprop(f, "image", "guests/vmlinux");
	sprop(f, "cmdline", "console=ttyS0");
	sprop(f, "initrd", "guests/initrd");
}
static void image_only(struct fdt *f) { sprop(f, "image", "guests/g.elf"); }
static void image_not_a_string(struct fdt *f) { prop(f, "image", "abc", 3); }
static void package_and_image(struct fdt *f) { fine(f); sprop(f, "image", "guests/g.elf"); }
static void package_and_initrd(struct fdt *f) { fine(f); sprop(f, "initrd", "guests/initrd"); }
static void package_and_acpi(struct fdt *f) { fine(f); sprop(f, "acpi", "guests/g.acpi"); }
static void package_and_cmdline(struct fdt *f) { fine(f); sprop(f, "cmdline", "quiet"); }
static void initrd_before_package(struct fdt *f) { sprop(f, "initrd", "a"); fine(f); }

static void dtb_refuses_bad_guests(void)
{
	CHECK_EQ(one_guest(fine), 0);
	CHECK_EQ(one_guest(no_package), -EINVAL);
	CHECK_EQ(one_guest(two_packages), -EINVAL);
	CHECK_EQ(one_guest(unterminated), -EINVAL);
	CHECK_EQ(one_guest(inner_nul), -EINVAL);
	CHECK_EQ(one_guest(empty), -EINVAL);
}

/* Each withdrawn property refuses the node with its own error, whatever
 * else it holds: the stub says why rather than "malformed". */
static void dtb_refuses_withdrawn_files(void)
{
	CHECK_EQ(one_guest(linux_files), -EPERM);
	CHECK_EQ(one_guest(image_only), -EPERM);
	CHECK_EQ(one_guest(image_not_a_string), -EPERM);
	CHECK_EQ(one_guest(package_and_image), -EPERM);
	CHECK_EQ(one_guest(package_and_initrd), -EPERM);
	CHECK_EQ(one_guest(package_and_acpi), -EPERM);
	CHECK_EQ(one_guest(package_and_cmdline), -EPERM);
	CHECK_EQ(one_guest(initrd_before_package), -EPERM);
}

/* A manifest: / { compatible; package; files { image { path; size }; initrd { path } };
 * needs { path } } - only /files/<node>/path counts. */
static uint8_t *manifest_blob(size_t *len, void (*initrd)(struct fdt *))
{
	static struct fdt f;

	memset(&f, 0, sizeof(f));
	node(&f, "");
	sprop(&f, "compatible", "vigil,guest-package-v1");
	sprop(&f, "path", "not/a/file");
	node(&f, "files");
	node(&f, "image");
	sprop(&f, "path", "vmlinux");
	prop(&f, "size", "\0\0\0\0\0\0\1\0", 8);
	tok(&f, 2);
	node(&f, "initrd");
	initrd(&f);
	tok(&f, 2);
	tok(&f, 2);
	node(&f, "needs");
	sprop(&f, "path", "not/a/file/either");
	tok(&f, 2);
	tok(&f, 2);
	return fdt_finish(&f, len);
}

static void initrd_path(struct fdt *f) { sprop(f, "path", "initrd.gz"); }
static void initrd_no_path(struct fdt *f) { prop(f, "size", "\0\0\0\1", 4); }
static void initrd_two_paths(struct fdt *f) { sprop(f, "path", "a"); sprop(f, "path", "b"); }
static void initrd_bad_path(struct fdt *f) { prop(f, "path", "a\0b", 4); }

static void dtb_finds_manifest_files(void)
{
	struct dtb_file out[4];
	unsigned n = 0;
	size_t len;
	uint8_t *b = manifest_blob(&len, initrd_path);

	CHECK_EQ(dtb_manifest_files(b, len, out, 4, &n), 0);
	CHECK_EQ(n, 2);
	CHECK(n == 2 && !strcmp(out[0].guest, "image") && !strcmp(out[0].path, "vmlinux"));
	CHECK(n == 2 && !strcmp(out[1].guest, "initrd") && !strcmp(out[1].path, "initrd.gz"));
	CHECK_EQ(dtb_manifest_files(b, len, out, 1, &n), -E2BIG);
	/* The config walk finds no guest in a manifest, and the reverse. */
	CHECK_EQ(dtb_files_collect(b, len, out, 4, &n), 0);
	CHECK_EQ(n, 0);
	free(b);
	b = manifest_blob(&len, initrd_no_path);
	CHECK_EQ(dtb_manifest_files(b, len, out, 4, &n), -EINVAL);
	free(b);
	b = manifest_blob(&len, initrd_two_paths);
	CHECK_EQ(dtb_manifest_files(b, len, out, 4, &n), -EINVAL);
	free(b);
	b = manifest_blob(&len, initrd_bad_path);
	CHECK_EQ(dtb_manifest_files(b, len, out, 4, &n), -EINVAL);
	free(b);
	/* Every truncation refused but the whole, nothing read outside (ASan). */
	b = manifest_blob(&len, initrd_path);
	for (size_t i = 0, ok = 0; i <= len; i++) {
		uint8_t *p = malloc(i ? i : 1);

		memcpy(p, b, i);
		ok += dtb_manifest_files(p, i, out, 4, &n) == 0;
		free(p);
		if (i == len)
			CHECK_EQ(ok, 1);
	}
	free(b);
}

/* A structure block whose size is not a multiple of 4, ending inside a
 * name, its padding or a value: the walker must stop at the block's end.
 * Before the fix the cursor passed the end, `end - off` wrapped and the
 * walk went on through the bytes after the block to the real end token. */
static void dtb_refuses_unaligned_struct_end(void)
{
	struct dtb_file out[4];
	unsigned n, passed = 0;
	size_t len;
	uint8_t *b = good_blob(&len);
	uint32_t st_size = be32_get(b + 36);

	for (uint32_t cut = 1; cut < st_size; cut++) {
		if (!(cut & 3))
			continue;
		be32_put(b + 36, cut); /* size_dt_struct */
		passed += dtb_files_collect(b, len, out, 4, &n) == 0;
	}
	CHECK_EQ(passed, 0);
	free(b);
}

static void dtb_refuses_bad_blobs(void)
{
	struct dtb_file out[4];
	unsigned n, ok = 0;
	size_t len;
	uint8_t *b = good_blob(&len);

	b[0] ^= 1;
	CHECK_EQ(dtb_files_collect(b, len, out, 4, &n), -EINVAL); /* magic */
	b[0] ^= 1;
	be32_put(b + 20, 16);
	CHECK_EQ(dtb_files_collect(b, len, out, 4, &n), -EINVAL); /* version */
	be32_put(b + 20, 17);
	be32_put(b + 36, 0xfffffff0);
	CHECK_EQ(dtb_files_collect(b, len, out, 4, &n), -EINVAL); /* struct size */
	free(b);
	/* Every truncation, in a buffer of exactly that size: only the whole
	 * blob passes, and nothing reads outside (ASan). */
	b = good_blob(&len);
	for (size_t i = 0; i <= len; i++) {
		uint8_t *p = malloc(i ? i : 1);

		memcpy(p, b, i);
		ok += dtb_files_collect(p, i, out, 4, &n) == 0;
		free(p);
	}
	CHECK_EQ(ok, 1);
	/* A name offset beyond the strings block. */
	be32_put(b + 56 + 8 + 8, 0xffff); /* root node token + name, prop token + len */
	CHECK_EQ(dtb_files_collect(b, len, out, 4, &n), -EINVAL);
	free(b);
}

/* ---- paths ------------------------------------------------------------- */

static void paths(void)
{
	static const char *const good_paths[] = {
		"guests/a.elf", "a", "A-b_c.1/x/y.z", "..a", "a..",
		"123456789012345678901234567890123456789012345678901234567890123",
	};
	static const char *const bad_paths[] = {
		"", "/abs", "../x", "a/../b", "a/..", "..", ".", "./a", "a/.", "a//b", "a/",
		"a\\b", "a b", "a:b", "\xc3\xa9",
		"1234567890123456789012345678901234567890123456789012345678901234",
	};

	for (size_t i = 0; i < sizeof(good_paths) / sizeof(good_paths[0]); i++)
		if (!CHECK(path_check(good_paths[i]) == 0))
			printf("    wrongly refused: '%s'\n", good_paths[i]);
	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++)
		if (!CHECK(path_check(bad_paths[i]) == -EINVAL))
			printf("    wrongly accepted: '%s'\n", bad_paths[i]);
}

int main(void)
{
	CHECK_RUN(tables_map_identity_and_image);
	CHECK_RUN(tables_shared_page_rights_any_order);
	CHECK_RUN(tables_minimum_is_4g_rounded_to_1g);
	CHECK_RUN(tables_pool_bound_holds);
	CHECK_RUN(tables_refuse_conflicts);
	CHECK_RUN(memmap_sorts_and_merges);
	CHECK_RUN(memmap_refuses_bad_ranges);
	CHECK_RUN(memmap_capacity);
	CHECK_RUN(memmap_generated_maps);
	CHECK_RUN(dtb_finds_guest_packages);
	CHECK_RUN(dtb_refuses_bad_guests);
	CHECK_RUN(dtb_refuses_withdrawn_files);
	CHECK_RUN(dtb_refuses_bad_blobs);
	CHECK_RUN(dtb_finds_manifest_files);
	CHECK_RUN(dtb_refuses_unaligned_struct_end);
	CHECK_RUN(paths);
	return check_done();
}
