// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the VMM's guest ELF loader and PVH start info
 * (vmm/loader.c), on guest memory made of malloc'd regions behind the real
 * vm_gpa_to_hva (vmm/vm_mem.c, tests/unit/shim_vm.c), laid out as the
 * test configs lay out a small guest: 4 MiB at 0 and 2 MiB at 256 MiB.
 *
 * The input is the image, copied to a buffer of exactly its size so ASan
 * sees any read past it; ASan also sees any write outside the regions.
 * Checked: only the documented errors come back; an accepted image has
 * its entry and the ends of its segments' span in guest memory; then
 * the start info is written with the image itself as initrd
 * and ACPI tables (sizes the boot entry does not bound) and must either fit
 * or be refused with the documented errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/loader.h"
#include "vmm/vm.h"

#define R0_SIZE 0x400000ull
#define R1_GPA 0x10000000ull
#define R1_SIZE 0x200000ull

static struct vm vm;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Not cleared between inputs: the loader must not depend on what
	 * guest memory held before. */
	vm.region_count = 2;
	vm.regions[0] = (struct vm_region){ 0, R0_SIZE, (uint64_t)(uintptr_t)calloc(1, R0_SIZE) };
	vm.regions[1] = (struct vm_region){ R1_GPA, R1_SIZE, (uint64_t)(uintptr_t)calloc(1, R1_SIZE) };
	return 0;
}

static void fuzz_check_loaded(uint32_t entry, uint64_t lo, uint64_t hi)
{
	if (!vm_gpa_to_hva(&vm, entry, 1))
		abort();
	if (lo == UINT64_MAX && hi == 0)
		return; /* no PT_LOAD with bytes: nothing written */
	if (lo >= hi || !vm_gpa_to_hva(&vm, lo, 1) || !vm_gpa_to_hva(&vm, hi - 1, 1))
		abort(); /* the first and last byte written are guest memory */
}

static void fuzz_start_info(const uint8_t *image, size_t size, uint64_t lo, uint64_t hi)
{
	struct loader_extras x = { .image_lo = lo, .image_hi = hi, .cmdline = "console=ttyS0" };
	uint64_t gpa = 0;
	int ret;

	if (size & 1) {
		x.initrd = image;
		x.initrd_size = size;
	}
	if (size & 2) {
		x.acpi = image;
		x.acpi_size = size;
	}
	ret = loader_write_start_info(&vm, &x, &gpa);
	if (ret && ret != -ERANGE && ret != -ENOSPC && ret != -E2BIG && ret != -EINVAL)
		abort();
	if (!ret && gpa != R0_SIZE - 4096)
		abort(); /* the last page of the first region */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *image = malloc(size ? size : 1);
	uint64_t lo, hi;
	uint32_t entry = 0;
	int ret;

	if (size)
		memcpy(image, data, size);
	ret = loader_load_elf(&vm, image, size, &entry, &lo, &hi);
	if (ret && ret != -ENOEXEC && ret != -ERANGE && ret != -EINVAL)
		abort();
	if (!ret) {
		fuzz_check_loaded(entry, lo, hi);
		fuzz_start_info(image, size, lo, hi);
	}
	free(image);
	return 0;
}
