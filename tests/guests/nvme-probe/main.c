/* SPDX-License-Identifier: MIT */
/*
 * nvme-probe: a bare-metal NVMe driver just large enough to prove MSI-X on
 * an assigned device (tests/iommu/t_nvme.py; docs/dma.md).
 *
 * It finds an NVMe controller (class 01:08:02) in the configuration space
 * the VMM shows it, programs MSI-X entries 0 and 1 in the table the VMM
 * emulates (vectors 0x61 and 0x62 at its own APIC ID), turns on bus
 * mastering, and brings the controller up with its admin queues in its
 * own memory. Identify Controller must complete with an interrupt at
 * 0x61; an I/O queue pair on entry 1 then writes a block with a pattern
 * and reads it back, each completion an interrupt at 0x62.
 *
 * Then what it may not have: entry 0 as an NMI and aimed at an APIC ID it
 * does not have (the command completes, no interrupt arrives); a masked
 * entry holds its interrupt (the PBA, read through, shows it pending) and
 * releases it when unmasked; table accesses of the wrong size or
 * alignment, from RSP, or an instruction fetch there, are each one #GP;
 * a write to the PBA changes nothing; entries past the table it is shown
 * read 0. One line per result, then the verdict.
 */
#include "guest.h"
#include "apic.h"
#include "attack.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_ENABLE 0x80000000u
#define CLASS_NVME 0x010802u
#define CAP_MSIX 0x11

#define VEC_ADMIN 0x61
#define VEC_IO 0x62
#define QSIZE 8
#define WAIT_SECONDS 5

/* Controller registers (NVMe 1.4, 3.1). */
#define NVME_CAP 0x00
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_DB 0x1000

struct sqe {
	uint32_t cdw0, nsid, cdw2, cdw3;
	uint64_t mptr, prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct cqe {
	uint32_t dw0, dw1;
	uint16_t sq_head, sq_id, cid, status; /* status bit 0: the phase */
};

struct queue {
	volatile struct sqe *sq;
	volatile struct cqe *cq;
	unsigned qid, tail, head, phase;
};

static uint8_t asq_mem[4096] __attribute__((aligned(4096)));
static uint8_t acq_mem[4096] __attribute__((aligned(4096)));
static uint8_t iosq_mem[4096] __attribute__((aligned(4096)));
static uint8_t iocq_mem[4096] __attribute__((aligned(4096)));
static uint8_t ident[4096] __attribute__((aligned(4096)));
static uint8_t wbuf[4096] __attribute__((aligned(4096)));
static uint8_t rbuf[4096] __attribute__((aligned(4096)));

static volatile uint8_t *regs;
static volatile uint8_t *table; /* the MSI-X table, as the guest sees it */
static volatile uint8_t *pba;
static unsigned dstrd, cid;
static uint64_t wait_cycles;
static volatile unsigned irqs[2];

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

/* Plain MOVs, written out: the VMM emulates the table's page and takes
 * nothing else there (a TEST or CMP with a memory operand is refused). */
static uint32_t rd32(volatile void *p)
{
	uint32_t v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(p) : "memory");
	return v;
}

static void wr32(volatile void *p, uint32_t v)
{
	asm volatile("movl %0, (%1)" ::"r"(v), "r"(p) : "memory");
}

static uint64_t rd64(volatile void *p)
{
	uint64_t v;

	asm volatile("movq (%1), %0" : "=r"(v) : "r"(p) : "memory");
	return v;
}

static void wr64(volatile void *p, uint64_t v)
{
	asm volatile("movq %0, (%1)" ::"r"(v), "r"(p) : "memory");
}

static volatile uint8_t *entry(unsigned n)
{
	return table + 16 * n;
}

static void on_irq(unsigned vector)
{
	irqs[vector - VEC_ADMIN]++;
	lapic_eoi();
}

static int wait_until(int (*done)(void *), void *arg)
{
	uint64_t end = rdtsc() + wait_cycles;

	while (!done(arg))
		if (rdtsc() > end)
			return -1;
	return 0;
}

static int ready_is(void *want)
{
	return (rd32(regs + NVME_CSTS) & 1) == (uint32_t)(uintptr_t)want;
}

static void msix_entry_set(unsigned n, uint32_t addr, uint32_t data)
{
	wr32(entry(n) + 0, addr);
	wr32(entry(n) + 4, 0);
	wr32(entry(n) + 8, data);
	wr32(entry(n) + 12, 0);
}

static int cq_has(void *arg)
{
	struct queue *q = arg;

	return (q->cq[q->head].status & 1) == q->phase;
}

/* Submit on q and wait for the completion (by its phase bit, so it is
 * seen whether or not an interrupt comes); its status, or -1. */
static int submit(struct queue *q, struct sqe c)
{
	unsigned sqdb = NVME_DB + (2 * q->qid) * (4u << dstrd), cqdb = NVME_DB + (2 * q->qid + 1) * (4u << dstrd);
	int status;

	c.cdw0 |= (uint32_t)++cid << 16;
	q->sq[q->tail] = c;
	q->tail = (q->tail + 1) % QSIZE;
	wr32(regs + sqdb, q->tail);
	if (wait_until(cq_has, q))
		return -1;
	status = q->cq[q->head].status >> 1;
	q->head = (q->head + 1) % QSIZE;
	if (!q->head)
		q->phase ^= 1;
	wr32(regs + cqdb, q->head);
	return status;
}

/* Interrupts at vector VEC_ADMIN + n since before, once want have come
 * or a short wait is over (want 1 to see that none comes). */
static unsigned arrived(unsigned n, unsigned before, unsigned want)
{
	for (uint64_t end = rdtsc() + wait_cycles / 10; irqs[n] - before < want && rdtsc() < end;)
		asm volatile("pause");
	return irqs[n] - before;
}

static struct queue admin = { (volatile struct sqe *)asq_mem, (volatile struct cqe *)acq_mem, 0, 0, 0, 1 };
static struct queue io = { (volatile struct sqe *)iosq_mem, (volatile struct cqe *)iocq_mem, 1, 0, 0, 1 };

static int identify(unsigned cns, unsigned nsid)
{
	return submit(&admin, (struct sqe){ .cdw0 = 0x06, .nsid = nsid, .prp1 = (uintptr_t)ident, .cdw10 = cns });
}

static int controller_up(void)
{
	uint64_t cap = rd64(regs + NVME_CAP);

	dstrd = (cap >> 32) & 0xf;
	wr32(regs + NVME_CC, 0);
	if (wait_until(ready_is, (void *)0))
		return -1;
	wr32(regs + NVME_AQA, (QSIZE - 1) << 16 | (QSIZE - 1));
	wr64(regs + NVME_ASQ, (uintptr_t)asq_mem);
	wr64(regs + NVME_ACQ, (uintptr_t)acq_mem);
	wr32(regs + NVME_CC, 1 | 6u << 16 | 4u << 20); /* EN, 64-byte SQ and 16-byte CQ entries, 4 KiB pages */
	return wait_until(ready_is, (void *)1);
}

static void model_print(void)
{
	char model[41];
	int n = 40;

	for (int i = 0; i < 40; i++)
		model[i] = (char)ident[24 + i];
	while (n > 0 && model[n - 1] == ' ')
		n--;
	model[n] = 0;
	printf("nvme-probe: model \"%s\"\n", model);
}

/* One block written with a pattern, read back, compared. */
static void io_test(unsigned lba_size)
{
	int w, r, same = 1;
	unsigned before = irqs[1];

	for (unsigned i = 0; i < lba_size; i++)
		wbuf[i] = (uint8_t)(i * 13 + 0x5a), rbuf[i] = 0;
	w = submit(&io, (struct sqe){ .cdw0 = 0x01, .nsid = 1, .prp1 = (uintptr_t)wbuf });
	r = submit(&io, (struct sqe){ .cdw0 = 0x02, .nsid = 1, .prp1 = (uintptr_t)rbuf });
	for (unsigned i = 0; i < lba_size; i++)
		same &= rbuf[i] == wbuf[i];
	attack_check(!w && !r && same, "a block of %u bytes written and read back through the I/O queue pair: %s "
		     "(status %d, %d)", lba_size, same ? "same" : "DIFFERENT", w, r);
	attack_check(arrived(1, before, 2) == 2, "the I/O completions arrive at vector 0x%x (MSI-X entry 1): %u of 2",
		     VEC_IO, irqs[1] - before);
}

/* The admin queue's interrupt (entry 0) programmed as given: a no-op
 * command's interrupts arriving. */
static unsigned admin_irqs_with(uint32_t addr, uint32_t data)
{
	unsigned before = irqs[0];

	msix_entry_set(0, addr, data);
	if (identify(1, 0))
		return 99;
	return arrived(0, before, 1);
}

static void hostile_messages(uint32_t me)
{
	uint32_t home = 0xfee00000u | me << 12;

	attack_check(admin_irqs_with(home, 0x400 | VEC_ADMIN) == 0, "entry 0 as an NMI: nothing arrives");
	attack_check(admin_irqs_with(0xfee00000u | (me + 7) << 12, VEC_ADMIN) == 0,
		     "entry 0 at APIC ID %u, which it does not have: nothing arrives", me + 7);
	attack_check(admin_irqs_with(home, VEC_ADMIN) == 1, "entry 0 at its own APIC ID again: the interrupt arrives");
}

/* Masked, entry 0 holds its interrupt (the device's PBA shows it); unmasked,
 * it arrives. */
static void mask_test(void)
{
	unsigned before = irqs[0];
	uint64_t pending;

	wr32(entry(0) + 12, 1);
	identify(1, 0);
	pending = rd64(pba);
	attack_check(arrived(0, before, 1) == 0 && (pending & 1), "entry 0 masked: the interrupt is held (PBA 0x%lx)",
		     pending);
	wr32(entry(0) + 12, 0);
	attack_check(arrived(0, before, 1) == 1, "entry 0 unmasked: the held interrupt arrives");
}

static void t_word(void *p)
{
	asm volatile(ATTACK_INSN("movw %%ax, (%0)") ::"r"(p), "a"(0x61) : "r11", "memory");
}

static void t_byte(void *p)
{
	asm volatile(ATTACK_INSN("movb (%0), %%al") ::"r"(p) : "rax", "r11", "memory");
}

static void t_dword(void *p)
{
	asm volatile(ATTACK_INSN("movl (%0), %%eax") ::"r"(p) : "rax", "r11", "memory");
}

static void t_qword(void *p)
{
	asm volatile(ATTACK_INSN("movq (%0), %%rax") ::"r"(p) : "rax", "r11", "memory");
}

static void t_rsp(void *p)
{
	asm volatile(ATTACK_INSN("movl %%esp, (%0)") ::"r"(p) : "r11", "memory");
}

static void t_fetch(void *p)
{
	asm volatile(ATTACK_INSN("jmp *%0") ::"r"(p) : "r11", "memory");
}

static void malformed(void)
{
	uint64_t was;

	attack_expect(attack_try_insn(t_word, (void *)(entry(0) + 8)), VEC_GP, "a 2-byte write to entry 0's data");
	attack_expect(attack_try_insn(t_byte, (void *)entry(0)), VEC_GP, "a 1-byte read of the table");
	attack_expect(attack_try_insn(t_dword, (void *)(entry(0) + 2)), VEC_GP, "an unaligned 4-byte read");
	attack_expect(attack_try_insn(t_qword, (void *)(entry(0) + 4)), VEC_GP, "an unaligned 8-byte read");
	attack_expect(attack_try_insn(t_rsp, (void *)(entry(3) + 8)), VEC_GP, "a write of RSP into the table");
	attack_expect(attack_try_insn(t_fetch, (void *)entry(0)), VEC_GP, "an instruction fetch from the table");
	wr64(entry(2), 0xfee00000u | 0x12345678ull << 32);
	attack_check(rd64(entry(2)) == (0xfee00000u | 0x12345678ull << 32) && rd32(entry(2) + 4) == 0x12345678,
		     "an aligned 8-byte write and read of entry 2's address");
	wr32(entry(20), 0xfee00000u);
	attack_check(rd32(entry(20)) == 0, "an entry past the 16 it is shown reads 0 after a write");
	was = rd64(pba);
	wr64(pba, ~0ull);
	attack_check(rd64(pba) == was, "a write to the PBA changes nothing (0x%lx)", was);
}

static unsigned msix_cap(unsigned dev, unsigned fn)
{
	unsigned p = cfg_read(dev, fn, 0x34) & 0xfc;

	for (unsigned n = 0; p && n < 48; n++) {
		uint32_t w = cfg_read(dev, fn, p);

		if ((w & 0xff) == CAP_MSIX)
			return p;
		p = (w >> 8) & 0xfc;
	}
	return 0;
}

static volatile uint8_t *bar_va(uint64_t bar)
{
	return bar < (1ull << 32) ? (volatile uint8_t *)(uintptr_t)bar : (volatile uint8_t *)attack_map(bar);
}

/* The controller at dev.fn: MSI-X, admin queues, Identify, then I/O. */
static void probe(unsigned dev, unsigned fn, uint32_t me)
{
	uint64_t bar = (cfg_read(dev, fn, 0x10) & ~0xfull) | (uint64_t)cfg_read(dev, fn, 0x14) << 32;
	unsigned p = msix_cap(dev, fn), lba_size, before;
	uint32_t ctrl, treg, preg;
	int st;

	if (!attack_check(p != 0, "the controller has an MSI-X capability"))
		return;
	ctrl = cfg_read(dev, fn, p) >> 16, treg = cfg_read(dev, fn, p + 4), preg = cfg_read(dev, fn, p + 8);
	regs = bar_va(bar);
	table = regs + (treg & ~7u), pba = regs + (preg & ~7u);
	printf("nvme-probe: BAR0 0x%lx, MSI-X table at BAR%u+0x%x, PBA at BAR%u+0x%x, %u entries\n", bar, treg & 7,
	       treg & ~7u, preg & 7, preg & ~7u, (ctrl & 0x7ff) + 1);
	if ((treg & 7) || (preg & 7)) {
		attack_check(0, "the table and PBA are in BAR0");
		return;
	}
	cfg_write(dev, fn, 0x04, 0x6); /* memory decoding, bus mastering */
	msix_entry_set(0, 0xfee00000u | me << 12, VEC_ADMIN);
	msix_entry_set(1, 0xfee00000u | me << 12, VEC_IO);
	cfg_write(dev, fn, p, 1u << 31);
	attack_check((cfg_read(dev, fn, p) >> 16) == (0x8000u | (ctrl & 0x7ff)), "MSI-X enabled (control 0x%x)",
		     cfg_read(dev, fn, p) >> 16);
	if (!attack_check(!controller_up(), "the controller is ready"))
		return;
	before = irqs[0];
	st = identify(1, 0);
	if (!attack_check(!st, "Identify Controller completes (status %d)", st))
		return;
	model_print();
	printf("nvme-probe: interrupts at 0x%x: %u\n", VEC_ADMIN, arrived(0, before, 1));
	identify(0, 1);
	lba_size = 1u << ident[128 + 4 * (ident[26] & 0xf) + 2];
	st = submit(&admin, (struct sqe){ .cdw0 = 0x05, .prp1 = (uintptr_t)iocq_mem, .cdw10 = (QSIZE - 1) << 16 | 1,
					   .cdw11 = 1u << 16 | 3 });
	st = st ?: submit(&admin, (struct sqe){ .cdw0 = 0x01, .prp1 = (uintptr_t)iosq_mem,
						 .cdw10 = (QSIZE - 1) << 16 | 1, .cdw11 = 1u << 16 | 1 });
	if (!attack_check(!st, "an I/O queue pair is created, its completions on entry 1 (status %d)", st))
		return;
	io_test(lba_size);
	hostile_messages(me);
	mask_test();
	malformed();
}

int guest_main(const struct hvm_start_info *si)
{
	uint32_t me = lapic_read(LAPIC_ID) >> 24;
	unsigned found = 0;

	(void)si;
	attack_begin("nvme-probe");
	wait_cycles = guest_tsc_hz() * WAIT_SECONDS;
	if (!wait_cycles)
		wait_cycles = 10000000000ull;
	guest_set_irq_handler(VEC_ADMIN, on_irq);
	guest_set_irq_handler(VEC_IO, on_irq);
	lapic_enable(0xff);
	sti();
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = cfg_read(dev, fn, 0);

			if (id == 0xffffffffu || cfg_read(dev, fn, 8) >> 8 != CLASS_NVME)
				continue;
			printf("nvme-probe: nvme at 00:%02x.%u id %08x\n", dev, fn, id);
			found++;
			probe(dev, fn, me);
		}
	attack_check(found == 1, "one NVMe controller found (%u)", found);
	printf("nvme-probe: interrupts: %u at 0x%x, %u at 0x%x\n", irqs[0], VEC_ADMIN, irqs[1], VEC_IO);
	attack_end();
}
