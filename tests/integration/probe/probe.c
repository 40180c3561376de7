/* SPDX-License-Identifier: MIT */
/*
 * The probe's checks of the handoff contract, each reported as one line;
 * the last line is `vigil: probe handoff ok` or `vigil: probe FAIL <what>`.
 */
#include <vigil/handoff.h>

#include "probe.h"

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define LINK_BASE 0xffffffff80000000ull /* probe.ld, rounded down to 2 MiB */
#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

__asm__(".section .text.entry, \"ax\"\n"
	".globl probe_entry\n"
	"probe_entry:\n"
	"	lea stack_top(%rip), %rsp\n"
	"	call probe_main\n"
	"1:	cli; hlt; jmp 1b\n"
	".previous\n");

static uint8_t stack[16384] __attribute__((aligned(16), used));
__asm__(".set stack_top, stack + 16384");

static volatile uint64_t data_word = 0x1122334455667788ull; /* .data survives */
static volatile uint8_t bss_block[3 * 4096 + 123];	   /* .bss is zeroed */
static const char *failure;

void con_puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + 5) & 0x20))
			;
		outb(COM1, (uint8_t)*s);
	}
}

void con_num(uint64_t v, unsigned base)
{
	char buf[24];
	int i = 23;

	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	con_puts(buf + i);
}

void con_hex(const uint8_t *p, size_t n)
{
	char b[3] = { 0 };

	while (n--) {
		b[0] = "0123456789abcdef"[*p >> 4];
		b[1] = "0123456789abcdef"[*p++ & 15];
		con_puts(b);
	}
}

static void check(int ok, const char *what)
{
	if (!ok && !failure)
		failure = what;
}

static int bytes_equal(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	while (n--)
		if (*x++ != *y++)
			return 0;
	return 1;
}

/* Walk the live page tables: physical address and entry flags of va. */
static int translate(uint64_t va, uint64_t *pa, uint64_t *flags)
{
	uint64_t cr3, e = 0, *t;
	int level;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	t = (uint64_t *)(cr3 & PTE_ADDR);
	for (level = 3; level >= 0; level--) {
		e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return -1;
		if (level == 1 && (e & PTE_PS)) {
			*pa = (e & PTE_ADDR & ~0x1fffffull) | (va & 0x1fffff);
			*flags = e;
			return 0;
		}
		t = (uint64_t *)(e & PTE_ADDR);
	}
	*pa = (e & PTE_ADDR) | (va & 0xfff);
	*flags = e;
	return 0;
}

static void image_check(const struct handoff *h)
{
	extern char probe_entry[];
	uint64_t data_va = (uint64_t)&data_word;
	uint64_t pa, fl, cr3;
	unsigned i;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	check(h->boot_cr3 == cr3, "CR3 is not boot_cr3");
	check(h->vmm_virt_base == LINK_BASE, "vmm_virt_base");
	check(h->vmm_phys_base % HANDOFF_VMM_ALIGN == 0, "vmm_phys_base alignment");
	check(h->vmm_phys_size && h->vmm_phys_size % HANDOFF_VMM_ALIGN == 0, "vmm_phys_size");
	check(h->vmm_phys_base + h->vmm_phys_size <= 1ull << 32, "VMM image above 4 GiB");
	check(data_word == 0x1122334455667788ull, ".data content");
	for (i = 0; i < sizeof(bss_block); i++)
		check(bss_block[i] == 0, ".bss not zeroed");
	check(translate((uint64_t)probe_entry, &pa, &fl) == 0 &&
		      pa == h->vmm_phys_base + ((uint64_t)probe_entry - LINK_BASE) && !(fl & PTE_W),
	      "text mapping");
	check(translate(data_va, &pa, &fl) == 0 &&
		      pa == h->vmm_phys_base + (data_va - LINK_BASE) && (fl & PTE_W),
	      "data mapping");
	check(translate(0xfffff000ull, &pa, &fl) == 0 && pa == 0xfffff000ull && (fl & PTE_PS),
	      "identity map below 4 GiB");
}

static const struct handoff_mem *mem_find(const struct handoff *h, uint64_t base, uint64_t n)
{
	for (uint32_t i = 0; i < h->mem_count; i++)
		if (h->mem[i].base <= base && base + n <= h->mem[i].base + h->mem[i].size)
			return &h->mem[i];
	return 0;
}

static void boot_range_check(const struct handoff *h, uint64_t base, uint64_t n,
			     const char *what)
{
	const struct handoff_mem *m = mem_find(h, base, n ? n : 1);

	check(m && m->type == HANDOFF_MEM_BOOT, what);
}

static void memmap_check(const struct handoff *h)
{
	uint64_t usable = 0, top = 0, pa, fl;
	uint32_t i;

	check(h->mem_count > 0 && h->mem_count <= HANDOFF_MAX_MEM, "mem_count");
	for (i = 0; i < h->mem_count; i++) {
		const struct handoff_mem *m = &h->mem[i], *p = i ? m - 1 : 0;

		check(m->size && m->type >= 1 && m->type <= 5, "mem entry");
		check(!p || p->base + p->size <= m->base, "mem sorted, no overlap");
		check(!p || p->base + p->size != m->base || p->type != m->type, "mem not merged");
		if (m->type == HANDOFF_MEM_USABLE) {
			usable += m->size;
			top = m->base + m->size;
		}
	}
	check(usable > 256ull << 20, "usable memory");
	/* The identity map reaches the top of RAM, above 4 GiB when there is
	 * RAM there. */
	check(translate(top - 1, &pa, &fl) == 0 && pa == top - 1, "identity map to top of RAM");
	boot_range_check(h, (uint64_t)h, sizeof(*h), "handoff not in BOOT memory");
	boot_range_check(h, h->vmm_phys_base, h->vmm_phys_size, "image not in BOOT memory");
	boot_range_check(h, h->boot_cr3, 4096, "page tables not in BOOT memory");
	boot_range_check(h, h->trampoline_phys, 4096, "trampoline not in BOOT memory");
	for (i = 0; i < h->module_count && i < HANDOFF_MAX_MODULES; i++)
		boot_range_check(h, h->modules[i].base, h->modules[i].size,
				 "module not in BOOT memory");
	con_puts("vigil: probe memmap ");
	con_num(h->mem_count, 10);
	con_puts(" entries, usable MiB ");
	con_num(usable >> 20, 10);
	con_puts(", top 0x");
	con_num(top, 16);
	con_puts("\n");
}

static void modules_report(const struct handoff *h)
{
	uint8_t d[32];
	uint32_t i;

	check(h->module_count >= 1 && h->module_count <= HANDOFF_MAX_MODULES, "module_count");
	check(bytes_equal(h->modules[0].name, "system.dtb", 11), "modules[0] is not the config");
	for (i = 0; i < h->module_count && i < HANDOFF_MAX_MODULES; i++) {
		const struct handoff_module *m = &h->modules[i];

		check(m->base % 4096 == 0, "module alignment");
		sha256((const void *)m->base, m->size, d);
		check(bytes_equal(d, m->sha256, 32), "module digest");
		con_puts("vigil: probe module ");
		con_puts(m->name);
		con_puts(" size ");
		con_num(m->size, 10);
		con_puts(" sha256:");
		con_hex(d, 32);
		con_puts("\n");
	}
}

static void meas_report(const struct handoff *h)
{
	uint32_t i;

	check(h->meas_count <= HANDOFF_MAX_MEASUREMENTS, "meas_count");
	for (i = 0; i < h->meas_count && i < HANDOFF_MAX_MEASUREMENTS; i++) {
		const struct handoff_measurement *m = &h->meas[i];

		con_puts("vigil: probe meas ");
		con_puts(m->name);
		con_puts(" pcr ");
		con_num(m->pcr, 10);
		con_puts(" flags ");
		con_num(m->flags, 10);
		con_puts(" sha256:");
		con_hex(m->sha256, 32);
		con_puts("\n");
	}
}

static void platform_report(const struct handoff *h)
{
	uint8_t p10[32], p15[32];

	check(h->acpi_rsdp && bytes_equal((const void *)h->acpi_rsdp, "RSD PTR ", 8), "RSDP");
	check(h->trampoline_phys && h->trampoline_phys < 0x100000 &&
		      h->trampoline_phys % 4096 == 0, "trampoline");
	con_puts("vigil: probe flags ");
	con_num(h->flags, 10);
	con_puts("\n");
	if (tpm_pcrs_read(p10, p15) == 0) {
		con_puts("vigil: probe pcr 10 sha256:");
		con_hex(p10, 32);
		con_puts("\nvigil: probe pcr 15 sha256:");
		con_hex(p15, 32);
		con_puts("\n");
	}
}

void probe_main(const struct handoff *h);

void probe_main(const struct handoff *h)
{
	const char *pci;

	con_puts("vigil: probe entered\n");
	if (h->magic != HANDOFF_MAGIC || h->version != HANDOFF_VERSION ||
	    h->size != sizeof(*h)) {
		failure = "handoff header";
	} else {
		image_check(h);
		memmap_check(h);
		modules_report(h);
		meas_report(h);
		platform_report(h);
		pci = pci_report(h);
		check(!pci, pci);
	}
	con_puts(failure ? "vigil: probe FAIL " : "vigil: probe handoff ok");
	con_puts(failure ? failure : "");
	con_puts("\n");
	outb(DEBUG_EXIT, failure ? 1 : 0); /* QEMU exits with (value << 1) | 1 */
}
