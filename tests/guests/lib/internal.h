/* SPDX-License-Identifier: MIT */
/* Library-private declarations: the seams between crt0, vectors.S and C. */
#ifndef GUEST_INTERNAL_H
#define GUEST_INTERNAL_H

#include "guest.h"

/* What vectors.S pushes, lowest address first. */
struct fault_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code; /* pushed by the stub (a 0 stands in for CPUs that push none) */
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

_Static_assert(sizeof(struct fault_frame) == 22 * 8, "vectors.S pushes 22 quadwords");

#define FAULT_VECTORS 32

extern const uint64_t fault_stub_table[FAULT_VECTORS]; /* vectors.S, by vector */
extern const char irq_stubs[]; /* vectors.S: vectors 32..255 (irq_stubs.h) */

__attribute__((noreturn)) void guest_start(const struct hvm_start_info *si);
void fault_init(void);
/* This CPU uses the IDT fault_init() filled (an AP, lib/smp.c). */
void fault_load_idt(void);
void fault_set_gate(unsigned vector, uint64_t addr, unsigned dpl);
void irq_init(void);
void user_init(void);
void fault_dispatch(struct fault_frame *frame);
void irq_dispatch(unsigned vector, uint64_t rip);
void hc_init(void);
__attribute__((noreturn)) void guest_halt_native(int code);

#endif
