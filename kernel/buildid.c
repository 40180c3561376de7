/* SPDX-License-Identifier: MIT */
/* The VMM's GNU build-id, from the note the linker keeps in rodata. */
#include <stdint.h>
#include <string.h>
#include "vmm/channel.h"

extern const uint8_t __build_id_note[];

#define NT_GNU_BUILD_ID 3

const uint8_t *vmm_build_id(void)
{
	static const uint8_t none[20];
	uint32_t namesz, descsz, type;

	memcpy(&namesz, __build_id_note, 4);
	memcpy(&descsz, __build_id_note + 4, 4);
	memcpy(&type, __build_id_note + 8, 4);
	if (namesz != 4 || descsz != 20 || type != NT_GNU_BUILD_ID || memcmp(__build_id_note + 12, "GNU", 4))
		return none;
	return __build_id_note + 16;
}
