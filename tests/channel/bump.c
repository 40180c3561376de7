/* SPDX-License-Identifier: MIT */
/*
 * A live patch for the channel tests and the README's demonstration: the
 * VMM's version code gains a patch level (0x000100 -> 0x000101). Built with
 * `vigilctl patch build` against the exact vmm.elf; vigil_patch__NAME
 * replaces the VMM's function NAME.
 */
#include <stdint.h>

uint64_t vigil_patch__vmm_version_code(void);

uint64_t vigil_patch__vmm_version_code(void)
{
	return 0x000101u;
}
