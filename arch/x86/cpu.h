/* SPDX-License-Identifier: MIT */
/* Privileged x86 instructions, each in one static inline wrapper. */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include <stdint.h>

#define MSR_EFER 0xc0000080u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_APIC_BASE 0x1bu
#define MSR_PAT 0x277u

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SVME (1ull << 12)

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_VMXE (1ull << 13)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define RFLAGS_IF (1ull << 9)
#define RFLAGS_AC (1ull << 18)

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpu_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

/* Sub-leaf 0 of `leaf` when the CPU's highest leaf of its range (`max`:
 * leaf 0's or 0x80000000's EAX) reaches it, else zeros: what a CPU
 * without the leaf would be taken to say. */
static inline struct cpuid_regs cpu_cpuid_upto(uint32_t leaf, uint32_t max)
{
	struct cpuid_regs none = { 0, 0, 0, 0 };

	return max >= leaf ? cpu_cpuid(leaf, 0) : none;
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#define CPU_CR_ACCESSORS(n)                                                      \
	static inline uint64_t cpu_read_cr##n(void)                              \
	{                                                                        \
		uint64_t v;                                                      \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                \
		return v;                                                        \
	}                                                                        \
	static inline void cpu_write_cr##n(uint64_t v)                           \
	{                                                                        \
		__asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");         \
	}
CPU_CR_ACCESSORS(0)
CPU_CR_ACCESSORS(2)
CPU_CR_ACCESSORS(3)
CPU_CR_ACCESSORS(4)
#undef CPU_CR_ACCESSORS

static inline void cpu_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void cpu_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint32_t cpu_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint16_t cpu_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t cpu_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t cpu_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void cpu_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

static inline void cpu_write_dr6(uint64_t v)
{
	__asm__ volatile("mov %0, %%dr6" ::"r"(v));
}

/* For the VMM's own validated values; guests' go through cpu_xsetbv_safe. */
static inline void cpu_xsetbv(uint32_t index, uint64_t value)
{
	__asm__ volatile("xsetbv" ::"c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
}

/* Put the guest-owned state no world switch swaps (x87/SSE/AVX, XCR0,
 * DR0-DR3, DR6) in its reset state, on this CPU (arch/x86/fpu.c). */
void cpu_guest_state_reset(void);

/* Sleep until kicked, unless *seq no longer equals seen (arch/x86/wait.S). */
void cpu_wait_kick(const volatile uint64_t *seq, uint64_t seen);
/* The same, but an interrupt wakes it too (taken, then IF clear again). */
void cpu_wait_kick_irq(const volatile uint64_t *seq, uint64_t seen);
/* The same in MONITOR/MWAIT with a C-state hint (CPUs that have them). */
void cpu_wait_kick_mwait(const volatile uint64_t *seq, uint64_t seen, uint32_t hint);

/* Let the interrupts that arrived while IF was clear run their handlers. */
static inline void cpu_irq_window(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

static inline void cpu_cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void cpu_invlpg(const void *va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void cpu_flush_tlb(void)
{
	cpu_write_cr3(cpu_read_cr3());
}

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline void cpu_lgdt(const struct desc_ptr *p)
{
	__asm__ volatile("lgdt %0" ::"m"(*p));
}

static inline void cpu_lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" ::"m"(*p));
}

static inline void cpu_ltr(uint16_t sel)
{
	__asm__ volatile("ltr %0" ::"r"(sel));
}

/*
 * Instructions the VMM runs on a guest's behalf with a guest-chosen value,
 * after validating it, that must still never take the VMM down: if the CPU
 * refuses the value (#GP, #UD), the exception handler (arch/x86/trap.c)
 * finds the instruction in the fixup table and resumes at its fixup, which
 * makes the wrapper return -1. The caller turns that into the guest's #GP.
 * Each table entry is (address of the instruction, address to resume at).
 */
#define CPU_FIXUP_ENTRY(insn, fixup)                                                    \
	".pushsection .rodata.fixup, \"a\"\n\t.balign 8\n\t.quad " insn ", " fixup "\n\t.popsection\n\t"

/* One instruction taking ECX and EDX:EAX, with its fixup: 0, or -1 when it
 * faulted. */
#define CPU_SAFE_ECX_EDX_EAX(insn, ecx, value)                                                        \
	({                                                                                            \
		int err_ = 0;                                                                         \
		__asm__ volatile("1:\t" insn "\n2:\n\t" CPU_FIXUP_ENTRY("1b", "3f")                 \
				 ".pushsection .text.fixup, \"ax\"\n3:\tmovl $-1, %0\n\tjmp 2b\n\t.popsection" \
				 : "+r"(err_)                                                         \
				 : "c"(ecx), "a"((uint32_t)(value)), "d"((uint32_t)((value) >> 32))  \
				 : "memory");                                                         \
		err_;                                                                                 \
	})

static inline __attribute__((warn_unused_result)) int cpu_xsetbv_safe(uint32_t index, uint64_t value)
{
	return CPU_SAFE_ECX_EDX_EAX("xsetbv", index, value);
}

static inline __attribute__((warn_unused_result)) int cpu_wrmsr_safe(uint32_t msr, uint64_t v)
{
	return CPU_SAFE_ECX_EDX_EAX("wrmsr", msr, v);
}

static inline __attribute__((warn_unused_result)) int cpu_rdmsr_safe(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;
	int err = 0;

	__asm__ volatile("1:\trdmsr\n2:\n\t" CPU_FIXUP_ENTRY("1b", "3f")
			 ".pushsection .text.fixup, \"ax\"\n3:\tmovl $-1, %0\n\tjmp 2b\n\t.popsection"
			 : "+r"(err), "+a"(lo), "+d"(hi)
			 : "c"(msr)
			 : "memory");
	*v = ((uint64_t)hi << 32) | lo;
	return err;
}

/*
 * Reset the machine, keeping RAM: a hard reset through the PC reset control
 * register (port 0xCF9: system reset, not the full reset 0x0E that cycles
 * power), which q35 and PIIX chipsets and AMD's FCH honour; the reset is
 * the 0-to-1 edge of bit 2, hence two writes. If nothing happened, a triple
 * fault (an empty IDT, then INT3) resets the CPU.
 */
static inline __attribute__((noreturn)) void cpu_machine_reset(void)
{
	static const struct desc_ptr none = { 0, 0 };

	cpu_outb(0xcf9, 0x02);
	cpu_outb(0xcf9, 0x06);
	for (volatile int i = 0; i < 1000000; i++)
		cpu_pause();
	cpu_lidt(&none);
	for (;;)
		__asm__ volatile("int3" ::: "memory");
}

/* Stop this CPU for good: interrupts off, halt forever (NMIs return to hlt). */
static inline __attribute__((noreturn)) void cpu_stop(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#endif
