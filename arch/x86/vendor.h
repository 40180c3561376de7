/* SPDX-License-Identifier: MIT */
/*
 * The vendor interface: what the generic VMM (vmm/) needs from a
 * virtualization backend. SVM (arch/x86/svm/) and VMX (arch/x86/vmx/) each
 * fill one struct vcpu_vendor_ops; generic CPUID/MSR/IO/hypercall handling
 * is written once above it and calls the vcpu_vendor_* wrappers below.
 */
#ifndef ARCH_X86_VENDOR_H
#define ARCH_X86_VENDOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86/pt.h"

struct vcpu;
struct vm;

/* The guest's execution mode, as the instruction fetcher needs it. */
struct guest_mode {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t cs_base;
	bool cs_l, cs_db;
	unsigned cpl;
};

/*
 * One table per backend (svm_ops, vmx_ops). vendor_select() picks the one
 * the CPU supports at boot; the table pointer is read-only after init.
 */
struct vcpu_vendor_ops {
	const char *name; /* "svm", "vmx" */
	/* Does this CPU have what the backend needs? *why says what is missing. */
	int (*probe)(const char **why);
	/* Per physical CPU: turn virtualization on. */
	int (*cpu_init)(void);
	/* The entry format of this backend's nested page tables. */
	const struct pt_format *npt_format;
	/* Per VM: intercept bitmaps (everything intercepted), address-space id. */
	int (*vm_init)(struct vm *vm);
	void (*allow_io)(struct vm *vm, uint16_t port);
	void (*allow_msr)(struct vm *vm, uint32_t msr);
	/* Intercept every port and MSR again (before re-granting a tighter policy).
	 * May be NULL: policy updates are then refused on this backend. */
	void (*reset_bitmaps)(struct vm *vm);
	/* Per vCPU: state area in the PVH start state (32-bit flat, paging off).
	 * Called again on the vCPU's own CPU to restart the guest: it must then
	 * reuse the state area it allocated the first time. */
	int (*vcpu_init)(struct vcpu *v, uint32_t entry, uint32_t ebx);
	/* On the vCPU's own CPU, after vcpu_init made its state area: the state
	 * after INIT and a start-up IPI (real mode, CS = page << 8, IP = 0). */
	int (*vcpu_init_sipi)(struct vcpu *v, uint8_t page);
	/*
	 * Run the guest for ever: enter it; at each exit fill v->exit (with
	 * next_rip and insn_len for an instruction that exited, when they can
	 * be known), call exit_dispatch(v), apply v->exit.skip (RIP to
	 * next_rip; an interrupt shadow ends, as executing the instruction
	 * would have ended it), call vcpu_before_entry(v), enter again.
	 */
	__attribute__((noreturn)) void (*loop)(struct vcpu *v);
	uint64_t (*rip)(const struct vcpu *v);
	void (*mode)(const struct vcpu *v, struct guest_mode *m);
	uint64_t (*efer)(const struct vcpu *v);
	void (*set_efer)(struct vcpu *v, uint64_t efer);
	uint64_t (*pat)(const struct vcpu *v);
	void (*set_pat)(struct vcpu *v, uint64_t pat);
	/* Queue an exception for the next entry. */
	void (*inject)(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
	/* ICEBP exited: deliver its #DB trap (RIP past the instruction). */
	int (*icebp)(struct vcpu *v);
	/*
	 * External interrupts for the virtual LAPIC (vmm/virq.c). irq_ready:
	 * may one be injected at the next entry (RFLAGS.IF set, no interrupt
	 * shadow, no event already queued)? irq_inject queues vector for the
	 * next entry (only when irq_ready). irq_window(on): exit with
	 * EXIT_IRQ_WINDOW as soon as the guest can take an interrupt; off:
	 * stop asking.
	 */
	bool (*irq_ready)(const struct vcpu *v);
	void (*irq_inject)(struct vcpu *v, uint8_t vector);
	void (*irq_window)(struct vcpu *v, bool on);
	/*
	 * NMIs (vcpu_take_events). nmi_ready: may one be injected at the next
	 * entry (the guest not inside its NMI handler, which blocks NMIs until
	 * its IRET; no interrupt shadow; no event queued)? nmi_inject queues
	 * one (only when nmi_ready). nmi_window(on): exit with EXIT_NMI_WINDOW
	 * when the guest can take one, where the backend can tell; off: stop.
	 */
	bool (*nmi_ready)(const struct vcpu *v);
	void (*nmi_inject)(struct vcpu *v);
	void (*nmi_window)(struct vcpu *v, bool on);
	uint64_t (*rflags)(const struct vcpu *v);
	/* A control-register access the backend intercepts (EXIT_CR_ACCESS):
	 * emulate it, or return -1 for one it never intercepts. May be NULL
	 * for a backend that never reports the reason. */
	int (*cr_access)(struct vcpu *v);
};

extern const struct vcpu_vendor_ops svm_ops;
extern const struct vcpu_vendor_ops vmx_ops;
extern const struct vcpu_vendor_ops *vendor_ops;

/* Pick the backend this CPU supports; on failure *why says why none fits. */
int vendor_select(const char **why) __attribute__((warn_unused_result));

static inline const char *vcpu_vendor_name(void) { return vendor_ops->name; }
static inline int vcpu_vendor_cpu_init(void) { return vendor_ops->cpu_init(); }
static inline const struct pt_format *vcpu_vendor_npt_format(void) { return vendor_ops->npt_format; }
static inline int vm_vendor_init(struct vm *vm) { return vendor_ops->vm_init(vm); }
static inline void vm_vendor_allow_io(struct vm *vm, uint16_t port) { vendor_ops->allow_io(vm, port); }
static inline void vm_vendor_allow_msr(struct vm *vm, uint32_t msr) { vendor_ops->allow_msr(vm, msr); }
static inline bool vm_vendor_can_reset_bitmaps(void) { return vendor_ops->reset_bitmaps != NULL; }
static inline void vm_vendor_reset_bitmaps(struct vm *vm) { vendor_ops->reset_bitmaps(vm); }
static inline int vcpu_vendor_init(struct vcpu *v, uint32_t entry, uint32_t ebx)
{
	return vendor_ops->vcpu_init(v, entry, ebx);
}
static inline int vcpu_vendor_init_sipi(struct vcpu *v, uint8_t page)
{
	return vendor_ops->vcpu_init_sipi(v, page);
}
__attribute__((noreturn)) static inline void vcpu_vendor_loop(struct vcpu *v) { vendor_ops->loop(v); }
static inline uint64_t vcpu_vendor_rip(const struct vcpu *v) { return vendor_ops->rip(v); }
static inline void vcpu_vendor_mode(const struct vcpu *v, struct guest_mode *m) { vendor_ops->mode(v, m); }
static inline uint64_t vcpu_vendor_efer(const struct vcpu *v) { return vendor_ops->efer(v); }
static inline void vcpu_vendor_set_efer(struct vcpu *v, uint64_t efer) { vendor_ops->set_efer(v, efer); }
static inline uint64_t vcpu_vendor_pat(const struct vcpu *v) { return vendor_ops->pat(v); }
static inline void vcpu_vendor_set_pat(struct vcpu *v, uint64_t pat) { vendor_ops->set_pat(v, pat); }
static inline void vcpu_vendor_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	vendor_ops->inject(v, vector, has_error, error);
}

static inline bool vcpu_vendor_irq_ready(const struct vcpu *v) { return vendor_ops->irq_ready(v); }
static inline void vcpu_vendor_irq_inject(struct vcpu *v, uint8_t vector) { vendor_ops->irq_inject(v, vector); }
static inline void vcpu_vendor_irq_window(struct vcpu *v, bool on) { vendor_ops->irq_window(v, on); }
static inline bool vcpu_vendor_nmi_ready(const struct vcpu *v) { return vendor_ops->nmi_ready(v); }
static inline void vcpu_vendor_nmi_inject(struct vcpu *v) { vendor_ops->nmi_inject(v); }
static inline void vcpu_vendor_nmi_window(struct vcpu *v, bool on) { vendor_ops->nmi_window(v, on); }
static inline uint64_t vcpu_vendor_rflags(const struct vcpu *v) { return vendor_ops->rflags(v); }
static inline int vcpu_vendor_icebp(struct vcpu *v) { return vendor_ops->icebp(v); }
static inline int vcpu_vendor_cr_access(struct vcpu *v)
{
	return vendor_ops->cr_access ? vendor_ops->cr_access(v) : -1;
}

#endif
