/* SPDX-License-Identifier: MIT */
/*
 * attack-lapic, part two: the accesses to the APIC page the VMM must
 * refuse. Only an aligned 32-bit plain MOV is emulated; every other width,
 * an unaligned MOV, string instructions, LOCK, read-modify-write
 * instructions, XCHG, RSP as the register, and instruction fetch must each
 * raise exactly one #GP(0) at the instruction, leave every general
 * register as it was (nothing loaded, no string pointer or count moved),
 * write no memory and change no APIC register.
 */
#include "lapic.h"

#define TPR_ADDR (GP_LAPIC_BASE + LAPIC_TPR)	  /* stores aim here: TPR reads 0 */
#define VER_ADDR (GP_LAPIC_BASE + LAPIC_VERSION) /* loads read here: not 0 */
#define CANARY 0x5a5a5a5a5a5a5a5aull
#define BUF_FILL 0xa5
#define BUF_SIZE 64

/* The registers an access form uses, as it finds and leaves them. */
struct form_regs {
	uint64_t rax, rcx, rdx, rsi, rdi;
};

/* Each form is one function: its instruction between ATTACK_INSN's
 * labels, every register it may use bound to form_regs. R12 holds RSP
 * where the form moves it. */
#define FORM(fn, text)                                                                  \
	static void fn(void *arg)                                                       \
	{                                                                               \
		struct form_regs *r = arg;                                              \
		asm volatile(text                                                       \
			     : "+a"(r->rax), "+c"(r->rcx), "+d"(r->rdx), "+S"(r->rsi),   \
			       "+D"(r->rdi)                                             \
			     :                                                          \
			     : "r11", "r12", "memory", "cc");                           \
	}

/* Stores to the TPR: RAX = RDI = TPR, RCX = RDX = 0x30, RSI = buffer. */
FORM(st_movb, ATTACK_INSN("movb %%cl, (%%rax)"))
FORM(st_movb_ah, ATTACK_INSN("movb %%ah, (%%rdi)"))
FORM(st_movb_imm, ATTACK_INSN("movb $0x30, (%%rax)"))
FORM(st_movw, ATTACK_INSN("movw %%cx, (%%rax)"))
FORM(st_movw_imm, ATTACK_INSN("movw $0x30, (%%rax)"))
FORM(st_movq, ATTACK_INSN("movq %%rcx, (%%rax)"))
FORM(st_movq_imm, ATTACK_INSN("movq $0x30, (%%rax)"))
FORM(st_movl_1, ATTACK_INSN("movl %%ecx, 1(%%rax)"))
FORM(st_movl_2, ATTACK_INSN("movl %%ecx, 2(%%rax)"))
FORM(st_movl_3, ATTACK_INSN("movl $0x30, 3(%%rax)"))
FORM(st_movl_m1, ATTACK_INSN("movl %%ecx, -1(%%rax)"))
FORM(st_stosb, ATTACK_INSN("stosb"))
FORM(st_stosl, ATTACK_INSN("stosl"))
FORM(st_stosq, ATTACK_INSN("stosq"))
FORM(st_rep_stosl, ATTACK_INSN("rep stosl"))
FORM(st_movsl, ATTACK_INSN("movsl"))
FORM(st_rep_movsl, ATTACK_INSN("rep movsl"))
FORM(st_movsb, ATTACK_INSN("movsb"))
FORM(st_lock_add, ATTACK_INSN("lock addl %%ecx, (%%rax)"))
FORM(st_lock_or, ATTACK_INSN("lock orl $0x30, (%%rax)"))
FORM(st_lock_xadd, ATTACK_INSN("lock xaddl %%ecx, (%%rax)"))
FORM(st_lock_cmpxchg, ATTACK_INSN("lock cmpxchgl %%ecx, (%%rdi)"))
FORM(st_lock_bts, ATTACK_INSN("lock btsl $4, (%%rax)"))
FORM(st_xchg, ATTACK_INSN("xchgl %%ecx, (%%rax)"))
FORM(st_add, ATTACK_INSN("addl %%ecx, (%%rax)"))
FORM(st_or_imm, ATTACK_INSN("orl $0x30, (%%rax)"))
FORM(st_inc, ATTACK_INSN("incl (%%rax)"))
FORM(st_not, ATTACK_INSN("notl (%%rax)"))
FORM(st_movnti, ATTACK_INSN("movnti %%ecx, (%%rax)"))
FORM(st_mov_esp, ATTACK_INSN("movl %%esp, (%%rax)"))
FORM(st_popq, "mov %%rsp, %%r12\n\tpushq $0x30\n\t" ATTACK_INSN("popq (%%rax)") "mov %%r12, %%rsp")

/* Loads from the version register: RAX = RSI = version, RCX = RDX =
 * canary, RDI = buffer. */
FORM(ld_movb, ATTACK_INSN("movb (%%rax), %%cl"))
FORM(ld_movb_ch, ATTACK_INSN("movb (%%rax), %%ch"))
FORM(ld_movw, ATTACK_INSN("movw (%%rax), %%cx"))
FORM(ld_movzb, ATTACK_INSN("movzbl (%%rax), %%ecx"))
FORM(ld_movzw, ATTACK_INSN("movzwl (%%rax), %%ecx"))
FORM(ld_movsb_x, ATTACK_INSN("movsbl (%%rax), %%ecx"))
FORM(ld_movsw_x, ATTACK_INSN("movswl (%%rax), %%ecx"))
FORM(ld_movq, ATTACK_INSN("movq (%%rax), %%rcx"))
FORM(ld_movl_1, ATTACK_INSN("movl 1(%%rax), %%ecx"))
FORM(ld_movl_2, ATTACK_INSN("movl 2(%%rax), %%ecx"))
FORM(ld_movl_3, ATTACK_INSN("movl 3(%%rax), %%ecx"))
FORM(ld_lodsb, ATTACK_INSN("lodsb"))
FORM(ld_lodsl, ATTACK_INSN("lodsl"))
FORM(ld_lodsq, ATTACK_INSN("lodsq"))
FORM(ld_movsl, ATTACK_INSN("movsl"))
FORM(ld_rep_movsl, ATTACK_INSN("rep movsl"))
FORM(ld_movsq, ATTACK_INSN("movsq"))
FORM(ld_cmpsl, ATTACK_INSN("cmpsl"))
FORM(ld_add, ATTACK_INSN("addl (%%rax), %%ecx"))
FORM(ld_cmp, ATTACK_INSN("cmpl (%%rax), %%ecx"))
FORM(ld_test, ATTACK_INSN("testl %%ecx, (%%rax)"))
FORM(ld_bt, ATTACK_INSN("btl $0, (%%rax)"))
FORM(ld_mov_esp, "mov %%rsp, %%r12\n\t" ATTACK_INSN("movl (%%rax), %%esp") "mov %%r12, %%rsp")
FORM(ld_pushq, "mov %%rsp, %%r12\n\t" ATTACK_INSN("pushq (%%rax)") "mov %%r12, %%rsp")

/* SCAS reads at RDI: RDI = version. */
FORM(ld_scasl, ATTACK_INSN("scasl"))

/* Instruction fetch: RAX = the APIC page. */
FORM(fetch_jmp, ATTACK_INSN("jmp *%%rax"))

enum form_kind { STORE, LOAD, SCAN, FETCH };

struct form {
	void (*fn)(void *arg);
	enum form_kind kind;
	const char *what;
};

static const struct form forms[] = {
	{ st_movb, STORE, "8-bit MOV store" },
	{ st_movb_ah, STORE, "8-bit MOV store from AH" },
	{ st_movb_imm, STORE, "8-bit MOV store of an immediate" },
	{ st_movw, STORE, "16-bit MOV store" },
	{ st_movw_imm, STORE, "16-bit MOV store of an immediate" },
	{ st_movq, STORE, "64-bit MOV store" },
	{ st_movq_imm, STORE, "64-bit MOV store of an immediate" },
	{ st_movl_1, STORE, "32-bit MOV store at offset +1" },
	{ st_movl_2, STORE, "32-bit MOV store at offset +2" },
	{ st_movl_3, STORE, "32-bit MOV store of an immediate at offset +3" },
	{ st_movl_m1, STORE, "32-bit MOV store at offset -1" },
	{ st_stosb, STORE, "STOSB" },
	{ st_stosl, STORE, "STOSD" },
	{ st_stosq, STORE, "STOSQ" },
	{ st_rep_stosl, STORE, "REP STOSD" },
	{ st_movsl, STORE, "MOVSD into the page" },
	{ st_rep_movsl, STORE, "REP MOVSD into the page" },
	{ st_movsb, STORE, "MOVSB into the page" },
	{ st_lock_add, STORE, "LOCK ADD" },
	{ st_lock_or, STORE, "LOCK OR of an immediate" },
	{ st_lock_xadd, STORE, "LOCK XADD" },
	{ st_lock_cmpxchg, STORE, "LOCK CMPXCHG" },
	{ st_lock_bts, STORE, "LOCK BTS" },
	{ st_xchg, STORE, "XCHG" },
	{ st_add, STORE, "ADD to memory" },
	{ st_or_imm, STORE, "OR of an immediate to memory" },
	{ st_inc, STORE, "INC of memory" },
	{ st_not, STORE, "NOT of memory" },
	{ st_movnti, STORE, "MOVNTI" },
	{ st_mov_esp, STORE, "32-bit MOV store from ESP" },
	{ st_popq, STORE, "POP to memory" },
	{ ld_movb, LOAD, "8-bit MOV load" },
	{ ld_movb_ch, LOAD, "8-bit MOV load into CH" },
	{ ld_movw, LOAD, "16-bit MOV load" },
	{ ld_movzb, LOAD, "MOVZX of 8 bits" },
	{ ld_movzw, LOAD, "MOVZX of 16 bits" },
	{ ld_movsb_x, LOAD, "MOVSX of 8 bits" },
	{ ld_movsw_x, LOAD, "MOVSX of 16 bits" },
	{ ld_movq, LOAD, "64-bit MOV load" },
	{ ld_movl_1, LOAD, "32-bit MOV load at offset +1" },
	{ ld_movl_2, LOAD, "32-bit MOV load at offset +2" },
	{ ld_movl_3, LOAD, "32-bit MOV load at offset +3" },
	{ ld_lodsb, LOAD, "LODSB" },
	{ ld_lodsl, LOAD, "LODSD" },
	{ ld_lodsq, LOAD, "LODSQ" },
	{ ld_movsl, LOAD, "MOVSD out of the page" },
	{ ld_rep_movsl, LOAD, "REP MOVSD out of the page" },
	{ ld_movsq, LOAD, "MOVSQ out of the page" },
	{ ld_cmpsl, LOAD, "CMPSD" },
	{ ld_add, LOAD, "ADD from memory" },
	{ ld_cmp, LOAD, "CMP with memory" },
	{ ld_test, LOAD, "TEST with memory" },
	{ ld_bt, LOAD, "BT of memory" },
	{ ld_mov_esp, LOAD, "32-bit MOV load into ESP" },
	{ ld_pushq, LOAD, "PUSH from memory" },
	{ ld_scasl, SCAN, "SCASD" },
	{ fetch_jmp, FETCH, "instruction fetch (JMP into the page)" },
};

static uint8_t form_buf[BUF_SIZE];

static struct form_regs form_start(enum form_kind kind)
{
	uint64_t buf = (uint64_t)(uintptr_t)form_buf;

	switch (kind) {
	case STORE:
		return (struct form_regs){ TPR_ADDR, 0x30, 0x30, buf, TPR_ADDR };
	case LOAD:
		return (struct form_regs){ VER_ADDR, CANARY, CANARY, VER_ADDR, buf };
	case SCAN:
		return (struct form_regs){ VER_ADDR, CANARY, CANARY, buf, VER_ADDR };
	default:
		return (struct form_regs){ GP_LAPIC_BASE, CANARY, CANARY, buf, buf };
	}
}

static int buf_intact(void)
{
	for (unsigned i = 0; i < BUF_SIZE; i++)
		if (form_buf[i] != BUF_FILL)
			return 0;
	return 1;
}

/* One line per form: exactly one #GP(0), raised at the instruction (or
 * at the page, for the fetch), and nothing changed. */
static void try_form(const struct form *f)
{
	struct form_regs start = form_start(f->kind), r = start;
	struct lapic_snapshot snap;
	struct attack_fault fault;
	uint64_t want_rip;
	char why[64];
	int regs_kept, mem_kept, apic_kept, one_gp;

	for (unsigned i = 0; i < BUF_SIZE; i++)
		form_buf[i] = BUF_FILL;
	lapic_snapshot_take(&snap);
	fault = attack_try_insn(f->fn, &r);
	want_rip = f->kind == FETCH ? GP_LAPIC_BASE : attack_insn_rip;
	regs_kept = r.rax == start.rax && r.rcx == start.rcx && r.rdx == start.rdx &&
		    r.rsi == start.rsi && r.rdi == start.rdi;
	mem_kept = buf_intact();
	apic_kept = lapic_snapshot_same(&snap, why, sizeof(why));
	one_gp = fault.count == 1 && fault.vector == VEC_GP && fault.error_code == 0 &&
		 fault.rip == want_rip;
	if (fault.vector == ATTACK_NO_FAULT) {
		attack_check(0, "%s: no fault, want #GP; regs %s, mem %s, %s", f->what,
			     regs_kept ? "kept" : "CHANGED", mem_kept ? "kept" : "WRITTEN", why);
		return;
	}
	attack_check(one_gp && regs_kept && mem_kept && apic_kept, "%s: %lu %s(%#lx) %s%lx, regs %s, mem %s, %s",
		     f->what, fault.count, guest_fault_name((uint64_t)fault.vector), fault.error_code,
		     fault.rip == want_rip ? "at the insn " : "NOT at the insn: ", fault.rip,
		     regs_kept ? "kept" : "CHANGED", mem_kept ? "kept" : "WRITTEN", why);
}

void lapic_refused_accesses(void)
{
	/* Non-zero values for the stores to stand out against. */
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LDR, 0x01000000);
	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		try_form(&forms[i]);
}
