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
#include "kernel/config.h"
#include "vmm/gmem.h"
#include "vmm/vlapic.h"

/* Guest GPRs the hardware does not switch. RSP, RIP and RFLAGS live in the
 * vendor's state area (and RAX too on SVM: the entry stub moves it). */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * Vendor-neutral exit reasons, each with the name the inventory shows; each
 * backend maps its codes onto these. One list makes the enum and the name
 * table (vmm/exit.c), so a reason cannot exist without its name.
 */
#define EXIT_REASONS(X)                                                                         \
	X(EXIT_CPUID, "cpuid")                                                                  \
	X(EXIT_IO, "io")                                                                        \
	X(EXIT_MSR_READ, "msr-read")                                                            \
	X(EXIT_MSR_WRITE, "msr-write")                                                          \
	X(EXIT_HLT, "hlt")                                                                      \
	X(EXIT_HYPERCALL, "hypercall")                                                          \
	X(EXIT_NPF, "npf")		/* nested/extended page fault */                         \
	X(EXIT_SHUTDOWN, "shutdown")	/* triple fault */                                       \
	X(EXIT_EXCEPTION, "exception")	/* an intercepted guest exception */                     \
	X(EXIT_VIRT_INSN, "virt-insn")	/* VMRUN, VMLOAD, VMXON...: #UD for the guest */         \
	X(EXIT_CR_ACCESS, "cr-access")	/* VMX: CR0/CR4 bits the host owns, CR8 */               \
	X(EXIT_XSETBV, "xsetbv")                                                                \
	X(EXIT_WBINVD, "wbinvd")	/* WBINVD: done for the guest without the real one */      \
	X(EXIT_ICEBP, "icebp")		/* INT1 (0xf1): a #DB trap for the guest */              \
	X(EXIT_INTR, "interrupt")	/* external interrupt / NMI while the guest ran */       \
	X(EXIT_IRQ_WINDOW, "irq-window") /* the guest can take the interrupt waiting for it */   \
	X(EXIT_NMI_WINDOW, "nmi-window") /* its NMI handler returns (IRET), or NMIs are open */  \
	X(EXIT_INVALID, "invalid")	/* the entry failed: illegal guest state */              \
	X(EXIT_UNKNOWN, "unknown")

#define EXIT_REASON_ENUM(id, name) id,
enum exit_reason { EXIT_REASONS(EXIT_REASON_ENUM) EXIT_REASON_COUNT };
#undef EXIT_REASON_ENUM

/* The inventory's name of each reason (vmm/exit.c). */
extern const char *const exit_reason_names[EXIT_REASON_COUNT];

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
	/* The exit interrupted the delivery of an event (IDT vectoring on VMX,
	 * EXITINTINFO on SVM): the guest retired no instruction since the
	 * previous exit. The backend delivers that event again on the next
	 * entry unless a handler queues one of its own. Valid for
	 * EXIT_EXCEPTION (SVM fills it for those only). */
	bool in_delivery;
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

/* RUNNING: in its guest or handling an exit; PARKED: its guest stopped;
 * WAIT_SIPI: an application processor before its start-up IPI (after
 * boot, INIT or a restart). */
enum vcpu_state { VCPU_RUNNING, VCPU_PARKED, VCPU_WAIT_SIPI };

/* What a sibling vCPU sent (struct vcpu's events): set with atomic ORs by
 * the sender, then a kick; taken by the vCPU's own CPU before its next
 * entry (vcpu_before_entry). */
#define VCPU_EV_INIT (1u << 0)
#define VCPU_EV_SIPI (1u << 1) /* sipi_page holds the start page */
/* An NMI: set until injected; the guest takes one at a time, and two sent
 * before it could take the first are one (vcpu_take_events). */
#define VCPU_EV_NMI (1u << 2)

struct vm;

struct vcpu {
	struct guest_regs regs; /* first: the entry stubs address it directly */
	struct vm *vm;
	unsigned cpu;		/* the physical CPU it is pinned to */
	enum vcpu_state state;
	struct exit_info exit;
	uint64_t exits[EXIT_REASON_COUNT];
	/* Delivery-loop detection: intercepted exceptions in a row, each raised
	 * while delivering an event (vmm/exit.c). */
	uint32_t delivery_faults;
	struct gmem_memo fetch; /* where the last intercepted instruction was read */
	/* The config-granted MSRs (raw, not switched) as the CPU had them before
	 * the guest's first instruction; a restart puts them back. */
	bool msrs_saved;
	uint64_t msr_boot[CONFIG_MAX_MSRS];
	uint64_t spec_ctrl;	/* the guest's IA32_SPEC_CTRL, also in its CPU's MSR (vmm/spec.h) */
	uint64_t tsc_aux;	/* the guest's IA32_TSC_AUX, also in its CPU's MSR (vmm/msr.c) */
	uint64_t pv_time, pv_wall; /* what it last wrote to the paravirtual clock's MSRs (vmm/msr.c) */
	struct vlapic lapic;	/* its local APIC (vmm/virq.h) */
	bool lapic_on;		/* the guest enabled it: interrupts are checked before entries */
	bool irq_dirty;		/* check before the next entry, whatever the exit */
	uint64_t irq_quiet_until; /* TSC before which no timer expiry is due (vmm/vm.h) */
	uint64_t timer_armed;	/* the deadline this CPU's timer is set for (0: none, ~0: unknown) */
	/* Interrupts a sibling on another CPU routed here (vmm/virq.c): bit
	 * v % 32 of word v / 32, and whether each is level-triggered. Only
	 * this vCPU's CPU moves them into its local APIC. */
	uint32_t posted[8], posted_level[8];
	uint32_t posted_words;	/* bit w: posted[w] may be non-zero (set after it) */
	uint32_t events;	/* VCPU_EV_*: INIT, SIPI and NMIs from the guest's APICs */
	uint64_t nmis;		/* NMIs injected */
	uint8_t sipi_page;	/* the first SIPI's vector: real mode starts at page << 12 */
	uint8_t index;		/* in its guest: vCPU 0 boots, the others wait for SIPI */
	uint64_t boot_seen;	/* the guest's boot count this vCPU last started in */
	uint32_t starts;	/* its starts (boot, restart, SIPI): vcpu_started */
	uint32_t tlb_starts;	/* the start its CPU last dropped the guest's translations at */
	struct vcpu_arch arch;
};

/*
 * TLB flushes (docs/vmm.md, "Translations and flushes"). A vCPU's CPU
 * caches translations of its guest, tagged with the guest's ASID (SVM) or
 * VPID and EPT pointer (VMX): linear ones through the guest's page tables
 * and nested ones through its nested tables. A vCPU never leaves its CPU
 * and a CPU never runs another vCPU, so whatever the CPU caches under
 * those tags comes from this vCPU's own earlier entries. It goes stale
 * when the vCPU starts again: the guest's boot and restart (its memory is
 * scrubbed and loaded afresh) and every start by INIT and SIPI (INIT drops
 * the TLBs on hardware). Nothing else calls for a flush: a guest's nested
 * tables are built when it is created and never change (its memory and
 * grants are fixed); a policy update changes the I/O and MSR bitmaps,
 * which no TLB holds; an operator's stop and start leave memory as it was.
 */
static inline void vcpu_started(struct vcpu *v)
{
	v->starts++;
}

/* Before every entry, after vcpu_before_entry: true once after each start;
 * the backend then drops the guest's translations on this CPU. */
static inline bool vcpu_tlb_flush_due(struct vcpu *v)
{
	if (__builtin_expect(v->tlb_starts == v->starts, 1))
		return false;
	v->tlb_starts = v->starts;
	return true;
}

/* Run the vCPU on this CPU for ever. */
__attribute__((noreturn)) void vcpu_loop(struct vcpu *v);
/* Sleep until the vCPU's guest runs again (vcpu_before_entry, vm.h). */
void vcpu_park(struct vcpu *v);
/* On the vCPU's own CPU, before its guest's first instruction (boot and
 * restart): the CPU state the guest owns without a world switch back in
 * its reset state. */
void vcpu_reset_cpu_state(struct vcpu *v);

#endif
