/* SPDX-License-Identifier: MIT */
/*
 * The multiboot2 lab entry: GRUB (multiboot2) plays the firmware, and the
 * UEFI stub's own story (boot/stub.c) runs unchanged on top of the boot_*
 * functions of boot/boot.h, implemented here. It exists so the Intel path
 * can be tested under Bochs, which has no UEFI (docs/vmx.md).
 *
 * GRUB passes vmm.elf, its .sig, system.dtb, its .sig and the guest
 * images as modules whose command line is the path below the ESP's root
 * ("vigil/vmm.elf"). The code runs identity mapped over the first 4 GiB
 * (entry.S), so every physical address below 4 GiB is also a pointer.
 */
#ifndef BOOT_MB2_MB2_H
#define BOOT_MB2_MB2_H

#include <stddef.h>
#include <stdint.h>

#define MB2_BOOT_MAGIC 0x36d76289u
#define MB2_MAX_MODULES 64
#define MB2_MAX_MMAP 64
#define MB2_RSDP_MAX 36

enum mb2_mem_type {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI = 3,
	MB2_MEM_NVS = 4,
};

struct mb2_range {
	uint64_t base, size;
	uint32_t type; /* enum mb2_mem_type, other values are reserved */
};

struct mb2_module {
	uint64_t base, end;
	const char *name; /* the module's command line, inside the info block */
};

/* What the boot information holds, checked and copied. */
struct mb2_info {
	uint64_t info_base, info_end; /* the information block itself */
	unsigned mem_count;
	struct mb2_range mem[MB2_MAX_MMAP];
	unsigned mod_count;
	struct mb2_module mods[MB2_MAX_MODULES];
	uint8_t rsdp[MB2_RSDP_MAX]; /* copy of the RSDP (the tag holds no address) */
	size_t rsdp_len;	    /* 0: none */
};

/* Parse the boot information at info (physical == virtual). Returns 0, or
 * -EINVAL with *why naming the defect (bad size, tag past the end, a
 * module ending before it starts, no memory map, too many entries). */
int mb2_info_parse(const void *info, struct mb2_info *out, const char **why)
	__attribute__((warn_unused_result));

/* Memory (mem.c): the allocator keeps out of page 0, the entry's own image
 * and the information block and modules it still reads. */
void mb2_mem_init(const struct mb2_info *mi, uint64_t image_base, uint64_t image_end);

/* Wait until COM1 has sent everything (firmware.c). */
void mb2_console_drain(void);

/* The info parsed at entry, for the boot_* functions. */
extern struct mb2_info mb2_boot_info;

/* Entry from entry.S in 64-bit mode. */
__attribute__((noreturn)) void mb2_main(uint32_t magic, uint64_t info);

#endif
