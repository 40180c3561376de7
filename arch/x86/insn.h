/* SPDX-License-Identifier: MIT */
/*
 * Instruction lengths for the instructions Vigil intercepts. Without nRIP
 * or decode assists (QEMU TCG) the VMM must skip them itself. Only the
 * intercepted opcodes are recognised; anything else is -EINVAL. Pure logic.
 */
#ifndef ARCH_X86_INSN_H
#define ARCH_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INSN_MAX_LEN 15

enum insn_kind {
	INSN_OTHER,
	INSN_CPUID,
	INSN_HLT,
	INSN_RDMSR,
	INSN_WRMSR,
	INSN_VMMCALL,
	INSN_VMCALL,
	INSN_IO,
	INSN_INVD,
	INSN_WBINVD,
};

/* Decode bytes[0..avail); long64 selects 64-bit mode (REX prefixes).
 * Returns the length (1..15) and sets *kind, or a negative errno. */
int insn_decode(const uint8_t *bytes, size_t avail, bool long64, enum insn_kind *kind);

#endif
