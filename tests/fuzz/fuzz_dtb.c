// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the UEFI stub's walk of the system config for guest
 * packages (boot/dtb_scan.c), which runs before the VMM parses the
 * config in full.
 *
 * The input is the blob, in a buffer of exactly its size so ASan sees any
 * read past it. Checked: only 0, -EINVAL, -EPERM (a withdrawn property)
 * and -E2BIG come back; on success at most max entries, each a package,
 * each guest name and path a non-empty string that ends (with its NUL)
 * inside the blob.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/dtb_scan.h"

#define FUZZ_MAX_FILES 8

/* s points into [blob, blob + len) and its NUL is there too. */
static void fuzz_check_string(const char *s, const uint8_t *blob, size_t len, bool nonempty)
{
	const uint8_t *p = (const uint8_t *)s;

	if (p < blob || p >= blob + len || !memchr(p, 0, (size_t)(blob + len - p)))
		abort();
	if (nonempty && !*s)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blob = malloc(size ? size : 1);
	struct dtb_file files[FUZZ_MAX_FILES];
	unsigned count = 0;
	int ret;

	if (size)
		memcpy(blob, data, size);
	ret = dtb_files_collect(blob, size, files, FUZZ_MAX_FILES, &count);
	if (ret && ret != -EINVAL && ret != -EPERM && ret != -E2BIG)
		abort();
	if (count > FUZZ_MAX_FILES)
		abort();
	for (unsigned i = 0; !ret && i < count; i++) {
		if (strcmp(files[i].prop, "package"))
			abort();
		fuzz_check_string(files[i].guest, blob, size, false);
		fuzz_check_string(files[i].path, blob, size, true);
	}
	free(blob);
	return 0;
}
