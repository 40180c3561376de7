/* SPDX-License-Identifier: MIT */
/* Shared by regs.S and main.c: the values loaded before a hypercall. */
#ifndef HYPERCALL_ABI_REGS_H
#define HYPERCALL_ABI_REGS_H

/* RBX, RCX, RDX, RSI, RDI, RBP, R8..R15: everything but RAX and RSP. */
#define REGS_CHECKED 14
#define REGS_PATTERN(n) (0x5a5a00a5c3c30000 + (n))

#endif
