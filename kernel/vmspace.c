/* SPDX-License-Identifier: MIT */
/*
 * The VMM's own page tables. Built once at boot from a pool inside the image
 * (so the tables are never reachable through the physmap), with W^X:
 * text RX, rodata R, data/bss RW+NX, guard pages unmapped, physmap RW+NX
 * without the image, MMIO RW+NX uncached.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "kernel/mm.h"
#include "kernel/console.h"
#include "kernel/handoff.h"
#include "kernel/percpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mce.h"
#include "arch/x86/pt_audit.h"
#include "kernel/panic.h"

/* The pool holds every table of the VMM's own: the image (4 KiB pages),
 * the physmap (1 GiB pages where the CPU has them, else 2 MiB: a page
 * directory per GiB), the MMIO window and the per-CPU areas. 256 pages
 * map about 200 GiB in 2 MiB pages, any amount in 1 GiB pages but the
 * edges of the firmware map's holes. */
#define PT_POOL_PAGES 256
#define MMIO_WINDOW (64ull << 20)

static uint8_t pt_pool[PT_POOL_PAGES][4096] __attribute__((aligned(4096)));
static unsigned pt_pool_used;
static struct pt vmm_pt;
static uint64_t image_pa, image_va, image_size;
static uint64_t mmio_next = MMIO_BASE;

void *phys_to_virt(uint64_t pa)
{
	if (pa - image_pa < image_size)
		return (void *)(uintptr_t)(image_va + (pa - image_pa));
	return (void *)(uintptr_t)(PHYSMAP_BASE + pa);
}

uint64_t virt_to_phys(const void *p)
{
	uint64_t va = (uint64_t)(uintptr_t)p;

	if (va - image_va < image_size)
		return image_pa + (va - image_va);
	if (va >= PHYSMAP_BASE && va < MMIO_BASE)
		return va - PHYSMAP_BASE;
	return 0;
}

static uint64_t pt_pool_alloc(void *ctx)
{
	(void)ctx;
	if (pt_pool_used == PT_POOL_PAGES)
		return 0;
	memset(pt_pool[pt_pool_used], 0, 4096);
	return virt_to_phys(pt_pool[pt_pool_used++]);
}

const struct pt *mm_vmm_pt(void)
{
	return &vmm_pt;
}

static int map_image_range(const char *start, const char *end, unsigned flags)
{
	uint64_t va = (uint64_t)(uintptr_t)start;

	return pt_map(&vmm_pt, va, virt_to_phys(start), (uint64_t)(end - start), flags);
}

static int map_image(void)
{
	int err;

	/* 4 KiB pages only, so guard pages can be cut out and sections re-protected. */
	vmm_pt.large_sizes = 0;
	err = map_image_range(__text_start, __text_end, PT_R | PT_X);
	if (!err)
		err = map_image_range(__rodata_start, __rodata_end, PT_R);
	if (!err)
		err = map_image_range(__ro_after_init_start, __ro_after_init_end, PT_R | PT_W);
	if (!err)
		err = map_image_range(__data_start, __bss_end, PT_R | PT_W);
	if (!err)
		err = pt_unmap(&vmm_pt, (uint64_t)(uintptr_t)&cpu0_area.guard, PAGE_SIZE);
	for (unsigned i = 0; !err && i < IST_COUNT; i++)
		err = pt_unmap(&vmm_pt, (uint64_t)(uintptr_t)&cpu0_area.ist[i].guard, PAGE_SIZE);
	vmm_pt.large_sizes = PT_PAGE_2M;
	return err;
}

/* Physmap one RAM range, skipping the part the image occupies. */
static int map_ram(uint64_t base, uint64_t end)
{
	uint64_t img_end = image_pa + image_size;
	int err = 0;

	if (base < image_pa && end > base)
		err = pt_map(&vmm_pt, PHYSMAP_BASE + base, base, (end < image_pa ? end : image_pa) - base,
			     PT_R | PT_W);
	if (!err && end > img_end) {
		uint64_t b = base > img_end ? base : img_end;
		err = pt_map(&vmm_pt, PHYSMAP_BASE + b, b, end - b, PT_R | PT_W);
	}
	return err;
}

#define CPUID_80000001_EDX_PAGE1GB (1u << 26)

static int map_physmap(const struct handoff *h)
{
	if (cpu_cpuid(0x80000000u, 0).eax >= 0x80000001u &&
	    (cpu_cpuid(0x80000001u, 0).edx & CPUID_80000001_EDX_PAGE1GB))
		vmm_pt.large_sizes |= PT_PAGE_1G;
	for (uint32_t i = 0; i < h->mem_count; i++) {
		const struct handoff_mem *m = &h->mem[i];
		int err;

		if (m->type == HANDOFF_MEM_RESERVED)
			continue;
		err = map_ram(m->base, m->base + m->size);
		if (err)
			return err;
	}
	return 0;
}

static void mm_enable_protections(void)
{
	struct cpuid_regs r = cpu_cpuid(7, 0);
	uint64_t cr4 = cpu_read_cr4();

	cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_NXE);
	cpu_write_cr0(cpu_read_cr0() | CR0_WP);
	if (r.ebx & (1u << 7))
		cr4 |= CR4_SMEP;
	if (r.ebx & (1u << 20))
		cr4 |= CR4_SMAP;
	cpu_write_cr4(cr4);
}

/* Load the VMM's tables on this CPU (the BSP at boot, every AP at start). */
void mm_switch_cpu(void)
{
	mm_enable_protections();
	mce_cpu_init(); /* a machine check reaches the VMM, never a shutdown */
	cpu_write_cr3(vmm_pt.root_pa);
}

int mm_build_address_space(const struct handoff *h)
{
	int err;

	image_pa = h->vmm_phys_base;
	image_va = h->vmm_virt_base;
	image_size = h->vmm_phys_size;
	if ((uint64_t)(uintptr_t)__image_start != image_va ||
	    (uint64_t)(uintptr_t)(__image_end - __image_start) > image_size)
		return -EINVAL;
	vmm_pt = (struct pt){ .fmt = &pt_format_host, .phys_to_virt = phys_to_virt,
			      .alloc_table = pt_pool_alloc };
	err = pt_init(&vmm_pt);
	if (!err)
		err = map_image();
	if (!err)
		err = map_physmap(h);
	if (err == -ENOMEM)
		printk("vigil: the VMM's page-table pool (%u pages) cannot map this memory map (%u ranges)\n",
		       PT_POOL_PAGES, h->mem_count);
	if (err)
		return err;
	mm_switch_cpu();
	return 0;
}

/*
 * An AP's cpu_area: pages from the allocator, mapped at PERCPU_BASE +
 * index * its size without its guard pages, so that running off a stack
 * faults as on the boot CPU. (The physmap aliases the pages, RW and never
 * executable like the area itself.)
 */
static int percpu_map(unsigned index, uint64_t pa)
{
	const uint64_t ist = offsetof(struct cpu_area, ist), pc = offsetof(struct cpu_area, page);
	uint64_t va = PERCPU_BASE + (uint64_t)index * sizeof(struct cpu_area);
	int err = pt_map(&vmm_pt, va + PAGE_SIZE, pa + PAGE_SIZE, STACK_SIZE, PT_R | PT_W);

	for (unsigned i = 0; !err && i < IST_COUNT; i++) {
		uint64_t off = ist + i * sizeof(struct ist_stack) + PAGE_SIZE;

		err = pt_map(&vmm_pt, va + off, pa + off, IST_SIZE, PT_R | PT_W);
	}
	return err ?: pt_map(&vmm_pt, va + pc, pa + pc, PAGE_SIZE, PT_R | PT_W);
}

unsigned mm_percpu_alloc(struct cpu_area **areas, unsigned count)
{
	const size_t pages = sizeof(struct cpu_area) / PAGE_SIZE;

	for (unsigned i = 1; i < count && i < VIGIL_MAX_CPUS; i++) {
		uint64_t pa = page_alloc(pages, 0);

		if (!pa || percpu_map(i, pa))
			return i;
		areas[i] = (struct cpu_area *)(uintptr_t)(PERCPU_BASE + (uint64_t)i * sizeof(struct cpu_area));
	}
	return count < VIGIL_MAX_CPUS ? count : VIGIL_MAX_CPUS;
}

void *mm_map_mmio(uint64_t pa, size_t size)
{
	uint64_t va = mmio_next, off = pa & 0xfff;
	uint64_t len = (off + size + 0xfff) & ~0xfffull;

	if (va + len > MMIO_BASE + MMIO_WINDOW)
		return NULL;
	if (pt_map(&vmm_pt, va, pa - off, len, PT_R | PT_W | PT_UC))
		return NULL;
	mmio_next += len;
	return (void *)(uintptr_t)(va + off);
}

int pt_map_vmm(uint64_t va, uint64_t pa, size_t size, unsigned flags)
{
	return pt_map(&vmm_pt, va, pa, size, flags);
}

int mm_map_identity_exec(uint64_t pa, size_t size)
{
	return pt_map(&vmm_pt, pa, pa, size, PT_R | PT_X);
}

void mm_unmap_identity(uint64_t pa, size_t size)
{
	/* The range was mapped with 4 KiB pages just before: failing is a bug. */
	if (pt_unmap(&vmm_pt, pa, size))
		panic("cannot unmap the trampoline identity mapping");
	cpu_flush_tlb();
}

/*
 * End of boot: the config, the handoff copy and the VMM's own page tables
 * become read-only. From here on no code path may change the VMM's
 * mappings: a write to a table page faults and stops the machine.
 * Other CPUs must flush their TLBs before they rely on it (kernel/init.c).
 */
void mm_lock(void)
{
	uint64_t ro = (uint64_t)(uintptr_t)__ro_after_init_start;
	uint64_t pool = (uint64_t)(uintptr_t)pt_pool;

	if (pt_protect(&vmm_pt, ro, (uint64_t)(__ro_after_init_end - __ro_after_init_start), PT_R) ||
	    pt_protect(&vmm_pt, pool, sizeof(pt_pool), PT_R))
		panic("cannot make the VMM's tables and config read-only");
	cpu_flush_tlb();
}

/* Where the audit expects to find a table page: in the pool, in the image. */
static uint64_t mm_table_alias(uint64_t pa)
{
	return pa - image_pa < image_size ? (uint64_t)(uintptr_t)phys_to_virt(pa) : 0;
}

void mm_audit(struct pt_audit *a)
{
	pt_audit_run(&vmm_pt, mm_table_alias, a);
}
