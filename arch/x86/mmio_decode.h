/* SPDX-License-Identifier: MIT */
/*
 * Decoding of the guest instructions that touch emulated MMIO (the local
 * APIC and I/O APIC pages). Without decode assists (QEMU TCG gives none)
 * the VMM reads the bytes at the guest's RIP and needs to know what the
 * access was: its width, direction, register or immediate, and the exact
 * instruction length to skip. Linux's readl/writel are plain MOVs, so only
 * MOV and MOVZX with a memory operand are recognised; anything else is
 * refused and the VMM fails the access closed. Pure logic.
 *
 * Recognised (Intel SDM vol. 2 encodings):
 *   88 /r  MOV r/m8, r8        89 /r  MOV r/m16/32/64, r16/32/64
 *   8A /r  MOV r8, r/m8        8B /r  MOV r16/32/64, r/m16/32/64
 *   C6 /0  MOV r/m8, imm8      C7 /0  MOV r/m16/32/64, imm16/32 (REX.W:
 *                                      imm32 sign-extended to 64)
 *   0F B6  MOVZX r, r/m8       0F B7  MOVZX r, r/m16
 * Prefixes: 66 (operand size), 67 (address size), segment overrides 26 2E
 * 36 3E 64 65 (ignored: the exit reports the guest-physical address), and
 * in 64-bit code one REX (40-4F) immediately before the opcode.
 * Refused: LOCK (F0), REP/REPNE (F2/F3), a REX before a legacy prefix or a
 * second REX, a register operand (ModRM.mod = 3), any other opcode.
 */
#ifndef ARCH_X86_MMIO_DECODE_H
#define ARCH_X86_MMIO_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MMIO_INSN_MAX 15 /* the architectural limit; longer is #GP */

struct mmio_op {
	uint8_t len;      /* instruction length, 1..MMIO_INSN_MAX */
	uint8_t size;     /* bytes accessed in memory: 1, 2, 4 or 8 */
	uint8_t reg_size; /* width of the register operand: size, except MOVZX */
	bool write;       /* a store to memory (else a load into reg) */
	bool has_imm;     /* the store's value is imm, not a register */
	bool zero_ext;    /* MOVZX: the loaded value is zero-extended to reg_size */
	bool high8;       /* reg 0..3 names AH, CH, DH, BH (bits 8-15) */
	uint8_t reg;      /* GPR index 0..15 (RAX, RCX, RDX, RBX, RSP, ... R15) */
	uint64_t imm;     /* has_imm: the value stored, size bytes wide */
};

/*
 * Decode the instruction in bytes[0..avail).
 *   long64:   64-bit code segment (CS.L, in IA-32e mode): REX prefixes
 *             exist, the default operand size is 32 and addressing is 64-
 *             or (with 67) 32-bit.
 *   opsize32: outside 64-bit code, CS.D: the default operand and address
 *             size is 32 (else 16). Ignored when long64.
 * Returns 0 and fills *op, or:
 *   -EFAULT  the bytes end before the instruction (or before it could be
 *            told apart): read more (the next page) and decode again;
 *   -EINVAL  not an instruction this decoder accepts, or longer than 15
 *            bytes (the CPU would raise #GP).
 * Never reads bytes[i] for i >= avail or i >= MMIO_INSN_MAX. *op is only
 * meaningful on success.
 */
int mmio_decode(const uint8_t *bytes, size_t avail, bool long64, bool opsize32,
		struct mmio_op *op) __attribute__((warn_unused_result));

/*
 * The value a store writes (op->write): imm, or the low op->size bytes of
 * the register whose full 64-bit value is gpr (bits 8-15 for high8).
 */
uint64_t mmio_store_value(const struct mmio_op *op, uint64_t gpr);

/*
 * The register's new 64-bit value after a load (!op->write) of val (its low
 * op->size bytes count) into a register holding old, by the x86 rules:
 * a 32-bit destination zero-extends into bits 32-63; an 8- or 16-bit one
 * keeps the other bits (AH..BH replace bits 8-15); MOVZX zero-extends val
 * to reg_size first.
 */
uint64_t mmio_reg_merge(uint64_t old, uint64_t val, const struct mmio_op *op);

#endif
