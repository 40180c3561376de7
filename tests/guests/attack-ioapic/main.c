/* SPDX-License-Identifier: MIT */
/*
 * attack-ioapic: abuses the virtual I/O APIC every guest has at
 * 0xfec00000 (vmm/vioapic.c behind vmm/virq.c) and checks each answer:
 *  - through IOREGSEL/IOWIN: the ID (8 << 24), version 0x00170020 and
 *    arbitration registers, registers that do not exist (read 0, keep
 *    nothing), the redirection entries' power-on state and read-only bits
 *    (delivery status, remote IRR, the reserved ones);
 *  - accesses the VMM refuses (other widths, unaligned, string, LOCK,
 *    XCHG, fetch) raise exactly one #GP and change nothing;
 *  - pin 4, driven by the console UART's transmitter-empty interrupt, aimed
 *    at other CPUs (physical IDs 1..254, logical IDs, broadcast) in every
 *    delivery mode (fixed, lowest priority, SMI, NMI, INIT, ExtINT, the
 *    reserved ones), edge and level: nothing reaches anybody outside this
 *    guest, and this vCPU gets exactly what names it. The victims in the
 *    same boot keep beating (the runner checks).
 *
 * The pin-4 checks need a UART that interrupts as a 16550 does. Where the
 * VMM's UART raises no interrupt (vmm/vuart.c's vuart_irq_line() is a
 * stub), the guest says so on a line marked "NOT RUN" and skips them: see
 * uart_interrupts().
 * Verdict: PASS only if every check that ran held.
 */
#include "apic.h"
#include "attack.h"

#define UART_PIN GP_UART_GSI
#define V_PIN 0x50
#define V_SPURIOUS 0xff
#define VEC_NMI 2
#define SETTLE_LOOPS 20000u /* lets an interrupt already injected run */
#define IIR_ID_MASK 0x0f
#define IIR_THRE 0x02

static volatile uint64_t nmis;

static void on_irq(unsigned vector)
{
	if (vector != V_SPURIOUS)
		lapic_eoi();
}

static long on_nmi(const struct guest_fault *f)
{
	if (f->vector != VEC_NMI)
		return -1;
	nmis++;
	return 0;
}

/* ---- registers ---------------------------------------------------------- */

static void check_identity(void)
{
	uint32_t id = ioapic_read(IOAPIC_REG_ID), ver = ioapic_read(IOAPIC_REG_VER);
	uint32_t arb = ioapic_read(IOAPIC_REG_ARB), sel;

	attack_check(id == GP_IOAPIC_ID << 24, "ID reads %#x, want %#x", id, GP_IOAPIC_ID << 24);
	attack_check(ver == 0x00170020, "version reads %#x, want 0x00170020 (24 pins, version 0x20)",
		     ver);
	attack_check(arb == GP_IOAPIC_ID << 24, "arbitration ID reads %#x, want %#x", arb,
		     GP_IOAPIC_ID << 24);
	ioapic_write(IOAPIC_REG_VER, 0);
	ioapic_write(IOAPIC_REG_ARB, 0x0f000000);
	attack_check(ioapic_read(IOAPIC_REG_VER) == ver && ioapic_read(IOAPIC_REG_ARB) == arb,
		     "version and arbitration ignore writes");
	mmio_write32(GP_IOAPIC_BASE + IOAPIC_REGSEL, 0xabcd12);
	sel = mmio_read32(GP_IOAPIC_BASE + IOAPIC_REGSEL);
	attack_check(sel == 0x12, "IOREGSEL keeps 8 bits: 0xabcd12 reads back %#x", sel);
}

/* Every entry's value, to see that nothing else changed. */
static void rte_snapshot(uint64_t *e)
{
	for (unsigned pin = 0; pin < GP_IOAPIC_PINS; pin++)
		e[pin] = ioapic_rte_read(pin);
}

static int rte_same(const uint64_t *e)
{
	uint64_t now[GP_IOAPIC_PINS];

	rte_snapshot(now);
	for (unsigned pin = 0; pin < GP_IOAPIC_PINS; pin++)
		if (now[pin] != e[pin])
			return 0;
	return 1;
}

static void check_entries(void)
{
	uint64_t e[GP_IOAPIC_PINS];
	unsigned odd = 0;
	uint64_t got;

	rte_snapshot(e);
	for (unsigned pin = 0; pin < GP_IOAPIC_PINS; pin++)
		odd += e[pin] != RTE_MASKED;
	attack_check(!odd, "power-on: every one of the %u entries masked, the rest 0 (%u differ)",
		     GP_IOAPIC_PINS, odd);
	/* Pin 5 has no source: all ones, masked, sends nothing. */
	ioapic_write(IOAPIC_REG_RTE(5) + 1, 0xffffffff);
	ioapic_write(IOAPIC_REG_RTE(5), 0xffffffff);
	got = ioapic_rte_read(5);
	attack_check(got == 0xff0000000001afffull,
		     "entry written all ones reads %#lx, want 0xff0000000001afff (delivery status, "
		     "remote IRR, reserved bits 0)", got);
	ioapic_rte_write(5, RTE_LEVEL | RTE_REMOTE_IRR | RTE_DELIVS | V_PIN);
	got = ioapic_rte_read(5);
	attack_check(got == (RTE_LEVEL | V_PIN),
		     "unmasked level entry written with remote IRR and delivery status: reads %#lx",
		     got);
	ioapic_rte_write(5, RTE_MASKED);
	attack_check(rte_same(e), "entries back to power-on after the writes");
}

/* Register indexes past the last entry and between the fixed ones, and
 * offsets in the page other than IOREGSEL, IOWIN and EOI. */
static void check_nothing_there(void)
{
	static const uint8_t regs[] = { 0x03, 0x04, 0x0f, 0x40, 0x41, 0x7f, 0x80, 0xfe, 0xff };
	static const uint32_t offs[] = { 0x04, 0x08, 0x0c, 0x14, 0x20, 0x30, 0x44, 0x50, 0x800, 0xffc };
	uint64_t e[GP_IOAPIC_PINS];
	unsigned bad = 0;

	rte_snapshot(e);
	for (unsigned i = 0; i < sizeof(regs); i++) {
		bad += ioapic_read(regs[i]) != 0;
		ioapic_write(regs[i], 0xffffffff);
		bad += ioapic_read(regs[i]) != 0;
	}
	attack_check(!bad && rte_same(e) && ioapic_read(IOAPIC_REG_ID) == GP_IOAPIC_ID << 24,
		     "%u missing register indexes read 0 and keep nothing (%u reads not 0)",
		     (unsigned)sizeof(regs), bad);
	bad = 0;
	mmio_write32(GP_IOAPIC_BASE + IOAPIC_REGSEL, IOAPIC_REG_VER);
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		bad += mmio_read32(GP_IOAPIC_BASE + offs[i]) != 0;
		mmio_write32(GP_IOAPIC_BASE + offs[i], 0xffffffff);
		bad += mmio_read32(GP_IOAPIC_BASE + offs[i]) != 0;
	}
	mmio_write32(GP_IOAPIC_BASE + IOAPIC_EOIR, V_PIN);
	attack_check(!bad && mmio_read32(GP_IOAPIC_BASE + IOAPIC_REGSEL) == IOAPIC_REG_VER &&
			     rte_same(e),
		     "%u other offsets read 0 and keep nothing (%u reads not 0); IOREGSEL kept",
		     (unsigned)(sizeof(offs) / sizeof(offs[0])), bad);
}

/* ---- accesses the VMM refuses --------------------------------------------- */

struct form_regs {
	uint64_t rax, rcx, rsi, rdi;
};

#define FORM(fn, text)                                                                       \
	static void fn(void *arg)                                                            \
	{                                                                                    \
		struct form_regs *r = arg;                                                   \
		asm volatile(ATTACK_INSN(text)                                               \
			     : "+a"(r->rax), "+c"(r->rcx), "+S"(r->rsi), "+D"(r->rdi)         \
			     :                                                               \
			     : "r11", "memory", "cc");                                       \
	}

/* RAX = RDI = IOREGSEL (RSI too: a load source), RCX = 0x10 (entry 0). */
FORM(f_movb_st, "movb %%cl, (%%rax)")
FORM(f_movw_st, "movw %%cx, (%%rax)")
FORM(f_movq_st, "movq %%rcx, (%%rax)")
FORM(f_movl_st_1, "movl %%ecx, 1(%%rax)")
FORM(f_movb_ld, "movb 0x10(%%rax), %%cl")
FORM(f_movq_ld, "movq 0x10(%%rax), %%rcx")
FORM(f_movzw_ld, "movzwl 0x10(%%rax), %%ecx")
FORM(f_stosl, "stosl")
FORM(f_lodsl, "lodsl")
FORM(f_lock_or, "lock orl %%ecx, (%%rax)")
FORM(f_xchg, "xchgl %%ecx, 0x10(%%rax)")
FORM(f_add, "addl %%ecx, (%%rax)")
FORM(f_fetch, "jmp *%%rax")

static const struct {
	void (*fn)(void *arg);
	const char *what;
} forms[] = {
	{ f_movb_st, "8-bit MOV store to IOREGSEL" },
	{ f_movw_st, "16-bit MOV store to IOREGSEL" },
	{ f_movq_st, "64-bit MOV store to IOREGSEL" },
	{ f_movl_st_1, "32-bit MOV store at IOREGSEL + 1" },
	{ f_movb_ld, "8-bit MOV load from IOWIN" },
	{ f_movq_ld, "64-bit MOV load from IOWIN" },
	{ f_movzw_ld, "MOVZX of 16 bits from IOWIN" },
	{ f_stosl, "STOSD to IOREGSEL" },
	{ f_lodsl, "LODSD from IOREGSEL" },
	{ f_lock_or, "LOCK OR to IOREGSEL" },
	{ f_xchg, "XCHG with IOWIN" },
	{ f_add, "ADD to IOREGSEL" },
	{ f_fetch, "instruction fetch (JMP into the page)" },
};

static void check_refused(void)
{
	const uint64_t sel = GP_IOAPIC_BASE + IOAPIC_REGSEL;

	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct form_regs start = { sel, IOAPIC_REG_RTE(0), sel, sel }, r = start;
		struct attack_fault f;
		uint64_t want_rip;
		uint32_t regsel, ver;
		int kept;

		mmio_write32(sel, IOAPIC_REG_VER);
		f = attack_try_insn(forms[i].fn, &r);
		want_rip = forms[i].fn == f_fetch ? GP_IOAPIC_BASE : attack_insn_rip;
		regsel = mmio_read32(sel);
		ver = mmio_read32(GP_IOAPIC_BASE + IOAPIC_WIN);
		kept = r.rax == start.rax && r.rcx == start.rcx && r.rsi == start.rsi &&
		       r.rdi == start.rdi;
		attack_check(f.count == 1 && f.vector == VEC_GP && !f.error_code && f.rip == want_rip &&
				     kept && regsel == IOAPIC_REG_VER && ver == 0x00170020,
			     "%s: %lu %s(%#lx) %s, regs %s, IOREGSEL %#x", forms[i].what, f.count,
			     f.vector == ATTACK_NO_FAULT ? "no fault" : guest_fault_name((uint64_t)f.vector),
			     f.error_code, f.rip == want_rip ? "at the insn" : "NOT at the insn",
			     kept ? "kept" : "CHANGED", regsel);
	}
}

/* ---- pin 4: the UART's interrupt aimed everywhere -------------------------- */

/*
 * Whether the UART interrupts at all: with IER.THRE on and the transmitter
 * empty, a 16550's IIR reports "THR empty" (0x02); reading it clears that
 * interrupt again. Pin 4 stays masked meanwhile. A UART whose IIR says
 * "nothing pending" raises no line: the pin-4 checks then cannot run.
 */
static int uart_interrupts(void)
{
	uint8_t iir;

	ioapic_rte_write(UART_PIN, RTE_MASKED);
	uart_thre_irq(1);
	iir = uart_iir();
	uart_thre_irq(0);
	if ((iir & IIR_ID_MASK) == IIR_THRE)
		return 1;
	attack_note("NOT RUN: pin-4 checks: the UART raises no interrupt (IIR %#x with IER.THRE "
		    "on, a 16550 reads 0x02)", iir);
	return 0;
}

/* What rising edges of pin 4 brought this vCPU. */
struct pin_got {
	uint64_t irqs, nmis;
};

/* One entry on pin 4, one rising edge of the UART's line (interrupts on),
 * the line low again, the entry masked. Nothing is printed meanwhile. */
static void pin_edge(uint64_t rte, struct pin_got *g)
{
	uint64_t t = guest_irq_total(), n = nmis;

	ioapic_rte_write(UART_PIN, rte);
	sti();
	uart_thre_irq(1);
	delay_spin(SETTLE_LOOPS);
	uart_thre_irq(0);
	delay_spin(SETTLE_LOOPS);
	cli();
	ioapic_rte_write(UART_PIN, RTE_MASKED);
	g->irqs += guest_irq_total() - t;
	g->nmis += nmis - n;
}

struct pin_mode {
	uint32_t bits;
	const char *name;
	int fixed_like; /* fixed or lowest priority: this vCPU gets the vector when named */
	int safe_self;  /* may be aimed at this vCPU (INIT would reset it) */
};

static const struct pin_mode pin_modes[] = {
	{ RTE_FIXED, "fixed", 1, 1 }, { RTE_LOWEST, "lowest", 1, 1 }, { RTE_SMI, "SMI", 0, 1 },
	{ RTE_NMI, "NMI", 0, 1 },     { RTE_INIT, "INIT", 0, 0 },     { RTE_EXTINT, "ExtINT", 0, 1 },
	{ 3u << 8, "reserved 3", 0, 1 }, { 6u << 8, "reserved 6", 0, 1 },
};

/* Physical IDs 1..254 (every one for fixed and lowest priority, a sample
 * for the other modes), logical IDs of other CPUs. */
static void pin_to_others(const struct pin_mode *m)
{
	static const uint8_t sample[] = { 1, 2, 7, 8, 0x0f, 0x10, 0x7f, 0x80, 0xfe };
	static const uint8_t logical[] = { 0x02, 0x80, 0xfe };
	struct pin_got g = { 0 };
	unsigned sent = 0;

	if (m->fixed_like)
		for (unsigned id = 1; id < 0xff; id++, sent++)
			pin_edge(m->bits | V_PIN | RTE_DEST(id), &g);
	else
		for (unsigned i = 0; i < sizeof(sample); i++, sent++)
			pin_edge(m->bits | V_PIN | RTE_DEST(sample[i]), &g);
	for (unsigned i = 0; i < sizeof(logical); i++, sent++)
		pin_edge(m->bits | RTE_LOGICAL | V_PIN | RTE_DEST(logical[i]), &g);
	attack_check(!g.irqs && !g.nmis,
		     "pin 4 %s to other CPUs' IDs (%u edges): %lu interrupts, %lu NMIs here", m->name,
		     sent, g.irqs, g.nmis);
}

/* Destinations that include this vCPU: its physical ID 0, its logical ID
 * (LDR 0x01, flat), physical and logical broadcast. */
static void pin_to_self(const struct pin_mode *m)
{
	static const uint64_t dests[] = { RTE_DEST(0), RTE_DEST(0xff), RTE_LOGICAL | RTE_DEST(0x01),
					  RTE_LOGICAL | RTE_DEST(0xff) };
	struct pin_got g = { 0 };
	const unsigned n = sizeof(dests) / sizeof(dests[0]);
	int ok;

	if (!m->safe_self)
		return;
	for (unsigned i = 0; i < n; i++)
		pin_edge(m->bits | V_PIN | dests[i], &g);
	/* Fixed and lowest: one interrupt per edge. NMI: at most one per edge
	 * (the VMM drops NMIs for now). SMI, ExtINT (no 8259 here), the
	 * reserved modes: nothing. */
	ok = m->fixed_like ? g.irqs == n && !g.nmis : !g.irqs && g.nmis <= (m->bits == RTE_NMI ? n : 0);
	attack_check(ok, "pin 4 %s to this vCPU (ID 0, logical 0x01, both broadcasts: %u edges): "
		     "%lu interrupts, %lu NMIs", m->name, n, g.irqs, g.nmis);
}

/* A level-triggered entry aimed elsewhere while the line stays high: no
 * message is accepted, so remote IRR stays clear and nothing arrives. */
static void pin_level_to_others(void)
{
	static const uint64_t dests[] = { RTE_DEST(1), RTE_DEST(0xfe), RTE_LOGICAL | RTE_DEST(0xfe) };
	uint64_t t = guest_irq_total(), remote = 0;

	for (unsigned i = 0; i < sizeof(dests) / sizeof(dests[0]); i++) {
		ioapic_rte_write(UART_PIN, RTE_LEVEL | V_PIN | dests[i]);
		sti();
		uart_thre_irq(1);
		delay_spin(SETTLE_LOOPS);
		remote |= ioapic_rte_read(UART_PIN) & RTE_REMOTE_IRR;
		uart_thre_irq(0);
		cli();
		ioapic_rte_write(UART_PIN, RTE_MASKED);
	}
	attack_check(!remote && guest_irq_total() == t,
		     "pin 4 level-triggered to other CPUs, line held high: remote IRR %s, %lu "
		     "interrupts here", remote ? "SET" : "clear", guest_irq_total() - t);
}

static void check_pin4(void)
{
	struct pin_got g = { 0 };

	if (!uart_interrupts())
		return;
	guest_set_fault_handler(on_nmi);
	for (unsigned i = 0; i < 3; i++)
		pin_edge(RTE_FIXED | V_PIN | RTE_DEST(0), &g);
	attack_check(g.irqs == 3, "control: pin 4 fixed to this vCPU, 3 rising edges: %lu interrupts",
		     g.irqs);
	for (unsigned i = 0; i < sizeof(pin_modes) / sizeof(pin_modes[0]); i++) {
		pin_to_others(&pin_modes[i]);
		pin_to_self(&pin_modes[i]);
	}
	pin_level_to_others();
	guest_set_fault_handler(NULL);
	if (!nmis)
		attack_note("note: no NMI reached this vCPU, not even those aimed at it (the VMM "
			    "drops NMIs)");
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-ioapic");
	for (unsigned v = 32; v < 256; v++)
		guest_set_irq_handler(v, on_irq);
	lapic_enable(V_SPURIOUS);
	lapic_write(LAPIC_DFR, 0xffffffff);
	lapic_write(LAPIC_LDR, 0x01000000);
	check_identity();
	check_entries();
	check_nothing_there();
	check_refused();
	check_pin4();
	ioapic_rte_write(UART_PIN, RTE_MASKED);
	attack_check(hc_version() == HC_ABI_VERSION, "the VMM still answers: HC_VERSION %ld",
		     hc_version());
	attack_end();
}
