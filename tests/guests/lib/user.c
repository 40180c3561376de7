/* SPDX-License-Identifier: MIT */
/*
 * CPL 3 support: a TSS whose RSP0 is a dedicated trap stack (faults and
 * the return gate from user mode land there), its GDT descriptor, and the
 * DPL 3 gate that ends guest_user_run(). The I/O bitmap offset points past
 * the TSS, so every IN/OUT at CPL 3 faults.
 */
#include "internal.h"
#include "selectors.h"

#define USER_STACK_SIZE 16384
#define TRAP_STACK_SIZE 16384
#define TSS_TYPE_AVAIL64 0x89 /* present, DPL 0, available 64-bit TSS */

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS layout");

extern uint64_t boot_gdt[GDT_ENTRIES]; /* crt0.S */
extern const char user_return[];       /* user.S */
long user_enter(long (*fn)(void), uint64_t user_rsp);

static struct tss64 user_tss __attribute__((aligned(16)));
static uint8_t user_stack[USER_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t trap_stack[TRAP_STACK_SIZE] __attribute__((aligned(16)));

void user_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&user_tss;
	uint64_t limit = sizeof(user_tss) - 1;

	user_tss.rsp[0] = (uint64_t)(uintptr_t)(trap_stack + TRAP_STACK_SIZE);
	user_tss.iomap_base = sizeof(user_tss);
	boot_gdt[SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
				(uint64_t)TSS_TYPE_AVAIL64 << 40 | ((limit >> 16) & 0xf) << 48 |
				((base >> 24) & 0xff) << 56;
	boot_gdt[SEL_TSS / 8 + 1] = base >> 32;
	asm volatile("ltr %w0" ::"r"((uint16_t)SEL_TSS) : "memory");
	fault_set_gate(USER_RETURN_VECTOR, (uint64_t)(uintptr_t)user_return, 3);
}

long guest_user_run(long (*fn)(void))
{
	/* The trampoline's CALL pushes 8 bytes: fn starts ABI-aligned. */
	return user_enter(fn, (uint64_t)(uintptr_t)(user_stack + USER_STACK_SIZE));
}
