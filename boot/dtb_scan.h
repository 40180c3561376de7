/* SPDX-License-Identifier: MIT */
/*
 * The one thing the stub needs from the system config: the package of
 * every guest (/guests/<name>/package), and from each package's manifest
 * the files it names. A small read-only walker rather than libfdt:
 * Debian's libfdt.a reads its stack-protector canary at %fs:0x28, and under
 * UEFI the FS base is whatever the firmware left (usually 0), so libfdt
 * would read physical address 0x28, which firmware with NULL-page detection
 * unmaps. The VMM, which owns a proper FS base, parses the config in full.
 *
 * Runs only on a config whose signature has already been verified, and is
 * still defensive: every offset is bounds-checked against the blob.
 */
#ifndef BOOT_DTB_SCAN_H
#define BOOT_DTB_SCAN_H

#include <stddef.h>

struct dtb_file {
	const char *guest; /* node name, NUL-terminated inside the blob */
	const char *prop;  /* "package" (or "path") */
	const char *path;  /* the property's string, NUL-terminated inside the blob */
};

/* Find every guest's package, in blob order, into out[0..max). Every
 * guest node must carry exactly one package, holding one string, and none
 * of the withdrawn image, initrd, acpi and cmdline (docs/formats.md).
 * Returns 0 with *count set, -EINVAL for a malformed blob or guest node,
 * -EPERM for a guest node naming a withdrawn property, -E2BIG for more
 * than max packages. */
__attribute__((warn_unused_result)) int dtb_files_collect(const void *blob, size_t len,
							  struct dtb_file *out, unsigned max,
							  unsigned *count);

/* The files a package's manifest names: each node below /files with its
 * one `path` string (guest = the node's name: image, initrd, acpi). The
 * manifest is not verified yet when the stub reads it (the VMM verifies
 * it): this walk is as defensive as the config's. Same returns. */
__attribute__((warn_unused_result)) int dtb_manifest_files(const void *blob, size_t len,
							   struct dtb_file *out, unsigned max,
							   unsigned *count);

#endif
