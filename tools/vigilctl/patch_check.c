// SPDX-License-Identifier: MIT
/*
 * vigilctl patch build: what the linked patch must be before it becomes a
 * payload. Nothing left to relocate or resolve (every address is final,
 * against the exact VMM build), nothing writable (the patch area never
 * is), and every original function redirectable: at least 5 bytes long,
 * and no branch inside it that lands on the bytes the jump overwrites.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/vigilctl/vc_patch.h"
#include "tools/vigilctl/vc_run.h"
#include "tools/vigilctl/vigilctl.h"

__attribute__((format(printf, 1, 2))) static int vc_patch_refuse(const char *fmt, ...)
{
	va_list ap;

	fputs("vigilctl: patch refused: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EPERM;
}

/* One allocated section of the patch: inside the code, read-only. */
static int vc_patch_section(const struct vc_elf *e, unsigned i, uint64_t at, uint64_t *end)
{
	const Elf64_Shdr *s = vc_elf_section(e, i);
	const char *name = vc_elf_section_name(e, i);

	if (s->sh_type == SHT_REL || s->sh_type == SHT_RELA || s->sh_type == SHT_DYNAMIC)
		return vc_patch_refuse("section %s: relocations or dynamic linking left", name);
	if (!(s->sh_flags & SHF_ALLOC) || !s->sh_size)
		return 0;
	if (s->sh_flags & SHF_WRITE || s->sh_type == SHT_NOBITS)
		return vc_patch_refuse("section %s is writable data: the patch area is never writable "
				       "(use const data, or the VMM's own variables)", name);
	if (s->sh_addr < at)
		return vc_patch_refuse("section %s lies below the load address", name);
	if (s->sh_addr + s->sh_size > *end)
		*end = s->sh_addr + s->sh_size;
	return 0;
}

static int vc_patch_code(const struct vc_elf *e, struct bundle_patch *p)
{
	uint64_t end = p->load_address;
	int ret = 0;

	for (unsigned i = 0; !ret && vc_elf_section(e, i); i++)
		ret = vc_patch_section(e, i, p->load_address, &end);
	if (ret)
		return ret;
	if (end == p->load_address || end - p->load_address > PATCH_MAX_CODE)
		return vc_patch_refuse("code of %lu bytes: must be 1..%u", (unsigned long)(end - p->load_address),
				       PATCH_MAX_CODE);
	p->code_len = (uint32_t)(end - p->load_address);
	memset(p->code, 0xcc, p->code_len); /* gaps: int3 */
	for (unsigned i = 0; vc_elf_section(e, i); i++) {
		const Elf64_Shdr *s = vc_elf_section(e, i);

		if ((s->sh_flags & SHF_ALLOC) && s->sh_size &&
		    vc_elf_read(e, s->sh_addr, p->code + (s->sh_addr - p->load_address), s->sh_size))
			return -EIO;
	}
	return 0;
}

static int vc_patch_undefined(const struct vc_elf *e)
{
	for (size_t i = 1; i < e->nsyms; i++)
		if (e->syms[i].st_shndx == SHN_UNDEF && vc_elf_sym_name(e, &e->syms[i])[0])
			return vc_patch_refuse("symbol %s is unresolved", vc_elf_sym_name(e, &e->syms[i]));
	return 0;
}

/* A branch or call instruction's direct target on an objdump line. */
static bool vc_objdump_target(const char *line, uint64_t *target)
{
	const char *tab = strchr(line, '\t'), *op;
	char *end;

	if (!tab || !strchr(line, ':'))
		return false;
	tab += strspn(tab, "\t ");
	if (tab[0] != 'j' && strncmp(tab, "call", 4) && strncmp(tab, "loop", 4) && strncmp(tab, "xbegin", 6))
		return false;
	op = tab + strcspn(tab, " \t");
	op += strspn(op, " \t");
	*target = strtoull(op, &end, 16);
	return end != op && (*end == ' ' || *end == 0 || *end == '\n');
}

/* Refuse when a branch inside [start, start+size) lands on start+1..start+4. */
static int vc_patch_branches(const struct vc_patch_job *j, const char *fn, uint64_t start, uint64_t size)
{
	char out[VC_PATH_MAX], from[40], to[40];
	char *argv[] = { getenv("OBJDUMP") ? getenv("OBJDUMP") : "objdump", "-d", "--no-show-raw-insn",
			 from, to, (char *)j->vmm, NULL };
	uint64_t target;
	char line[512];
	FILE *f;
	int ret = 0;

	snprintf(out, sizeof(out), "%s/objdump", j->dir);
	snprintf(from, sizeof(from), "--start-address=0x%lx", (unsigned long)start);
	snprintf(to, sizeof(to), "--stop-address=0x%lx", (unsigned long)(start + size));
	if (vc_run(argv, out) || !(f = fopen(out, "r")))
		return -EIO;
	while (!ret && fgets(line, sizeof(line), f))
		if (vc_objdump_target(line, &target) && target > start &&
		    target < start + PATCH_REDIRECT_LEN)
			ret = vc_patch_refuse("%s: a branch inside it lands on byte %lu, which the "
					      "redirect overwrites: %s",
					      fn, (unsigned long)(target - start), line);
	fclose(f);
	return ret;
}

/* Pair the replacement `sym` (vigil_patch__NAME) with NAME in the VMM. */
static int vc_patch_redirect(struct vc_patch_job *j, const struct vc_elf *vmm, const char *name,
			     uint64_t to, struct bundle_patch *p)
{
	const char *orig = name + strlen(PATCH_SYMBOL_PREFIX);
	struct bundle_redirect *r = &p->redirects[p->redirect_count];
	uint64_t size;
	int ret;

	if (p->redirect_count == PATCH_MAX_REDIRECTS)
		return vc_patch_refuse("more than %d replacement functions", PATCH_MAX_REDIRECTS);
	ret = vc_elf_symbol(vmm, orig, STT_FUNC, &r->from, &size);
	if (ret == -ENOENT)
		return vc_patch_refuse("%s: the VMM has no function %s", name, orig);
	if (ret)
		return vc_patch_refuse("%s: the VMM has several functions named %s", name, orig);
	if (size < PATCH_REDIRECT_LEN)
		return vc_patch_refuse("%s is %lu bytes long: a redirect needs %d", orig, (unsigned long)size,
				       PATCH_REDIRECT_LEN);
	if (to < p->load_address || to - p->load_address >= p->code_len)
		return vc_patch_refuse("%s lies outside the patch's code", name);
	ret = vc_patch_branches(j, orig, r->from, size);
	if (!ret && vc_elf_read(vmm, r->from, r->expect, PATCH_REDIRECT_LEN))
		ret = vc_patch_refuse("%s: cannot read its bytes from the VMM image", orig);
	if (!ret) {
		r->to = to;
		p->redirect_count++;
	}
	return ret;
}

static int vc_patch_redirects(struct vc_patch_job *j, const struct vc_elf *patch, const struct vc_elf *vmm,
			      struct bundle_patch *p)
{
	size_t plen = strlen(PATCH_SYMBOL_PREFIX);
	int ret = 0;

	for (size_t i = 1; !ret && i < patch->nsyms; i++) {
		const Elf64_Sym *s = &patch->syms[i];
		const char *name = vc_elf_sym_name(patch, s);

		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF ||
		    s->st_shndx == SHN_ABS || strncmp(name, PATCH_SYMBOL_PREFIX, plen))
			continue;
		ret = vc_patch_redirect(j, vmm, name, s->st_value, p);
	}
	if (!ret && !p->redirect_count)
		ret = vc_patch_refuse("no function named %sNAME: nothing to replace", PATCH_SYMBOL_PREFIX);
	return ret;
}

int vc_patch_extract(struct vc_patch_job *j, struct bundle_patch *p, uint8_t build_id[VC_BUILD_ID_LEN])
{
	struct vc_elf patch, vmm;
	int ret;

	if (vc_elf_open(j->elf, &patch))
		return -EIO;
	if (vc_elf_open(j->vmm, &vmm)) {
		vc_elf_close(&patch);
		return -EIO;
	}
	ret = vc_elf_build_id(&vmm, build_id);
	if (ret)
		vc_err("%s: no GNU build-id note", j->vmm);
	if (!ret)
		ret = vc_patch_undefined(&patch);
	if (!ret)
		ret = vc_patch_code(&patch, p);
	if (!ret)
		ret = vc_patch_redirects(j, &patch, &vmm, p);
	vc_elf_close(&vmm);
	vc_elf_close(&patch);
	return ret;
}
