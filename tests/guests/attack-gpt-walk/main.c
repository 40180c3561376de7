/* SPDX-License-Identifier: MIT */
/*
 * attack-gpt-walk: points one of its own page-table entries at a table
 * outside its memory (guest-physical 2 GiB) and reads through it, so that
 * the CPU's page walk, not an ordinary access, reaches for foreign memory.
 * The walk must hit the nested page tables like any access and stop the
 * guest.
 */
#include "attack.h"

#define TABLE_GPA 0x80000000ull
#define PML4_SLOT 2
#define PTE_P 0x1ull
#define PTE_RW 0x2ull

int guest_main(const struct hvm_start_info *si)
{
	uint64_t cr3, va = (uint64_t)PML4_SLOT << 39;
	volatile uint64_t *pml4;
	uint64_t v;

	(void)si;
	attack_begin("attack-gpt-walk");
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (volatile uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
	pml4[PML4_SLOT] = TABLE_GPA | PTE_P | PTE_RW;
	asm volatile("invlpg (%0)" ::"r"(va) : "memory");
	attack_announce("walk guest page tables through a table at gpa %#llx", TABLE_GPA);
	v = read64(va);
	attack_survived("read through a table at gpa %#llx returned %#lx", TABLE_GPA, v);
}
