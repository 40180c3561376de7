/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d (Intel Virtualization Technology for Directed I/O,
 * architecture specification): a root table whose 256 entries are all
 * not present, so every request from every bus faults; invalidation
 * through the queued interface (every unit that remaps interrupts has it,
 * and some recent units drop the register-based one); faults read from
 * the fault recording registers with the fault interrupt left masked, the
 * VMM's CPU polling them.
 */
#include <errno.h>
#include "arch/x86/cpu.h"
#include "arch/x86/pt.h"
#include "drivers/iommu.h"
#include "kernel/mm.h"

#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_FSTS 0x34
#define VTD_PMEN 0x64
#define VTD_FECTL 0x38
#define VTD_IQH 0x80
#define VTD_IQT 0x88
#define VTD_IQA 0x90
#define VTD_IRTA 0xb8
#define VTD_REGS_SIZE 0x1000

#define GCMD_TE (1u << 31)
#define GCMD_SRTP (1u << 30)
#define GCMD_QIE (1u << 26)
#define GCMD_IRE (1u << 25)
#define GCMD_SIRTP (1u << 24)
/* Status bits that are not commands: written back as read, they would
 * re-issue one-shot commands (root pointer, fault log, write buffer,
 * interrupt table pointer). */
#define GSTS_ONE_SHOT ((1u << 30) | (1u << 29) | (1u << 27) | (1u << 24))

#define CAP_ND(cap) ((unsigned)(cap) & 7)		     /* domain IDs: 2^(4 + 2 * ND) */
#define CAP_SAGAW(cap) ((unsigned)((cap) >> 8) & 0x1f)	     /* bit 1: 3 levels, bit 2: 4 levels */
#define CAP_MGAW(cap) ((unsigned)((cap) >> 16) & 0x3f)	     /* address width - 1 */
#define CAP_SLLPS_2M (1ull << 34)
#define CAP_PMR ((1ull << 5) | (1ull << 6)) /* protected low / high memory regions */
#define PMEN_EPM (1u << 31)
#define PMEN_PRS (1u << 0)
#define ECAP_C (1ull << 0) /* page walks snoop the caches */
#define ECAP_QI (1ull << 1)
#define ECAP_IR (1ull << 3)
#define ECAP_EIM (1ull << 4)
#define FSTS_PFO (1u << 0)
#define FSTS_PPF (1u << 1)
#define FSTS_IQE (1u << 4)
#define FRCD_F (1ull << 63)
#define FRCD_T_READ (1ull << 62)

#define QI_ENTRIES 256 /* one page of 16-byte descriptors, IQA.QS = 0 */
#define QI_CC_GLOBAL 0x11ull			  /* context-cache invalidate, global */
#define QI_IOTLB_GLOBAL 0xd2ull			  /* IOTLB invalidate, global, drain reads and writes */
#define QI_IEC_GLOBAL 0x4ull			  /* interrupt entry cache invalidate, global */
#define QI_WAIT_STATUS(data) (0x25ull | (uint64_t)(data) << 32) /* wait descriptor, status write */
#define WAIT_LOOPS 10000000u

#define IRT_ENTRIES 256	    /* one page of 16-byte entries */
#define IRTA_SIZE_256 7	    /* 2^(7+1) entries */
#define IRTA_EIME (1ull << 11) /* 32-bit (x2APIC) destinations */
#define IRTE_PRESENT 1ull
#define IRTE_LEVEL (1ull << 4)
#define IRTE_SVT_RID (1ull << 18) /* in the high half: the requester ID must match */
#define RTE_LEVEL (1u << 15)
#define RTE_REMAPPABLE (1ull << 48)

static uint32_t rd32(const struct iommu_unit *u, unsigned off)
{
	return *(volatile uint32_t *)(u->regs + off);
}

static uint64_t rd64(const struct iommu_unit *u, unsigned off)
{
	return *(volatile uint64_t *)(u->regs + off);
}

static void wr32(struct iommu_unit *u, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(u->regs + off) = v;
}

static void wr64(struct iommu_unit *u, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(u->regs + off) = v;
}

/* A unit whose page walks do not snoop the caches (ECAP.C clear) reads its
 * tables from memory: every line the VMM writes is flushed to it. */
static void vtd_flush(const struct iommu_unit *u, const void *p, size_t len)
{
	if (rd64(u, VTD_ECAP) & ECAP_C)
		return;
	for (uintptr_t a = (uintptr_t)p & ~63ul; a < (uintptr_t)p + len; a += 64)
		asm volatile("clflush (%0)" ::"r"(a) : "memory");
	asm volatile("mfence" ::: "memory");
}

static void vtd_flush_table(uint64_t pa, void *ctx)
{
	vtd_flush(ctx, phys_to_virt(pa), 4096);
}

static void vtd_leaf_none(uint64_t va, uint64_t pa, uint64_t size, unsigned flags, void *ctx)
{
	(void)va, (void)pa, (void)size, (void)flags, (void)ctx;
}

/* Set or clear one command bit and wait for its status bit. */
static int gcmd(struct iommu_unit *u, uint32_t bit, bool on)
{
	uint32_t cmd = rd32(u, VTD_GSTS) & ~GSTS_ONE_SHOT;

	wr32(u, VTD_GCMD, on ? cmd | bit : cmd & ~bit);
	for (unsigned i = 0; i < WAIT_LOOPS; i++) {
		if (!!(rd32(u, VTD_GSTS) & bit) == on)
			return 0;
		cpu_pause();
	}
	return -ETIMEDOUT;
}

/* A firmware's invalidation queue is drained before it is replaced. */
static int qi_stop(struct iommu_unit *u)
{
	unsigned i;

	if (!(rd32(u, VTD_GSTS) & GCMD_QIE))
		return 0;
	for (i = 0; i < WAIT_LOOPS && rd64(u, VTD_IQH) != rd64(u, VTD_IQT); i++)
		cpu_pause();
	return gcmd(u, GCMD_QIE, false);
}

static int qi_start(struct iommu_unit *u)
{
	u->queue_pa = page_alloc(1, 4096);
	u->status_pa = page_alloc(1, 4096);
	if (!u->queue_pa || !u->status_pa)
		return -ENOMEM;
	u->queue_tail = 0;
	wr64(u, VTD_IQT, 0);
	wr64(u, VTD_IQA, u->queue_pa);
	return gcmd(u, GCMD_QIE, true);
}

/* Queue descriptors, then a wait descriptor, and wait until the unit has
 * written the wait's status: every descriptor before it is then done. */
static int qi_run(struct iommu_unit *u, const uint64_t *lo, unsigned n)
{
	volatile uint32_t *status = phys_to_virt(u->status_pa);
	uint64_t *q = phys_to_virt(u->queue_pa);

	*status = 0;
	for (unsigned i = 0; i <= n; i++) {
		q[2 * u->queue_tail] = i < n ? lo[i] : QI_WAIT_STATUS(1);
		q[2 * u->queue_tail + 1] = i < n ? 0 : u->status_pa;
		u->queue_tail = (u->queue_tail + 1) % QI_ENTRIES;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr64(u, VTD_IQT, (uint64_t)u->queue_tail << 4);
	for (unsigned i = 0; i < WAIT_LOOPS; i++) {
		if (*status == 1)
			return 0;
		if (rd32(u, VTD_FSTS) & FSTS_IQE)
			return -EIO;
		cpu_pause();
	}
	return -ETIMEDOUT;
}

static int vtd_fail(const char **why, const char *msg, int err)
{
	*why = msg;
	return err;
}

/* The firmware's protected memory regions block DMA to ranges of its
 * choice, whatever the tables say; with translation on they only stand
 * between an assigned device and its guest's memory: off (as Linux does),
 * once translation is on, so that nothing is open in between. */
static int pmr_off(struct iommu_unit *u, const char **why)
{
	if (!(rd64(u, VTD_CAP) & CAP_PMR) || !(rd32(u, VTD_PMEN) & PMEN_PRS))
		return 0;
	wr32(u, VTD_PMEN, rd32(u, VTD_PMEN) & ~PMEN_EPM);
	for (unsigned i = 0; i < WAIT_LOOPS; i++) {
		if (!(rd32(u, VTD_PMEN) & PMEN_PRS))
			return 0;
		cpu_pause();
	}
	return vtd_fail(why, "the firmware's protected memory regions do not turn off", -ETIMEDOUT);
}

static int vtd_block_all(struct iommu_unit *u, const char **why)
{
	static const uint64_t flush[] = { QI_CC_GLOBAL, QI_IOTLB_GLOBAL };
	uint64_t cap, ecap;

	u->regs = mm_map_mmio(u->regs_pa, VTD_REGS_SIZE);
	if (!u->regs)
		return vtd_fail(why, "cannot map its registers", -ENOMEM);
	cap = rd64(u, VTD_CAP), ecap = rd64(u, VTD_ECAP);
	u->fault_regs = (uint32_t)((cap >> 24) & 0x3ff) * 16;
	u->fault_count = (uint32_t)((cap >> 40) & 0xff) + 1;
	if (!(ecap & ECAP_QI))
		return vtd_fail(why, "no queued invalidation", -ENODEV);
	if (u->fault_regs < 0x100 || u->fault_regs + 16 * u->fault_count > VTD_REGS_SIZE)
		return vtd_fail(why, "fault recording registers outside its register page", -ENODEV);
	u->root_pa = page_alloc(1, 4096); /* zeroed: no root entry present */
	if (!u->root_pa)
		return vtd_fail(why, "no memory for its root table", -ENOMEM);
	vtd_flush(u, phys_to_virt(u->root_pa), 4096);
	/* A firmware's interrupt remapping reads its table from memory the
	 * VMM's allocator hands out again: off until the VMM's own is set
	 * (iommu_intremap_start). */
	if ((rd32(u, VTD_GSTS) & GCMD_IRE) && gcmd(u, GCMD_IRE, false))
		return vtd_fail(why, "the firmware's interrupt remapping does not turn off", -ETIMEDOUT);
	if (qi_stop(u))
		return vtd_fail(why, "the firmware's invalidation queue does not stop", -ETIMEDOUT);
	wr64(u, VTD_RTADDR, u->root_pa); /* legacy mode: TTM = 0 */
	if (gcmd(u, GCMD_SRTP, true))
		return vtd_fail(why, "the root table pointer is not taken", -ETIMEDOUT);
	if (qi_start(u))
		return vtd_fail(why, "the invalidation queue does not start", -ETIMEDOUT);
	if (qi_run(u, flush, 2))
		return vtd_fail(why, "context and IOTLB invalidation does not complete", -ETIMEDOUT);
	if (gcmd(u, GCMD_TE, true))
		return vtd_fail(why, "translation does not turn on", -ETIMEDOUT);
	return pmr_off(u, why);
}

/*
 * Interrupt remapping with a table of 256 entries, none present, so every
 * interrupt message in the remappable format is refused until the VMM
 * writes its entry; the compatibility format stays blocked (GCMD.CFI is
 * never set), so a device cannot send an interrupt in the old format
 * either.
 */
static int vtd_intremap_on(struct iommu_unit *u, struct iommu_set *set, bool x2apic, const char **why)
{
	static const uint64_t flush[] = { QI_IEC_GLOBAL };
	uint64_t ecap = rd64(u, VTD_ECAP);

	(void)set;
	if (!(ecap & ECAP_IR))
		return vtd_fail(why, "no interrupt remapping", -ENODEV);
	if (x2apic && !(ecap & ECAP_EIM))
		return vtd_fail(why, "no 32-bit destinations for x2APIC mode", -ENODEV);
	u->irt_pa = page_alloc(1, 4096);
	if (!u->irt_pa)
		return vtd_fail(why, "no memory for its interrupt remapping table", -ENOMEM);
	vtd_flush(u, phys_to_virt(u->irt_pa), 4096);
	wr64(u, VTD_IRTA, u->irt_pa | (x2apic ? IRTA_EIME : 0) | IRTA_SIZE_256);
	if (gcmd(u, GCMD_SIRTP, true))
		return vtd_fail(why, "the interrupt remapping table is not taken", -ETIMEDOUT);
	if (qi_run(u, flush, 1))
		return vtd_fail(why, "interrupt entry cache invalidation does not complete", -ETIMEDOUT);
	if (gcmd(u, GCMD_IRE, true))
		return vtd_fail(why, "interrupt remapping does not turn on", -ETIMEDOUT);
	u->intremap = true;
	return 0;
}

/* The next free entry: fixed delivery of vector to apic_id, accepted only
 * from requester sid; *index says which. */
static int irte_add(struct iommu_unit *u, uint16_t sid, uint8_t vector, uint32_t apic_id, bool level,
		    uint32_t *index)
{
	static const uint64_t flush[] = { QI_IEC_GLOBAL };
	bool eime = rd64(u, VTD_IRTA) & IRTA_EIME;
	uint64_t *e;

	if (u->irt_used == IRT_ENTRIES)
		return -ENOSPC;
	if (!eime && apic_id > 0xff)
		return -ERANGE;
	*index = u->irt_used;
	e = (uint64_t *)phys_to_virt(u->irt_pa) + 2 * *index;
	e[1] = sid | IRTE_SVT_RID;
	e[0] = IRTE_PRESENT | (level ? IRTE_LEVEL : 0) | (uint64_t)vector << 16 |
	       (eime ? (uint64_t)apic_id << 32 : (uint64_t)apic_id << 40);
	vtd_flush(u, e, 16);
	u->irt_used++;
	return qi_run(u, flush, 1) ? -ETIMEDOUT : 0;
}

/* One entry for an I/O APIC input, accepted only from that I/O APIC's
 * requester ID; the redirection entry names it by its index in the
 * remappable format and keeps its vector (the I/O APIC matches EOIs by
 * it). */
static int vtd_ioapic_entry(struct iommu_unit *u, struct iommu_ioapic *io, uint8_t vector, uint32_t apic_id,
			    uint32_t lo_flags, uint64_t *rte)
{
	uint32_t index;
	int err = irte_add(u, io->rid, vector, apic_id, lo_flags & RTE_LEVEL, &index);

	if (err)
		return err;
	*rte = RTE_REMAPPABLE | (uint64_t)(index & 0x7fff) << 49 | (uint64_t)(index >> 15) << 11 | lo_flags | vector;
	return 0;
}

/* A device's MSI: the remappable format (bit 4), its entry's index in
 * address bits 19..5 and 2, no subhandle, data 0. */
static int vtd_msi_entry(struct iommu_unit *u, uint16_t rid, uint8_t vector, uint32_t apic_id, uint64_t *addr,
			 uint32_t *data)
{
	uint32_t index;
	int err = irte_add(u, rid, vector, apic_id, false, &index);

	if (err)
		return err;
	*addr = 0xfee00000ull | (uint64_t)(index & 0x7fff) << 5 | 1ull << 4 | (uint64_t)(index >> 15) << 2;
	*data = 0;
	return 0;
}

/* Second-level tables in the builder's format; 2 MiB leaves when the unit
 * takes them. */
static const struct pt_format *vtd_window_format(struct iommu_unit *u, uint64_t *large_sizes)
{
	*large_sizes = (rd64(u, VTD_CAP) & CAP_SLLPS_2M) ? PT_PAGE_2M : 0;
	return &pt_format_vtd;
}

#define CTX_PRESENT 1ull
#define CTX_AW_39 1ull /* 3-level tables */
#define CTX_AW_48 2ull /* 4-level tables */

/*
 * The requester's context entry, in the context table of its bus (made on
 * first use, the root entry pointing to it): translation of untranslated
 * requests only (type 0; no device-TLB, no pass-through), through win.
 * A unit that walks 3 levels only gets the table win's root entry 0 points
 * to, when win maps nothing above 512 GiB.
 */
static int vtd_window_open(struct iommu_unit *u, uint16_t rid, uint16_t domain, const struct pt *win, uint64_t top,
			   const char **why)
{
	static const uint64_t flush[] = { QI_CC_GLOBAL, QI_IOTLB_GLOBAL };
	uint64_t cap = rd64(u, VTD_CAP), *root = phys_to_virt(u->root_pa), *ctx, *top_table, slpt, aw;
	unsigned bus = rid >> 8, devfn = rid & 0xff;

	if (domain >= 1u << (4 + 2 * CAP_ND(cap)))
		return vtd_fail(why, "no domain ID left", -ENOSPC);
	if (top > 1ull << (CAP_MGAW(cap) + 1))
		return vtd_fail(why, "guest memory beyond the unit's address width", -ERANGE);
	top_table = phys_to_virt(win->root_pa);
	if (CAP_SAGAW(cap) & 4) {
		aw = CTX_AW_48;
		slpt = win->root_pa;
	} else if (CAP_SAGAW(cap) & 2) {
		if (top > 1ull << 39 || !pt_format_vtd.present(top_table[0]))
			return vtd_fail(why, "guest memory beyond the 3-level tables' 512 GiB", -ERANGE);
		aw = CTX_AW_39;
		slpt = top_table[0] & pt_format_vtd.addr_mask;
	} else {
		return vtd_fail(why, "the unit walks neither 3- nor 4-level tables", -ENODEV);
	}
	if (!(root[2 * bus] & CTX_PRESENT)) {
		uint64_t pa = page_alloc(1, 4096);

		if (!pa)
			return vtd_fail(why, "no memory for a context table", -ENOMEM);
		vtd_flush(u, phys_to_virt(pa), 4096);
		root[2 * bus] = pa | CTX_PRESENT;
		vtd_flush(u, &root[2 * bus], 16);
	}
	ctx = (uint64_t *)phys_to_virt(root[2 * bus] & ~0xfffull) + 2 * devfn;
	if (ctx[0] & CTX_PRESENT)
		return vtd_fail(why, "the function has a window already", -EEXIST);
	pt_walk(win, vtd_leaf_none, vtd_flush_table, u); /* the window's tables in memory */
	ctx[1] = aw | (uint64_t)domain << 8;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ctx[0] = slpt | CTX_PRESENT; /* translation type 0, faults reported */
	vtd_flush(u, ctx, 16);
	if (qi_run(u, flush, 2))
		return vtd_fail(why, "context and IOTLB invalidation does not complete", -ETIMEDOUT);
	return 0;
}

static const char *vtd_reason(unsigned fr)
{
	static const char *const names[] = {
		[1] = "no root entry",	       [2] = "no context entry",	[3] = "invalid context entry",
		[4] = "address beyond width", [5] = "not writable",	[6] = "not readable",
		[7] = "invalid page entry",   [8] = "root table unreadable", [9] = "context table unreadable",
		[10] = "reserved bits in root entry", [11] = "reserved bits in context entry",
		[12] = "reserved bits in page entry", [13] = "translation type blocked",
	};

	if (fr < sizeof(names) / sizeof(names[0]) && names[fr])
		return names[fr];
	return fr >= 0x20 && fr <= 0x26 ? "interrupt remapping" : "other";
}

/* The next recorded fault, cleared in the unit; an overflow bit is cleared
 * too (the faults it dropped are lost to the log, not to the blocking). */
static bool vtd_fault_next(struct iommu_unit *u, struct iommu_fault *f)
{
	uint32_t fsts = rd32(u, VTD_FSTS);

	if (fsts & FSTS_PFO)
		wr32(u, VTD_FSTS, FSTS_PFO);
	if (!(fsts & FSTS_PPF))
		return false;
	for (uint32_t i = 0; i < u->fault_count; i++) {
		unsigned off = u->fault_regs + 16 * ((((fsts >> 8) & 0xff) + i) % u->fault_count);
		uint64_t hi = rd64(u, off + 8);

		if (!(hi & FRCD_F))
			continue;
		f->segment = u->segment;
		f->rid = (uint16_t)hi;
		f->addr = rd64(u, off) & ~0xfffull;
		f->write = !(hi & FRCD_T_READ);
		f->reason = vtd_reason((unsigned)(hi >> 32) & 0xff);
		wr32(u, off + 12, 1u << 31); /* F is write-1-to-clear */
		return true;
	}
	return false;
}

const struct iommu_ops iommu_vtd_ops = {
	.name = "vt-d",
	.block_all = vtd_block_all,
	.fault_next = vtd_fault_next,
	.intremap_on = vtd_intremap_on,
	.ioapic_entry = vtd_ioapic_entry,
	.msi_entry = vtd_msi_entry,
	.window_format = vtd_window_format,
	.window_open = vtd_window_open,
};
