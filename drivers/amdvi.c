/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi (AMD I/O Virtualization Technology specification): a device
 * table with all 65,536 entries written, each valid with translation
 * valid, paging mode 0 and neither read nor write permission, so every
 * request from every requester ID is refused. An entry left zero would
 * let its requester's DMA through untranslated; so would an exclusion
 * range, which is cleared. Invalidation and completion go through the
 * command buffer; faults are read from the event log by polling.
 */
#include <errno.h>
#include "arch/x86/cpu.h"
#include "arch/x86/pt.h"
#include "drivers/iommu.h"
#include "kernel/mm.h"

#define AMDVI_DEVTAB 0x00
#define AMDVI_CMDBUF 0x08
#define AMDVI_EVTLOG 0x10
#define AMDVI_CONTROL 0x18
#define AMDVI_EXCL_BASE 0x20
#define AMDVI_EXCL_LIMIT 0x28
#define AMDVI_EFR 0x30
#define AMDVI_CMD_HEAD 0x2000
#define AMDVI_CMD_TAIL 0x2008
#define AMDVI_EVT_HEAD 0x2010
#define AMDVI_EVT_TAIL 0x2018
#define AMDVI_STATUS 0x2020
#define AMDVI_REGS_SIZE 0x4000

#define CTRL_IOMMU_EN (1ull << 0)
#define CTRL_EVTLOG_EN (1ull << 2)
#define CTRL_CMDBUF_EN (1ull << 12)
#define STATUS_EVT_OVERFLOW (1ull << 0)
#define EFR_IA (1ull << 6)

#define DEVTAB_ENTRIES 65536
#define DEVTAB_PAGES (DEVTAB_ENTRIES * 32 / 4096)
#define DTE_V (1ull << 0)
#define DTE_TV (1ull << 1)
#define RING_ENTRIES 256 /* command buffer and event log: one page each */
#define RING_LEN_256 (8ull << 56)

#define CMD_COMPLETION_WAIT (1ull << 60)
#define CMD_WAIT_STORE 1ull
#define CMD_INVALIDATE_DEVTAB (2ull << 60)
#define CMD_INVALIDATE_PAGES (3ull << 60)
#define INVALIDATE_PAGES_ALL (0x7ffffffffffff000ull | 3) /* every address: S and PDE set */
#define DTE_MODE_4 (4ull << 9) /* 4-level I/O page tables */
#define DTE_IR (1ull << 61)
#define DTE_IW (1ull << 62)
#define DTE_ROOT_MASK 0x000ffffffffff000ull
#define CMD_INVALIDATE_IRT (5ull << 60)
#define CMD_INVALIDATE_ALL (8ull << 60)
#define DTE_IV 1ull		   /* in the third quadword: interrupt control valid */
#define DTE_INTTAB_256 (8ull << 1) /* 2^8 entries */
#define DTE_INTCTL_REMAP (2ull << 60)
#define DTE_INTCTL_MASK (3ull << 60)
#define IRTE_REMAP_EN 1u
#define EVT_IO_PAGE_FAULT 2
#define EVT_WRITE (1u << 21)
#define WAIT_LOOPS 10000000u

static uint64_t rd64(const struct iommu_unit *u, unsigned off)
{
	return *(volatile uint64_t *)(u->regs + off);
}

static void wr64(struct iommu_unit *u, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(u->regs + off) = v;
}

static void cmd_put(struct iommu_unit *u, uint64_t lo, uint64_t hi)
{
	uint64_t *ring = phys_to_virt(u->queue_pa);

	ring[2 * u->queue_tail] = lo;
	ring[2 * u->queue_tail + 1] = hi;
	u->queue_tail = (u->queue_tail + 1) % RING_ENTRIES;
}

/* Queue the commands, then a completion wait that stores 1, and wait for
 * the store: every command before it is then done. */
static int cmd_run2(struct iommu_unit *u, const uint64_t *lo, const uint64_t *hi, unsigned n)
{
	volatile uint64_t *status = phys_to_virt(u->status_pa);

	*status = 0;
	for (unsigned i = 0; i < n; i++)
		cmd_put(u, lo[i], hi ? hi[i] : 0);
	cmd_put(u, CMD_COMPLETION_WAIT | u->status_pa | CMD_WAIT_STORE, 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr64(u, AMDVI_CMD_TAIL, (uint64_t)u->queue_tail << 4);
	for (unsigned i = 0; i < WAIT_LOOPS; i++) {
		if (*status == 1)
			return 0;
		cpu_pause();
	}
	return -ETIMEDOUT;
}

static int cmd_run(struct iommu_unit *u, const uint64_t *lo, unsigned n)
{
	return cmd_run2(u, lo, NULL, n);
}

/* Every cached entry dropped: one command where the unit has it, else one
 * per device-table entry (in batches the ring holds). */
static int amdvi_flush(struct iommu_unit *u)
{
	uint64_t cmd[RING_ENTRIES / 2];

	if (rd64(u, AMDVI_EFR) & EFR_IA) {
		cmd[0] = CMD_INVALIDATE_ALL;
		return cmd_run(u, cmd, 1);
	}
	for (unsigned id = 0; id < DEVTAB_ENTRIES; id += RING_ENTRIES / 2) {
		for (unsigned i = 0; i < RING_ENTRIES / 2; i++)
			cmd[i] = CMD_INVALIDATE_DEVTAB | (id + i);
		if (cmd_run(u, cmd, RING_ENTRIES / 2))
			return -ETIMEDOUT;
	}
	return 0;
}

static int amdvi_fail(const char **why, const char *msg, int err)
{
	*why = msg;
	return err;
}

static int amdvi_tables(struct iommu_unit *u)
{
	uint64_t *dte;

	u->root_pa = page_alloc(DEVTAB_PAGES, 4096);
	u->queue_pa = page_alloc(1, 4096);
	u->log_pa = page_alloc(1, 4096);
	u->status_pa = page_alloc(1, 4096);
	if (!u->root_pa || !u->queue_pa || !u->log_pa || !u->status_pa)
		return -ENOMEM;
	dte = phys_to_virt(u->root_pa);
	for (unsigned i = 0; i < DEVTAB_ENTRIES; i++)
		dte[4 * i] = DTE_V | DTE_TV; /* mode 0, IR = IW = 0: refused */
	return 0;
}

static int amdvi_block_all(struct iommu_unit *u, const char **why)
{
	u->regs = mm_map_mmio(u->regs_pa, AMDVI_REGS_SIZE);
	if (!u->regs)
		return amdvi_fail(why, "cannot map its registers", -ENOMEM);
	if (amdvi_tables(u))
		return amdvi_fail(why, "no memory for its device table", -ENOMEM);
	/* The tables cannot change under a running unit: a firmware that
	 * left it on has it turned off for the few writes below. */
	wr64(u, AMDVI_CONTROL, 0);
	wr64(u, AMDVI_EXCL_BASE, 0);
	wr64(u, AMDVI_EXCL_LIMIT, 0);
	wr64(u, AMDVI_DEVTAB, u->root_pa | (DEVTAB_PAGES - 1));
	wr64(u, AMDVI_CMDBUF, u->queue_pa | RING_LEN_256);
	wr64(u, AMDVI_EVTLOG, u->log_pa | RING_LEN_256);
	wr64(u, AMDVI_CMD_HEAD, 0);
	wr64(u, AMDVI_CMD_TAIL, 0);
	wr64(u, AMDVI_EVT_HEAD, 0);
	wr64(u, AMDVI_EVT_TAIL, 0);
	u->queue_tail = 0;
	wr64(u, AMDVI_CONTROL, CTRL_IOMMU_EN | CTRL_EVTLOG_EN | CTRL_CMDBUF_EN);
	if (!(rd64(u, AMDVI_CONTROL) & CTRL_IOMMU_EN))
		return amdvi_fail(why, "it does not turn on", -ENODEV);
	if (amdvi_flush(u))
		return amdvi_fail(why, "its caches cannot be invalidated", -ETIMEDOUT);
	return 0;
}

/*
 * Interrupt remapping: every device-table entry's interrupt control made
 * valid with "abort" (an entry whose control is not valid passes every
 * interrupt message unchecked), no pass-through of NMI, INIT, ExtInt or
 * LINT0/1; each I/O APIC tied to the unit gets a table of 256 entries,
 * none enabled until the VMM routes an input. Legacy 32-bit entries:
 * destinations of 8 bits.
 */
static int amdvi_intremap_on(struct iommu_unit *u, struct iommu_set *set, bool x2apic, const char **why)
{
	uint64_t *dte = phys_to_virt(u->root_pa);
	unsigned tied = 0;

	(void)x2apic;
	for (unsigned i = 0; i < set->ioapic_count; i++)
		tied += &set->unit[set->ioapic[i].unit] == u;
	/* The I/O APICs' own requester IDs unknown, their messages would be
	 * refused with everyone else's: no remapping then. */
	if (!tied)
		return amdvi_fail(why, "the IVRS ties no I/O APIC to it", -ENODEV);
	for (unsigned i = 0; i < DEVTAB_ENTRIES; i++)
		dte[4 * i + 2] = DTE_IV;
	for (unsigned i = 0; i < set->ioapic_count; i++) {
		struct iommu_ioapic *io = &set->ioapic[i];

		if (&set->unit[io->unit] != u)
			continue;
		io->table_pa = page_alloc(1, 4096);
		if (!io->table_pa)
			return amdvi_fail(why, "no memory for an interrupt remapping table", -ENOMEM);
		dte[4 * io->rid + 2] = io->table_pa | DTE_INTTAB_256 | DTE_INTCTL_REMAP | DTE_IV;
	}
	if (amdvi_flush(u))
		return amdvi_fail(why, "its caches cannot be invalidated", -ETIMEDOUT);
	u->intremap = true;
	return 0;
}

/* The entry at the input's vector (an I/O APIC's message data is the
 * index: fixed delivery, so its bits 10:8 are 0); the redirection entry
 * keeps the classic format with destination 0, the table holding the
 * real one. */
static int amdvi_ioapic_entry(struct iommu_unit *u, struct iommu_ioapic *io, uint8_t vector, uint32_t apic_id,
			      uint32_t lo_flags, uint64_t *rte)
{
	uint64_t cmd = CMD_INVALIDATE_IRT | io->rid;
	volatile uint32_t *t = phys_to_virt(io->table_pa);

	if (apic_id > 0xff)
		return -ERANGE;
	t[vector] = IRTE_REMAP_EN | apic_id << 8 | (uint32_t)vector << 16;
	if (cmd_run(u, &cmd, 1))
		return -ETIMEDOUT;
	*rte = lo_flags | vector;
	return 0;
}

/* I/O page tables in the builder's format, 4 KiB pages only (QEMU 7.2's
 * walker and ours agree on those; the window is built once). */
static const struct pt_format *amdvi_window_format(struct iommu_unit *u, uint64_t *large_sizes)
{
	(void)u;
	*large_sizes = 0;
	return &pt_format_amdvi;
}

/*
 * The requester's device-table entry becomes valid with translation:
 * 4-level tables at win's root, read and write allowed through them (the
 * leaves decide), its domain. The interrupt half stays as it was. Then
 * the entry and the domain's cached translations are invalidated.
 */
static int amdvi_window_open(struct iommu_unit *u, uint16_t rid, uint16_t domain, const struct pt *win,
			     uint64_t top, const char **why)
{
	uint64_t *dte = (uint64_t *)phys_to_virt(u->root_pa) + 4 * rid;
	const uint64_t lo[] = { CMD_INVALIDATE_DEVTAB | rid, CMD_INVALIDATE_PAGES | (uint64_t)domain << 32 };
	const uint64_t hi[] = { 0, INVALIDATE_PAGES_ALL };

	if (top > 1ull << 48)
		return amdvi_fail(why, "guest memory beyond 4-level tables' 256 TiB", -ERANGE);
	if (dte[0] & DTE_MODE_4)
		return amdvi_fail(why, "the function has a window already", -EEXIST);
	dte[1] = domain;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	dte[0] = DTE_V | DTE_TV | DTE_MODE_4 | (win->root_pa & DTE_ROOT_MASK) | DTE_IR | DTE_IW;
	if (cmd_run2(u, lo, hi, 2))
		return amdvi_fail(why, "its caches cannot be invalidated", -ETIMEDOUT);
	return 0;
}

/* A device's MSI or MSI-X entry: a table of the device's own (one page,
 * made at its first entry), whose next free entry delivers vector to
 * apic_id; the device sends that entry's index as its data to 0xfee00000
 * (fixed delivery: data bits 10:8 are 0 for every index below 256). Its
 * device-table entry's interrupt control becomes "remap" with that table;
 * every other index stays disabled. */
static int amdvi_msi_entry(struct iommu_unit *u, uint16_t rid, uint8_t vector, uint32_t apic_id, uint64_t *addr,
			   uint32_t *data)
{
	uint64_t *dte = (uint64_t *)phys_to_virt(u->root_pa) + 4 * rid, table = dte[2] & DTE_ROOT_MASK;
	const uint64_t cmd[] = { CMD_INVALIDATE_DEVTAB | rid, CMD_INVALIDATE_IRT | rid };
	volatile uint32_t *t;
	unsigned i = 0;

	if (apic_id > 0xff)
		return -ERANGE;
	if ((dte[2] & DTE_INTCTL_MASK) != DTE_INTCTL_REMAP)
		table = page_alloc(1, 4096);
	if (!table)
		return -ENOMEM;
	t = phys_to_virt(table);
	while (i < 256 && t[i])
		i++;
	if (i == 256)
		return -ENOSPC;
	t[i] = IRTE_REMAP_EN | apic_id << 8 | (uint32_t)vector << 16;
	dte[2] = table | DTE_INTTAB_256 | DTE_INTCTL_REMAP | DTE_IV;
	if (cmd_run(u, cmd, 2))
		return -ETIMEDOUT;
	*addr = 0xfee00000ull;
	*data = i;
	return 0;
}

static const char *amdvi_reason(unsigned code)
{
	static const char *const names[] = {
		[1] = "illegal device table entry", [2] = "page fault", [3] = "device table error",
		[4] = "page table error", [5] = "illegal command", [6] = "command error",
		[7] = "IOTLB invalidation timeout", [8] = "invalid device request",
	};

	return code < sizeof(names) / sizeof(names[0]) && names[code] ? names[code] : "other";
}

/* The next event in the log; an overflowed log restarts empty. */
static bool amdvi_fault_next(struct iommu_unit *u, struct iommu_fault *f)
{
	uint64_t head = rd64(u, AMDVI_EVT_HEAD) & 0xff0, tail = rd64(u, AMDVI_EVT_TAIL) & 0xff0;
	const volatile uint64_t *e;
	uint32_t hi32;

	if (rd64(u, AMDVI_STATUS) & STATUS_EVT_OVERFLOW) {
		wr64(u, AMDVI_CONTROL, rd64(u, AMDVI_CONTROL) & ~CTRL_EVTLOG_EN);
		wr64(u, AMDVI_STATUS, STATUS_EVT_OVERFLOW);
		wr64(u, AMDVI_EVT_HEAD, 0);
		wr64(u, AMDVI_EVT_TAIL, 0);
		wr64(u, AMDVI_CONTROL, rd64(u, AMDVI_CONTROL) | CTRL_EVTLOG_EN);
		return false;
	}
	if (head == tail)
		return false;
	e = (const volatile uint64_t *)((uint8_t *)phys_to_virt(u->log_pa) + head);
	hi32 = (uint32_t)(e[0] >> 32);
	f->segment = u->segment;
	f->rid = (uint16_t)e[0];
	f->addr = e[1] & ~0xfffull;
	f->write = hi32 >> 28 == EVT_IO_PAGE_FAULT && (hi32 & EVT_WRITE);
	f->reason = amdvi_reason(hi32 >> 28);
	wr64(u, AMDVI_EVT_HEAD, (head + 16) % (RING_ENTRIES * 16));
	return true;
}

const struct iommu_ops iommu_amdvi_ops = {
	.name = "amd-vi",
	.block_all = amdvi_block_all,
	.fault_next = amdvi_fault_next,
	.intremap_on = amdvi_intremap_on,
	.ioapic_entry = amdvi_ioapic_entry,
	.msi_entry = amdvi_msi_entry,
	.window_format = amdvi_window_format,
	.window_open = amdvi_window_open,
};
