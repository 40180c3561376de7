/* SPDX-License-Identifier: MIT */
/*
 * The VMX world switch and exit decoding: each VMX exit reason is mapped
 * onto the vendor-neutral enum exit_reason that vmm/exit.c dispatches, so
 * the handlers are the ones SVM uses. Skipping an instruction uses the
 * length the CPU reports: no decoding from guest memory.
 */
#include "arch/x86/vendor.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "vmm/exits.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define AR_L (1u << 13)
#define AR_DB (1u << 14)
#define EXC_DB 1
#define DR6_RESERVED1 0xffff0ff0ull
#define DR6_FROM_QUAL 0x600full /* B0-B3, BD, BS: same bit positions */

static enum exit_reason vmx_reason(uint32_t basic)
{
	switch (basic) {
	case VMX_EXIT_EXT_INTR:
	case VMX_EXIT_INIT:
	case VMX_EXIT_SIPI:
	case VMX_EXIT_PREEMPT_TIMER: /* the backstop: the guest simply resumes */
		return EXIT_INTR;
	case VMX_EXIT_TRIPLE_FAULT: return EXIT_SHUTDOWN;
	case VMX_EXIT_INTR_WINDOW: return EXIT_IRQ_WINDOW;
	case VMX_EXIT_NMI_WINDOW: return EXIT_NMI_WINDOW;
	case VMX_EXIT_CPUID: return EXIT_CPUID;
	case VMX_EXIT_WBINVD: return EXIT_WBINVD;
	case VMX_EXIT_HLT: return EXIT_HLT;
	case VMX_EXIT_VMCALL: return EXIT_HYPERCALL;
	case VMX_EXIT_RDMSR: return EXIT_MSR_READ;
	case VMX_EXIT_WRMSR: return EXIT_MSR_WRITE;
	case VMX_EXIT_CR_ACCESS: return EXIT_CR_ACCESS;
	case VMX_EXIT_XSETBV: return EXIT_XSETBV;
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_RDPMC:
	case VMX_EXIT_RSM:
	case VMX_EXIT_VMCLEAR ... VMX_EXIT_VMXON: /* VMCLEAR, VMLAUNCH, VMPTRLD, VMPTRST, VMREAD, VMRESUME, VMWRITE, VMXOFF, VMXON */
	case VMX_EXIT_MWAIT:
	case VMX_EXIT_MONITOR:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC:
		return EXIT_VIRT_INSN;
	default: /* task switch, INVD, EPT misconfiguration...: the guest stops, logged */
		return EXIT_UNKNOWN;
	}
}

/* Intercepted exceptions (#DB, #AC) are reflected by vmm/exit.c; #MC is the
 * host's (exit_machine_check: logged, never reflected). An
 * NMI that arrived while the guest ran is the host's: its own handler
 * takes it, as it would have outside the guest (on SVM the NMI is taken
 * after STGI). ICEBP raises #DB as a privileged software exception: it is
 * EXIT_ICEBP, delivered again with its instruction length (vmx_icebp). */
static void vmx_decode_insn(struct exit_info *e);

static void vmx_decode_exception(struct vcpu *v, struct exit_info *e)
{
	uint32_t info = (uint32_t)vmx_read(VMCS_EXIT_INTR_INFO);
	uint32_t type = (info & INTR_TYPE_MASK) >> INTR_TYPE_SHIFT;

	e->info2 = info;
	if (type == INTR_TYPE_NMI) {
		__asm__ volatile("int $2");
		/* With virtual NMIs the guest's "blocking by NMI" is its own (its
		 * NMI handler runs), which a host NMI's exit leaves as it was:
		 * nothing to undo (without them Bochs 2.7 saved the host's). */
		e->reason = EXIT_INTR;
		return;
	}
	if (type == INTR_TYPE_PRIV_SW_EXC && (uint8_t)info == EXC_DB) {
		e->reason = EXIT_ICEBP;
		vmx_decode_insn(e);
		return;
	}
	if (type != INTR_TYPE_HW_EXC) {
		e->reason = EXIT_UNKNOWN;
		return;
	}
	e->reason = EXIT_EXCEPTION;
	e->exc.vector = (uint8_t)info;
	e->exc.has_error = info & INTR_INFO_ERROR;
	e->exc.error = e->exc.has_error ? (uint32_t)vmx_read(VMCS_EXIT_INTR_ERROR) : 0;
	/* A #DB exit leaves DR6 alone and reports its bits in the
	 * qualification: update the guest's DR6 (the host never uses it). */
	if (e->exc.vector == EXC_DB)
		cpu_write_dr6(DR6_RESERVED1 | (e->info1 & DR6_FROM_QUAL));
	(void)v;
}

static void vmx_decode_io(struct exit_info *e)
{
	uint64_t q = e->info1;

	e->reason = EXIT_IO;
	e->io.size = (uint8_t)((q & 7) + 1); /* 0, 1, 3: 1, 2, 4 bytes */
	e->io.in = q & (1u << 3);
	e->io.string = q & (1u << 4);
	e->io.rep = q & (1u << 5);
	e->io.port = (uint16_t)(q >> 16);
}

/* Qualification bits 0..2: the access (read, write, fetch); bits 3..5: what
 * the EPT entry allowed (none: nothing mapped there). */
static void vmx_decode_ept(struct exit_info *e)
{
	e->reason = EXIT_NPF;
	e->npf.gpa = vmx_read(VMCS_GUEST_PHYS_ADDR);
	e->info2 = e->npf.gpa;
	e->npf.write = e->info1 & 2;
	e->npf.fetch = e->info1 & 4;
	e->npf.present = e->info1 & 0x38;
}

/* An exit during the delivery of an event (IDT vectoring) loses the event
 * unless it is delivered again on the next entry. */
static void vmx_note_vectoring(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmx_read(VMCS_IDT_VECTORING_INFO);

	/* Only the fields entry injection defines: a reserved or undefined bit
	 * (bit 12 of the vectoring information) would fail the entry's
	 * control checks, a host panic. */
	info &= INTR_INFO_VALID | INTR_TYPE_MASK | INTR_INFO_ERROR | 0xffu;
	v->arch.reinject_info = info & INTR_INFO_VALID ? info : 0;
	v->exit.in_delivery = v->arch.reinject_info;
	if (!v->arch.reinject_info)
		return;
	v->arch.reinject_error = info & INTR_INFO_ERROR ? (uint32_t)vmx_read(VMCS_IDT_VECTORING_ERROR) : 0;
	v->arch.reinject_len = (uint32_t)vmx_read(VMCS_EXIT_INSN_LEN);
}

/* The CPU reports the exiting instruction's length: no decoding. */
static void vmx_decode_insn(struct exit_info *e)
{
	uint64_t rip = vmx_read(VMCS_GUEST_RIP);
	bool long64 = (vmx_read(VMCS_GUEST_EFER) & EFER_LMA) && (vmx_read(VMCS_GUEST_CS_AR) & AR_L);

	e->insn_len = (uint8_t)vmx_read(VMCS_EXIT_INSN_LEN);
	e->next_rip = long64 ? rip + e->insn_len : (uint32_t)(rip + e->insn_len);
}

static void vmx_decode(struct vcpu *v)
{
	struct exit_info *e = &v->exit;
	uint32_t reason = (uint32_t)vmx_read(VMCS_EXIT_REASON), basic = reason & 0xffff;

	e->raw = reason;
	e->info1 = vmx_read(VMCS_EXIT_QUALIFICATION);
	e->info2 = 0;
	e->insn_len = 0;
	e->skip = false;
	if (reason & VMX_EXIT_ENTRY_FAILED) {
		e->reason = EXIT_INVALID; /* illegal guest state or MSR loading */
		return;
	}
	vmx_note_vectoring(v);
	switch (basic) {
	case VMX_EXIT_EXCEPTION_NMI:
		vmx_decode_exception(v, e);
		break;
	case VMX_EXIT_EPT_VIOLATION:
		vmx_decode_ept(e);
		break;
	case VMX_EXIT_IO:
		vmx_decode_io(e);
		vmx_decode_insn(e);
		break;
	case VMX_EXIT_VMCALL:
		e->cpl = (uint8_t)((vmx_read(VMCS_GUEST_SS_AR) >> 5) & 3);
		/* fall through */
	case VMX_EXIT_CR_ACCESS:
	case VMX_EXIT_XSETBV:
	case VMX_EXIT_WBINVD:
	case VMX_EXIT_CPUID:
	case VMX_EXIT_HLT:
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		vmx_decode_insn(e);
		/* fall through */
	default:
		e->reason = vmx_reason(basic);
	}
}

/* Before an entry: an event whose delivery an exit interrupted goes in
 * again, unless the exit's handler queued an event of its own. */
static void vmx_event_prepare(struct vcpu *v)
{
	if (v->arch.injected || !v->arch.reinject_info)
		return;
	vmx_write(VMCS_ENTRY_INTR_INFO, v->arch.reinject_info);
	vmx_write(VMCS_ENTRY_EXCEPTION_ERROR, v->arch.reinject_error);
	vmx_write(VMCS_ENTRY_INSN_LEN, v->arch.reinject_len);
}

static void vmx_entry_failed(struct vcpu *v, int how)
{
	uint64_t err = 0;

	if (how == VMX_ENTER_FAIL_VALID)
		err = vmx_read(VMCS_VM_INSN_ERROR);
	panic("%s failed for guest %s on cpu %u: %s, VM-instruction error %lu (%s)",
	      v->arch.launched ? "VMRESUME" : "VMLAUNCH", v->vm->name, v->cpu,
	      how == VMX_ENTER_FAIL_VALID ? "VMfailValid" :
	      how == VMX_ENTER_FAIL_INVALID ? "VMfailInvalid (no current VMCS)" : "HOST_RSP not writable",
	      err, vmx_insn_error_text((uint32_t)err));
}

/* Enter the guest and decode the exit that ends its run. */
static void vmx_run(struct vcpu *v)
{
	int how;

	if (!v->arch.launched)
		vmcs_init(v);
	if (__builtin_expect(vcpu_tlb_flush_due(v), 0))
		vmx_flush_guest(v);
	vmx_event_prepare(v);
	how = vmx_enter(&v->regs, v->arch.launched, VMCS_HOST_RSP);
	if (how)
		vmx_entry_failed(v, how);
	v->arch.launched = true;
	v->arch.injected = false;
	vmx_decode(v);
}

uint64_t vmx_rip(const struct vcpu *v)
{
	(void)v;
	return vmx_read(VMCS_GUEST_RIP);
}

static void vmx_set_rip(struct vcpu *v, uint64_t rip);

/* Every exit takes the same path as on SVM: decode, count and dispatch
 * (exit_dispatch), move past the instruction, the safe point and the
 * parking place (vcpu_before_entry), enter again. */
void vmx_loop(struct vcpu *v)
{
	for (;;) {
		vmx_run(v);
		exit_dispatch(v);
		if (v->exit.skip)
			vmx_set_rip(v, v->exit.next_rip);
		vcpu_before_entry(v);
	}
}

/* Moving RIP past an instruction also ends the one-instruction interrupt
 * shadow of a preceding STI or MOV SS, as executing it would have. */
static void vmx_set_rip(struct vcpu *v, uint64_t rip)
{
	uint64_t shadow = vmx_read(VMCS_GUEST_INTERRUPTIBILITY);

	(void)v;
	vmx_write(VMCS_GUEST_RIP, rip);
	if (shadow & 3)
		vmx_write(VMCS_GUEST_INTERRUPTIBILITY, shadow & ~3ull);
}


void vmx_mode(const struct vcpu *v, struct guest_mode *m)
{
	uint64_t cs_ar = vmx_read(VMCS_GUEST_CS_AR);

	(void)v;
	m->cr0 = vmx_read(VMCS_GUEST_CR0);
	m->cr3 = vmx_read(VMCS_GUEST_CR3);
	m->cr4 = vmx_read(VMCS_GUEST_CR4);
	m->efer = vmx_read(VMCS_GUEST_EFER);
	m->cs_base = vmx_read(VMCS_GUEST_CS_BASE);
	m->cs_l = cs_ar & AR_L;
	m->cs_db = cs_ar & AR_DB;
	m->cpl = (vmx_read(VMCS_GUEST_SS_AR) >> 5) & 3;
}

uint64_t vmx_efer(const struct vcpu *v)
{
	(void)v;
	return vmx_read(VMCS_GUEST_EFER);
}

void vmx_set_efer(struct vcpu *v, uint64_t efer)
{
	(void)v;
	vmx_write(VMCS_GUEST_EFER, efer);
}

uint64_t vmx_pat(const struct vcpu *v)
{
	(void)v;
	return vmx_read(VMCS_GUEST_PAT);
}

void vmx_set_pat(struct vcpu *v, uint64_t pat)
{
	(void)v;
	vmx_write(VMCS_GUEST_PAT, pat);
}

/* ICEBP's #DB goes in again as the privileged software exception it is,
 * with the instruction's length: the CPU pushes the RIP after it and skips
 * the gate's DPL check, as a guest without a VMM would see. */
int vmx_icebp(struct vcpu *v)
{
	vmx_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_PRIV_SW_EXC << INTR_TYPE_SHIFT | EXC_DB);
	vmx_write(VMCS_ENTRY_INSN_LEN, v->exit.insn_len);
	v->arch.injected = true;
	return 0;
}

/* A hardware exception. In real mode (unrestricted guest, CR0.PE=0) no
 * error code is pushed, and VM entry refuses one. */
void vmx_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXC << INTR_TYPE_SHIFT | vector;

	if (has_error && (vmx_read(VMCS_GUEST_CR0) & CR0_PE)) {
		info |= INTR_INFO_ERROR;
		vmx_write(VMCS_ENTRY_EXCEPTION_ERROR, error);
	}
	vmx_write(VMCS_ENTRY_INTR_INFO, info);
	v->arch.injected = true;
}

#define RFLAGS_IF (1ull << 9)
#define BLOCKING_STI_MOVSS 3ull /* interruptibility state */
#define BLOCKING_NMI (1ull << 3)

/* No event queued for the next entry (an exit's own or one whose delivery
 * an exit interrupted), IF set, no STI or MOV SS shadow. */
bool vmx_irq_ready(const struct vcpu *v)
{
	return !v->arch.injected && !v->arch.reinject_info && (vmx_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmx_read(VMCS_GUEST_INTERRUPTIBILITY) & BLOCKING_STI_MOVSS);
}

void vmx_irq_inject(struct vcpu *v, uint8_t vector)
{
	vmx_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INT << INTR_TYPE_SHIFT | vector);
	v->arch.injected = true;
}

static void vmx_write_proc(const struct vcpu *v)
{
	vmx_write(VMCS_PROC_CONTROLS, vmx_cfg.proc | (v->arch.irq_window ? PROC_INTR_WINDOW_EXIT : 0) |
					      (v->arch.nmi_window ? PROC_NMI_WINDOW_EXIT : 0));
}

void vmx_irq_window(struct vcpu *v, bool on)
{
	if (v->arch.irq_window == on)
		return;
	v->arch.irq_window = on;
	vmx_write_proc(v);
}

/* NMIs: with virtual NMIs the CPU keeps the guest's NMI blocking in its
 * interruptibility state (set by an injected NMI, cleared by the handler's
 * IRET) and exits on the NMI window when it opens. An entry may not inject
 * an NMI under MOV SS blocking; STI blocking is treated alike (SDM vol. 3,
 * 26.3.1.5). */
bool vmx_nmi_ready(const struct vcpu *v)
{
	/* A shadow ends with the instruction it shields: the HLT of STI; HLT
	 * being skipped (asked from the halt) is past it. */
	uint64_t blocking = v->exit.skip ? BLOCKING_NMI : BLOCKING_STI_MOVSS | BLOCKING_NMI;

	return !v->arch.injected && !v->arch.reinject_info &&
	       !(vmx_read(VMCS_GUEST_INTERRUPTIBILITY) & blocking);
}

void vmx_nmi_inject(struct vcpu *v)
{
	vmx_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI << INTR_TYPE_SHIFT | 2);
	v->arch.injected = true;
}

void vmx_nmi_window(struct vcpu *v, bool on)
{
	if (v->arch.nmi_window == on)
		return;
	v->arch.nmi_window = on;
	vmx_write_proc(v);
}

uint64_t vmx_rflags(const struct vcpu *v)
{
	(void)v;
	return vmx_read(VMCS_GUEST_RFLAGS);
}
