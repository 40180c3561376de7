/* SPDX-License-Identifier: MIT */
/*
 * The ELF64 structures both loaders read: the boot entries' VMM loader
 * (boot/elf_load.c) and the VMM's guest loader (vmm/loader.c). Layouts as
 * the System V ABI gives them; only what the loaders use.
 */
#ifndef VIGIL_ELF_H
#define VIGIL_ELF_H

#include <stdint.h>

#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EM_X86_64 62

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4

struct elf64_ehdr {
	uint8_t ident[EI_NIDENT];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr layout");

#endif
