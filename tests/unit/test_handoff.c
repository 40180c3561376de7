// SPDX-License-Identifier: MIT
/*
 * Unit tests of kernel/handoff.c: the VMM's check of what the boot entry
 * hands over. One valid handoff; every other case breaks exactly one rule
 * of include/vigil/handoff.h and must be refused with that rule's reason.
 */
#define CHECK_SUITE "handoff"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "kernel/handoff.h"

#define MIB 0x100000ull

enum { MEM_LOW, MEM_TRAMP, MEM_LOW2, MEM_HIGH, MEM_BOOT, MEM_ACPI, MEM_NVS, MEM_MMIO, MEM_COUNT };

/* Low RAM, RAM up to 64 MiB, 16 MiB of boot-loaded memory holding the
 * VMM (4 MiB) and two modules, ACPI tables, and an MMIO hole. */
static void handoff_make(struct handoff *h)
{
	static const struct handoff_mem mem[MEM_COUNT] = {
		[MEM_LOW] = { 0x0, 0x8000, HANDOFF_MEM_USABLE, 0 },
		[MEM_TRAMP] = { 0x8000, 0x1000, HANDOFF_MEM_BOOT, 0 },
		[MEM_LOW2] = { 0x9000, 0x96000, HANDOFF_MEM_USABLE, 0 },
		[MEM_HIGH] = { MIB, 63 * MIB, HANDOFF_MEM_USABLE, 0 },
		[MEM_BOOT] = { 64 * MIB, 16 * MIB, HANDOFF_MEM_BOOT, 0 },
		[MEM_ACPI] = { 80 * MIB, 0x1000, HANDOFF_MEM_ACPI_RECLAIM, 0 },
		[MEM_NVS] = { 80 * MIB + 0x1000, 0x1000, HANDOFF_MEM_ACPI_NVS, 0 },
		[MEM_MMIO] = { 0xfec00000, 0x1000, HANDOFF_MEM_RESERVED, 0 },
	};

	memset(h, 0, sizeof(*h));
	h->magic = HANDOFF_MAGIC;
	h->version = HANDOFF_VERSION;
	h->size = sizeof(*h);
	h->vmm_phys_base = 64 * MIB;
	h->vmm_phys_size = 4 * MIB;
	h->vmm_virt_base = 0xffffffff80000000ull;
	h->trampoline_phys = 0x8000;
	h->boot_cr3 = 70 * MIB;
	h->mem_count = MEM_COUNT;
	memcpy(h->mem, mem, sizeof(mem));
	h->module_count = 2;
	strcpy(h->modules[0].name, "system.dtb");
	h->modules[0].base = 68 * MIB;
	h->modules[0].size = 1234;
	strcpy(h->modules[1].name, "guests/hello.elf");
	h->modules[1].base = 68 * MIB + 0x1000;
	h->modules[1].size = 0x2000;
	h->crash_phys = 72 * MIB;
	h->meas_count = 1;
	strcpy(h->meas[0].name, "vmm.elf");
	h->flags = HANDOFF_F_BUS_MASTER_OFF;
	h->pci_functions = 9;
	h->pci_bus_masters_cleared = 2;
	h->pci_seg0_functions = 9;
	h->pci_seg0_bus_masters_cleared = 1;
	h->pci_seg0_bus_masters_kept = 2;
	h->fwlog_phys = 73 * MIB;
	h->fwlog_size = 0x1234;
}

static void valid_passes(void)
{
	struct handoff *h = malloc(sizeof(*h));
	const char *why = "untouched";

	handoff_make(h);
	CHECK_EQ(handoff_validate(h, &why), 0);
	/* No trampoline (0) and a module ending exactly at the end of boot memory. */
	h->trampoline_phys = 0;
	h->modules[1].base = 80 * MIB - 0x2000;
	CHECK_EQ(handoff_validate(h, &why), 0);
	/* One memory range is enough, and no measurements. */
	h->mem[0] = h->mem[MEM_BOOT];
	h->mem_count = 1;
	h->meas_count = 0;
	CHECK_EQ(handoff_validate(h, &why), 0);
	/* Bus-master counts at their bounds, and none from an entry that did
	 * not look (the multiboot2 lab entry). */
	h->pci_bus_masters_cleared = h->pci_functions;
	h->pci_seg0_functions = HANDOFF_PCI_SEG0_MAX;
	h->pci_seg0_bus_masters_cleared = HANDOFF_PCI_SEG0_MAX - 3;
	h->pci_seg0_bus_masters_kept = 3;
	CHECK_EQ(handoff_validate(h, &why), 0);
	h->flags = HANDOFF_F_MULTIBOOT;
	h->pci_functions = h->pci_bus_masters_cleared = 0;
	h->pci_seg0_functions = h->pci_seg0_bus_masters_cleared = h->pci_seg0_bus_masters_kept = 0;
	CHECK_EQ(handoff_validate(h, &why), 0);
	/* No firmware log; a log of the largest size, partial. */
	h->fwlog_phys = 0;
	h->fwlog_size = 0;
	CHECK_EQ(handoff_validate(h, &why), 0);
	h->fwlog_size = HANDOFF_FWLOG_MAX;
	h->fwlog_phys = 72 * MIB + 0x1000;
	h->flags |= HANDOFF_F_FWLOG_PARTIAL;
	CHECK_EQ(handoff_validate(h, &why), 0);
	free(h);
}

struct bad_case {
	const char *name;
	void (*edit)(struct handoff *h);
	const char *why; /* a word the reason must contain */
};

static void bad_magic(struct handoff *h) { h->magic ^= 1; }
static void bad_version(struct handoff *h) { h->version = HANDOFF_VERSION + 1; }
static void bad_size(struct handoff *h) { h->size = sizeof(*h) - 8; }
static void no_memory(struct handoff *h) { h->mem_count = 0; }
static void too_much_memory(struct handoff *h) { h->mem_count = HANDOFF_MAX_MEM + 1; }
static void too_many_modules(struct handoff *h) { h->module_count = HANDOFF_MAX_MODULES + 1; }
static void too_many_meas(struct handoff *h) { h->meas_count = HANDOFF_MAX_MEASUREMENTS + 1; }

static void mem_unsorted(struct handoff *h)
{
	struct handoff_mem t = h->mem[MEM_LOW];

	h->mem[MEM_LOW] = h->mem[MEM_HIGH];
	h->mem[MEM_HIGH] = t;
}

static void mem_overlapping(struct handoff *h) { h->mem[MEM_LOW].size = MIB + 0x1000; }
static void mem_overlap_by_page(struct handoff *h) { h->mem[MEM_ACPI].base -= 0x1000; }
static void mem_base_unaligned(struct handoff *h) { h->mem[MEM_MMIO].base += 0x800; }
static void mem_size_unaligned(struct handoff *h) { h->mem[MEM_MMIO].size = 0x800; }
static void mem_empty(struct handoff *h) { h->mem[MEM_MMIO].size = 0; }

static void mem_wrapping(struct handoff *h)
{
	h->mem[MEM_MMIO].base = 0xfffffffffffff000ull;
	h->mem[MEM_MMIO].size = 0x2000;
}

static void mem_to_top(struct handoff *h)
{
	/* Ends exactly at 2^64: base + size wraps to 0. */
	h->mem[MEM_MMIO].base = 0xfffffffffffff000ull;
	h->mem[MEM_MMIO].size = 0x1000;
}

static void mem_type_zero(struct handoff *h) { h->mem[MEM_NVS].type = 0; }
static void mem_type_unknown(struct handoff *h) { h->mem[MEM_NVS].type = HANDOFF_MEM_BOOT + 1; }
static void vmm_base_unaligned(struct handoff *h) { h->vmm_phys_base += MIB; }
static void vmm_size_unaligned(struct handoff *h) { h->vmm_phys_size = 3 * MIB; }
static void vmm_size_zero(struct handoff *h) { h->vmm_phys_size = 0; }
static void vmm_virt_unaligned(struct handoff *h) { h->vmm_virt_base += 0x1000; }
static void vmm_in_usable_memory(struct handoff *h) { h->vmm_phys_base = 2 * MIB; }
static void vmm_past_boot_memory(struct handoff *h) { h->vmm_phys_size = 18 * MIB; }
static void vmm_wrapping(struct handoff *h) { h->vmm_phys_base = 0xffffffffffe00000ull; }
static void trampoline_at_1mib(struct handoff *h) { h->trampoline_phys = MIB; }
static void trampoline_high(struct handoff *h) { h->trampoline_phys = 64 * MIB; }
static void trampoline_unaligned(struct handoff *h) { h->trampoline_phys = 0x8800; }
static void trampoline_in_usable(struct handoff *h) { h->trampoline_phys = 0x1000; }
static void vmm_above_4g(struct handoff *h)
{
	h->mem[MEM_MMIO] = (struct handoff_mem){ 4096 * MIB, 16 * MIB, HANDOFF_MEM_BOOT, 0 };
	h->vmm_phys_base = 4096 * MIB;
}
static void module_overlaps_vmm(struct handoff *h) { h->modules[1].base = 66 * MIB; }
static void modules_overlap(struct handoff *h) { h->modules[1].base = h->modules[0].base; }
static void crash_page_unaligned(struct handoff *h) { h->crash_phys += 0x800; }
static void crash_page_in_usable(struct handoff *h) { h->crash_phys = 2 * MIB; }
static void crash_page_in_vmm(struct handoff *h) { h->crash_phys = 65 * MIB; }
static void crash_page_on_module(struct handoff *h) { h->crash_phys = h->modules[1].base + 0x1000; }
static void pci_cleared_above_found(struct handoff *h) { h->pci_bus_masters_cleared = h->pci_functions + 1; }
static void pci_seg0_cleared_above_found(struct handoff *h) { h->pci_seg0_bus_masters_cleared = h->pci_seg0_functions + 1; }
static void pci_seg0_kept_above_found(struct handoff *h) { h->pci_seg0_bus_masters_kept = h->pci_seg0_functions; }
static void pci_seg0_kept_wrapping(struct handoff *h) { h->pci_seg0_bus_masters_kept = UINT32_MAX; }
static void pci_seg0_above_max(struct handoff *h) { h->pci_seg0_functions = HANDOFF_PCI_SEG0_MAX + 1; }
static void pci_counts_without_flag(struct handoff *h) { h->flags &= ~HANDOFF_F_BUS_MASTER_OFF; }

static void pci_kept_without_flag(struct handoff *h)
{
	h->flags &= ~HANDOFF_F_BUS_MASTER_OFF;
	h->pci_functions = h->pci_bus_masters_cleared = 0;
	h->pci_seg0_functions = h->pci_seg0_bus_masters_cleared = 0;
}
static void no_config_module(struct handoff *h) { h->module_count = 0; }
static void module_in_usable_memory(struct handoff *h) { h->modules[1].base = 2 * MIB; }
static void module_past_boot_memory(struct handoff *h) { h->modules[1].base = 80 * MIB - 0x1000; }
static void module_in_acpi_memory(struct handoff *h) { h->modules[0].base = 80 * MIB; }
static void module_unaligned(struct handoff *h) { h->modules[1].base += 0x10; }
static void module_empty(struct handoff *h) { h->modules[0].size = 0; }

static void module_wrapping(struct handoff *h)
{
	h->modules[1].size = ~0ull - 0x1000;
}

static void module_name_unterminated(struct handoff *h)
{
	memset(h->modules[1].name, 'a', HANDOFF_NAME_LEN);
}

static void module_name_empty(struct handoff *h) { h->modules[0].name[0] = '\0'; }

static void meas_name_unterminated(struct handoff *h)
{
	memset(h->meas[0].name, 'm', HANDOFF_NAME_LEN);
}

static void meas_name_empty(struct handoff *h) { h->meas[0].name[0] = '\0'; }

static void fwlog_without_address(struct handoff *h) { h->fwlog_phys = 0; }
static void fwlog_without_size(struct handoff *h) { h->fwlog_size = 0; }
static void fwlog_partial_absent(struct handoff *h)
{
	h->fwlog_phys = h->fwlog_size = 0;
	h->flags |= HANDOFF_F_FWLOG_PARTIAL;
}
static void fwlog_too_large(struct handoff *h) { h->fwlog_size = HANDOFF_FWLOG_MAX + 1; }
static void fwlog_unaligned(struct handoff *h) { h->fwlog_phys += 0x10; }
static void fwlog_in_usable_memory(struct handoff *h) { h->fwlog_phys = 2 * MIB; }
static void fwlog_past_boot_memory(struct handoff *h) { h->fwlog_phys = 80 * MIB - 0x1000; }
static void fwlog_wrapping(struct handoff *h) { h->fwlog_phys = 0xfffffffffffff000ull; }
static void fwlog_on_vmm(struct handoff *h) { h->fwlog_phys = 67 * MIB; }
static void fwlog_on_crash_page(struct handoff *h) { h->fwlog_phys = 72 * MIB - 0x1000; }
static void fwlog_on_module(struct handoff *h) { h->fwlog_phys = 68 * MIB + 0x2000; }
static void fwlog_on_trampoline(struct handoff *h)
{
	h->mem[MEM_TRAMP].size = 0x4000;
	h->mem[MEM_LOW2].base = 0xc000;
	h->mem[MEM_LOW2].size = 0x93000;
	h->fwlog_phys = 0x9000;
	h->fwlog_size = 0x1000;
	h->trampoline_phys = 0x9000;
}

static const struct bad_case bad_cases[] = {
	{ "bad_magic", bad_magic, "magic" },
	{ "bad_version", bad_version, "version" },
	{ "bad_size", bad_size, "size" },
	{ "no_memory", no_memory, "counts" },
	{ "too_much_memory", too_much_memory, "counts" },
	{ "too_many_modules", too_many_modules, "counts" },
	{ "too_many_measurements", too_many_meas, "counts" },
	{ "mem_unsorted", mem_unsorted, "unsorted" },
	{ "mem_overlapping", mem_overlapping, "overlapping" },
	{ "mem_overlapping_by_a_page", mem_overlap_by_page, "overlapping" },
	{ "mem_base_unaligned", mem_base_unaligned, "unaligned" },
	{ "mem_size_unaligned", mem_size_unaligned, "unaligned" },
	{ "mem_empty", mem_empty, "empty" },
	{ "mem_wrapping", mem_wrapping, "wrapping" },
	{ "mem_ending_at_2_64", mem_to_top, "wrapping" },
	{ "mem_type_zero", mem_type_zero, "type" },
	{ "mem_type_unknown", mem_type_unknown, "type" },
	{ "vmm_base_not_2m_aligned", vmm_base_unaligned, "2 MiB" },
	{ "vmm_size_not_2m_multiple", vmm_size_unaligned, "2 MiB" },
	{ "vmm_size_zero", vmm_size_zero, "VMM image" },
	{ "vmm_virt_not_2m_aligned", vmm_virt_unaligned, "2 MiB" },
	{ "vmm_in_usable_memory", vmm_in_usable_memory, "outside boot" },
	{ "vmm_past_boot_memory", vmm_past_boot_memory, "outside boot" },
	{ "vmm_wrapping", vmm_wrapping, "VMM image" },
	{ "trampoline_at_1mib", trampoline_at_1mib, "trampoline" },
	{ "trampoline_above_1mib", trampoline_high, "trampoline" },
	{ "trampoline_unaligned", trampoline_unaligned, "trampoline" },
	{ "trampoline_in_usable_memory", trampoline_in_usable, "trampoline outside boot" },
	{ "vmm_above_4g", vmm_above_4g, "above 4 GiB" },
	{ "module_overlaps_vmm", module_overlaps_vmm, "overlaps the VMM" },
	{ "modules_overlap", modules_overlap, "modules overlap" },
	{ "crash_page_unaligned", crash_page_unaligned, "crash page" },
	{ "crash_page_in_usable_memory", crash_page_in_usable, "crash page" },
	{ "crash_page_in_the_vmm", crash_page_in_vmm, "crash page" },
	{ "crash_page_on_a_module", crash_page_on_module, "crash page" },
	{ "pci_cleared_above_found", pci_cleared_above_found, "PCI bus-master counts out of range" },
	{ "pci_seg0_cleared_above_found", pci_seg0_cleared_above_found, "PCI bus-master counts out of range" },
	{ "pci_seg0_kept_above_found", pci_seg0_kept_above_found, "PCI bus-master counts out of range" },
	{ "pci_seg0_kept_wrapping", pci_seg0_kept_wrapping, "PCI bus-master counts out of range" },
	{ "pci_seg0_above_segment_size", pci_seg0_above_max, "PCI bus-master counts out of range" },
	{ "pci_counts_without_flag", pci_counts_without_flag, "without HANDOFF_F_BUS_MASTER_OFF" },
	{ "pci_kept_without_flag", pci_kept_without_flag, "without HANDOFF_F_BUS_MASTER_OFF" },
	{ "no_config_module", no_config_module, "no config" },
	{ "module_in_usable_memory", module_in_usable_memory, "module outside boot" },
	{ "module_past_boot_memory", module_past_boot_memory, "module outside boot" },
	{ "module_in_acpi_memory", module_in_acpi_memory, "module outside boot" },
	{ "module_unaligned", module_unaligned, "range" },
	{ "module_empty", module_empty, "range" },
	{ "module_wrapping", module_wrapping, "range" },
	{ "module_name_unterminated", module_name_unterminated, "name" },
	{ "module_name_empty", module_name_empty, "name" },
	{ "measurement_name_unterminated", meas_name_unterminated, "measurement" },
	{ "measurement_name_empty", meas_name_empty, "measurement" },
	{ "fwlog_without_address", fwlog_without_address, "firmware log" },
	{ "fwlog_without_size", fwlog_without_size, "firmware log" },
	{ "fwlog_partial_but_absent", fwlog_partial_absent, "partial but absent" },
	{ "fwlog_too_large", fwlog_too_large, "firmware log" },
	{ "fwlog_unaligned", fwlog_unaligned, "firmware log" },
	{ "fwlog_in_usable_memory", fwlog_in_usable_memory, "outside boot" },
	{ "fwlog_past_boot_memory", fwlog_past_boot_memory, "outside boot" },
	{ "fwlog_wrapping", fwlog_wrapping, "firmware log" },
	{ "fwlog_on_the_vmm", fwlog_on_vmm, "overlaps the VMM" },
	{ "fwlog_on_the_crash_page", fwlog_on_crash_page, "crash page" },
	{ "fwlog_on_a_module", fwlog_on_module, "overlaps a module" },
	{ "fwlog_on_the_trampoline", fwlog_on_trampoline, "trampoline" },
};

static void run_bad_cases(void)
{
	struct handoff *h = malloc(sizeof(*h));

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		unsigned before = check_case_failures;
		const char *why = NULL;

		handoff_make(h);
		c->edit(h);
		CHECK_EQ(handoff_validate(h, &why), -EINVAL);
		if (!CHECK(why && strstr(why, c->why)))
			printf("    reason: %s (wanted \"%s\")\n", why ? why : "(none)", c->why);
		check_result(c->name, check_case_failures == before);
	}
	free(h);
}

int main(void)
{
	CHECK_RUN(valid_passes);
	run_bad_cases();
	return check_done();
}
