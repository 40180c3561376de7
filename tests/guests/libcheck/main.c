/* SPDX-License-Identifier: MIT */
/*
 * libcheck: the guest library checking itself, natively or under Vigil.
 * Every fault it provokes stays inside the guest (no VM exit needed): #UD,
 * #BP, #GP from a selector beyond the GDT, #PF above the 4 GiB identity
 * map, #DE, and #GP at CPL 3. It also checks printf-lite's output, the
 * round trip to user mode, the interrupt gates (software INTs), and that
 * hypercalls are refused locally when not under Vigil. PASS only when every check holds.
 */
#include "guest.h"
#include "selectors.h"

#define UNMAPPED_ADDR 0x100000000000ull /* 16 TiB: PML4 entry 32, never mapped */
#define BAD_SELECTOR (GDT_ENTRIES * 8) /* just past the GDT limit */
#define UD2_LEN 2
#define MOV_DS_LEN 2 /* mov %ax, %ds: 8e d8 */
#define DIV_RCX_LEN 3

static int check_failed;
static uint64_t skip_len;

static void check(int ok, const char *what)
{
	printf("libcheck: %s %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok && !check_failed)
		check_failed = 1;
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int str_same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* snprintf returned n and wrote buf: both must match `want`. */
static void check_text(const char *buf, int n, const char *want, size_t want_n, const char *what)
{
	int ok = str_same(buf, want) && n >= 0 && (size_t)n == want_n;

	check(ok, what);
	if (!ok)
		printf("libcheck:      got \"%s\" (%d), want \"%s\" (%zu)\n", buf, n, want,
		       want_n);
}

static void check_printf(void)
{
	static const char want[] = "-42|    7|ab  |deadbeef|0xff|str|z|%|-1|CAFE|255|9|  x|0x2a";
	char buf[96];
	int n;

	n = snprintf(buf, sizeof(buf), "%d|%5u|%-4x|%08lx|%#x|%s|%c|%%|%lld|%X|%hhu|%zu|%*s|%p",
		     -42, 7u, 0xabu, 0xdeadbeeful, 255u, "str", 'z', -1ll, 0xcafeu, 0x1ffu,
		     (size_t)9, 3, "x", (void *)0x2a);
	check_text(buf, n, want, str_len(want), "printf conversions");
	n = snprintf(buf, 4, "abcdef");
	check_text(buf, n, "abc", 6, "snprintf truncation");
	n = snprintf(buf, sizeof(buf), "%ld %d", (long)INT64_MIN, INT32_MIN);
	check_text(buf, n, "-9223372036854775808 -2147483648", 32, "printf most negative values");
}

static long skip_handler(const struct guest_fault *f)
{
	(void)f;
	return (long)skip_len;
}

/* Run `provoke` expecting exactly one fault of `vector`; return it. */
static struct guest_fault expect_fault(void (*provoke)(void), uint64_t len, uint64_t vector,
				       const char *what)
{
	uint64_t before = guest_fault_last().count;
	struct guest_fault f;

	skip_len = len;
	guest_set_fault_handler(skip_handler);
	provoke();
	guest_set_fault_handler(NULL);
	f = guest_fault_last();
	check(f.count == before + 1 && f.vector == vector, what);
	return f;
}

static void provoke_ud(void)
{
	uint64_t out;

	/* R11 is caller-saved: only the stub's save/restore keeps it. */
	asm volatile("mov %1, %%r11\n\tud2\n\tmov %%r11, %0"
		     : "=r"(out) : "r"(0x5a5a1234a5a5ull) : "r11", "memory");
	check(out == 0x5a5a1234a5a5ull, "registers survive a fault");
}

static void provoke_bp(void)
{
	asm volatile("int3" ::: "memory");
}

static void provoke_gp(void)
{
	asm volatile("mov %0, %%ds" ::"r"((uint16_t)BAD_SELECTOR) : "memory");
}

static void provoke_pf(void)
{
	(void)read64(UNMAPPED_ADDR);
}

static void provoke_de(void)
{
	uint64_t rax = 1, rdx = 0;

	asm volatile("div %2" : "+a"(rax), "+d"(rdx) : "c"(0ull) : "memory");
}

static void check_faults(void)
{
	struct guest_fault f;

	expect_fault(provoke_ud, UD2_LEN, 6, "#UD reaches the handler and is skipped");
	f = expect_fault(provoke_bp, 0, 3, "#BP (a trap) resumes after int3");
	f = expect_fault(provoke_gp, MOV_DS_LEN, 13, "#GP from a selector beyond the GDT");
	check(f.error_code == BAD_SELECTOR, "#GP error code names the selector");
	f = expect_fault(provoke_pf, READ64_LEN, 14, "#PF above the identity map");
	check(f.cr2 == UNMAPPED_ADDR && f.error_code == 0, "#PF cr2 and error code (read, not present)");
	expect_fault(provoke_de, DIV_RCX_LEN, 0, "#DE from a division by zero");
}

static long user_read_cpl(void)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

static long user_port_read(void)
{
	(void)inb(0x80); /* IOPL 0 and no I/O bitmap: #GP, skipped by the handler */
	return 7;
}

static void check_user_mode(void)
{
	uint64_t before = guest_fault_last().count;
	struct guest_fault f;
	long ret;

	check(guest_user_run(user_read_cpl) == 3, "guest_user_run() runs at CPL 3 and returns");
	skip_len = INOUT_DX_LEN;
	guest_set_fault_handler(skip_handler);
	ret = guest_user_run(user_port_read);
	guest_set_fault_handler(NULL);
	f = guest_fault_last();
	check(ret == 7 && f.count == before + 1 && f.vector == 13 && f.cpl == 3,
	      "#GP at CPL 3 from IN, skipped, back at CPL 0");
}

static volatile unsigned irq_seen[2];

static void on_soft_irq(unsigned vector)
{
	irq_seen[vector == 0xff] = vector;
}

/* Software INTs through the first and last interrupt gates: the stub
 * table's ends, the vector handed to the handler, the counts, a register
 * kept across the handler. */
static void check_irq_gates(void)
{
	uint64_t out;

	guest_set_irq_handler(0x20, on_soft_irq);
	guest_set_irq_handler(0xff, on_soft_irq);
	asm volatile("mov %1, %%r11\n\tint $0x20\n\tint $0xff\n\tmov %%r11, %0"
		     : "=r"(out) : "r"(0x5a5a1234a5a5ull) : "r11", "memory");
	check(irq_seen[0] == 0x20 && irq_seen[1] == 0xff && guest_irq_count(0x20) == 1 &&
		      guest_irq_count(0xff) == 1 && guest_irq_total() == 2 && out == 0x5a5a1234a5a5ull,
	      "INT 0x20 and INT 0xff reach their handlers with their vectors, registers kept");
	guest_set_irq_handler(0x20, NULL);
	guest_set_irq_handler(0xff, NULL);
}

static void check_hypercalls(void)
{
	long v = hc_version();

	if (guest_under_vigil())
		check(v == HC_ABI_VERSION, "hc_version() under Vigil");
	else
		check(v == -HC_ENOSYS, "hypercalls refused locally when not under Vigil");
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	printf("libcheck: guest library self-test (%s)\n",
	       guest_under_vigil() ? "under Vigil" : "not under Vigil");
	check_printf();
	check_faults();
	check_user_mode();
	check_irq_gates();
	check_hypercalls();
	if (check_failed)
		verdict(VERDICT_FAIL, "libcheck: a library check failed");
	else
		verdict(VERDICT_PASS, "libcheck");
	hc_exit(check_failed);
}
