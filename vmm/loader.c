/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "vmm/loader.h"
#include "vigil/elf.h"
#include "vmm/vm.h"

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

static int elf_load_segment(struct vm *vm, const uint8_t *image, size_t size, const struct elf64_phdr *ph)
{
	uint8_t *dst;

	if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset)
		return -ENOEXEC;
	dst = vm_gpa_to_hva(vm, ph->paddr, ph->memsz);
	if (!dst)
		return -ERANGE; /* outside the guest's declared memory */
	memcpy(dst, image + ph->offset, ph->filesz);
	memset(dst + ph->filesz, 0, ph->memsz - ph->filesz);
	return 0;
}

int loader_load_elf(struct vm *vm, const uint8_t *image, size_t size, uint32_t *entry)
{
	struct elf64_ehdr eh;
	int found = 0;

	if (size >= sizeof(eh))
		memcpy(&eh, image, sizeof(eh));
	if (size < sizeof(eh) || !elf_header_ok(image, size, &eh))
		return -ENOEXEC;
	for (uint16_t i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		int err = 0;

		memcpy(&ph, image + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_LOAD && ph.memsz)
			err = elf_load_segment(vm, image, size, &ph);
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

int loader_write_start_info(struct vm *vm, uint64_t *gpa)
{
	const struct vm_region *first = &vm->regions[0];
	uint64_t page = first->gpa + first->size - 4096;
	struct hvm_start_info *si = vm_gpa_to_hva(vm, page, 4096);
	struct hvm_memmap_entry *map = (struct hvm_memmap_entry *)(si + 1);
	unsigned n = 0;

	if (!si)
		return -ERANGE;
	memset(si, 0, 4096);
	for (unsigned i = 0; i < vm->region_count; i++) {
		const struct vm_region *r = &vm->regions[i];

		map[n++] = (struct hvm_memmap_entry){ r->gpa, r->size - (i == 0 ? 4096 : 0), E820_RAM, 0 };
	}
	map[n++] = (struct hvm_memmap_entry){ page, 4096, E820_RESERVED, 0 };
	*si = (struct hvm_start_info){ .magic = HVM_START_MAGIC, .version = 1,
				       .memmap_paddr = page + sizeof(*si), .memmap_entries = n };
	*gpa = page;
	return 0;
}
