/* SPDX-License-Identifier: MIT */
/*
 * Privileged-instruction wrappers for test guests. Every one is a single
 * instruction, so an attack guest that expects a fault knows exactly how
 * many bytes to skip: see the *_LEN constants.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

#define RDMSR_LEN 2 /* 0f 32 */
#define WRMSR_LEN 2 /* 0f 30 */

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
}

/* IN/OUT with the port in DX: one byte each (ec, ed, ee, ef; 66-prefixed for 16 bits). */
#define INOUT_DX_LEN 1

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %%dx, %0" : "=a"(v) : "d"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %%dx, %0" : "=a"(v) : "d"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %%dx, %0" : "=a"(v) : "d"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %%dx" ::"a"(v), "d"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %%dx" ::"a"(v), "d"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %%dx" ::"a"(v), "d"(port) : "memory");
}

/* One 8-byte load, `mov (%rdx), %rax`: 3 bytes (48 8b 02). */
#define READ64_LEN 3

static inline uint64_t read64(uint64_t addr)
{
	uint64_t v;

	asm volatile("movq (%%rdx), %%rax" : "=a"(v) : "d"(addr) : "memory");
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Interrupts on and off. Both are compiler barriers, so memory that an
 * interrupt handler changes is read again after them. */
static inline void sti(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void cli(void)
{
	asm volatile("cli" ::: "memory");
}

/* HLT on its own: with interrupts off, under Vigil, this stops the guest. */
static inline void hlt(void)
{
	asm volatile("hlt" ::: "memory");
}

/*
 * Sleep until an interrupt: STI then HLT, with nothing between them. STI's
 * one-instruction shadow covers the HLT, so an interrupt already pending
 * ends the HLT rather than being taken before it (no lost wake-up).
 * Returns after the handler, with interrupts on.
 */
static inline void sti_hlt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}

static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

#endif
