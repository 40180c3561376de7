/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the attack guests (tests/guests/attack-*, docs/attacks.md).
 * An attack guest either checks what the VMM answered (a fault, a value)
 * and prints one verdict, or performs an access the VMM must answer by
 * stopping it: then it announces the access and, should the access ever
 * return, reports FAIL.
 *
 * Commentary lines are "<name>: ..."; the announcement before a stop is
 * "<name>: attacking: <what>" and is the guest's last line when the
 * defence holds.
 */
#ifndef GUEST_ATTACK_H
#define GUEST_ATTACK_H

#include "guest.h"

#define ATTACK_NO_FAULT (-1)

#define VEC_DB 1
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14
#define VEC_AC 17

/* What attack_try() saw: how many faults, and the last one. */
struct attack_fault {
	int vector; /* ATTACK_NO_FAULT when nothing faulted */
	uint64_t error_code;
	uint64_t count;
	unsigned cpl;
	uint64_t rip; /* where the last fault was raised */
};

/*
 * Start an attack guest. Not under Vigil it prints a SKIP verdict and
 * exits: the attacks assume a VMM's answers (and a reset attempt would end
 * a plain QEMU run).
 */
void attack_begin(const char *name);
const char *attack_name(void);

/* "<name>: <text>" */
void attack_note(const char *fmt, ...) GUEST_PRINTF(1, 2);
/* "<name>: ok   <text>" or "<name>: FAIL <text>"; a failure is remembered. */
int attack_check(int ok, const char *fmt, ...) GUEST_PRINTF(2, 3);
/* The verdict from the checks so far (PASS only if every check held), then exit. */
__attribute__((noreturn)) void attack_end(void);

/*
 * Run fn(arg) with a fault handler that skips `skip` bytes at every fault
 * (the length of the one instruction fn expects to fault). Returns how
 * many faults fn took and the last one.
 */
struct attack_fault attack_try(void (*fn)(void *arg), void *arg, unsigned skip);
/* Check that r is exactly one fault of `vector` (error code 0 for #GP). */
int attack_expect(struct attack_fault r, int vector, const char *what);

/*
 * One instruction that should fault, without counting its bytes: inside
 * an extended asm statement, ATTACK_INSN("movb (%1), %0") records the
 * instruction's address (attack_insn_rip) and the address after it
 * (attack_resume_rip), then runs it. Clobbers R11 (list it). Run the
 * function holding it with attack_try_insn(), whose fault handler resumes
 * after the instruction, whatever its length or its RIP (a fetch from a
 * device page faults at the page).
 */
#define ATTACK_INSN(insn)                                              \
	"lea 8801f(%%rip), %%r11\n\tmov %%r11, attack_insn_rip(%%rip)\n\t"   \
	"lea 8802f(%%rip), %%r11\n\tmov %%r11, attack_resume_rip(%%rip)\n" \
	"8801:\n\t" insn "\n8802:\n\t"
extern uint64_t attack_insn_rip, attack_resume_rip;
struct attack_fault attack_try_insn(void (*fn)(void *arg), void *arg);

/* RDMSR/WRMSR that report the fault instead of taking the guest down. */
struct attack_fault attack_rdmsr(uint32_t msr, uint64_t *val);
struct attack_fault attack_wrmsr(uint32_t msr, uint64_t val);
/*
 * Send an IPI of delivery mode `mode` (ICR bits 8-10) through the xAPIC ICR
 * to every other CPU, every CPU, every physical APIC ID and every logical
 * bit; check each write completes with the delivery status idle; run
 * `check` (if any) for the guest's own checks; end with the verdict (the
 * IPI attacks, docs/attacks.md).
 */
__attribute__((noreturn)) void attack_ipi_everywhere(const char *name, uint32_t mode, const char *what,
						     void (*check)(void));

/* Both directions of msr must raise #GP; `val` is the value written. */
void attack_expect_msr_gp(uint32_t msr, uint64_t val, const char *what);

/*
 * The guest page tables map only the first 4 GiB. Map the 2 MiB page that
 * holds guest-physical `gpa` (below the CPU's MAXPHYADDR) at a window above
 * them and return the virtual address of `gpa` in it. One window: each
 * call replaces the previous mapping.
 */
volatile void *attack_map(uint64_t gpa);

/* "<name>: attacking: <what>": the line after which a defended guest says nothing. */
void attack_announce(const char *fmt, ...) GUEST_PRINTF(1, 2);
/* An access that the VMM had to stop returned: FAIL, and exit. */
__attribute__((noreturn)) void attack_survived(const char *fmt, ...) GUEST_PRINTF(1, 2);

/*
 * Announce, then read 8 bytes at / write 8 bytes to / jump to guest-physical
 * `gpa` (through attack_map() above 4 GiB). The VMM must stop the guest
 * there; if the access returns, the guest reports FAIL.
 */
__attribute__((noreturn)) void attack_stop_read(uint64_t gpa, const char *what);
__attribute__((noreturn)) void attack_stop_write(uint64_t gpa, uint64_t val, const char *what);
/* A 4-byte write, as device registers such as the APIC's want. */
__attribute__((noreturn)) void attack_stop_write32(uint64_t gpa, uint32_t val, const char *what);
__attribute__((noreturn)) void attack_stop_fetch(uint64_t gpa, const char *what);

/*
 * A hypercall (RAX = nr, RDI/RSI/RDX = args) that also checks the VMM kept
 * every other register: *regs_kept is 0 if RBX, RCX, RDI, RSI, RDX or
 * R8..R15 changed. Under Vigil only.
 */
long attack_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, int *regs_kept);

/* The end of the highest range in the start info's memory map (0 if none). */
uint64_t attack_mem_top(const struct hvm_start_info *si);

/* Offset of needle in [hay, hay + len), or -1. */
long attack_find(const volatile uint8_t *hay, size_t len, const uint8_t *needle, size_t n);

#endif
