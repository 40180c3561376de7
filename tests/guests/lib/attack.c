/* SPDX-License-Identifier: MIT */
/* Helpers for the attack guests: see attack.h and docs/attacks.md. */
#include "attack.h"

#define PTE_P 0x001ull
#define PTE_RW 0x002ull
#define PTE_PS 0x080ull
#define PAGE_2M 0x200000ull
#define PML4_MAP_SLOT 1 /* 512 GiB: far above crt0's 4 GiB identity map */
#define MAP_WINDOW ((uint64_t)PML4_MAP_SLOT << 39)

static const char *attack_guest = "attack";
static int attack_failures;
static unsigned attack_skip_len;

static uint64_t map_pdpt[512] __attribute__((aligned(4096)));
static uint64_t map_pd[512] __attribute__((aligned(4096)));

void attack_begin(const char *name)
{
	attack_guest = name;
	if (guest_under_vigil())
		return;
	verdict(VERDICT_SKIP, "%s: not under Vigil", name);
	hc_exit(0);
}

const char *attack_name(void)
{
	return attack_guest;
}

void attack_note(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", attack_guest);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	con_putc('\n');
}

int attack_check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s ", attack_guest, ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	con_putc('\n');
	if (!ok)
		attack_failures++;
	return ok;
}

void attack_end(void)
{
	if (attack_failures) {
		verdict(VERDICT_FAIL, "%s: %d check(s) failed", attack_guest, attack_failures);
		hc_exit(1);
	}
	verdict(VERDICT_PASS, "%s", attack_guest);
	hc_exit(0);
}

static long attack_skip_handler(const struct guest_fault *f)
{
	(void)f;
	return attack_skip_len;
}

static struct attack_fault attack_run(void (*fn)(void *arg), void *arg,
				      long (*handler)(const struct guest_fault *f))
{
	uint64_t before = guest_fault_last().count;
	struct guest_fault f;

	guest_set_fault_handler(handler);
	fn(arg);
	guest_set_fault_handler(NULL);
	f = guest_fault_last();
	if (f.count == before)
		return (struct attack_fault){ .vector = ATTACK_NO_FAULT };
	return (struct attack_fault){ .vector = (int)f.vector, .error_code = f.error_code,
				      .count = f.count - before, .cpl = f.cpl, .rip = f.rip };
}

struct attack_fault attack_try(void (*fn)(void *arg), void *arg, unsigned skip)
{
	attack_skip_len = skip;
	return attack_run(fn, arg, attack_skip_handler);
}

uint64_t attack_insn_rip, attack_resume_rip; /* written by ATTACK_INSN's code */

static long attack_resume_handler(const struct guest_fault *f)
{
	(void)f;
	if (!attack_resume_rip)
		return -1; /* not inside an ATTACK_INSN: unexpected */
	guest_fault_resume_at(attack_resume_rip);
	return 0;
}

struct attack_fault attack_try_insn(void (*fn)(void *arg), void *arg)
{
	attack_insn_rip = attack_resume_rip = 0;
	return attack_run(fn, arg, attack_resume_handler);
}

int attack_expect(struct attack_fault r, int vector, const char *what)
{
	int ok = r.count == 1 && r.vector == vector && (vector != VEC_GP || r.error_code == 0);

	if (r.vector == ATTACK_NO_FAULT)
		return attack_check(0, "%s: no fault, want %s", what, guest_fault_name(vector));
	return attack_check(ok, "%s: %s error %#lx (%lu fault(s)), want %s", what,
			    guest_fault_name(r.vector), r.error_code, r.count,
			    guest_fault_name(vector));
}

struct msr_op {
	uint32_t msr;
	uint64_t val;
};

static void msr_read_op(void *arg)
{
	struct msr_op *op = arg;
	uint32_t lo = 0xdead, hi = 0xbeef; /* stay as they are when RDMSR faults */

	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(op->msr));
	op->val = (uint64_t)hi << 32 | lo;
}

static void msr_write_op(void *arg)
{
	struct msr_op *op = arg;

	wrmsr(op->msr, op->val);
}

struct attack_fault attack_rdmsr(uint32_t msr, uint64_t *val)
{
	struct msr_op op = { msr, 0 };
	struct attack_fault r = attack_try(msr_read_op, &op, RDMSR_LEN);

	*val = op.val;
	return r;
}

struct attack_fault attack_wrmsr(uint32_t msr, uint64_t val)
{
	struct msr_op op = { msr, val };

	return attack_try(msr_write_op, &op, WRMSR_LEN);
}

void attack_expect_msr_gp(uint32_t msr, uint64_t val, const char *what)
{
	char buf[96];
	uint64_t got;

	snprintf(buf, sizeof(buf), "rdmsr %#x (%s)", msr, what);
	attack_expect(attack_rdmsr(msr, &got), VEC_GP, buf);
	snprintf(buf, sizeof(buf), "wrmsr %#x <- %#lx (%s)", msr, val, what);
	attack_expect(attack_wrmsr(msr, val), VEC_GP, buf);
}

volatile void *attack_map(uint64_t gpa)
{
	uint64_t *pml4;
	uint64_t cr3;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffull); /* crt0's tables: identity mapped */
	map_pd[0] = (gpa & ~(PAGE_2M - 1)) | PTE_P | PTE_RW | PTE_PS;
	map_pdpt[0] = (uint64_t)(uintptr_t)map_pd | PTE_P | PTE_RW;
	pml4[PML4_MAP_SLOT] = (uint64_t)(uintptr_t)map_pdpt | PTE_P | PTE_RW;
	asm volatile("invlpg (%0)" ::"r"(MAP_WINDOW) : "memory");
	return (volatile void *)(uintptr_t)(MAP_WINDOW + (gpa & (PAGE_2M - 1)));
}

void attack_announce(const char *fmt, ...)
{
	va_list ap;

	printf("%s: attacking: ", attack_guest);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	con_putc('\n');
	con_flush();
}

void attack_survived(const char *fmt, ...)
{
	char why[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	verdict(VERDICT_FAIL, "%s: %s", attack_guest, why);
	hc_exit(1);
}

#define IDENTITY_LIMIT 0x100000000ull /* crt0 maps [0, 4 GiB) */

static volatile uint64_t *attack_ptr(uint64_t gpa)
{
	if (gpa < IDENTITY_LIMIT)
		return (volatile uint64_t *)(uintptr_t)gpa;
	return (volatile uint64_t *)attack_map(gpa);
}

void attack_stop_read(uint64_t gpa, const char *what)
{
	volatile uint64_t *p = attack_ptr(gpa);
	uint64_t v;

	attack_announce("read 8 bytes at gpa %#lx (%s)", gpa, what);
	v = *p;
	attack_survived("read at gpa %#lx returned %#lx", gpa, v);
}

void attack_stop_write(uint64_t gpa, uint64_t val, const char *what)
{
	volatile uint64_t *p = attack_ptr(gpa);

	attack_announce("write %#lx at gpa %#lx (%s)", val, gpa, what);
	*p = val;
	attack_survived("write at gpa %#lx returned (reads back %#lx)", gpa, *p);
}

void attack_stop_write32(uint64_t gpa, uint32_t val, const char *what)
{
	volatile uint32_t *p = (volatile uint32_t *)attack_ptr(gpa);

	attack_announce("write32 %#x at gpa %#lx (%s)", val, gpa, what);
	*p = val;
	attack_survived("write at gpa %#lx returned (reads back %#x)", gpa, *p);
}

void attack_stop_fetch(uint64_t gpa, const char *what)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)attack_ptr(gpa);

	attack_announce("jump to gpa %#lx (%s)", gpa, what);
	fn();
	attack_survived("code at gpa %#lx ran and returned", gpa);
}

/* Registers the hypercall must keep, loaded with distinct values. */
struct hc_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
};

#define HC_ASM(insn)                                                                     \
	asm volatile("mov 8(%%rax), %%rbx\n\tmov 16(%%rax), %%rcx\n\t"                     \
		     "mov 24(%%rax), %%rdx\n\tmov 32(%%rax), %%rsi\n\t"                        \
		     "mov 40(%%rax), %%rdi\n\tmov 48(%%rax), %%r8\n\t"                         \
		     "mov 56(%%rax), %%r9\n\tmov 64(%%rax), %%r10\n\t"                         \
		     "mov 72(%%rax), %%r11\n\tmov 80(%%rax), %%r12\n\t"                        \
		     "mov 88(%%rax), %%r13\n\tmov 96(%%rax), %%r14\n\t"                        \
		     "mov 104(%%rax), %%r15\n\tpush %%rax\n\tmov (%%rax), %%rax\n\t" insn "\n\t" \
		     "xchg %%rax, (%%rsp)\n\tmov %%rbx, 8(%%rax)\n\tmov %%rcx, 16(%%rax)\n\t"   \
		     "mov %%rdx, 24(%%rax)\n\tmov %%rsi, 32(%%rax)\n\tmov %%rdi, 40(%%rax)\n\t"  \
		     "mov %%r8, 48(%%rax)\n\tmov %%r9, 56(%%rax)\n\tmov %%r10, 64(%%rax)\n\t"    \
		     "mov %%r11, 72(%%rax)\n\tmov %%r12, 80(%%rax)\n\tmov %%r13, 88(%%rax)\n\t"  \
		     "mov %%r14, 96(%%rax)\n\tmov %%r15, 104(%%rax)\n\tpop (%%rax)"             \
		     : "+a"(fp)                                                              \
		     :                                                                       \
		     : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",  \
		       "r13", "r14", "r15", "memory")

long attack_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, int *regs_kept)
{
	const struct hc_frame want = { nr, 0xb0b0b0b0b0b0b0b0, 0xc0c0c0c0c0c0c0c0, a2, a1, a0,
				       0x0808080808080808, 0x0909090909090909, 0x1010101010101010,
				       0x1111111111111111, 0x1212121212121212, 0x1313131313131313,
				       0x1414141414141414, 0x1515151515151515 };
	struct hc_frame f = want;
	struct hc_frame *fp = &f;
	const uint64_t *got = (const uint64_t *)&f, *exp = (const uint64_t *)&want;

	if (guest_hypercall_insn()[2] == 'm') /* "vmmcall", not "vmcall" */
		HC_ASM("vmmcall");
	else
		HC_ASM("vmcall");
	*regs_kept = 1;
	for (size_t i = 1; i < sizeof(f) / sizeof(uint64_t); i++)
		if (got[i] != exp[i])
			*regs_kept = 0;
	return (long)f.rax;
}

uint64_t attack_mem_top(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *map;
	uint64_t top = 0;

	if (!si || si->version < 1 || !si->memmap_paddr)
		return 0;
	map = (const struct hvm_memmap_entry *)(uintptr_t)si->memmap_paddr;
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (map[i].addr + map[i].size > top)
			top = map[i].addr + map[i].size;
	return top;
}

long attack_find(const volatile uint8_t *hay, size_t len, const uint8_t *needle, size_t n)
{
	for (size_t i = 0; n && i + n <= len; i++) {
		size_t j = 0;

		while (j < n && hay[i + j] == needle[j])
			j++;
		if (j == n)
			return (long)i;
	}
	return -1;
}
