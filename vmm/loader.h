/* SPDX-License-Identifier: MIT */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/* Load a guest ELF image into the VM's memory (docs/formats.md, "Guest
 * images"). Every segment must lie inside one declared region; the entry
 * point is the PVH note's when present. Returns 0 and the 32-bit entry;
 * [*lo, *hi) is the guest-physical span its segments cover. */
int loader_load_elf(struct vm *vm, const uint8_t *image, size_t size, uint32_t *entry, uint64_t *lo,
		    uint64_t *hi) __attribute__((warn_unused_result));

/* The same checks, nothing copied: would the image load? (A guest update
 * is checked so before the guest is stopped for it.) */
int loader_check_elf(struct vm *vm, const uint8_t *image, size_t size) __attribute__((warn_unused_result));

/* What a Linux guest gets besides its kernel; every member may be absent
 * (NULL / 0 / ""). The bytes were verified and measured by the boot entry. */
struct loader_extras {
	const uint8_t *initrd;
	size_t initrd_size;
	const uint8_t *acpi; /* copied to GP_ACPI_GPA; the RSDP is its first byte */
	size_t acpi_size;
	const char *cmdline;
	uint64_t image_lo, image_hi; /* the kernel's span: the initrd must not overlap it */
};

/*
 * Write the hvm_start_info into the last page of the first region, with
 * its memory map, the command line, the initrd as module 0 (placed at the
 * top of the first region, below that page) and the RSDP; copy the ACPI
 * tables. Returns its guest-physical address in *gpa, or a negative errno
 * when something does not fit (-ERANGE, -ENOSPC, -E2BIG) with nothing
 * outside guest memory touched. x may be NULL.
 */
int loader_write_start_info(struct vm *vm, const struct loader_extras *x, uint64_t *gpa)
	__attribute__((warn_unused_result));

#endif
