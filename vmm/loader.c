/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "vmm/loader.h"
#include "vigil/elf.h"
#include "vmm/vm.h"
#include "vigil/guest_platform.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578u
#define E820_RAM 1
#define E820_RESERVED 2

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

static int elf_header_ok(const uint8_t *image, size_t size, const struct elf64_ehdr *eh)
{
	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != ELFCLASS64 ||
	    eh->ident[5] != ELFDATA2LSB)
		return 0;
	if (eh->machine != EM_X86_64 || eh->phentsize != sizeof(struct elf64_phdr) || !eh->phnum)
		return 0;
	(void)image;
	return eh->phoff < size && eh->phnum <= (size - eh->phoff) / sizeof(struct elf64_phdr);
}

/* Look for the Xen PVH entry note inside one PT_NOTE segment. */
static int elf_find_pvh(const uint8_t *seg, uint64_t len, uint32_t *entry)
{
	uint64_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz, descsz, type;

		memcpy(&namesz, seg + off, 4);
		memcpy(&descsz, seg + off + 4, 4);
		memcpy(&type, seg + off + 8, 4);
		off += 12;
		uint64_t name_len = (namesz + 3ull) & ~3ull, desc_len = (descsz + 3ull) & ~3ull;
		if (name_len > len - off || desc_len > len - off - name_len)
			return -EINVAL;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && !memcmp(seg + off, "Xen", 4) &&
		    (descsz == 4 || descsz == 8)) {
			uint64_t e = 0;

			memcpy(&e, seg + off + name_len, descsz);
			if (e >> 32)
				return -ENOEXEC; /* a 32-bit entry point: never truncate it */
			*entry = (uint32_t)e;
			return 1;
		}
		off += name_len + desc_len;
	}
	return 0;
}

static int elf_load_segment(struct vm *vm, const uint8_t *image, size_t size, const struct elf64_phdr *ph,
			    uint64_t *lo, uint64_t *hi, bool copy)
{
	uint8_t *dst;

	if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset)
		return -ENOEXEC;
	dst = vm_gpa_to_hva(vm, ph->paddr, ph->memsz);
	if (!dst)
		return -ERANGE; /* outside the guest's declared memory */
	if (copy) {
		memcpy(dst, image + ph->offset, ph->filesz);
		memset(dst + ph->filesz, 0, ph->memsz - ph->filesz);
	}
	if (ph->paddr < *lo)
		*lo = ph->paddr;
	if (ph->paddr + ph->memsz > *hi)
		*hi = ph->paddr + ph->memsz;
	return 0;
}

static int elf_load(struct vm *vm, const uint8_t *image, size_t size, uint32_t *entry, uint64_t *lo, uint64_t *hi,
		    bool copy)
{
	struct elf64_ehdr eh;
	int found = 0;

	*lo = UINT64_MAX;
	*hi = 0;
	if (size >= sizeof(eh))
		memcpy(&eh, image, sizeof(eh));
	if (size < sizeof(eh) || !elf_header_ok(image, size, &eh))
		return -ENOEXEC;
	for (uint16_t i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		int err = 0;

		memcpy(&ph, image + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_LOAD && ph.memsz)
			err = elf_load_segment(vm, image, size, &ph, lo, hi, copy);
		else if (ph.type == PT_NOTE && !found && (ph.offset > size || ph.filesz > size - ph.offset))
			err = -ENOEXEC; /* a cut-off image: its entry note may be the part missing */
		else if (ph.type == PT_NOTE && !found)
			err = found = elf_find_pvh(image + ph.offset, ph.filesz, entry);
		if (err < 0)
			return err;
	}
	if (!found) {
		if (eh.entry >> 32)
			return -ENOEXEC;
		*entry = (uint32_t)eh.entry;
	}
	return vm_gpa_to_hva(vm, *entry, 1) ? 0 : -ERANGE;
}

int loader_load_elf(struct vm *vm, const uint8_t *image, size_t size, uint32_t *entry, uint64_t *lo,
		    uint64_t *hi)
{
	return elf_load(vm, image, size, entry, lo, hi, true);
}

int loader_check_elf(struct vm *vm, const uint8_t *image, size_t size)
{
	uint64_t lo, hi;
	uint32_t entry;

	return elf_load(vm, image, size, &entry, &lo, &hi, false);
}

/* What the start page holds, in this order. */
#define START_MAP_MAX (CONFIG_MAX_REGIONS + 4)
struct start_page {
	struct hvm_start_info si;
	struct hvm_memmap_entry map[START_MAP_MAX];
	struct hvm_modlist_entry mod;
	char cmdline[];
};

struct range {
	uint64_t start, end;
};

static bool ranges_overlap(struct range a, struct range b)
{
	return a.start < b.end && b.start < a.end;
}

/* RAM: every region less the holes (sorted, each inside one region); then
 * the holes as reserved. */
static unsigned memmap_build(const struct vm *vm, const struct range *holes, unsigned nholes,
			     struct hvm_memmap_entry *map)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vm->region_count; i++) {
		const struct vm_region *r = &vm->regions[i];
		uint64_t cur = r->gpa;

		for (unsigned h = 0; h < nholes; h++) {
			if (holes[h].start < r->gpa || holes[h].end > r->gpa + r->size)
				continue;
			if (holes[h].start > cur)
				map[n++] = (struct hvm_memmap_entry){ cur, holes[h].start - cur, E820_RAM, 0 };
			cur = holes[h].end;
		}
		if (cur < r->gpa + r->size)
			map[n++] = (struct hvm_memmap_entry){ cur, r->gpa + r->size - cur, E820_RAM, 0 };
	}
	for (unsigned h = 0; h < nholes; h++)
		map[n++] = (struct hvm_memmap_entry){ holes[h].start, holes[h].end - holes[h].start,
						      E820_RESERVED, 0 };
	return n;
}

/* The ACPI tables go to their fixed window, which must be guest memory
 * clear of the kernel. */
static int acpi_place(struct vm *vm, const struct loader_extras *x, struct range *hole)
{
	uint8_t *dst = vm_gpa_to_hva(vm, GP_ACPI_GPA, GP_ACPI_MAX);

	*hole = (struct range){ GP_ACPI_GPA, GP_ACPI_GPA + GP_ACPI_MAX };
	if (x->acpi_size > GP_ACPI_MAX)
		return -E2BIG;
	if (!dst || ranges_overlap(*hole, (struct range){ x->image_lo, x->image_hi }))
		return -ERANGE;
	memset(dst, 0, GP_ACPI_MAX);
	memcpy(dst, x->acpi, x->acpi_size);
	return 0;
}

/* The initrd goes to the top of the first region, below the start page. */
static int initrd_place(struct vm *vm, const struct loader_extras *x, uint64_t page, bool acpi,
			struct hvm_modlist_entry *mod)
{
	uint64_t base = vm->regions[0].gpa, size = x->initrd_size;
	uint64_t at = (page - base < size) ? 0 : (page - size) & ~0xfffull;
	struct range r = { at, at + size };
	uint8_t *dst;

	if (!size)
		return -EINVAL;
	if (page - base < size || at < base || ranges_overlap(r, (struct range){ x->image_lo, x->image_hi }) ||
	    (acpi && ranges_overlap(r, (struct range){ GP_ACPI_GPA, GP_ACPI_GPA + GP_ACPI_MAX })))
		return -ENOSPC;
	dst = vm_gpa_to_hva(vm, at, size);
	if (!dst)
		return -ENOSPC;
	memcpy(dst, x->initrd, size);
	*mod = (struct hvm_modlist_entry){ .paddr = at, .size = size };
	return 0;
}

static int extras_place(struct vm *vm, const struct loader_extras *x, uint64_t page, struct start_page *sp,
			struct range *holes, unsigned *nholes)
{
	size_t room = 4096 - sizeof(*sp), len = x->cmdline ? strlen(x->cmdline) : 0;
	int err = 0;

	if (len >= room)
		return -E2BIG;
	if (x->acpi) {
		err = acpi_place(vm, x, &holes[(*nholes)++]);
		sp->si.rsdp_paddr = GP_ACPI_GPA;
	}
	if (!err && x->initrd) {
		err = initrd_place(vm, x, page, x->acpi != NULL, &sp->mod);
		sp->si.nr_modules = 1;
		sp->si.modlist_paddr = page + offsetof(struct start_page, mod);
	}
	if (!err && len) {
		memcpy(sp->cmdline, x->cmdline, len + 1);
		sp->si.cmdline_paddr = page + offsetof(struct start_page, cmdline);
	}
	return err;
}

int loader_write_start_info(struct vm *vm, const struct loader_extras *x, uint64_t *gpa)
{
	const struct vm_region *first = &vm->regions[0];
	uint64_t page = first->gpa + first->size - 4096;
	struct start_page *sp = vm_gpa_to_hva(vm, page, 4096);
	struct range holes[2];
	unsigned nholes = 0;
	int err = 0;

	_Static_assert(sizeof(struct start_page) < 4096, "the start page holds its parts");
	if (!sp)
		return -ERANGE;
	memset(sp, 0, 4096);
	sp->si = (struct hvm_start_info){ .magic = HVM_START_MAGIC, .version = 1 };
	if (x)
		err = extras_place(vm, x, page, sp, holes, &nholes);
	if (err) {
		memset(sp, 0, 4096);
		return err;
	}
	holes[nholes++] = (struct range){ page, page + 4096 };
	if (nholes == 2 && holes[0].start > holes[1].start) {
		struct range t = holes[0];

		holes[0] = holes[1];
		holes[1] = t;
	}
	sp->si.memmap_paddr = page + offsetof(struct start_page, map);
	sp->si.memmap_entries = memmap_build(vm, holes, nholes, sp->map);
	*gpa = page;
	return 0;
}
