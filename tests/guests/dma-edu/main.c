/* SPDX-License-Identifier: MIT */
/*
 * dma-edu: a guest that drives QEMU's `edu` device (PCI 1234:11e8) when
 * one is assigned to it, for the IOMMU tier (tests/iommu/t_assign.py).
 *
 * It lists the PCI functions its configuration space shows, then, with an
 * edu there: sizes BAR 0, tries to move it, turns on memory decoding and
 * bus mastering, and has the device copy a page of its own memory to
 * another through the device's buffer: that DMA must arrive. Then it
 * prints where its mailbox is and waits for the harness to put orders in
 * it (through QEMU's qtest, from outside the guests):
 *   1 addr: the device writes 256 bytes of a known pattern at addr;
 *   2 addr: the device reads 256 bytes at addr into its buffer, which is
 *           then copied into the guest: "unchanged" when the read took
 *           nothing;
 *   3 addr: the guest reads 4 bytes at addr itself (another guest's BAR);
 *   4 0:    the own-memory copy again;
 *   5 addr: the device writes 64 words 0x00000080 at addr: aimed at
 *           0xfee00000, each a forged interrupt message (fixed, vector
 *           0x80).
 * Each order prints one line; the harness judges what happened to the
 * memory. The verdict says whether the device worked on the guest's own
 * memory.
 *
 * Before the mailbox, the guest programs its function's MSI capability
 * (vector 0x60 at its own APIC ID) and has the device raise 16
 * interrupts, then one at the end of a DMA: each must arrive. Then it
 * asks for what it may not have: the same message as an NMI, aimed at an
 * APIC ID it does not have, and with MSI disabled: none may arrive.
 */
#include "guest.h"
#include "apic.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_ENABLE 0x80000000u
#define EDU_ID 0x11e81234u
#define EDU_BUF 0x40000ull /* the device's buffer, device-side */
#define DMA_LEN 256
#define DMA_WAIT 200000000ull

#define MSI_VECTOR 0x60
/* PAUSE iterations to wait for one interrupt: under QEMU's TCG about a
 * second, where one delivered arrives within milliseconds. It bounds each
 * of the checks that nothing arrives (4 raises each). */
#define MSI_WAIT 10000000ull

static volatile unsigned msi_count;
static uint64_t msi_bar;

static void on_msi(unsigned vector)
{
	(void)vector;
	msi_count++;
	*(volatile uint32_t *)(uintptr_t)(msi_bar + 0x64) = *(volatile uint32_t *)(uintptr_t)(msi_bar + 0x24);
	lapic_eoi();
}

static volatile uint64_t mailbox[64] __attribute__((aligned(4096)));
static uint8_t src[4096] __attribute__((aligned(4096)));
static uint8_t dst[4096] __attribute__((aligned(4096)));

static uint32_t cfg_read(unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_ADDR, PCI_ENABLE | dev << 11 | fn << 8 | reg);
	return inl(PCI_DATA);
}

static void cfg_write(unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	outl(PCI_ADDR, PCI_ENABLE | dev << 11 | fn << 8 | reg);
	outl(PCI_DATA, v);
}

static volatile uint64_t *edu_reg(uint64_t bar, unsigned off)
{
	return (volatile uint64_t *)(uintptr_t)(bar + off);
}

/* One transfer; to_ram: device buffer to addr, else addr to buffer. */
static int edu_dma(uint64_t bar, uint64_t addr, int to_ram)
{
	*edu_reg(bar, 0x80) = to_ram ? EDU_BUF : addr;
	*edu_reg(bar, 0x88) = to_ram ? addr : EDU_BUF;
	*edu_reg(bar, 0x90) = DMA_LEN;
	*edu_reg(bar, 0x98) = to_ram ? 3 : 1;
	for (uint64_t i = 0; i < DMA_WAIT; i++)
		if (!(*edu_reg(bar, 0x98) & 1))
			return 0;
	return -1;
}

static void pattern(uint8_t *p, uint8_t seed)
{
	for (unsigned i = 0; i < DMA_LEN; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* src -> device -> dst, all in this guest's memory. */
static int own_copy(uint64_t bar, uint8_t seed)
{
	pattern(src, seed);
	for (unsigned i = 0; i < DMA_LEN; i++)
		dst[i] = 0;
	if (edu_dma(bar, (uint64_t)(uintptr_t)src, 0) || edu_dma(bar, (uint64_t)(uintptr_t)dst, 1))
		return -1;
	for (unsigned i = 0; i < DMA_LEN; i++)
		if (dst[i] != src[i])
			return -2;
	return 0;
}

static unsigned msi_cap(unsigned dev, unsigned fn)
{
	unsigned p = cfg_read(dev, fn, 0x34) & 0xfc;

	for (unsigned n = 0; p && n < 48; n++) {
		uint32_t w = cfg_read(dev, fn, p);

		if ((w & 0xff) == 0x05)
			return p;
		p = (w >> 8) & 0xfc;
	}
	return 0;
}

/* Have the device raise n interrupts; how many arrived. */
static unsigned msi_raise(uint64_t bar, unsigned n)
{
	unsigned before = msi_count;

	for (unsigned i = 0; i < n; i++) {
		uint64_t w = 0;

		*(volatile uint32_t *)(uintptr_t)(bar + 0x60) = 1;
		while (msi_count == before + i && w++ < MSI_WAIT)
			asm volatile("pause");
	}
	for (uint64_t w = 0; w < MSI_WAIT / 10; w++) /* late ones count too */
		asm volatile("pause");
	*(volatile uint32_t *)(uintptr_t)(bar + 0x64) = 0xffffffffu;
	return msi_count - before;
}

/* The device's interrupts through the VMM, as MSI (the capability at p). */
static void msi_test(unsigned dev, unsigned fn, uint64_t bar)
{
	unsigned p = msi_cap(dev, fn), data_at, got, before;
	uint32_t me = lapic_read(0x20) >> 24;

	if (!p) {
		printf("msi: no capability\n");
		return;
	}
	data_at = (cfg_read(dev, fn, p) >> 16) & 0x80 ? 0xc : 0x8;
	msi_bar = bar;
	guest_set_irq_handler(MSI_VECTOR, on_msi);
	lapic_enable(0xff);
	sti();
	cfg_write(dev, fn, p + 4, 0xfee00000u | me << 12);
	cfg_write(dev, fn, p + data_at, MSI_VECTOR);
	cfg_write(dev, fn, p, cfg_read(dev, fn, p) | 1u << 16);
	printf("msi: %u of 16 interrupts at vector 0x%x\n", msi_raise(bar, 16), MSI_VECTOR);
	before = msi_count;
	pattern(src, 0x77);
	*edu_reg(bar, 0x80) = (uint64_t)(uintptr_t)src;
	*edu_reg(bar, 0x88) = EDU_BUF;
	*edu_reg(bar, 0x90) = DMA_LEN;
	*edu_reg(bar, 0x98) = 1 | 4; /* start, interrupt when done */
	for (uint64_t w = 0; msi_count == before && w < MSI_WAIT * 4; w++)
		asm volatile("pause");
	printf("msi at the end of a DMA: %u\n", msi_count - before);
	cfg_write(dev, fn, p + data_at, 0x400 | MSI_VECTOR); /* NMI */
	got = msi_raise(bar, 4);
	printf("msi as an NMI: %u of 4 arrived\n", got);
	cfg_write(dev, fn, p + data_at, MSI_VECTOR);
	cfg_write(dev, fn, p + 4, 0xfee00000u | (me + 7) << 12);
	printf("msi at apic %u: %u of 4 arrived\n", me + 7, msi_raise(bar, 4));
	cfg_write(dev, fn, p + 4, 0xfee00000u | me << 12);
	cfg_write(dev, fn, p, cfg_read(dev, fn, p) & ~(1u << 16));
	printf("msi disabled: %u of 4 arrived\n", msi_raise(bar, 4));
	cfg_write(dev, fn, p, cfg_read(dev, fn, p) | 1u << 16);
	printf("msi enabled again: %u of 4 arrived\n", msi_raise(bar, 4));
	cli();
}

static void order(uint64_t bar, uint64_t op, uint64_t addr)
{
	int err;

	switch (op) {
	case 1:
		pattern(src, 0xa5);
		err = edu_dma(bar, (uint64_t)(uintptr_t)src, 0) || edu_dma(bar, addr, 1);
		printf("dma write 0x%llx: %s\n", (unsigned long long)addr, err ? "timed out" : "done");
		break;
	case 2: {
		int same = 1;

		pattern(src, 0x3c); /* the buffer's contents before the read */
		for (unsigned i = 0; i < DMA_LEN; i++)
			dst[i] = 0;
		err = edu_dma(bar, (uint64_t)(uintptr_t)src, 0) || edu_dma(bar, addr, 0) ||
		      edu_dma(bar, (uint64_t)(uintptr_t)dst, 1);
		for (unsigned i = 0; i < DMA_LEN; i++)
			same &= dst[i] == src[i];
		printf("dma read 0x%llx: %s first %016llx\n", (unsigned long long)addr,
		       err ? "timed out" : same ? "unchanged" : "changed", (unsigned long long)*(uint64_t *)dst);
		break;
	}
	case 3:
		printf("mmio read 0x%llx: trying\n", (unsigned long long)addr);
		printf("mmio read 0x%llx: %08x\n", (unsigned long long)addr, *(volatile uint32_t *)(uintptr_t)addr);
		break;
	case 5:
		for (unsigned i = 0; i < DMA_LEN / 4; i++)
			((uint32_t *)src)[i] = 0x80;
		err = edu_dma(bar, (uint64_t)(uintptr_t)src, 0) || edu_dma(bar, addr, 1);
		printf("dma forge 0x%llx: %s\n", (unsigned long long)addr, err ? "timed out" : "done");
		break;
	case 4:
		err = own_copy(bar, 0x42);
		printf("dma own memory again: %s\n", err ? "FAILED" : "ok");
		break;
	default:
		printf("order %llu: unknown\n", (unsigned long long)op);
	}
}

int guest_main(const struct hvm_start_info *si)
{
	unsigned found = 0, edu_dev = 0, edu_fn = 0;
	uint64_t bar = 0;
	int own = -3;

	(void)si;
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = cfg_read(dev, fn, 0);

			if (id == 0xffffffffu)
				continue;
			printf("pci 00:%02x.%u id %08x\n", dev, fn, id);
			found++;
			if (id == EDU_ID)
				edu_dev = dev, edu_fn = fn, bar = 1;
		}
	printf("pci: %u functions\n", found);
	if (bar) {
		uint32_t orig = cfg_read(edu_dev, edu_fn, 0x10), size, moved, ident;

		cfg_write(edu_dev, edu_fn, 0x10, 0xffffffffu);
		size = ~(cfg_read(edu_dev, edu_fn, 0x10) & ~0xfu) + 1;
		cfg_write(edu_dev, edu_fn, 0x10, orig);
		cfg_write(edu_dev, edu_fn, 0x10, 0x10000000u);
		moved = cfg_read(edu_dev, edu_fn, 0x10);
		printf("edu BAR0 0x%x size 0x%x, after a move to 0x10000000 0x%x, ROM 0x%x\n", orig & ~0xfu, size,
		       moved, cfg_read(edu_dev, edu_fn, 0x30));
		bar = orig & ~0xfu;
		cfg_write(edu_dev, edu_fn, 0x04, 0x7); /* I/O decoding too, which it must not get */
		printf("edu command 0x%x\n", cfg_read(edu_dev, edu_fn, 0x04) & 0xffff);
		ident = *(volatile uint32_t *)(uintptr_t)bar;
		own = own_copy(bar, 0x11);
		printf("edu ident 0x%x; dma own memory: %s\n", ident, own ? "FAILED" : "ok");
		msi_test(edu_dev, edu_fn, bar);
	}
	printf("mailbox at 0x%llx\n", (unsigned long long)(uintptr_t)mailbox);
	for (uint64_t done = 0;;) {
		uint64_t n = mailbox[0];

		if (n > 31)
			n = 31;
		if (done < n) {
			order(bar, mailbox[1 + 2 * done], mailbox[2 + 2 * done]);
			done++;
			if (done == n && mailbox[63] == 1) {
				verdict(own ? VERDICT_FAIL : VERDICT_PASS, "the device %s its own memory",
					own ? "did not copy" : "copied");
				hc_exit(0);
			}
		}
		asm volatile("pause");
	}
}
