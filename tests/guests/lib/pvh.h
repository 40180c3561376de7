/* SPDX-License-Identifier: MIT */
/*
 * The PVH start info a guest receives in EBX at its 32-bit entry point.
 * Layout of version 1 of the public PVH boot ABI; Vigil and QEMU's PVH
 * loader both fill it in. Addresses are guest-physical.
 */
#ifndef GUEST_PVH_H
#define GUEST_PVH_H

#include <stdint.h>

#define HVM_START_MAGIC 0x336ec578u

/* ELF note that names the 32-bit entry point (note name "Xen"). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define HVM_MEMMAP_RAM 1
#define HVM_MEMMAP_RESERVED 2

struct hvm_start_info {
	uint32_t magic;		  /* HVM_START_MAGIC */
	uint32_t version;	  /* 0, or 1 when the memmap fields are valid */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;	  /* NUL-terminated, 0 if none */
	uint64_t rsdp_paddr;	  /* 0 if none */
	uint64_t memmap_paddr;	  /* version >= 1 */
	uint32_t memmap_entries;  /* version >= 1 */
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* HVM_MEMMAP_* (E820 numbering) */
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "PVH start info v1 layout");
_Static_assert(sizeof(struct hvm_memmap_entry) == 24, "PVH memmap entry layout");

#endif
