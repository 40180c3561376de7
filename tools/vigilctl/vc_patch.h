/* SPDX-License-Identifier: MIT */
/* vigilctl patch build: the job (patch.c) and the checks of its output (patch_check.c). */
#ifndef VIGILCTL_VC_PATCH_H
#define VIGILCTL_VC_PATCH_H

#include <stdint.h>

#include "tools/vigilctl/vc_chan.h"

#define VC_PATH_MAX 4096

struct vc_patch_job {
	const char *src, *vmm, *out, *name, *cflags_arg;
	uint64_t at;
	char *cflags;		 /* the compiler flags in use (owned) */
	char dir[VC_PATH_MAX - 32]; /* work directory: room for a file name after it */
	char elf[VC_PATH_MAX];	 /* the linked patch */
};

/*
 * From the linked patch and the VMM image: check that nothing is left to
 * relocate or resolve and that nothing is writable, take the code, pair
 * each vigil_patch__NAME with NAME in the VMM, check each original can be
 * redirected (length, no branch into bytes 1..4), and read its first
 * bytes. Fills p (name and load address already set) and build_id.
 * Returns 0, -EPERM (the patch is refused: reason printed) or an error.
 */
int vc_patch_extract(struct vc_patch_job *j, struct bundle_patch *p, uint8_t build_id[VC_BUILD_ID_LEN])
	__attribute__((warn_unused_result));

#endif
