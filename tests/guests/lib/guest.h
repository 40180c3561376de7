/* SPDX-License-Identifier: MIT */
/*
 * The test-guest library: everything a guest under tests/guests/<name>/
 * needs. A guest defines guest_main(); the library's crt0 enters it in
 * 64-bit mode with the first 4 GiB identity mapped, a stack, a zeroed bss,
 * an IDT catching every exception and the hypercall flavour chosen.
 * The guest-side ABI is described in docs/guests.md.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <vigil/hypercall.h>

#include "cpu.h"
#include "pvh.h"

#define GUEST_PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * Defined by each guest. Returning ends the guest as hc_exit(return value)
 * would; most guests end with an explicit hc_exit() after their verdict.
 */
int guest_main(const struct hvm_start_info *si);

/* ---- console: 16550 at 0x3f8, written one whole line at a time ---- */

void con_putc(char c);
void con_write(const char *s, size_t len);
void con_flush(void);	   /* emit a partial line now */
void con_line_start(void); /* end a partial line, if any, so output starts a line */

/*
 * The console UART as an interrupt source, I/O APIC pin GP_UART_GSI: its
 * transmitter-empty interrupt (IER bit 1), with MCR OUT2 set, which gates
 * a PC's 16550 interrupt output. On a 16550, enabling it while the
 * transmitter is empty raises the line; reading IIR (while that is the
 * interrupt it reports), writing THR or disabling it lowers the line.
 * Every console write goes through THR: print nothing while it is on.
 */
void uart_thre_irq(int on);
uint8_t uart_iir(void); /* IIR: bit 0 set = nothing pending, 0x02 = THR empty */

int printf(const char *fmt, ...) GUEST_PRINTF(1, 2);
int vprintf(const char *fmt, va_list ap) GUEST_PRINTF(1, 0);
int snprintf(char *buf, size_t size, const char *fmt, ...) GUEST_PRINTF(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) GUEST_PRINTF(3, 0);

/* ---- verdict: the one line a harness reads ---- */

enum verdict_status {
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_SKIP,
	VERDICT_ERROR,
};

/*
 * Print "verdict: <STATUS> <reason>". A guest prints exactly one; a second
 * call is a guest bug and prints "verdict: ERROR second verdict ...", so a
 * harness that sees two verdict lines must not trust the first.
 */
void verdict(enum verdict_status status, const char *fmt, ...) GUEST_PRINTF(2, 3);

/* ---- environment, probed once before guest_main ---- */

int guest_under_vigil(void);	      /* CPUID 0x40000000 says "VigilVigilVi" */
const char *guest_cpu_vendor(void);   /* CPUID 0 vendor string */
const char *guest_hypercall_insn(void); /* "vmmcall" or "vmcall" */

/* ---- hypercalls (include/vigil/hypercall.h) ---- */

/*
 * Raw hypercall. Not under Vigil it returns -HC_ENOSYS without executing
 * VMCALL/VMMCALL (which would raise #UD on bare hardware or plain QEMU).
 */
long hc_call(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2);
long hc_version(void);
/*
 * Stop this guest with an exit code. Not under Vigil (or if the VMM
 * wrongly returns), it ends the way plain QEMU understands: a write to the
 * isa-debug-exit port 0xf4 when not under Vigil, then halts forever.
 */
__attribute__((noreturn)) void hc_exit(int code);

/* ---- faults ---- */

struct guest_fault {
	uint64_t vector;     /* 0..31 */
	uint64_t error_code; /* 0 for vectors without one */
	uint64_t rip;	     /* as pushed: the faulting insn, or the next one for traps */
	uint64_t cr2;	     /* valid for #PF (vector 14) */
	uint64_t count;	     /* faults seen so far, this one included */
	unsigned cpl;	     /* privilege level the fault came from: 0 or 3 */
};

/*
 * Install a fault handler (NULL restores the default). It runs in the
 * exception context and returns how many bytes to advance RIP before
 * resuming (0 re-executes a faulting instruction), or a negative value for
 * "unexpected": the default then prints the fault and an ERROR verdict and
 * exits. Every fault is recorded before the handler runs.
 */
void guest_set_fault_handler(long (*fn)(const struct guest_fault *f));
/* The most recent fault (count == 0 when none happened yet). */
struct guest_fault guest_fault_last(void);
const char *guest_fault_name(uint64_t vector);
/*
 * For a fault handler: resume at rip rather than at the faulting RIP plus
 * the handler's return value (which must still be >= 0). For faults whose
 * RIP is nowhere to skip to, such as an instruction fetch from a device
 * page; the stack pointer stays what it was at the fault.
 */
void guest_fault_resume_at(uint64_t rip);

/* ---- interrupts: vectors 32..255 (lib/apic.h reaches the APICs) ---- */

/*
 * Call fn(vector) for each interrupt on vector (NULL: none registered).
 * Handlers run with interrupts off, on the interrupted stack (from CPL 3:
 * the TSS trap stack); one that came from the local APIC must write its
 * EOI (lapic_eoi()) itself, when it chooses; an STI inside lets higher
 * priorities nest. An interrupt on a vector without a handler prints it and
 * ends the guest with an ERROR verdict. Vector 0x80 is the gate back from
 * guest_user_run() and cannot be registered. Interrupts stay off until
 * the guest turns them on (sti(), sti_hlt() in lib/cpu.h).
 */
void guest_set_irq_handler(unsigned vector, void (*fn)(unsigned vector));
/*
 * Point vector's IDT gate straight at entry, past the library's stubs (no
 * counts, no handler call): entry is assembly that saves what it uses and
 * ends with IRETQ, for a guest that must know every instruction its
 * handler runs (the bench guest's timer). Same vectors as above.
 */
void guest_set_irq_gate(unsigned vector, void (*entry)(void));
/* Interrupts taken on vector so far (handled or not), and on all vectors. */
uint64_t guest_irq_count(unsigned vector);
uint64_t guest_irq_total(void);

/* ---- user mode ---- */

/*
 * Run fn at CPL 3 on a library-owned stack and return its result. All
 * memory is user-accessible, so fn may read and write guest data, but it
 * must not print (port I/O faults at CPL 3) or call the library's console.
 * Faults it takes reach the fault handler with cpl == 3; a handler that
 * skips resumes fn at CPL 3. Not reentrant.
 */
long guest_user_run(long (*fn)(void));

/* ---- time ---- */

/* Spin for `loops` iterations of an empty loop: no timer, no exits. */
void delay_spin(uint64_t loops);
/*
 * The TSC's rate as CPUID leaf 0x15 states it (crystal Hz in ECX times
 * EBX / EAX), or 0 when the CPU does not state it. Vigil does, and its
 * APIC timer counts at the crystal's rate: one tick every EBX / EAX TSC
 * cycles at divide-by-1.
 */
uint64_t guest_tsc_hz(void);
/* Spin until the TSC has advanced by `cycles` (interrupts as they are). */
void tsc_spin(uint64_t cycles);

/* ---- application processors (lib/smp.c) ---- */

#define GUEST_MAX_CPUS 4	/* APIC IDs 0 (the boot CPU) .. 3 */
#define GUEST_AP_PAGE 0x8000u	/* the real-mode trampoline's page (below the image) */
/*
 * Start the AP with this APIC ID as the architecture does: INIT, then a
 * SIPI at GUEST_AP_PAGE (again if the first brings nobody within 500 ms).
 * It runs fn(apic_id) in long mode on its own stack, with the boot CPU's
 * page tables, GDT and IDT (handlers and counts are shared), its local
 * APIC enabled and interrupts off; when fn returns it halts with
 * interrupts off. 0 once it runs fn, -1 if it never came. Not reentrant:
 * one AP at a time. Printing from two CPUs at once interleaves.
 */
int guest_start_ap(unsigned apic_id, void (*fn)(unsigned apic_id));

#endif
