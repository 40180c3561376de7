// SPDX-License-Identifier: MIT
/*
 * Unit tests of device assignment (vmm/vpci.c) on a model of PCI segment
 * 0 built here: functions with configuration space and BARs that size as
 * hardware's do. What the VMM refuses to give a guest, with the reason it
 * gives (docs/dma.md, "Device assignment"): a function that is absent, a
 * bridge, behind a bridge, the IOMMU's own, named by a firmware DMA range;
 * a BAR that is malformed, unprogrammed, over RAM, in the chipset's range,
 * over an IOMMU's registers, over the guest's own RAM, on a page of
 * another guest's function's BAR or of any other function's BAR. What it
 * gives: BAR pages at their own addresses in the guest's nested tables,
 * uncached; a DMA window per function in the guest's domain; decoding on,
 * bus mastering off. And the configuration space the guest sees: its
 * function alone, BAR sizing emulated, the BAR never moved, the ROM
 * absent, three command bits and no others.
 *
 * The interrupt parts (vmm/vpci_irq.c) are stood in for: the model's
 * functions have no MSI or MSI-X capability.
 */
#define CHECK_SUITE "vpci"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/iommu.h"
#include "kernel/console.h"
#include "kernel/handoff.h"
#include "kernel/mm.h"
#include "kernel/time.h"
#include "vmm/vm.h"
#include "vmm/vpci.h"

/* --- the PCI model: buses 0 and 1 of segment 0 -------------------------- */

struct fn {
	int present;
	uint8_t cfg[256];
	uint32_t bar_mask[6]; /* the writable bits of each BAR register */
};

static struct fn bus[2][32][8];

static struct fn *fn_at(const struct pci_addr *a)
{
	if (a->segment || a->bus > 1)
		return NULL;
	return bus[a->bus][a->dev][a->fn].present ? &bus[a->bus][a->dev][a->fn] : NULL;
}

uint32_t pci_cfg_read(const struct pci_addr *a, uint16_t off, unsigned size)
{
	struct fn *f = fn_at(a);
	uint32_t v = 0;

	if (!f || off + size > 256)
		return size == 4 ? 0xffffffffu : (1u << 8 * size) - 1;
	memcpy(&v, f->cfg + off, size);
	return v;
}

void pci_cfg_write(const struct pci_addr *a, uint16_t off, unsigned size, uint32_t v)
{
	struct fn *f = fn_at(a);

	if (!f || off + size > 256)
		return;
	if (off >= 0x10 && off < 0x28 && size == 4) { /* a BAR: only its writable bits */
		unsigned n = (off - 0x10) / 4;
		uint32_t old;

		memcpy(&old, f->cfg + off, 4);
		v = (v & f->bar_mask[n]) | (old & ~f->bar_mask[n]);
	}
	memcpy(f->cfg + off, &v, size);
}

static struct fn *add(unsigned b, unsigned d, unsigned f, uint32_t id, uint8_t header, uint8_t class)
{
	struct fn *p = &bus[b][d][f];

	memset(p, 0, sizeof(*p));
	p->present = 1;
	memcpy(p->cfg, &id, 4);
	p->cfg[0x0e] = header;
	p->cfg[0x0b] = class;
	return p;
}

/* A 32-bit memory BAR n of size bytes at base. */
static void bar32(struct fn *p, unsigned n, uint32_t base, uint32_t size)
{
	p->bar_mask[n] = ~(size - 1);
	memcpy(p->cfg + 0x10 + 4 * n, &base, 4);
}

/* A 64-bit memory BAR in slots n, n+1. */
static void bar64(struct fn *p, unsigned n, uint64_t base, uint64_t size)
{
	uint32_t lo = (uint32_t)base | 4, hi = (uint32_t)(base >> 32);

	p->bar_mask[n] = (uint32_t)~(size - 1) & ~0xfu;
	p->bar_mask[n + 1] = (uint32_t)(~(size - 1) >> 32);
	memcpy(p->cfg + 0x10 + 4 * n, &lo, 4);
	memcpy(p->cfg + 0x14 + 4 * n, &hi, 4);
}

/* --- what vpci.c needs of the rest of the VMM ---------------------------- */

struct handoff boot_handoff;
struct vm vms[CONFIG_MAX_GUESTS];
unsigned vm_count;
static uint16_t owned_rid = 0xffff, reserved_rid = 0xffff;
static uint64_t iommu_regs = 0xd0000000;
static struct {
	unsigned count;
	uint16_t rid[8], domain[8];
	uint64_t top[8];
} opened;
static char last_line[256];

bool iommu_owns_rid(uint16_t segment, uint16_t rid)
{
	return !segment && rid == owned_rid;
}

bool iommu_rid_reserved(uint16_t segment, uint16_t rid)
{
	return !segment && rid == reserved_rid;
}

bool iommu_regs_overlap(uint64_t b, uint64_t e)
{
	return b < iommu_regs + 0x1000 && iommu_regs < e;
}

const struct pt_format *iommu_window_format(uint16_t segment, uint64_t *large_sizes, const char **why)
{
	(void)segment;
	(void)why;
	*large_sizes = 0;
	return &pt_format_vtd;
}

int iommu_window_open(uint16_t segment, uint16_t rid, uint16_t domain, const struct pt *win, uint64_t top,
		      const char **why)
{
	(void)segment;
	(void)win;
	(void)why;
	opened.rid[opened.count] = rid;
	opened.domain[opened.count] = domain;
	opened.top[opened.count++] = top;
	return 0;
}

/* Table pages, each recorded: reset() frees them all. */
static void *pages_held[1024];
static unsigned pages_count;

uint64_t page_alloc(size_t pages, uint64_t align)
{
	void *p = aligned_alloc(4096, pages * 4096);

	(void)align;
	if (!p || pages_count == sizeof(pages_held) / sizeof(pages_held[0]))
		abort();
	memset(p, 0, pages * 4096);
	pages_held[pages_count++] = p;
	return (uint64_t)(uintptr_t)p;
}

void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

uint64_t time_tsc_per_ms(void)
{
	return 1; /* the FLR wait: 100 cycles */
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintk(last_line, sizeof(last_line), fmt, ap);
	va_end(ap);
}

bool vm_stop_for_device(struct vm *vm, const char *why)
{
	(void)vm;
	(void)why;
	return false;
}

uint32_t vpci_cap_read(const struct vpci_dev *d, uint16_t off, bool *hit)
{
	(void)d;
	(void)off;
	*hit = false;
	return 0;
}

bool vpci_cap_write(struct vm *vm, struct vpci_dev *d, uint16_t off, unsigned first, unsigned size, uint32_t val)
{
	(void)vm, (void)d, (void)off, (void)first, (void)size, (void)val;
	return false;
}

int vpci_msix_probe(struct vpci_dev *d)
{
	(void)d;
	return 0;
}

void vpci_irq_quiesce(struct vpci_dev *d)
{
	(void)d;
}

/* --- guests -------------------------------------------------------------- */

static struct config_guest conf[CONFIG_MAX_GUESTS];
static char why[160];

static uint64_t npt_table(void *ctx)
{
	(void)ctx;
	return page_alloc(1, 0);
}

/* Guest i: 4 MiB at guest 0 (host memory of the test's), the functions given. */
static struct vm *guest(unsigned i, unsigned count, const struct config_pci *pci)
{
	struct vm *vm = &vms[i];
	struct config_guest *g = &conf[i];

	memset(vm, 0, sizeof(*vm));
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "g%u", i);
	g->region_count = 1;
	g->regions[0] = (struct config_region){ 0, 0x400000 };
	g->pci_count = count;
	memcpy(g->pci, pci, count * sizeof(*pci));
	vm->cfg = vm->conf = g;
	vm->name = g->name;
	vm->index = i;
	vm->region_count = 1;
	vm->regions[0] = (struct vm_region){ 0, 0x400000, page_alloc(1, 0) };
	vm->npt = (struct pt){ .fmt = &pt_format_npt, .phys_to_virt = phys_to_virt, .alloc_table = npt_table };
	if (pt_init(&vm->npt))
		abort();
	if (i + 1 > vm_count)
		vm_count = i + 1;
	return vm;
}

static void reset(void)
{
	while (pages_count)
		free(pages_held[--pages_count]);
	memset(vms, 0, sizeof(vms));
	memset(bus, 0, sizeof(bus));
	memset(&boot_handoff, 0, sizeof(boot_handoff));
	memset(&opened, 0, sizeof(opened));
	vm_count = 0;
	owned_rid = reserved_rid = 0xffff;
	why[0] = 0;
	/* RAM below 2 GiB, the usual firmware hole above. */
	boot_handoff.mem_count = 2;
	boot_handoff.mem[0] = (struct handoff_mem){ 0, 0x80000000, HANDOFF_MEM_USABLE, 0 };
	boot_handoff.mem[1] = (struct handoff_mem){ 0xfe000000, 0x2000000, HANDOFF_MEM_RESERVED, 0 };
}

#define EDU 0x11e81234u
#define ONE(d) ((struct config_pci[]){ { 0, 0, (d), 0 } })

/* One function of one guest: vpci_assign's result, the reason in why. */
static int assign_one(unsigned dev)
{
	return vpci_assign(guest(0, 1, ONE(dev)), why, sizeof(why));
}

static int refused_with(int err, const char *reason)
{
	if (err != -EINVAL || !strstr(why, reason)) {
		printf("  got %d: %s\n", err, why);
		return 0;
	}
	return 1;
}

static void assigned_and_mapped(void)
{
	struct fn *f;
	struct vm *vm;
	uint64_t pa = 0;
	unsigned flags = 0;

	reset();
	f = add(0, 5, 0, EDU, 0, 0x00);
	bar32(f, 0, 0xe0000000, 0x100000);
	bar64(f, 2, 0x800000000ull, 0x4000);
	f->cfg[4] = 0x07; /* the firmware left I/O, memory and bus mastering on */
	vm = guest(0, 1, ONE(5));
	CHECK_EQ(vpci_assign(vm, why, sizeof(why)), 0);
	CHECK_EQ(vm->pci.count, 1);
	CHECK_EQ(vm->pci.dev[0].bar[0].size, 0x100000);
	CHECK(vm->pci.dev[0].bar[2].kind == VPCI_BAR_MEM64 && vm->pci.dev[0].bar[2].base == 0x800000000ull);
	CHECK_EQ(f->cfg[4], 0x02); /* decoding memory; bus mastering waits for the guest */
	CHECK_EQ(opened.count, 1);
	CHECK_EQ(opened.rid[0], 5 << 3);
	CHECK_EQ(opened.domain[0], 1);
	CHECK_EQ(opened.top[0], 0x400000);
	CHECK(pt_lookup(&vm->npt, 0xe0080000, &pa, &flags) == 0 && pa == 0xe0080000 && (flags & PT_UC) &&
	      !(flags & PT_X));
	CHECK(pt_lookup(&vm->npt, 0x800003000ull, &pa, &flags) == 0 && pa == 0x800003000ull);
	CHECK(pt_lookup(&vm->npt, 0xe0100000, &pa, &flags) != 0); /* the page after the BAR */
	CHECK(strstr(last_line, "pci 0000:00:05.0 [1234:11e8] assigned") != NULL);
}

static void refused_functions(void)
{
	reset();
	CHECK(refused_with(assign_one(9), "no function there"));
	reset();
	add(0, 5, 0, EDU, 1, 0x06); /* a PCI-PCI bridge */
	CHECK(refused_with(assign_one(5), "not an endpoint"));
	reset();
	add(0, 5, 0, EDU, 0, 0x06); /* header 0, class bridge */
	CHECK(refused_with(assign_one(5), "not an endpoint"));
	reset();
	add(1, 0, 0, EDU, 0, 0);
	CHECK(refused_with(vpci_assign(guest(0, 1, (struct config_pci[]){ { 0, 1, 0, 0 } }), why, sizeof(why)),
			   "behind a bridge"));
	reset();
	CHECK(refused_with(vpci_assign(guest(0, 1, (struct config_pci[]){ { 1, 0, 5, 0 } }), why, sizeof(why)),
			   "only segment 0"));
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0xe0000000, 0x1000);
	owned_rid = 5 << 3;
	CHECK(refused_with(assign_one(5), "the IOMMU's own function"));
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0xe0000000, 0x1000);
	reserved_rid = 5 << 3;
	CHECK(refused_with(assign_one(5), "RMRR or IVMD"));
	CHECK_EQ(opened.count, 0);
}

static void refused_bars(void)
{
	struct fn *f;
	struct vm *vm;

	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 1, 0, 0x1000);
	CHECK(refused_with(assign_one(5), "a BAR the firmware did not program (BAR 1)"));
	reset();
	f = add(0, 5, 0, EDU, 0, 0);
	bar32(f, 0, 0xe0000000, 0x1000);
	f->cfg[0x10] |= 6; /* the reserved type */
	CHECK(refused_with(assign_one(5), "a malformed BAR (BAR 0)"));
	reset();
	bar64(add(0, 5, 0, EDU, 0, 0), 5, 0x800000000ull, 0x4000); /* 64 bits in the last slot */
	CHECK(refused_with(assign_one(5), "a malformed BAR (BAR 5)"));
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0x40000000, 0x1000);
	CHECK(refused_with(assign_one(5), "lies over RAM"));
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0xfed40000, 0x1000);
	CHECK(refused_with(assign_one(5), "interrupt controllers' or the IOMMU's range"));
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, (uint32_t)iommu_regs, 0x1000);
	CHECK(refused_with(assign_one(5), "interrupt controllers' or the IOMMU's range"));
	reset();
	/* In the firmware's hole, but where the guest has RAM (at guest 2 GiB). */
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0x80200000, 0x1000);
	vm = guest(0, 1, ONE(5));
	conf[0].regions[0] = (struct config_region){ 0x80000000, 0x400000 };
	CHECK(refused_with(vpci_assign(vm, why, sizeof(why)), "over the guest's RAM"));
	CHECK_EQ(opened.count, 0);
}

/* Two functions whose BARs share a page: one guest's and another's, or
 * a guest's and a function nobody was given. */
static void refused_shared_pages(void)
{
	struct vm *a, *b;

	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0xe0000000, 0x800);
	bar32(add(0, 6, 0, EDU, 0, 0), 0, 0xe0000800, 0x800);
	a = guest(0, 1, ONE(5));
	b = guest(1, 1, ONE(6));
	/* The first guest's check sees the second function's BAR on its page. */
	CHECK(refused_with(vpci_assign(a, why, sizeof(why)), "shares a page with another function's BAR"));
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0xe0000000, 0x1000);
	bar32(add(0, 6, 0, EDU, 0, 0), 0, 0xe0001000, 0x1000);
	a = guest(0, 1, ONE(5));
	b = guest(1, 1, ONE(6));
	CHECK_EQ(vpci_assign(a, why, sizeof(why)), 0);
	CHECK_EQ(vpci_assign(b, why, sizeof(why)), 0); /* next pages: both given */
	/* A function nobody was given, its BAR on the page of a guest's BAR. */
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0xe0000000, 0x800);
	bar32(add(0, 7, 0, EDU, 0, 0), 0, 0xe0000800, 0x800);
	CHECK(refused_with(assign_one(5), "shares a page with another function's BAR"));
	/* ...behind a multi-function device's function 3. */
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0xe0000000, 0x800);
	add(0, 8, 0, EDU, 0x80, 0);
	bar32(add(0, 8, 3, EDU, 0, 0), 0, 0xe0000800, 0x800);
	CHECK(refused_with(assign_one(5), "shares a page with another function's BAR"));
	/* An earlier guest's assigned BAR, no longer decoding (nothing on the
	 * bus would show it): the record of the assignment still does. */
	reset();
	bar32(add(0, 5, 0, EDU, 0, 0), 0, 0xe0000000, 0x800);
	a = guest(0, 1, ONE(5));
	CHECK_EQ(vpci_assign(a, why, sizeof(why)), 0);
	bus[0][5][0].present = 0; /* gone from the scan */
	bar32(add(0, 6, 0, EDU, 0, 0), 0, 0xe0000800, 0x800);
	b = guest(1, 1, ONE(6));
	CHECK(refused_with(vpci_assign(b, why, sizeof(why)), "shares a page with another assigned function's BAR"));
}

/* The configuration space the guest sees through 0xcf8/0xcfc. */
static uint32_t guest_read(struct vm *vm, unsigned dev, unsigned off)
{
	uint32_t v = 0;

	CHECK(vpci_io_write(vm, 0xcf8, 4, 0x80000000u | dev << 11 | off));
	CHECK(vpci_io_read(vm, 0xcfc, 4, &v));
	return v;
}

static void guest_write(struct vm *vm, unsigned dev, unsigned off, uint32_t v)
{
	CHECK(vpci_io_write(vm, 0xcf8, 4, 0x80000000u | dev << 11 | off));
	CHECK(vpci_io_write(vm, 0xcfc, 4, v));
}

static void guest_view(void)
{
	struct fn *f;
	struct vm *vm;
	uint32_t v;

	reset();
	f = add(0, 5, 0, EDU, 0, 0);
	bar32(f, 0, 0xe0000000, 0x100000);
	f->cfg[0x30] = 0x01; /* a ROM BAR */
	bar32(add(0, 6, 0, EDU, 0, 0), 0, 0xe0200000, 0x100000);
	vm = guest(0, 1, ONE(5));
	CHECK_EQ(vpci_assign(vm, why, sizeof(why)), 0);
	CHECK_EQ(guest_read(vm, 5, 0), EDU);
	CHECK_EQ(guest_read(vm, 6, 0), 0xffffffffu); /* another function: absent */
	CHECK_EQ(guest_read(vm, 5, 0x30), 0);	     /* no ROM */
	guest_write(vm, 5, 0x10, 0xffffffffu);	     /* sizing */
	CHECK_EQ(guest_read(vm, 5, 0x10), 0xfff00000u);
	guest_write(vm, 5, 0x10, 0x10000000u); /* a move */
	CHECK_EQ(guest_read(vm, 5, 0x10), 0xe0000000u);
	memcpy(&v, f->cfg + 0x10, 4);
	CHECK_EQ(v, 0xe0000000u); /* the device's BAR did not move */
	guest_write(vm, 5, 0x04, 0xffff0407u); /* I/O, memory, bus mastering, INTx off; and status */
	CHECK_EQ(f->cfg[4] | f->cfg[5] << 8, 0x0406); /* memory, bus mastering, INTx off; not I/O */
	guest_write(vm, 5, 0x3c, 0x0000010b); /* interrupt line: dropped */
	CHECK_EQ(f->cfg[0x3c], 0);
	v = 0;
	CHECK(!vpci_io_read(vm, 0xcf8, 2, &v)); /* not the address register's width: not taken */
}

int main(void)
{
	CHECK_RUN(assigned_and_mapped);
	CHECK_RUN(refused_functions);
	CHECK_RUN(refused_bars);
	CHECK_RUN(refused_shared_pages);
	CHECK_RUN(guest_view);
	reset();
	return check_done();
}
