// SPDX-License-Identifier: MIT
/*
 * vigilctl: a small ELF64 reader for the VMM image and linked patches:
 * sections, symbols, bytes at a virtual address, the GNU build-id. Every
 * offset and size read from the file is bounds-checked before use.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"

static bool vc_elf_span_ok(const struct vc_elf *e, uint64_t off, uint64_t size)
{
	return off <= e->len && size <= e->len - off;
}

static const Elf64_Shdr *vc_elf_shdr(const struct vc_elf *e, unsigned i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e->buf;

	return (const Elf64_Shdr *)(e->buf + eh->e_shoff) + i;
}

static int vc_elf_check(struct vc_elf *e, const char *path)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e->buf;

	if (e->len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !vc_elf_span_ok(e, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    eh->e_shstrndx >= eh->e_shnum) {
		vc_err("%s: not an x86-64 ELF file with section headers", path);
		return -EINVAL;
	}
	e->shnum = eh->e_shnum;
	for (unsigned i = 0; i < e->shnum; i++) {
		const Elf64_Shdr *s = vc_elf_shdr(e, i);

		if (s->sh_type != SHT_NOBITS && !vc_elf_span_ok(e, s->sh_offset, s->sh_size)) {
			vc_err("%s: section %u lies outside the file", path, i);
			return -EINVAL;
		}
	}
	return 0;
}

/* The symbol table and its strings, if any. */
static void vc_elf_symtab(struct vc_elf *e)
{
	for (unsigned i = 0; i < e->shnum; i++) {
		const Elf64_Shdr *s = vc_elf_shdr(e, i);

		if (s->sh_type != SHT_SYMTAB || s->sh_link >= e->shnum ||
		    s->sh_entsize != sizeof(Elf64_Sym))
			continue;
		e->syms = (const Elf64_Sym *)(e->buf + s->sh_offset);
		e->nsyms = s->sh_size / sizeof(Elf64_Sym);
		e->strtab = (const char *)e->buf + vc_elf_shdr(e, s->sh_link)->sh_offset;
		e->strtab_len = vc_elf_shdr(e, s->sh_link)->sh_size;
		return;
	}
}

int vc_elf_open(const char *path, struct vc_elf *e)
{
	memset(e, 0, sizeof(*e));
	if (vc_file_read(path, &e->buf, &e->len))
		return -EIO;
	if (vc_elf_check(e, path)) {
		vc_elf_close(e);
		return -EINVAL;
	}
	vc_elf_symtab(e);
	return 0;
}

void vc_elf_close(struct vc_elf *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

const char *vc_elf_section_name(const struct vc_elf *e, unsigned i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e->buf;
	const Elf64_Shdr *strs = vc_elf_shdr(e, eh->e_shstrndx);
	uint32_t off = vc_elf_shdr(e, i)->sh_name;

	if (off >= strs->sh_size || !memchr(e->buf + strs->sh_offset + off, 0, strs->sh_size - off))
		return "?";
	return (const char *)e->buf + strs->sh_offset + off;
}

const Elf64_Shdr *vc_elf_section(const struct vc_elf *e, unsigned i)
{
	return i < e->shnum ? vc_elf_shdr(e, i) : NULL;
}

const char *vc_elf_sym_name(const struct vc_elf *e, const Elf64_Sym *s)
{
	if (s->st_name >= e->strtab_len || !memchr(e->strtab + s->st_name, 0, e->strtab_len - s->st_name))
		return "";
	return e->strtab + s->st_name;
}

int vc_elf_symbol(const struct vc_elf *e, const char *name, int type, uint64_t *value, uint64_t *size)
{
	int found = 0;

	for (size_t i = 1; i < e->nsyms; i++) {
		const Elf64_Sym *s = &e->syms[i];

		if (ELF64_ST_TYPE(s->st_info) != type || s->st_shndx == SHN_UNDEF ||
		    strcmp(vc_elf_sym_name(e, s), name))
			continue;
		if (found++ && (*value != s->st_value || *size != s->st_size))
			return -EEXIST; /* two different symbols of that name */
		*value = s->st_value;
		*size = s->st_size;
	}
	return found ? 0 : -ENOENT;
}

int vc_elf_read(const struct vc_elf *e, uint64_t addr, void *out, size_t n)
{
	for (unsigned i = 0; i < e->shnum; i++) {
		const Elf64_Shdr *s = vc_elf_shdr(e, i);

		if (!(s->sh_flags & SHF_ALLOC) || s->sh_type == SHT_NOBITS || addr < s->sh_addr ||
		    addr - s->sh_addr > s->sh_size || n > s->sh_size - (addr - s->sh_addr))
			continue;
		memcpy(out, e->buf + s->sh_offset + (addr - s->sh_addr), n);
		return 0;
	}
	return -ENOENT;
}

/* Walk the notes of one SHT_NOTE section for NT_GNU_BUILD_ID. */
static int vc_elf_note_build_id(const uint8_t *p, uint64_t len, uint8_t id[VC_BUILD_ID_LEN])
{
	while (len >= sizeof(Elf64_Nhdr)) {
		const Elf64_Nhdr *nh = (const Elf64_Nhdr *)p;
		uint64_t name = (nh->n_namesz + 3ull) & ~3ull, desc = (nh->n_descsz + 3ull) & ~3ull;

		if (sizeof(*nh) + name + desc > len)
			break;
		if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
		    !memcmp(p + sizeof(*nh), "GNU", 4) && nh->n_descsz == VC_BUILD_ID_LEN) {
			memcpy(id, p + sizeof(*nh) + name, VC_BUILD_ID_LEN);
			return 0;
		}
		p += sizeof(*nh) + name + desc;
		len -= sizeof(*nh) + name + desc;
	}
	return -ENOENT;
}

int vc_elf_build_id(const struct vc_elf *e, uint8_t id[VC_BUILD_ID_LEN])
{
	for (unsigned i = 0; i < e->shnum; i++) {
		const Elf64_Shdr *s = vc_elf_shdr(e, i);

		if (s->sh_type == SHT_NOTE &&
		    !vc_elf_note_build_id(e->buf + s->sh_offset, s->sh_size, id))
			return 0;
	}
	return -ENOENT;
}

int vc_build_id_get(const char *hex, const char *vmm, uint8_t id[VC_BUILD_ID_LEN])
{
	struct vc_elf e;
	int ret;

	if (hex) {
		ret = vc_hex_parse(hex, id, VC_BUILD_ID_LEN);
		if (ret)
			vc_err("--build-id: expected %d bytes in hex", VC_BUILD_ID_LEN);
		return ret;
	}
	if (vc_elf_open(vmm, &e))
		return -EINVAL;
	ret = vc_elf_build_id(&e, id);
	if (ret)
		vc_err("%s: no 20-byte GNU build-id note (link with --build-id=sha1)", vmm);
	vc_elf_close(&e);
	return ret;
}
