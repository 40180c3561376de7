/* SPDX-License-Identifier: MIT */
/*
 * Live patches: the fixed layout shared by the VMM, the bundle verifier and
 * `vigilctl patch build` (docs/channel.md, "Live patches").
 *
 * Replacement code is linked by vigilctl to run at its load address inside
 * the patch area, a reserved range of the VMM's address space that holds
 * code only: executable, never writable once placed. A redirect overwrites
 * the first PATCH_REDIRECT_LEN bytes of an original function with
 * `jmp rel32` (E9 + 32-bit displacement) to its replacement.
 */
#ifndef VIGIL_PATCH_H
#define VIGIL_PATCH_H

#define PATCH_AREA_BASE 0xffffffffc0000000ull
#define PATCH_AREA_SIZE 0x100000
#define PATCH_REDIRECT_LEN 5
#define PATCH_MAX_REDIRECTS 16
#define PATCH_MAX_CODE (64u * 1024)
/* A patch's code starts on its own page, so each patch maps separately. */
#define PATCH_ALIGN 4096
#define PATCH_NAME_LEN 32

/* The symbol prefix that marks a replacement: vigil_patch__foo replaces foo. */
#define PATCH_SYMBOL_PREFIX "vigil_patch__"

#endif
