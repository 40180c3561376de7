/* SPDX-License-Identifier: MIT */
/*
 * A stand-in boot application for `make bench`: the firmware starts it
 * where it would start the stub (EFI/BOOT/BOOTX64.EFI on an ESP that is
 * otherwise the bench ESP, padded to the stub's size), and it prints the
 * TSC it was started at: under -icount, every instruction from reset to
 * the stub's entry. Then it ends the run through QEMU's isa-debug-exit.
 * It writes the COM1 data register directly (the firmware set the UART
 * up) so that it needs no firmware header at all.
 */
#include <stdint.h>

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20
#define DEBUG_EXIT_PORT 0xf4

unsigned long efi_main(void *image, void *systab);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void put(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1_LSR) & LSR_THRE); i++)
		;
	outb(COM1, (uint8_t)c);
}

static void put_str(const char *s)
{
	while (*s)
		put(*s++);
}

static void put_dec(uint64_t v)
{
	char buf[24];
	int n = 0;

	do
		buf[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		put(buf[--n]);
}

unsigned long efi_main(void *image, void *systab)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	(void)image;
	(void)systab;
	put_str("\r\nbench: tsc efi-entry ");
	put_dec(((uint64_t)hi << 32) | lo);
	put_str("\r\n");
	outb(DEBUG_EXIT_PORT, 0);
	for (;;)
		__asm__ volatile("hlt");
}
