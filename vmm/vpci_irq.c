/* SPDX-License-Identifier: MIT */
/*
 * Assigned devices' interrupts (docs/dma.md, "Interrupts"). The guest
 * programs MSI and MSI-X as it sees them; the device only ever holds the
 * messages of interrupt remapping entries the VMM wrote at boot, one per
 * MSI and per MSI-X entry, each a vector of the guest's pool on the CPU
 * of its first vCPU. That interrupt becomes the message the guest
 * programmed (virq_msi: fixed or lowest priority, its own vCPUs).
 *
 * MSI-X's table and PBA live in a BAR: their pages are left out of the
 * guest's nested tables, and each access there is decoded and emulated.
 * Table entries are the guest's (aligned dwords and qwords); the PBA
 * reads through, writes there are dropped; the rest of those pages (other
 * registers of the device) passes through the VMM's mapping.
 */
#include <errno.h>
#include "vmm/vpci.h"
#include "vmm/exits.h"
#include "vmm/virq.h"
#include "vmm/vm.h"
#include "arch/x86/apic.h"
#include "arch/x86/mmio_decode.h"
#include "arch/x86/trap.h"
#include "drivers/iommu.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "vmm/apic_msg.h"

#define MSI_CTRL_ENABLE 0x1u
#define MSI_CTRL_MME 0x70u
#define MSI_CTRL_64 0x80u
#define CAP_MSIX 0x11
#define MSIX_CTRL_FMASK 0x4000u
#define MSIX_CTRL_ENABLE 0x8000u
#define MSIX_ENTRY 16
#define MSIX_MASKED 1u

/* ---- MSI ---------------------------------------------------------------- */

/* The MSI capability's dwords as the guest programmed them: its control
 * shows one vector, no per-vector masking; address and data are the
 * guest's. */
static uint32_t msi_read(const struct vpci_dev *d, uint16_t off, bool *hit)
{
	unsigned rel = (unsigned)(off - d->msi_off), data_at = d->msi_64 ? 0xc : 0x8;

	*hit = d->msi_off && off >= d->msi_off && rel <= data_at;
	if (!*hit)
		return 0;
	if (rel == 0)
		return (pci_cfg_read(&d->addr, off, 4) & 0xffffu) |
		       (uint32_t)((d->msi_64 ? MSI_CTRL_64 : 0) | (d->msi_enabled ? MSI_CTRL_ENABLE : 0)) << 16;
	if (rel == 4)
		return (uint32_t)d->msi.addr;
	if (rel == data_at)
		return d->msi.data & 0xffff;
	return (uint32_t)(d->msi.addr >> 32); /* 64-bit: the address's upper half */
}

/* The guest's write into its MSI capability (the whole new dword): the
 * address and data are kept; enabling programs the device with its
 * remapping entry's message, which the guest never sees. */
static void msi_write(struct vpci_dev *d, uint16_t off, uint32_t v)
{
	unsigned rel = (unsigned)(off - d->msi_off), data_at = d->msi_64 ? 0xc : 0x8;
	const struct pci_addr *a = &d->addr;
	uint16_t ctrl = (uint16_t)(d->msi_off + 2);
	bool on = (v >> 16) & MSI_CTRL_ENABLE;

	if (rel == 4) {
		d->msi.addr = (d->msi.addr & ~0xffffffffull) | (v & ~3u);
	} else if (rel == data_at) {
		d->msi.data = v & 0xffff;
	} else if (rel == 8) {
		d->msi.addr = (d->msi.addr & 0xffffffffull) | (uint64_t)v << 32;
	} else if (rel == 0 && on != d->msi_enabled) {
		if (on && !d->msi_ready) {
			d->msi_dropped++; /* no remapping entry: the device sends nothing */
			return;
		}
		if (on) {
			pci_cfg_write(a, (uint16_t)(d->msi_off + 4), 4, (uint32_t)d->msi_phys.addr);
			if (d->msi_64)
				pci_cfg_write(a, (uint16_t)(d->msi_off + 8), 4, (uint32_t)(d->msi_phys.addr >> 32));
			pci_cfg_write(a, (uint16_t)(d->msi_off + data_at), 2, d->msi_phys.data);
		}
		d->msi_enabled = on;
		pci_cfg_write(a, ctrl, 2, (pci_cfg_read(a, ctrl, 2) & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME)) |
					     (on ? MSI_CTRL_ENABLE : 0));
	}
}

/* ---- MSI-X: the device's side ------------------------------------------- */

/* The VMM's mapping of gpa on a trapped page, or NULL. */
static volatile uint8_t *trap_va(const struct vpci_dev *d, uint64_t gpa)
{
	for (unsigned t = 0; t < 2; t++)
		if (gpa - d->msix.trap[t].gpa < d->msix.trap[t].size)
			return d->msix.trap[t].va + (gpa - d->msix.trap[t].gpa);
	return NULL;
}

static bool msix_open(const struct vpci_dev *d, unsigned n)
{
	return d->msix.enabled && !d->msix.fmask && n < d->msix.count && !(d->msix.masked & 1u << n) &&
	       (d->msix.ready & 1u << n);
}

/* Device entry n as the guest's state wants it: masked first, then its
 * remapping entry's message, unmasked only when open. */
static void msix_entry_sync(const struct vpci_dev *d, unsigned n)
{
	volatile uint32_t *e = (volatile uint32_t *)trap_va(d, d->msix.table + MSIX_ENTRY * n);

	e[3] = MSIX_MASKED;
	if (n >= d->msix.count || !(d->msix.ready & 1u << n))
		return;
	e[0] = (uint32_t)d->msix.phys[n].addr;
	e[1] = (uint32_t)(d->msix.phys[n].addr >> 32);
	e[2] = d->msix.phys[n].data;
	if (msix_open(d, n))
		e[3] = 0;
}

/* The device's MSI-X enable follows the guest's (its function mask stays
 * clear: the entries' masks do that work); then every entry. */
static void msix_sync(const struct vpci_dev *d)
{
	uint16_t ctrl = (uint16_t)(d->msix.off + 2);
	uint32_t v = pci_cfg_read(&d->addr, ctrl, 2) & ~(MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);

	pci_cfg_write(&d->addr, ctrl, 2, v | (d->msix.enabled ? MSIX_CTRL_ENABLE : 0));
	for (unsigned n = 0; n < d->msix.dev_count; n++)
		msix_entry_sync(d, n);
}

/* The address that an offset/BIR register names, when [it, it + len) lies
 * in a memory BAR and is 8-byte aligned; else 0. */
static uint64_t bar_addr(const struct vpci_dev *d, uint32_t reg, uint64_t len)
{
	const struct vpci_bar *b = &d->bar[(reg & 7) % 6];
	uint64_t off = reg & ~7u;

	if ((reg & 7) >= 6 || (b->kind != VPCI_BAR_MEM32 && b->kind != VPCI_BAR_MEM64) || off + len > b->size)
		return 0;
	return b->base + off;
}

/* The pages of [a, a + len) as a trap, merged with the first when they
 * meet (a PBA on the table's page). */
static void trap_add(struct vpci_dev *d, uint64_t a, uint64_t len)
{
	uint64_t lo = a & ~0xfffull, hi = (a + len + 0xfff) & ~0xfffull;
	struct vpci_trap *t = &d->msix.trap[0];

	if (t->size && (lo >= t->gpa + t->size || t->gpa >= hi))
		t = &d->msix.trap[1];
	else if (t->size)
		lo = lo < t->gpa ? lo : t->gpa, hi = hi > t->gpa + t->size ? hi : t->gpa + t->size;
	t->gpa = lo, t->size = hi - lo;
}

/* Where the table and PBA are: each inside a memory BAR, 8-byte aligned;
 * their pages are mapped for the VMM. */
int vpci_msix_probe(struct vpci_dev *d)
{
	struct vpci_msix *x = &d->msix;
	uint32_t ctrl, treg, preg;
	uint64_t pba_len;

	if (!x->off)
		return 0;
	ctrl = pci_cfg_read(&d->addr, (uint16_t)(x->off + 2), 2);
	treg = pci_cfg_read(&d->addr, (uint16_t)(x->off + 4), 4);
	preg = pci_cfg_read(&d->addr, (uint16_t)(x->off + 8), 4);
	pci_cfg_write(&d->addr, (uint16_t)(x->off + 2), 2, ctrl & ~(MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK));
	x->dev_count = (uint16_t)((ctrl & 0x7ff) + 1);
	x->count = x->dev_count < VPCI_MSIX_MAX ? x->dev_count : VPCI_MSIX_MAX;
	x->masked = 0xffff;
	pba_len = 8 * ((x->dev_count + 63u) / 64);
	x->table = bar_addr(d, treg, MSIX_ENTRY * x->dev_count), x->pba = bar_addr(d, preg, pba_len);
	if (!x->table || !x->pba)
		return -EINVAL;
	trap_add(d, x->table, MSIX_ENTRY * x->dev_count);
	trap_add(d, x->pba, pba_len);
	for (unsigned t = 0; t < 2; t++)
		if (x->trap[t].size && !(x->trap[t].va = mm_map_mmio(x->trap[t].gpa, (size_t)x->trap[t].size)))
			return -ENOMEM;
	return 0;
}

/* ---- MSI-X: the guest's side -------------------------------------------- */

static void deliver(struct vm *vm, struct vpci_dev *d, bool on, const struct vpci_msg *g)
{
	struct apic_msg m = { .vector = (uint8_t)g->data, .delivery_mode = (uint8_t)((g->data >> 8) & 7),
			      .logical = g->addr & 4, .dest = (uint8_t)(g->addr >> 12) };

	if (on && vm->state == VM_RUNNING && (g->addr & ~0xfffffull) == 0xfee00000ull && virq_msi(vm, &m))
		d->msi_delivered++;
	else
		d->msi_dropped++;
}

/* Entries the guest opened that held an interrupt while masked. */
static void msix_release(struct vm *vm, struct vpci_dev *d)
{
	for (unsigned n = 0; n < d->msix.count; n++)
		if (msix_open(d, n) && (__atomic_fetch_and(&d->msix.pending, ~(1u << n), __ATOMIC_RELAXED) & 1u << n))
			deliver(vm, d, true, &d->msix.guest[n]);
}

/* The capability's first dword: table size (the guest's), function mask
 * and enable are the guest's. */
static uint32_t msix_read(const struct vpci_dev *d, uint16_t off, bool *hit)
{
	*hit = d->msix.off && off == d->msix.off;
	if (!*hit)
		return 0;
	return (pci_cfg_read(&d->addr, off, 2) & 0xffffu) |
	       (uint32_t)((d->msix.count - 1u) | (d->msix.fmask ? MSIX_CTRL_FMASK : 0) |
			  (d->msix.enabled ? MSIX_CTRL_ENABLE : 0)) << 16;
}

static void msix_write(struct vm *vm, struct vpci_dev *d, uint32_t v)
{
	bool on = v & MSIX_CTRL_ENABLE << 16;

	if (on && !d->msix.ready) {
		d->msi_dropped++; /* no remapping entry: the device sends nothing */
		on = false;
	}
	d->msix.enabled = on;
	d->msix.fmask = v & MSIX_CTRL_FMASK << 16;
	msix_sync(d);
	msix_release(vm, d);
}

/* Entry n's dwords, as the guest sees them. */
static uint32_t entry_dword(const struct vpci_dev *d, unsigned n, unsigned i)
{
	const struct vpci_msg *g = &d->msix.guest[n % VPCI_MSIX_MAX];
	const uint32_t dw[4] = { (uint32_t)g->addr, (uint32_t)(g->addr >> 32), g->data,
				 (d->msix.masked >> n % VPCI_MSIX_MAX) & MSIX_MASKED };

	return n < d->msix.count ? dw[i] : 0; /* past the guest's table: reads 0, takes nothing */
}

static void entry_write(struct vm *vm, struct vpci_dev *d, unsigned n, unsigned i, uint32_t v)
{
	struct vpci_msg *g = &d->msix.guest[n % VPCI_MSIX_MAX];

	if (n >= d->msix.count)
		return;
	if (i == 0)
		g->addr = (g->addr & ~0xffffffffull) | (v & ~3u);
	else if (i == 1)
		g->addr = (g->addr & 0xffffffffull) | (uint64_t)v << 32;
	else if (i == 2)
		g->data = v;
	else {
		d->msix.masked = (uint16_t)((d->msix.masked & ~(1u << n)) | (v & MSIX_MASKED) << n);
		msix_entry_sync(d, n);
		msix_release(vm, d);
	}
}

/* One aligned access on a trapped page: a table entry (dword or qword),
 * the PBA (read through; writes dropped) or another register (through).
 * -1: a size the table does not take. */
static int trapped_access(struct vm *vm, struct vpci_dev *d, uint64_t gpa, const struct mmio_op *op, uint64_t *reg)
{
	uint64_t rel = gpa - d->msix.table, val = op->write ? mmio_store_value(op, reg ? *reg : 0) : 0;
	volatile uint8_t *p = trap_va(d, gpa);

	if (rel < (uint64_t)MSIX_ENTRY * d->msix.dev_count) {
		unsigned n = (unsigned)(rel / MSIX_ENTRY), i = (unsigned)(rel % MSIX_ENTRY) / 4;

		if (op->size != 4 && op->size != 8)
			return -1;
		if (!op->write)
			val = entry_dword(d, n, i) | (op->size == 8 ? (uint64_t)entry_dword(d, n, i + 1) << 32 : 0);
		for (unsigned k = 0; op->write && k < op->size / 4u; k++)
			entry_write(vm, d, n, i + k, (uint32_t)(val >> 32 * k));
	} else if (op->write && gpa - d->msix.pba < 8 * ((d->msix.dev_count + 63u) / 64)) {
		return 0;
	} else if (op->write) {
		if (op->size == 1)
			*p = (uint8_t)val;
		else if (op->size == 2)
			*(volatile uint16_t *)p = (uint16_t)val;
		else if (op->size == 4)
			*(volatile uint32_t *)p = (uint32_t)val;
		else
			*(volatile uint64_t *)p = val;
	} else {
		val = op->size == 1 ? *p :
		      op->size == 2 ? *(volatile uint16_t *)p :
		      op->size == 4 ? *(volatile uint32_t *)p : *(volatile uint64_t *)p;
	}
	if (!op->write)
		*reg = mmio_reg_merge(*reg, val, op);
	return 0;
}

int vpci_mmio(struct vcpu *v, uint64_t gpa)
{
	struct vm *vm = v->vm;
	struct vpci_dev *d = NULL;
	struct mmio_op op;
	uint64_t *reg;
	int err;

	for (unsigned i = 0; i < vm->pci.count && !d; i++)
		if (trap_va(&vm->pci.dev[i], gpa))
			d = &vm->pci.dev[i];
	if (!d)
		return 0;
	err = virq_mmio_op(v, gpa, &op, &reg);
	if (!err) {
		spin_lock(&vm->dev_lock);
		err = trapped_access(vm, d, gpa, &op, reg);
		spin_unlock(&vm->dev_lock);
	}
	if (err) {
		vm->mmio_refused++;
		vcpu_inject_gp(v);
		return 1;
	}
	v->exit.skip = true;
	return 1;
}

/* ---- configuration space ------------------------------------------------ */

uint32_t vpci_cap_read(const struct vpci_dev *d, uint16_t off, bool *hit)
{
	uint32_t v = msi_read(d, off, hit);

	return *hit ? v : msix_read(d, off, hit);
}

bool vpci_cap_write(struct vm *vm, struct vpci_dev *d, uint16_t off, unsigned first, unsigned size, uint32_t val)
{
	uint32_t mask = (size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1)) << (8 * first);
	bool msi, msix;
	uint32_t old = msi_read(d, off, &msi);

	if (!msi)
		old = msix_read(d, off, &msix);
	if (!msi && !msix)
		return false;
	val = (old & ~mask) | ((val << (8 * first)) & mask);
	if (msi)
		msi_write(d, off, val);
	else
		msix_write(vm, d, val);
	return true;
}

void vpci_irq_quiesce(struct vpci_dev *d)
{
	if (d->msi_off) {
		uint16_t ctrl = (uint16_t)(d->msi_off + 2);

		pci_cfg_write(&d->addr, ctrl, 2, pci_cfg_read(&d->addr, ctrl, 2) & ~MSI_CTRL_ENABLE);
	}
	d->msi_enabled = false, d->msi = (struct vpci_msg){ 0, 0 };
	if (d->msix.off) {
		d->msix.enabled = d->msix.fmask = false;
		d->msix.masked = 0xffff, d->msix.pending = 0;
		for (unsigned n = 0; n < VPCI_MSIX_MAX; n++)
			d->msix.guest[n] = (struct vpci_msg){ 0, 0 };
		msix_sync(d);
	}
}

/* ---- vectors and delivery ----------------------------------------------- */

static const char *route(struct vm *vm, unsigned i, uint8_t entry, struct vpci_msg *phys)
{
	struct vpci_dev *d = &vm->pci.dev[i];
	const struct percpu *pc = cpu_pc(vm->vcpus[0].cpu);
	unsigned slot = vm->pci.vec_used;
	int err;

	if (slot == IDT_VECTOR_DEVICE_COUNT)
		return "the guest's vector pool is used up";
	err = iommu_msi_route(d->addr.segment, d->rid, (uint8_t)(IDT_VECTOR_DEVICE_FIRST + slot), pc->apic_id,
			      &phys->addr, &phys->data);
	if (err)
		return err == -ENODEV ? "interrupt remapping is off" : "no remapping entry";
	vm->pci.vec[slot].dev = (uint8_t)i, vm->pci.vec[slot].entry = entry;
	vm->pci.vec_used++;
	return NULL;
}

static void dev_interrupts_init(struct vm *vm, unsigned i)
{
	struct vpci_dev *d = &vm->pci.dev[i];
	const char *why = NULL;

	if (d->msi_off) {
		why = route(vm, i, VPCI_ENTRY_MSI, &d->msi_phys);
		d->msi_ready = !why;
	}
	for (unsigned n = 0; d->msix.off && n < d->msix.count; n++) {
		const char *no = route(vm, i, (uint8_t)n, &d->msix.phys[n]);

		d->msix.ready |= no ? 0 : (uint16_t)(1u << n);
		why = no ? no : why;
	}
	if (d->msix.off)
		msix_sync(d);
	if (why)
		printk("vigil: guest %s: pci %04x:%02x:%02x.%u: some or all of its interrupts get no vector: %s\n",
		       vm->name, d->addr.segment, d->addr.bus, d->addr.dev, d->addr.fn, why);
	if (d->msix.off)
		printk("vigil: guest %s: pci %04x:%02x:%02x.%u MSI-X: %u of its %u entries shown, each its own "
		       "remapping entry\n", vm->name, d->addr.segment, d->addr.bus, d->addr.dev, d->addr.fn,
		       d->msix.count, d->msix.dev_count);
}

void vpci_interrupts_init(void)
{
	for (unsigned v = 0; v < vm_count; v++) {
		struct vm *vm = &vms[v];

		if (!vm->vcpu_count || !cpu_pc(vm->vcpus[0].cpu) || vm->stop_cause == VM_STOP_REFUSED)
			continue;
		for (unsigned i = 0; i < vm->pci.count; i++)
			dev_interrupts_init(vm, i);
	}
}

void vpci_irq(unsigned slot)
{
	struct vcpu *v = vm_vcpu_for_cpu(this_cpu()->index);
	struct vpci_dev *d;
	unsigned n;

	apic_eoi();
	if (!v || slot >= v->vm->pci.vec_used) {
		__atomic_add_fetch(&trap_stray_interrupts, 1, __ATOMIC_RELAXED);
		return;
	}
	d = &v->vm->pci.dev[v->vm->pci.vec[slot].dev];
	n = v->vm->pci.vec[slot].entry;
	if (n == VPCI_ENTRY_MSI)
		deliver(v->vm, d, d->msi_enabled, &d->msi);
	else if (d->msix.enabled && !msix_open(d, n))
		__atomic_fetch_or(&d->msix.pending, 1u << n, __ATOMIC_RELAXED); /* held until unmasked */
	else
		deliver(v->vm, d, d->msix.enabled, &d->msix.guest[n]);
}
