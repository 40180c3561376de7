/* SPDX-License-Identifier: MIT */
/*
 * Device assignment (docs/dma.md, "Device assignment"). At boot each
 * function the config gives a guest is checked, reset and measured: it
 * must be an endpoint on bus 0 of segment 0 (the root complex: its
 * requests reach the IOMMU under its own requester ID), not the IOMMU's
 * or an I/O APIC's, with memory BARs the firmware programmed that share
 * no page with anything else. Its BARs are then mapped at their own
 * addresses (uncached, never executable) into the guest's nested page
 * tables, and the IOMMU opens its window onto the guest's RAM, nothing
 * more. The tables never change afterwards.
 *
 * The guest's view is configuration mechanism 1: its functions at their
 * own addresses and no others (all ones). Reads pass through except the
 * BARs (the fixed address, or its size while the guest sizes it) and the
 * expansion ROM (none); writes reach the device only in the command
 * register's memory, bus-master and INTx-disable bits. Every other write
 * is dropped: BARs do not move, and interrupt messages (MSI, MSI-X) are
 * not programmable by the guest until the VMM mediates them.
 */
#include <errno.h>
#include <string.h>
#include "vmm/vpci.h"
#include "vmm/vm.h"
#include "arch/x86/cpu.h"
#include "drivers/iommu.h"
#include "kernel/console.h"
#include "kernel/handoff.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "arch/x86/apic.h"
#include "arch/x86/gdt.h"
#include "arch/x86/trap.h"
#include "vmm/apic_msg.h"

#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS 0x0b /* the base class byte */
#define CLASS_BRIDGE 0x06
#define PCI_HEADER 0x0e
#define PCI_BAR0 0x10
#define PCI_ROM 0x30
#define PCI_CAP_PTR 0x34
#define STATUS_CAPS 0x10
#define CMD_MEM 0x2
#define CMD_MASTER 0x4
#define CMD_INTX_OFF 0x400
#define CMD_GUEST (CMD_MEM | CMD_MASTER | CMD_INTX_OFF)
#define CAP_MSI 0x05
#define CAP_MSIX 0x11
#define MSI_CTRL_ENABLE 0x1u
#define MSI_CTRL_MME 0x70u
#define MSI_CTRL_64 0x80u
#define CAP_EXP 0x10
#define EXP_DEVCAP 4
#define EXP_DEVCTL 8
#define DEVCAP_FLR (1u << 28)
#define DEVCTL_FLR (1u << 15)
#define FLR_WAIT_MS 100
#define CF8 0xcf8
#define CFC 0xcfc
#define CF8_ENABLE 0x80000000u
/* Interrupt controllers, HPET and the MSI address range: no BAR there. */
#define CHIPSET_LO 0xfec00000ull
#define CHIPSET_HI 0x100000000ull

static unsigned windows_open;

static int refuse(char *why, size_t len, const struct pci_addr *a, const char *what, unsigned n)
{
	snprintk(why, len, "pci %04x:%02x:%02x.%u: %s", a->segment, a->bus, a->dev, a->fn, what);
	if (n < 6) /* the BAR the reason names */
		snprintk(why + strlen(why), len - strlen(why), " (BAR %u)", n);
	return -EINVAL;
}

static bool same_function(const struct pci_addr *a, const struct pci_addr *b)
{
	return a->segment == b->segment && a->bus == b->bus && a->dev == b->dev && a->fn == b->fn;
}

static bool overlaps(uint64_t b0, uint64_t e0, uint64_t b1, uint64_t e1)
{
	return b0 < e1 && b1 < e0;
}

static uint64_t page_down(uint64_t a)
{
	return a & ~(PT_PAGE_4K - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PT_PAGE_4K - 1) & ~(PT_PAGE_4K - 1);
}

/* The capability with id, through a list walked at most 48 steps (a
 * looped list ends); 0 when absent. */
static uint8_t cap_find(const struct pci_addr *a, uint8_t id)
{
	uint8_t p;

	if (!(pci_cfg_read(a, PCI_STATUS, 2) & STATUS_CAPS))
		return 0;
	p = (uint8_t)(pci_cfg_read(a, PCI_CAP_PTR, 1) & 0xfc);
	for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
		if (pci_cfg_read(a, p, 1) == id)
			return p;
		p = (uint8_t)(pci_cfg_read(a, (uint16_t)(p + 1), 1) & 0xfc);
	}
	return 0;
}

/* Decoding and bus mastering off, then a function-level reset where the
 * function has one; the firmware's BARs are put back after it. */
static bool dev_reset(const struct pci_addr *a)
{
	uint8_t exp = cap_find(a, CAP_EXP);
	uint32_t saved[6];
	uint64_t end;

	pci_cfg_write(a, PCI_COMMAND, 2, 0);
	(void)pci_cfg_read(a, PCI_COMMAND, 2); /* a read: the write has landed */
	if (!exp || !(pci_cfg_read(a, (uint16_t)(exp + EXP_DEVCAP), 4) & DEVCAP_FLR))
		return false;
	for (unsigned n = 0; n < 6; n++)
		saved[n] = pci_cfg_read(a, (uint16_t)(PCI_BAR0 + 4 * n), 4);
	pci_cfg_write(a, (uint16_t)(exp + EXP_DEVCTL), 2,
		      pci_cfg_read(a, (uint16_t)(exp + EXP_DEVCTL), 2) | DEVCTL_FLR);
	end = cpu_rdtsc() + FLR_WAIT_MS * time_tsc_per_ms();
	while (cpu_rdtsc() < end)
		cpu_pause();
	for (unsigned n = 0; n < 6; n++)
		pci_cfg_write(a, (uint16_t)(PCI_BAR0 + 4 * n), 4, saved[n]);
	pci_cfg_write(a, PCI_COMMAND, 2, 0);
	return true;
}

/* What the guest may read of BAR n's register: its size mask while it
 * sizes it, else the firmware's value. */
static uint32_t bar_size_probe(const struct pci_addr *a, uint16_t off, uint32_t *was)
{
	uint32_t mask;

	*was = pci_cfg_read(a, off, 4);
	pci_cfg_write(a, off, 4, 0xffffffffu);
	mask = pci_cfg_read(a, off, 4);
	pci_cfg_write(a, off, 4, *was);
	return mask;
}

/* Size the BARs (decoding is off): -EINVAL with the BAR's number in *n
 * for one that is malformed (a 64-bit BAR in the last slot, a reserved
 * type, a size that is not a power of two or a base not aligned to it). */
static int bars_probe(struct vpci_dev *d, unsigned *n)
{
	for (*n = 0; *n < 6; (*n)++) {
		struct vpci_bar *b = &d->bar[*n];
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * *n);
		uint32_t lo, mask = bar_size_probe(&d->addr, off, &lo), hi, hmask;
		uint64_t m;

		if (lo & 1) { /* I/O: not passed (the guest reads none) */
			b->kind = (mask & 0xfffc) ? VPCI_BAR_IO : VPCI_BAR_NONE;
			continue;
		}
		if (!(mask & ~0xfu))
			continue;
		if ((lo & 6) == 6 || ((lo & 6) == 4 && *n == 5))
			return -EINVAL;
		if ((lo & 6) == 4) {
			hmask = bar_size_probe(&d->addr, (uint16_t)(off + 4), &hi);
			m = (uint64_t)hmask << 32 | (mask & ~0xfu);
			b->kind = VPCI_BAR_MEM64;
			b->base = (uint64_t)hi << 32 | (lo & ~0xfu);
		} else {
			m = 0xffffffff00000000ull | (mask & ~0xfu);
			b->kind = VPCI_BAR_MEM32;
			b->base = lo & ~0xfu;
		}
		b->size = ~m + 1;
		if (!b->size || (b->size & (b->size - 1)) || (b->base & (b->size - 1)))
			return -EINVAL;
		if (b->kind == VPCI_BAR_MEM64) {
			d->bar[*n + 1] = (struct vpci_bar){ VPCI_BAR_MEM64_HI, b->base, b->size };
			(*n)++;
		}
	}
	return 0;
}

static bool bar_is_mem(const struct vpci_bar *b)
{
	return b->kind == VPCI_BAR_MEM32 || b->kind == VPCI_BAR_MEM64;
}

/* A memory BAR of another function (assigned elsewhere or to no one) whose
 * base lies in [b, e): on the same page, that function would be the
 * guest's too. Every function on segment 0 is looked at. */
static bool others_in(const struct pci_addr *self, uint64_t b, uint64_t e)
{
	for (unsigned bus = 0; bus < 256; bus++)
		for (unsigned dev = 0; dev < 32; dev++)
			for (unsigned fn = 0; fn < 8; fn++) {
				struct pci_addr a = { 0, (uint8_t)bus, (uint8_t)dev, (uint8_t)fn };
				uint32_t id = pci_cfg_read(&a, 0, 4);
				unsigned hdr, bars;

				if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0) {
					if (!fn)
						break; /* no function 0: no device */
					continue;
				}
				hdr = pci_cfg_read(&a, PCI_HEADER, 1);
				bars = (hdr & 0x7f) == 0 ? 6 : (hdr & 0x7f) == 1 ? 2 : 0;
				for (unsigned n = 0; n < bars && !same_function(&a, self); n++) {
					uint32_t lo = pci_cfg_read(&a, (uint16_t)(PCI_BAR0 + 4 * n), 4);
					uint64_t base = lo & ~0xfu;

					if (lo & 1)
						continue;
					if ((lo & 6) == 4 && n < bars - 1)
						base |= (uint64_t)pci_cfg_read(&a, (uint16_t)(PCI_BAR0 + 4 * ++n), 4) << 32;
					if (base && base >= b && base < e)
						return true;
				}
				if (!fn && !(hdr & 0x80))
					break; /* single-function device */
			}
	return false;
}

/* Where a memory BAR may not be: over RAM or boot data (the memory map's
 * every range but the reserved ones), in the chipset's interrupt and
 * timer range, over an IOMMU's registers, over the guest's own RAM (the
 * BAR keeps its address in the guest), or on a page of another assigned
 * function's BAR or of any function's BAR. */
static const char *bar_conflict(const struct vm *vm, const struct vpci_dev *d, uint64_t b, uint64_t e)
{
	for (uint32_t i = 0; i < boot_handoff.mem_count; i++) {
		const struct handoff_mem *m = &boot_handoff.mem[i];

		if (m->type != HANDOFF_MEM_RESERVED && overlaps(b, e, m->base, m->base + m->size))
			return "lies over RAM";
	}
	if (overlaps(b, e, CHIPSET_LO, CHIPSET_HI) || iommu_regs_overlap(b, e))
		return "lies in the interrupt controllers' or the IOMMU's range";
	for (unsigned i = 0; i < vm->cfg->region_count; i++)
		if (overlaps(b, e, vm->cfg->regions[i].gpa, vm->cfg->regions[i].gpa + vm->cfg->regions[i].size))
			return "lies over the guest's RAM in its address space";
	for (unsigned v = 0; v <= vm->index && v < CONFIG_MAX_GUESTS; v++)
		for (unsigned k = 0; k < vms[v].pci.count; k++) {
			const struct vpci_dev *o = &vms[v].pci.dev[k];

			if (o == d)
				continue;
			for (unsigned n = 0; n < 6; n++)
				if (bar_is_mem(&o->bar[n]) &&
				    overlaps(b, e, page_down(o->bar[n].base), page_up(o->bar[n].base + o->bar[n].size)))
					return "shares a page with another assigned function's BAR";
		}
	if (others_in(&d->addr, b, e))
		return "shares a page with another function's BAR";
	return NULL;
}

/* [lo, hi) of a BAR into the guest's nested tables, less the pages of
 * its MSI-X table and PBA (vpci_irq.c emulates those). */
static int bar_map(struct vm *vm, const struct vpci_dev *d, uint64_t lo, uint64_t hi)
{
	for (unsigned t = 0; t < 2; t++) {
		const struct vpci_trap *r = &d->msix.trap[t];

		if (r->size && r->gpa >= lo && r->gpa < hi)
			return bar_map(vm, d, lo, r->gpa) ?: bar_map(vm, d, r->gpa + r->size, hi);
	}
	return lo < hi ? pt_map(&vm->npt, lo, lo, hi - lo, PT_R | PT_W | PT_UC) : 0;
}

/* One function: found, an endpoint the IOMMU sees, reset, its BARs sized,
 * checked and mapped. */
static int dev_take(struct vm *vm, struct vpci_dev *d, char *why, size_t len)
{
	const struct pci_addr *a = &d->addr;
	uint32_t id;
	unsigned n;

	if (a->segment)
		return refuse(why, len, a, "only segment 0 is reachable (configuration ports; no ECAM)", 6);
	if (a->bus)
		return refuse(why, len, a, "behind a bridge: only functions on bus 0 are assigned (the requester-ID "
				  "and ACS checks of bridges are not built)", 6);
	id = pci_cfg_read(a, 0, 4);
	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return refuse(why, len, a, "no function there", 6);
	d->vendor = (uint16_t)id, d->device = (uint16_t)(id >> 16);
	if ((pci_cfg_read(a, PCI_HEADER, 1) & 0x7f) != 0 || pci_cfg_read(a, PCI_CLASS, 1) == CLASS_BRIDGE)
		return refuse(why, len, a, "not an endpoint (a bridge)", 6);
	if (iommu_owns_rid(a->segment, d->rid))
		return refuse(why, len, a, "the IOMMU's own function, or an I/O APIC's", 6);
	if (iommu_rid_reserved(a->segment, d->rid))
		return refuse(why, len, a, "the firmware reserves a DMA range for it (RMRR or IVMD)", 6);
	dev_reset(a);
	d->msi_off = cap_find(a, CAP_MSI);
	if (d->msi_off) {
		uint32_t ctrl = pci_cfg_read(a, (uint16_t)(d->msi_off + 2), 2);

		d->msi_64 = ctrl & MSI_CTRL_64;
		pci_cfg_write(a, (uint16_t)(d->msi_off + 2), 2, ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME));
	}
	d->msix.off = cap_find(a, CAP_MSIX);
	if (bars_probe(d, &n))
		return refuse(why, len, a, "a malformed BAR", n);
	if (vpci_msix_probe(d))
		return refuse(why, len, a, "its MSI-X table or PBA lies outside its memory BARs", 6);
	for (n = 0; n < 6; n++) {
		const struct vpci_bar *b = &d->bar[n];
		const char *bad;

		if (!bar_is_mem(b))
			continue;
		if (!b->base)
			return refuse(why, len, a, "a BAR the firmware did not program", n);
		bad = bar_conflict(vm, d, page_down(b->base), page_up(b->base + b->size));
		if (bad)
			return refuse(why, len, a, bad, n);
	}
	for (n = 0; n < 6; n++) {
		const struct vpci_bar *b = &d->bar[n];

		if (bar_is_mem(b) && bar_map(vm, d, page_down(b->base), page_up(b->base + b->size)))
			return refuse(why, len, a, "its BAR cannot be mapped", n);
	}
	return 0;
}

static uint64_t window_table(void *ctx)
{
	(void)ctx;
	return page_alloc(1, 0);
}

/* The guest's RAM, at its guest addresses, readable and writable: the
 * devices' one window (its interrupt controllers' pages, its BARs and
 * everything outside its RAM are not in it). */
static int window_build(struct vm *vm, uint64_t *top, const char **why)
{
	uint64_t large;
	const struct pt_format *fmt = iommu_window_format(0, &large, why);
	int err;

	if (!fmt)
		return -ENODEV;
	vm->pci.window = (struct pt){ .fmt = fmt, .large_sizes = large, .phys_to_virt = phys_to_virt,
				      .alloc_table = window_table };
	err = pt_init(&vm->pci.window);
	*top = 0;
	for (unsigned i = 0; !err && i < vm->region_count; i++) {
		const struct vm_region *r = &vm->regions[i];

		err = pt_map(&vm->pci.window, r->gpa, r->hpa, r->size, PT_R | PT_W);
		if (r->gpa + r->size > *top)
			*top = r->gpa + r->size;
	}
	if (err)
		*why = "no memory for its tables";
	return err;
}

int vpci_assign(struct vm *vm, char *why, size_t len)
{
	const struct config_guest *g = vm->conf;
	const char *whyw = "";
	uint64_t top;
	int err;

	if (!g->pci_count)
		return 0;
	err = window_build(vm, &top, &whyw);
	if (err) {
		snprintk(why, len, "pci-devices: no DMA window: %s", whyw);
		return err;
	}
	for (unsigned i = 0; i < g->pci_count; i++) {
		struct vpci_dev *d = &vm->pci.dev[i];

		d->addr = (struct pci_addr){ g->pci[i].segment, g->pci[i].bus, g->pci[i].dev, g->pci[i].fn };
		d->rid = (uint16_t)(d->addr.bus << 8 | d->addr.dev << 3 | d->addr.fn);
		vm->pci.count = i + 1; /* for the page checks of the next */
		err = dev_take(vm, d, why, len);
		if (err)
			return err;
	}
	for (unsigned i = 0; i < vm->pci.count; i++) {
		struct vpci_dev *d = &vm->pci.dev[i];

		err = iommu_window_open(d->addr.segment, d->rid, (uint16_t)(vm->index + 1), &vm->pci.window, top,
					&whyw);
		if (err)
			return refuse(why, len, &d->addr, whyw, 6);
		windows_open++;
		/* Memory decoding on: the BARs are the guest's now. Bus
		 * mastering waits for the guest's driver. */
		pci_cfg_write(&d->addr, PCI_COMMAND, 2, CMD_MEM);
		printk("vigil: guest %s: pci %04x:%02x:%02x.%u [%04x:%04x] assigned, DMA window onto its RAM\n",
		       vm->name, d->addr.segment, d->addr.bus, d->addr.dev, d->addr.fn, d->vendor, d->device);
	}
	return 0;
}

unsigned vpci_windows_open(void)
{
	return windows_open;
}

/* On the VMM's CPU, for each fault the IOMMU reports: counted against the
 * function; where the owner's config says dma-fault-stop, the owner is
 * stopped and its functions' bus mastering and interrupts turned off
 * (under its device lock: a vCPU may be in its configuration space), so
 * that the fault is the last. */
void vpci_dma_fault(uint16_t segment, uint16_t rid)
{
	for (unsigned v = 0; v < vm_count; v++)
		for (unsigned i = 0; i < vms[v].pci.count; i++) {
			struct vpci_dev *d = &vms[v].pci.dev[i];
			char why[64];

			if (d->addr.segment != segment || d->rid != rid)
				continue;
			d->dma_faults++;
			if (!vms[v].conf->dma_fault_stop)
				continue;
			snprintk(why, sizeof(why), "DMA fault by pci %04x:%02x:%02x.%u (dma-fault-stop)", segment,
				 d->addr.bus, d->addr.dev, d->addr.fn);
			if (vm_stop_for_device(&vms[v], why)) {
				spin_lock(&vms[v].dev_lock);
				vpci_quiesce(&vms[v]);
				spin_unlock(&vms[v].dev_lock);
			}
		}
}

void vpci_quiesce(struct vm *vm)
{
	for (unsigned i = 0; i < vm->pci.count; i++) {
		struct vpci_dev *d = &vm->pci.dev[i];
		const struct pci_addr *a = &d->addr;

		pci_cfg_write(a, PCI_COMMAND, 2, pci_cfg_read(a, PCI_COMMAND, 2) & ~(uint32_t)CMD_MASTER);
		(void)pci_cfg_read(a, PCI_COMMAND, 2);
		vpci_irq_quiesce(d);
		d->sizing = 0;
	}
}

/* The function the guest's address register selects, or NULL. */
static struct vpci_dev *selected(struct vm *vm)
{
	uint32_t r = vm->pci.addr;

	if (!(r & CF8_ENABLE))
		return NULL;
	for (unsigned i = 0; i < vm->pci.count; i++) {
		struct vpci_dev *d = &vm->pci.dev[i];

		if (d->addr.bus == ((r >> 16) & 0xff) && d->addr.dev == ((r >> 11) & 0x1f) &&
		    d->addr.fn == ((r >> 8) & 7))
			return d;
	}
	return NULL;
}

/* The dword at off (a multiple of 4), as the guest sees it. */
static uint32_t dword_read(const struct vpci_dev *d, uint16_t off)
{
	bool cap;
	uint32_t v = vpci_cap_read(d, off, &cap);

	if (cap)
		return v;
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
		unsigned n = (off - PCI_BAR0) / 4;
		const struct vpci_bar *b = &d->bar[n];
		uint64_t mask = ~(b->size - 1);

		if (!(d->sizing & (1u << n)))
			return bar_is_mem(b) || b->kind == VPCI_BAR_MEM64_HI ? pci_cfg_read(&d->addr, off, 4) : 0;
		switch (b->kind) {
		case VPCI_BAR_MEM32:
			return (uint32_t)mask | (pci_cfg_read(&d->addr, off, 4) & 0xf);
		case VPCI_BAR_MEM64:
			return (uint32_t)mask | (pci_cfg_read(&d->addr, off, 4) & 0xf);
		case VPCI_BAR_MEM64_HI:
			return (uint32_t)(mask >> 32);
		default:
			return 0;
		}
	}
	if (off == PCI_ROM)
		return 0;
	return pci_cfg_read(&d->addr, off, 4);
}

/* A write of the guest's: the command register's guest bits reach the
 * device; a BAR register notes whether the guest is sizing it (all ones)
 * or putting it back; nothing else is written. */
static void dword_write(struct vm *vm, struct vpci_dev *d, uint16_t off, unsigned first, unsigned size, uint32_t val)
{
	if (vpci_cap_write(vm, d, off, first, size, val))
		return;
	if (off == PCI_COMMAND && first < 2) {
		uint32_t cmd = pci_cfg_read(&d->addr, PCI_COMMAND, 2);
		uint32_t want = size == 1 && first == 1 ? (val & 0xff) << 8 | (cmd & 0xff) :
			       size == 1 ? (cmd & 0xff00) | (val & 0xff) : val & 0xffff;

		pci_cfg_write(&d->addr, PCI_COMMAND, 2, (cmd & ~(uint32_t)CMD_GUEST) | (want & CMD_GUEST));
		return;
	}
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 24 && size == 4) {
		unsigned n = (off - PCI_BAR0) / 4;
		bool ones = d->bar[n].kind == VPCI_BAR_MEM64_HI ? val == 0xffffffffu : (val | 0xf) == 0xffffffffu;

		d->sizing = (uint8_t)(ones ? d->sizing | 1u << n : d->sizing & ~(1u << n));
	}
}

static bool cfg_port(uint16_t port, unsigned size)
{
	if (port == CF8)
		return size == 4;
	return port >= CFC && port < CFC + 4 && (port & (size - 1)) == 0;
}

bool vpci_io_read(struct vm *vm, uint16_t port, unsigned size, uint32_t *val)
{
	struct vpci_dev *d;
	unsigned first = port & 3;

	if (!vm->pci.count || !cfg_port(port, size))
		return false;
	if (port == CF8) {
		*val = vm->pci.addr;
		return true;
	}
	d = selected(vm);
	*val = 0xffffffffu;
	if (d) {
		uint32_t v = dword_read(d, (uint16_t)(vm->pci.addr & 0xfc)) >> (8 * first);

		*val = size == 4 ? v : v & ((1u << (8 * size)) - 1);
	}
	return true;
}

bool vpci_io_write(struct vm *vm, uint16_t port, unsigned size, uint32_t val)
{
	struct vpci_dev *d;

	if (!vm->pci.count || !cfg_port(port, size))
		return false;
	if (port == CF8) {
		vm->pci.addr = val & 0x80fffffcu; /* no extended register bits */
		return true;
	}
	d = selected(vm);
	if (d)
		dword_write(vm, d, (uint16_t)(vm->pci.addr & 0xfc), port & 3, size, val);
	return true;
}
