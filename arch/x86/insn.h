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
	INSN_ICEBP,
};

/* Decode bytes[0..avail); long64 selects 64-bit mode (REX prefixes).
 * Returns the length (1..15) and sets *kind, or a negative errno. */
int insn_decode(const uint8_t *bytes, size_t avail, bool long64, enum insn_kind *kind);

/*
 * The plain encoding (no prefix: what compilers emit) of an intercepted
 * instruction, as a little-endian word and mask, and its length. A VMM
 * that must read the instruction checks for it first: one compare of the
 * bytes at RIP instead of a decode, and the same answer the decoder gives.
 */
struct insn_plain {
	uint32_t bytes, mask;
	unsigned len;
};

#define INSN_PLAIN_CPUID ((struct insn_plain){ 0xa20f, 0xffff, 2 })
#define INSN_PLAIN_RDMSR ((struct insn_plain){ 0x320f, 0xffff, 2 })
#define INSN_PLAIN_WRMSR ((struct insn_plain){ 0x300f, 0xffff, 2 })
#define INSN_PLAIN_VMMCALL ((struct insn_plain){ 0xd9010f, 0xffffff, 3 })
#define INSN_PLAIN_HLT ((struct insn_plain){ 0xf4, 0xff, 1 })
#define INSN_PLAIN_ICEBP ((struct insn_plain){ 0xf1, 0xff, 1 })
#define INSN_PLAIN_WBINVD ((struct insn_plain){ 0x090f, 0xffff, 2 })

/* How many bytes insn_is_plain reads: bytes must have that many readable. */
#define INSN_PLAIN_READ 4u

static inline bool insn_is_plain(const uint8_t *bytes, struct insn_plain p)
{
	uint32_t w;

	_Static_assert(sizeof(w) == INSN_PLAIN_READ, "insn_is_plain reads one word");
	__builtin_memcpy(&w, bytes, sizeof(w));
	return (w & p.mask) == p.bytes;
}

#endif
