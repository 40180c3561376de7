/* SPDX-License-Identifier: MIT */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/* Load a guest ELF image into the VM's memory (docs/formats.md, "Guest
 * images"). Every segment must lie inside one declared region; the entry
 * point is the PVH note's when present. Returns 0 and the 32-bit entry. */
int loader_load_elf(struct vm *vm, const uint8_t *image, size_t size, uint32_t *entry)
	__attribute__((warn_unused_result));
/* Write the hvm_start_info (and its memory map) into the last page of the
 * first region; returns its guest-physical address in *gpa. */
int loader_write_start_info(struct vm *vm, uint64_t *gpa) __attribute__((warn_unused_result));

#endif
