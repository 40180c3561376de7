/* SPDX-License-Identifier: MIT */
/*
 * A vCPU: one per physical CPU a guest owns, never moved. Vendor-neutral
 * state lives here; the backend's (VMCB or VMCS) lives in arch.
 */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/vendor_types.h"
#include "vmm/gmem.h"

/* Guest GPRs the hardware does not switch. RSP, RIP and RFLAGS live in the
 * vendor's state area (and RAX too on SVM: the entry stub moves it). */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Vendor-neutral exit reasons; each backend maps its codes onto these. */
enum exit_reason {
	EXIT_CPUID,
	EXIT_IO,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_HLT,
	EXIT_HYPERCALL,
	EXIT_NPF,	  /* nested/extended page fault */
	EXIT_SHUTDOWN,	  /* triple fault */
	EXIT_EXCEPTION,	  /* an intercepted guest exception */
	EXIT_VIRT_INSN,	  /* VMRUN, VMLOAD, VMXON... : #UD for the guest */
	EXIT_INTR,	  /* external interrupt / NMI while the guest ran */
	EXIT_INVALID,	  /* the entry failed: illegal guest state */
	EXIT_UNKNOWN,
	EXIT_REASON_COUNT
};

struct exit_info {
	enum exit_reason reason;
	uint64_t raw;	/* vendor exit code, for logs */
	uint64_t info1; /* vendor qualification words, for logs */
	uint64_t info2;
	/* The instruction that exited, when the backend knows it: its length
	 * (0: unknown) and the RIP after it. skip: a handler moved past it; the
	 * backend sets RIP to next_rip before the next entry. */
	uint64_t next_rip;
	uint8_t insn_len;
	bool skip;
	uint8_t cpl; /* hypercalls: the caller's privilege level */
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2, 4 */
			bool in, string, rep;
		} io;
		struct {
			uint64_t gpa;
			bool write, fetch, present;
		} npf;
		struct {
			uint8_t vector;
			bool has_error;
			uint32_t error;
		} exc;
	};
};

enum vcpu_state { VCPU_RUNNING, VCPU_PARKED };

struct vm;

struct vcpu {
	struct guest_regs regs; /* first: the entry stubs address it directly */
	struct vm *vm;
	unsigned cpu;		/* the physical CPU it is pinned to */
	enum vcpu_state state;
	struct exit_info exit;
	uint64_t exits[EXIT_REASON_COUNT];
	/* Exception storm detection: the same exception at the same RIP, again and again. */
	uint64_t storm_rip;
	uint32_t storm_count;
	uint8_t storm_vector;
	struct gmem_memo fetch; /* where the last intercepted instruction was read */
	uint64_t spec_ctrl;	/* the guest's IA32_SPEC_CTRL, also in its CPU's MSR (vmm/spec.h) */
	struct vcpu_arch arch;
};

/* Run the vCPU on this CPU for ever. */
__attribute__((noreturn)) void vcpu_loop(struct vcpu *v);
/* Sleep until the vCPU's guest runs again (vcpu_before_entry, vm.h). */
void vcpu_park(struct vcpu *v);

#endif
