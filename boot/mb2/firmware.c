/* SPDX-License-Identifier: MIT */
/*
 * The rest of boot/boot.h for the multiboot2 entry: the console (COM1),
 * files (GRUB modules, copied into fresh pages so the stub can keep,
 * measure and free them as it does under UEFI), no TPM and no Secure Boot
 * (measurements are computed and recorded, not extended), the ACPI RSDP
 * copy, PCI bus mastering through the ports, mbedtls's heap, and the entry
 * point.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "boot/boot.h"
#include "boot/print.h"
#include "boot/mb2/mb2.h"

#define COM1 0x3f8
#define HEAP_SIZE (2u << 20)

struct mb2_info mb2_boot_info;
extern char __mb2_start[], __mb2_end[];

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

static void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* divisor latch: 115200 baud */
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0x07); /* FIFO on, cleared */
}

static void serial_putc(char c)
{
	for (unsigned i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

void mb2_console_drain(void)
{
	for (unsigned i = 0; i < 100000 && !(inb(COM1 + 5) & 0x40); i++)
		;
}

void boot_puts(const char *s)
{
	for (; *s; s++)
		serial_putc(*s);
}

static const struct mb2_module *module_find(const char *path)
{
	for (unsigned i = 0; i < mb2_boot_info.mod_count; i++)
		if (!strcmp(mb2_boot_info.mods[i].name, path))
			return &mb2_boot_info.mods[i];
	return NULL;
}

int boot_file_read(const char *path, void **buf, size_t *len)
{
	const struct mb2_module *m = module_find(path);
	size_t n, padded;
	int err;

	if (!m)
		return -ENOENT;
	n = (size_t)(m->end - m->base);
	if (n > BOOT_FILE_MAX)
		return -E2BIG;
	padded = (n + 0xfff) & ~(size_t)0xfff;
	err = boot_pages_alloc(padded ? padded : 1, 0x1000, 0, buf);
	if (err)
		return err;
	memcpy(*buf, (const void *)(uintptr_t)m->base, n);
	memset((uint8_t *)*buf + n, 0, (padded ? padded : 0x1000) - n);
	*len = n;
	return 0;
}

/* The lab entry's modules name no directory: no persisted patches. */
int boot_dir_list(const char *path, void (*each)(const char *name, void *ctx), void *ctx)
{
	(void)path, (void)each, (void)ctx;
	return -ENOENT;
}

int boot_tpm_present(void)
{
	return 0;
}

int boot_tpm_extend(uint32_t pcr, const void *data, size_t len, uint32_t tag, const char *name)
{
	(void)pcr, (void)data, (void)len, (void)tag, (void)name;
	return -ENODEV;
}

int boot_tpm_event_log(const uint8_t **log, size_t *last, int *truncated)
{
	(void)log, (void)last, (void)truncated;
	return -ENODEV;
}

const struct boot_final_events *boot_tpm_final_events(void)
{
	return NULL;
}

int boot_secure_boot(void)
{
	return 0;
}

/* No firmware variable to find the page again by, and Bochs's reset would
 * boot the lab again: no crash page, so a panic halts (kernel/panic.c). */
int boot_crash_page(uint64_t *pa, int *kept)
{
	*pa = 0;
	*kept = 0;
	return 0;
}

/* The tag holds a copy of the RSDP, not its address: hand over a copy in
 * boot memory, which the VMM maps (the BIOS area it came from it does not). */
uint64_t boot_rsdp(void)
{
	void *page;

	if (!mb2_boot_info.rsdp_len || boot_pages_alloc(0x1000, 0x1000, 0, &page))
		return 0;
	memset(page, 0, 0x1000);
	memcpy(page, mb2_boot_info.rsdp, mb2_boot_info.rsdp_len);
	return (uint64_t)(uintptr_t)page;
}

/* No firmware to list the PCI functions: segment 0 through the ports
 * (boot/pci_scan.c), as the stub's pass after boot_exit does again. */
int boot_pci_bus_masters_off(struct pci_count *c)
{
	pci_bus_masters_off(c);
	return 0;
}

/*
 * mbedtls's heap: a bump allocator that starts over whenever every block
 * has been freed, which happens between two verifications. Blocks are
 * 16-byte aligned and zeroed (include/libc/stdlib.h).
 */
static _Alignas(16) uint8_t heap[HEAP_SIZE];
static size_t heap_used, heap_live;

void *calloc(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (size && n > HEAP_SIZE / size)
		return NULL;
	bytes = (n * size + 15) & ~(size_t)15;
	if (bytes > HEAP_SIZE - heap_used)
		return NULL;
	p = heap + heap_used;
	heap_used += bytes;
	heap_live++;
	memset(p, 0, bytes);
	return p;
}

void free(void *p)
{
	if (p && --heap_live == 0)
		heap_used = 0;
}

static __attribute__((noreturn)) void mb2_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void mb2_main(uint32_t magic, uint64_t info)
{
	const char *why = "";
	int err;

	serial_init();
	boot_puts("vigil-mb2: multiboot2 lab entry (no TPM, no Secure Boot)\n");
	if (magic != MB2_BOOT_MAGIC) {
		stub_printf("vigil-mb2: refused: not started by a multiboot2 loader (0x%x)\n", magic);
		mb2_halt();
	}
	if (mb2_info_parse((const void *)(uintptr_t)info, &mb2_boot_info, &why)) {
		stub_printf("vigil-mb2: refused: %s\n", why);
		mb2_halt();
	}
	mb2_mem_init(&mb2_boot_info, (uint64_t)(uintptr_t)__mb2_start, (uint64_t)(uintptr_t)__mb2_end);
	err = stub_main();
	stub_printf("vigil-mb2: refused to boot (%d)\n", err);
	mb2_halt();
}
