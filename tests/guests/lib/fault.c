/* SPDX-License-Identifier: MIT */
/*
 * The IDT: every exception vector reaches fault_dispatch, which records the
 * fault and lets the guest's handler decide how far to skip. Attack guests
 * use this to observe the #GP/#UD/#PF a VMM should reflect; a fault nobody
 * expected ends the guest with an ERROR verdict.
 */
#include "internal.h"
#include "selectors.h"

#define GATE_INTR64 0x8e /* present, 64-bit interrupt gate; DPL in bits 5..6 */
#define IDT_ENTRIES 256	 /* past the exceptions: irq.c's gates, and user.c's at 0x80 */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

struct idt_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct idt_gate fault_idt[IDT_ENTRIES] __attribute__((aligned(16)));
static long (*fault_handler)(const struct guest_fault *f);
static struct guest_fault fault_last;
static uint64_t fault_resume; /* set by guest_fault_resume_at(); 0: none */

static const char *const fault_names[FAULT_VECTORS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "vec9", "#TS", "#NP", "#SS", "#GP", "#PF", "vec15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "vec22", "vec23",
	"vec24", "vec25", "vec26", "vec27", "#HV", "#VC", "#SX", "vec31",
};

const char *guest_fault_name(uint64_t vector)
{
	return vector < FAULT_VECTORS ? fault_names[vector] : "vec?";
}

void fault_set_gate(unsigned vector, uint64_t addr, unsigned dpl)
{
	fault_idt[vector % IDT_ENTRIES] = (struct idt_gate){
		.offset_lo = (uint16_t)addr,
		.selector = SEL_KCODE,
		.type = (uint8_t)(GATE_INTR64 | (dpl & 3) << 5),
		.offset_mid = (uint16_t)(addr >> 16),
		.offset_hi = (uint32_t)(addr >> 32),
	};
}

void fault_load_idt(void)
{
	struct idt_desc desc = { sizeof(fault_idt) - 1, (uint64_t)(uintptr_t)fault_idt };

	asm volatile("lidt %0" ::"m"(desc) : "memory");
}

void fault_init(void)
{
	for (unsigned v = 0; v < FAULT_VECTORS; v++)
		fault_set_gate(v, fault_stub_table[v], 0);
	fault_load_idt();
}

void guest_set_fault_handler(long (*fn)(const struct guest_fault *f))
{
	fault_handler = fn;
}

struct guest_fault guest_fault_last(void)
{
	return fault_last;
}

void guest_fault_resume_at(uint64_t rip)
{
	fault_resume = rip;
}

static __attribute__((noreturn)) void fault_fatal(const struct guest_fault *f)
{
	con_line_start();
	printf("guest: unexpected %s (vector %lu) error %#lx at rip %#lx cr2 %#lx cpl %u\n",
	       guest_fault_name(f->vector), f->vector, f->error_code, f->rip, f->cr2, f->cpl);
	verdict(VERDICT_ERROR, "unexpected %s at rip %#lx", guest_fault_name(f->vector), f->rip);
	hc_exit(2);
}

void fault_dispatch(struct fault_frame *frame)
{
	long skip = -1;

	if (frame->vector >= FAULT_VECTORS) {
		irq_dispatch((unsigned)frame->vector, frame->rip);
		return;
	}
	fault_last = (struct guest_fault){
		.vector = frame->vector,
		.error_code = frame->error_code,
		.rip = frame->rip,
		.cr2 = frame->vector == 14 ? read_cr2() : 0,
		.count = fault_last.count + 1,
		.cpl = (unsigned)(frame->cs & 3),
	};
	fault_resume = 0;
	if (fault_handler)
		skip = fault_handler(&fault_last);
	if (skip < 0)
		fault_fatal(&fault_last);
	frame->rip = fault_resume ? fault_resume : frame->rip + (uint64_t)skip;
}
