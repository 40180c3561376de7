/* SPDX-License-Identifier: MIT */
/*
 * attack-start-info: the pointers a guest is started with, made to point
 * outside its memory. The guest is configured as a Linux guest is: ACPI
 * tables, a module (its initrd) and a command line. On every boot it
 * checks what it was given: the PVH start info, its memory map, module
 * list and command line, the RSDP, the XSDT and every table the XSDT
 * names, each one inside its own memory (ATTACK_MEM, as its config says)
 * and well formed. Then it rewrites every one of those pointers and
 * lengths to aim at the VMM's memory, device MMIO, other guests' memory
 * or past any memory at all, and resets itself through the ACPI reset
 * register.
 *
 * It also leaves a pattern in a page of free memory (LEFTOVER_GPA: no
 * image, table, module or start page is ever placed there) and checks on
 * every boot that the page reads zero: a restart scrubs all of a guest's
 * memory, not only what it reloads.
 *
 * The VMM never reads what a guest left in its memory: a restart loads
 * the verified image and writes a fresh start page and fresh tables into
 * scrubbed memory. So the next boot finds everything intact again, and
 * the guest repeats, forever: no boot can know it follows an attack (that
 * is the defence). The harness (tests/attacks/run.py, Restarts) counts
 * the boots that said "start info intact" after a reset; any check that
 * fails ends the guest with a FAIL verdict instead.
 */
#include "attack.h"

#include <vigil/guest_platform.h>

#define ATTACK_MEM 0x400000ull /* the config's memory: 4 MiB at 0 */
#define CMDLINE_WANT "attack-start-info: a command line the VMM must keep"
#define RESET_SPIN 100000000ull /* between the corruption and the reset */
#define LEFTOVER_GPA 0x80000ull /* free RAM below the ACPI window (0xe0000) */
#define LEFTOVER_WORDS 512	/* one page */
#define LEFTOVER_PATTERN 0x6c6566746f766572ull

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_revision, creator, creator_revision;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 2.0 RSDP");
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

/* The guest library has no string functions. */
static int same(const void *a, const char *b, size_t n)
{
	const volatile uint8_t *p = a;

	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)b[i])
			return 0;
	return 1;
}

/* A check that prints only when it fails (every boot repeats them all). */
#define NEED(cond, ...)                                 \
	do {                                            \
		if (!(cond))                            \
			return attack_check(0, __VA_ARGS__); \
	} while (0)

static int inside(uint64_t addr, uint64_t len)
{
	return addr < ATTACK_MEM && len <= ATTACK_MEM - addr;
}

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

static int memmap_ok(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *map = (const void *)(uintptr_t)si->memmap_paddr;
	uint64_t ram = 0;

	NEED(si->memmap_entries > 0 && si->memmap_entries < 16 &&
		     inside(si->memmap_paddr, si->memmap_entries * sizeof(*map)),
	     "memory map at %#lx, %u entries, inside memory", si->memmap_paddr, si->memmap_entries);
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		NEED(inside(map[i].addr, map[i].size), "memory map entry %u [%#lx, +%#lx) inside memory", i,
		     map[i].addr, map[i].size);
		if (map[i].type == HVM_MEMMAP_RAM)
			ram += map[i].size;
	}
	NEED(ram > ATTACK_MEM / 2, "memory map: %#lx bytes of RAM, want most of %#llx", ram, ATTACK_MEM);
	return 1;
}

static int module_ok(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *mod = (const void *)(uintptr_t)si->modlist_paddr;

	NEED(si->nr_modules == 1 && inside(si->modlist_paddr, sizeof(*mod)),
	     "module list at %#lx (%u modules) inside memory", si->modlist_paddr, si->nr_modules);
	/* The module is the hello guest's image: it starts with the ELF magic. */
	NEED(inside(mod->paddr, mod->size) && mod->size >= 4 && same((const void *)(uintptr_t)mod->paddr, "\177ELF", 4),
	     "module [%#lx, +%#lx) inside memory, an ELF image", mod->paddr, mod->size);
	return 1;
}

static int cmdline_ok(const struct hvm_start_info *si)
{
	size_t n = sizeof(CMDLINE_WANT);

	NEED(inside(si->cmdline_paddr, n) && same((const void *)(uintptr_t)si->cmdline_paddr, CMDLINE_WANT, n),
	     "command line at %#lx inside memory, as configured", si->cmdline_paddr);
	return 1;
}

/* A table inside the ACPI window, with its length and checksum. */
static int table_ok(uint64_t addr, const char *what)
{
	const struct acpi_header *h = (const void *)(uintptr_t)addr;
	const uint64_t end = GP_ACPI_GPA + GP_ACPI_MAX;

	NEED(addr >= GP_ACPI_GPA && addr < end && end - addr >= sizeof(*h), "%s at %#lx inside the ACPI window",
	     what, addr);
	NEED(h->length >= sizeof(*h) && h->length <= end - addr && sum(h, h->length) == 0,
	     "%s at %#lx: length %u inside the window, checksum good", what, addr, h->length);
	return 1;
}

static int acpi_ok(const struct hvm_start_info *si, unsigned *tables)
{
	const struct acpi_rsdp *rsdp = (const void *)(uintptr_t)si->rsdp_paddr;
	const struct acpi_header *xsdt;
	const uint64_t *entries;

	NEED(si->rsdp_paddr == GP_ACPI_GPA, "RSDP at %#lx, the platform's window", si->rsdp_paddr);
	NEED(same(rsdp->signature, "RSD PTR ", 8) && !sum(rsdp, 20) && rsdp->revision >= 2 &&
		     rsdp->length == sizeof(*rsdp) && !sum(rsdp, sizeof(*rsdp)),
	     "RSDP signature, revision %u and both checksums", rsdp->revision);
	if (!table_ok(rsdp->xsdt, "XSDT"))
		return 0;
	xsdt = (const void *)(uintptr_t)rsdp->xsdt;
	entries = (const uint64_t *)(xsdt + 1);
	*tables = (unsigned)((xsdt->length - sizeof(*xsdt)) / 8);
	NEED(same(xsdt->signature, "XSDT", 4) && *tables > 0, "XSDT signature, %u tables", *tables);
	for (unsigned i = 0; i < *tables; i++)
		if (!table_ok(entries[i], "a table the XSDT names"))
			return 0;
	return 1;
}

/* Every pointer and length aimed away from the guest's own memory. */
static void corrupt(struct hvm_start_info *si)
{
	struct acpi_rsdp *rsdp = (void *)(uintptr_t)si->rsdp_paddr;
	struct acpi_header *xsdt = (void *)(uintptr_t)rsdp->xsdt;
	uint64_t *entries = (uint64_t *)(xsdt + 1);
	struct hvm_memmap_entry *map = (void *)(uintptr_t)si->memmap_paddr;
	struct hvm_modlist_entry *mod = (void *)(uintptr_t)si->modlist_paddr;
	static const uint64_t away[] = {
		0x3fe00000ull,	      /* where the VMM's image sits on the test machine */
		GP_LAPIC_BASE,	      /* device MMIO */
		0xfed40000ull,	      /* the TPM */
		0x1000000000ull,      /* 64 GiB: no memory at all */
		0xfffffffffffff000ull, /* the top of the address space */
	};
	unsigned n = (unsigned)((xsdt->length - sizeof(*xsdt)) / 8);

	for (unsigned i = 0; i < n; i++)
		entries[i] = away[i % 5];
	xsdt->length = 0xffffffffu;
	rsdp->xsdt = away[3];
	rsdp->rsdt = (uint32_t)away[0];
	rsdp->length = 0xffffffffu;
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		map[i] = (struct hvm_memmap_entry){ away[i % 5], 1ull << 62, HVM_MEMMAP_RAM, 0 };
	mod->paddr = away[4];
	mod->size = ~0ull;
	si->rsdp_paddr = away[1];
	si->modlist_paddr = away[0];
	si->nr_modules = 0xffffffffu;
	si->cmdline_paddr = away[2];
	si->memmap_paddr = away[3];
	si->memmap_entries = 0xffffffffu;
	si->magic = 0;
}

/* Whether the page the last boot filled reads zero, as it did first. */
static unsigned leftover_words(void)
{
	const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)LEFTOVER_GPA;
	unsigned n = 0;

	for (unsigned i = 0; i < LEFTOVER_WORDS; i++)
		n += p[i] != 0;
	return n;
}

static void leftover_fill(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)LEFTOVER_GPA;

	for (unsigned i = 0; i < LEFTOVER_WORDS; i++)
		p[i] = LEFTOVER_PATTERN;
}

int guest_main(const struct hvm_start_info *si)
{
	unsigned left;

	unsigned tables = 0;

	attack_begin("attack-start-info");
	if (!attack_check(si->magic == HVM_START_MAGIC && si->version >= 1 && inside((uintptr_t)si, sizeof(*si)),
			  "start info at %p: magic and version", (const void *)si) ||
	    !memmap_ok(si) || !module_ok(si) || !cmdline_ok(si) || !acpi_ok(si, &tables))
		attack_end(); /* FAIL: what it was given is not what the VMM must give */
	left = leftover_words();
	if (!attack_check(!left, "free page at %#lx reads zero (%u of %u words nonzero)",
			  (unsigned long)LEFTOVER_GPA, left, LEFTOVER_WORDS))
		attack_end(); /* FAIL: memory kept across the restart */
	attack_note("memory map (%u entries), module, command line, RSDP, XSDT and its %u tables: inside memory "
		    "and well formed", si->memmap_entries, tables);
	attack_note("boot: start info intact");
	attack_announce("start info, memory map, module list, command line, RSDP and XSDT "
			"aimed outside guest memory, then a reset");
	corrupt((struct hvm_start_info *)si);
	leftover_fill();
	delay_spin(RESET_SPIN);
	outb(GP_ACPI_RESET, GP_ACPI_RESET_VALUE);
	delay_spin(RESET_SPIN);
	attack_survived("the reset through port %#x returned", GP_ACPI_RESET);
}
