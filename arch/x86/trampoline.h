/* SPDX-License-Identifier: MIT */
/* The AP trampoline's parameter block, at TR_PARAMS in the trampoline page. */
#ifndef ARCH_X86_TRAMPOLINE_H
#define ARCH_X86_TRAMPOLINE_H

#define TR_SEL_CODE32 0x08
#define TR_SEL_DATA 0x10
#define TR_SEL_CODE64 0x18

#define TR_PARAMS 0xf00
#define TR_PARAM_CR3 (TR_PARAMS + 0x00)
#define TR_PARAM_STACK (TR_PARAMS + 0x08)
#define TR_PARAM_PERCPU (TR_PARAMS + 0x10)
#define TR_PARAM_ENTRY (TR_PARAMS + 0x18)

#ifndef __ASSEMBLY__
#include <stdint.h>

struct trampoline_params {
	uint64_t cr3;
	uint64_t stack;
	uint64_t percpu;
	uint64_t entry;
};

_Static_assert(__builtin_offsetof(struct trampoline_params, entry) == TR_PARAM_ENTRY - TR_PARAMS,
	       "trampoline parameter layout");

extern const char trampoline_start[], trampoline_end[];
extern const char tr_patch_gdt[], tr_patch_jmp32[], tr_patch_jmp64[];
#endif

#endif
