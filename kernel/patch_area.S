/* SPDX-License-Identifier: MIT */
/*
 * The live-patch area's backing pages: inside the VMM image (so the physmap,
 * which leaves the image out, has no writable alias of them), after the bss,
 * and never mapped at their image address: only at PATCH_AREA_BASE,
 * executable and read-only (kernel/patch.c).
 */
#include "vigil/patch.h"

	.section .vigil_patch_area, "aw", @nobits
	.balign 4096
	.globl patch_backing
patch_backing:
	.skip PATCH_AREA_SIZE
