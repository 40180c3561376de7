/* SPDX-License-Identifier: MIT */
/*
 * vigil-tsc: print the TSC as one line, `vigil-linux: tsc <n>`, and exit.
 * The bench initramfs's /init runs it first thing (make bench,
 * docs/benchmarks.md): under QEMU's -icount the TSC is the emulator's
 * instruction clock, so the line dates the start of userspace in the same
 * unit as the VMM's start-tsc. No C library: two system calls, built on the
 * host with `gcc -nostdlib -static` (mk/bench.mk).
 */
#include <stdint.h>

#define SYS_WRITE 1
#define SYS_EXIT 60

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

void _start(void) __attribute__((noreturn));
void _start(void)
{
	static const char prefix[] = "vigil-linux: tsc ";
	uint64_t tsc = rdtsc();
	char line[sizeof(prefix) + 21];
	char digits[20];
	unsigned n = 0, len = 0;

	do {
		digits[n++] = (char)('0' + tsc % 10);
		tsc /= 10;
	} while (tsc);
	for (unsigned i = 0; i < sizeof(prefix) - 1; i++)
		line[len++] = prefix[i];
	while (n)
		line[len++] = digits[--n];
	line[len++] = '\n';
	sys3(SYS_WRITE, 1, (long)line, len);
	for (;;)
		sys3(SYS_EXIT, 0, 0, 0);
}
