/* SPDX-License-Identifier: MIT */
/*
 * The allocator contract of the freestanding builds.
 *
 * This tree implements no calloc() or free(): each environment that links
 * mbedtls provides its own, because only it knows where memory comes from.
 *   - the VMM: its boot-time heap (kernel/), before the core is locked;
 *   - the UEFI stub: a wrapper around AllocatePool/FreePool (boot/).
 * Requirements: calloc returns zeroed memory aligned to 16 bytes, or NULL on
 * overflow of n * size or exhaustion (mbedtls then fails cleanly with an
 * allocation error); free(NULL) does nothing. Neither may be called from a
 * context that cannot allocate: signature checks run at boot or on the
 * management CPU only.
 */
#ifndef VIGIL_LIBC_STDLIB_H
#define VIGIL_LIBC_STDLIB_H

#include <stddef.h>

void *calloc(size_t n, size_t size);
void free(void *p);

#endif
