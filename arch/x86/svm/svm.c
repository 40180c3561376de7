/* SPDX-License-Identifier: MIT */
/*
 * The AMD SVM backend of the vendor interface (arch/x86/vendor.h).
 * Default deny: every I/O port and MSR is intercepted unless the VM's
 * config grants it; the SVM instructions, HLT, shutdown, INIT, INVD,
 * RDPMC, task switches and #AC/#DB/#MC are intercepted too.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86/vendor.h"
#include "arch/x86/cpu.h"
#include "arch/x86/insn.h"
#include "arch/x86/svm/vmcb.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "vmm/exits.h"
#include "vmm/gmem.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define MSR_VM_CR 0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define VM_CR_SVMDIS (1ull << 4)
#define CPUID_SVM_FEATURES 0x8000000au
#define SVM_FEAT_NPT (1u << 0)

#define IOPM_PAGES 3
#define MSRPM_PAGES 2

/* Exceptions whose delivery could loop inside the CPU (CVE-2015-5307 #AC,
 * CVE-2015-8104 #DB) are intercepted and reflected; #MC is intercepted because it
 * is the host's (vmm/exit.c: logged, never reflected). */
#define SVM_EXC_INTERCEPTS ((1u << 1) | (1u << 17) | (1u << 18))

/* The world switch (svm_entry.S): enters the guest, calls svm_exit() after
 * every exit, enters again. */
__attribute__((noreturn)) void svm_loop(struct vcpu *v);
void svm_exit(struct vcpu *v);

static inline void svm_vmsave(uint64_t pa)
{
	__asm__ volatile("vmsave" ::"a"(pa) : "memory");
}

static int svm_probe(const char **why)
{
	struct cpuid_regs ext = cpu_cpuid(0x80000001u, 0);
	uint64_t vm_cr = 0;

	if (!(ext.ecx & (1u << 2))) {
		*why = "CPU has no AMD SVM";
		return -ENODEV;
	}
	/* A CPU without VM_CR (Bochs's AMD models) has no lock in it either:
	 * should SVM still be off, enabling it fails cleanly below. */
	if (cpu_rdmsr_safe(MSR_VM_CR, &vm_cr))
		printk("vigil: VM_CR cannot be read (#GP): no firmware lock on SVM to check\n");
	if (vm_cr & VM_CR_SVMDIS) {
		*why = "SVM disabled by firmware (VM_CR.SVMDIS)";
		return -ENODEV;
	}
	if (!(cpu_cpuid(CPUID_SVM_FEATURES, 0).edx & SVM_FEAT_NPT)) {
		*why = "CPU has no nested paging (NPT)";
		return -ENODEV;
	}
	return 0;
}

static int svm_cpu_init(void)
{
	struct percpu_arch *a = &this_cpu()->arch;

	a->host_save_pa = page_alloc(1, 0);
	a->host_state_pa = page_alloc(1, 0);
	if (!a->host_save_pa || !a->host_state_pa)
		return -ENOMEM;
	if (cpu_wrmsr_safe(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SVME))
		return -EPERM; /* SVM refused by the CPU */
	cpu_wrmsr(MSR_VM_HSAVE_PA, a->host_save_pa);
	svm_vmsave(a->host_state_pa); /* the host's FS/GS/TR..., reloaded after every exit */
	return 0;
}

static void svm_reset_bitmaps(struct vm *vm)
{
	memset(phys_to_virt(vm->arch.iopm_pa), 0xff, IOPM_PAGES * PAGE_SIZE);
	memset(phys_to_virt(vm->arch.msrpm_pa), 0xff, MSRPM_PAGES * PAGE_SIZE);
}

static int svm_vm_init(struct vm *vm)
{
	static uint32_t next_asid = 1;

	vm->arch.iopm_pa = page_alloc(IOPM_PAGES, 0);
	vm->arch.msrpm_pa = page_alloc(MSRPM_PAGES, 0);
	if (!vm->arch.iopm_pa || !vm->arch.msrpm_pa)
		return -ENOMEM;
	svm_reset_bitmaps(vm);
	vm->arch.asid = next_asid++;
	return 0;
}

static void svm_allow_io(struct vm *vm, uint16_t port)
{
	uint8_t *iopm = phys_to_virt(vm->arch.iopm_pa);

	iopm[port / 8] &= (uint8_t)~(1u << (port % 8));
}

/* The MSRPM holds 2 bits (read, write) per MSR for three ranges. */
static void svm_allow_msr(struct vm *vm, uint32_t msr)
{
	uint8_t *msrpm = phys_to_virt(vm->arch.msrpm_pa);
	uint32_t base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		base = 0x800 * 8, msr -= 0xc0000000u;
	else
		return; /* other ranges stay intercepted */
	base += msr * 2;
	msrpm[base / 8] &= (uint8_t)~(3u << (base % 8));
}

static struct vmcb *vcpu_vmcb(const struct vcpu *v)
{
	return v->arch.vmcb;
}

static void svm_set_seg(struct vmcb_seg *s, uint16_t sel, uint16_t attr, uint32_t limit)
{
	*s = (struct vmcb_seg){ sel, attr, limit, 0 };
}

static void svm_init_control(struct vmcb_control *c, const struct vcpu *v)
{
	c->intercept_exc = SVM_EXC_INTERCEPTS;
	c->intercept1 = SVM_I1_INTR | SVM_I1_NMI | SVM_I1_SMI | SVM_I1_INIT | SVM_I1_RDPMC |
			SVM_I1_CPUID | SVM_I1_RSM | SVM_I1_INVD | SVM_I1_HLT | SVM_I1_INVLPGA |
			SVM_I1_IOIO | SVM_I1_MSR | SVM_I1_TASK_SWITCH | SVM_I1_SHUTDOWN;
	c->intercept2 = SVM_I2_VMRUN | SVM_I2_VMMCALL | SVM_I2_VMLOAD | SVM_I2_VMSAVE | SVM_I2_STGI |
			SVM_I2_CLGI | SVM_I2_SKINIT | SVM_I2_ICEBP | SVM_I2_WBINVD | SVM_I2_MONITOR | SVM_I2_MWAIT |
			SVM_I2_MWAIT_COND;
	c->iopm_pa = v->vm->arch.iopm_pa;
	c->msrpm_pa = v->vm->arch.msrpm_pa;
	c->asid = v->vm->arch.asid;
	c->vintr = 1ull << 24;	 /* V_INTR_MASKING: host IF governs physical interrupts */
	c->np_enable = 1;
	c->n_cr3 = v->vm->npt.root_pa;
}

/* The PVH start state: 32-bit flat protected mode, paging off. */
static void svm_init_save(struct vmcb_save *s, uint32_t entry, uint32_t ebx, struct vcpu *v)
{
	svm_set_seg(&s->cs, 0x08, 0xc9b, 0xffffffff);
	svm_set_seg(&s->ds, 0x10, 0xc93, 0xffffffff);
	s->es = s->ss = s->fs = s->gs = s->ds;
	svm_set_seg(&s->tr, 0x18, 0x08b, 0x67);
	svm_set_seg(&s->ldtr, 0, 0x082, 0);
	svm_set_seg(&s->gdtr, 0, 0, 0);
	svm_set_seg(&s->idtr, 0, 0, 0);
	s->efer = EFER_SVME; /* required by VMRUN; hidden from the guest */
	s->cr0 = CR0_PE | CR0_ET;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = 2;
	s->rip = entry;
	s->g_pat = 0x0007040600070406ull;
	v->regs.rbx = ebx;
}

static int svm_vcpu_init(struct vcpu *v, uint32_t entry, uint32_t ebx)
{
	struct vmcb *vmcb;

	if (!v->arch.vmcb_pa)
		v->arch.vmcb_pa = page_alloc(1, 0);
	if (!v->arch.vmcb_pa)
		return -ENOMEM;
	vmcb = v->arch.vmcb = phys_to_virt(v->arch.vmcb_pa);
	memset(vmcb, 0, sizeof(*vmcb));
	v->arch.nmi_blocked = false;
	v->arch.nmi_iret_rip = 0;
	svm_init_control(&vmcb->ctl, v);
	svm_init_save(&vmcb->save, entry, ebx, v);
	return 0;
}

/* After INIT and a SIPI (APM vol. 2, 14.1.3, the INIT state): real mode,
 * CS = page << 8 with base page << 12, IP 0, the other segments at 0 with
 * 64 KiB limits, CR0 = CD | NW | ET, paging off. NPT makes real mode run
 * as it is. */
static int svm_vcpu_init_sipi(struct vcpu *v, uint8_t page)
{
	struct vmcb_save *s;
	int err = svm_vcpu_init(v, 0, 0);

	if (err)
		return err;
	s = &vcpu_vmcb(v)->save;
	svm_set_seg(&s->cs, (uint16_t)(page << 8), 0x09b, 0xffff);
	s->cs.base = (uint64_t)page << 12;
	svm_set_seg(&s->ds, 0, 0x093, 0xffff);
	s->es = s->ss = s->fs = s->gs = s->ds;
	svm_set_seg(&s->tr, 0, 0x08b, 0xffff);
	svm_set_seg(&s->ldtr, 0, 0x082, 0xffff);
	svm_set_seg(&s->gdtr, 0, 0, 0xffff);
	svm_set_seg(&s->idtr, 0, 0, 0xffff);
	s->cr0 = CR0_CD | CR0_NW | CR0_ET;
	s->rip = 0;
	v->regs.rbx = 0;
	return 0;
}

static void svm_decode_io(struct exit_info *e, uint64_t info1)
{
	e->reason = EXIT_IO;
	e->io.in = info1 & 1;
	e->io.string = info1 & (1u << 2);
	e->io.rep = info1 & (1u << 3);
	e->io.size = (info1 & (1u << 4)) ? 1 : (info1 & (1u << 5)) ? 2 : 4;
	e->io.port = (uint16_t)(info1 >> 16);
}

static enum exit_reason svm_reason(uint64_t code)
{
	switch (code) {
	case SVM_EXIT_CPUID: return EXIT_CPUID;
	case SVM_EXIT_HLT: return EXIT_HLT;
	case SVM_EXIT_VMMCALL: return EXIT_HYPERCALL;
	case SVM_EXIT_NPF: return EXIT_NPF;
	case SVM_EXIT_SHUTDOWN: return EXIT_SHUTDOWN;
	case SVM_EXIT_ICEBP: return EXIT_ICEBP;
	case SVM_EXIT_WBINVD: return EXIT_WBINVD;
	case SVM_EXIT_VINTR: return EXIT_IRQ_WINDOW;
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT: /* external events: the VMM takes them, the guest resumes */
		return EXIT_INTR;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
	case SVM_EXIT_RDPMC:
	case SVM_EXIT_RSM:
		return EXIT_VIRT_INSN;
	default:
		return EXIT_UNKNOWN;
	}
}

static uint64_t svm_rip(const struct vcpu *v)
{
	return vcpu_vmcb(v)->save.rip;
}

static void svm_mode(const struct vcpu *v, struct guest_mode *m)
{
	const struct vmcb_save *s = &vcpu_vmcb(v)->save;

	m->cr0 = s->cr0;
	m->cr3 = s->cr3;
	m->cr4 = s->cr4;
	m->efer = s->efer & ~EFER_SVME;
	m->cs_base = s->cs.base;
	m->cs_l = s->cs.attr & VMCB_ATTR_L;
	m->cs_db = s->cs.attr & VMCB_ATTR_DB;
	m->cpl = s->cpl;
}

/*
 * The length of the instruction that exited, and the RIP after it. QEMU's
 * SVM has no nRIP, so the instruction is read at RIP (correct on every
 * CPU). When the vCPU's fetch memo (vmm/gmem.h) holds the page and the
 * bytes there are the plain encoding of the instruction the CPU reported,
 * that is the answer; anything else is read through a full walk and
 * decoded. A read or decode failure leaves the length unknown (0):
 * skipping the instruction then raises #UD.
 */
static __attribute__((noinline)) int svm_insn_len_slow(struct vcpu *v, uint64_t la, bool long64)
{
	struct guest_mode m;

	svm_mode(v, &m);
	return vcpu_fetch_insn_len(v, &m, la, long64);
}

static inline __attribute__((always_inline)) void svm_decode_insn(struct vcpu *v, const struct vmcb_save *s,
								  struct insn_plain plain)
{
	bool long64 = (s->efer & EFER_LMA) && (s->cs.attr & VMCB_ATTR_L);
	uint64_t la = long64 ? s->rip : (uint32_t)(s->cs.base + s->rip);
	const uint8_t *bytes;
	int len;

	if (gmem_memo_at(&v->fetch, s->cr0, s->cr3, s->cr4, la, INSN_PLAIN_READ, &bytes) && insn_is_plain(bytes, plain))
		len = (int)plain.len;
	else if ((len = svm_insn_len_slow(v, la, long64)) < 0)
		len = 0; /* unknown */
	v->exit.insn_len = (uint8_t)len;
	v->exit.next_rip = long64 ? s->rip + (unsigned)len : (uint32_t)(s->rip + (unsigned)len);
}

/* The commonest exits (CPUID, hypercalls, I/O, MSRs) are decided first and
 * fill only what their handlers read; the others keep the raw exit code and
 * information for the log. */
/*
 * NMIs. The guest runs its NMI handler with NMIs blocked until the
 * handler's IRET, and the VMCB does not show that state: after injecting
 * an NMI the backend intercepts IRET. The IRET exits before it runs, so
 * NMIs count as open only at a later exit with RIP elsewhere (the IRET
 * ran); until then an NMI waits (vcpu_take_events tries at every entry).
 */
static void svm_nmi_iret(struct vcpu *v)
{
	struct vmcb *vmcb = vcpu_vmcb(v);

	vmcb->ctl.intercept1 &= ~SVM_I1_IRET;
	v->arch.nmi_iret_rip = vmcb->save.rip;
}

static bool svm_nmi_ready(const struct vcpu *v)
{
	const struct vmcb *vmcb = vcpu_vmcb(v);

	if (v->arch.nmi_blocked && (!v->arch.nmi_iret_rip || vmcb->save.rip == v->arch.nmi_iret_rip))
		return false; /* in the handler, or at its IRET */
	/* A shadow ends with the instruction it shields: the HLT of STI; HLT
	 * being skipped (asked from the halt) is past it. */
	return !(vmcb->ctl.event_inj & SVM_EVTINJ_VALID) && (!(vmcb->ctl.int_shadow & 1) || v->exit.skip);
}

static void svm_nmi_inject(struct vcpu *v)
{
	struct vmcb *vmcb = vcpu_vmcb(v);

	vmcb->ctl.event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI | SVM_NMI_VECTOR;
	vmcb->ctl.intercept1 |= SVM_I1_IRET;
	v->arch.nmi_blocked = true;
	v->arch.nmi_iret_rip = 0;
}

/* The IRET intercept is the only window SVM has without vNMI: it is on
 * from each injection to that handler's IRET. */
static void svm_nmi_window(struct vcpu *v, bool on)
{
	(void)v;
	(void)on;
}

static void svm_decode(struct vcpu *v, const struct vmcb *vmcb)
{
	struct exit_info *e = &v->exit;
	uint64_t code = vmcb->ctl.exit_code;

	if (code == SVM_EXIT_CPUID) {
		e->reason = EXIT_CPUID;
		svm_decode_insn(v, &vmcb->save, INSN_PLAIN_CPUID);
		return;
	}
	if (code == SVM_EXIT_VMMCALL) {
		e->reason = EXIT_HYPERCALL;
		e->cpl = vmcb->save.cpl;
		svm_decode_insn(v, &vmcb->save, INSN_PLAIN_VMMCALL);
		return;
	}
	e->raw = code;
	e->info1 = vmcb->ctl.exit_info1;
	e->info2 = vmcb->ctl.exit_info2;
	e->insn_len = 0; /* unless the branch below knows it */
	if (code == SVM_EXIT_IOIO) {
		svm_decode_io(e, e->info1);
		e->next_rip = e->info2; /* SVM reports it for I/O */
		e->insn_len = (uint8_t)(e->info2 - vmcb->save.rip);
	} else if (code == SVM_EXIT_MSR) {
		e->reason = e->info1 ? EXIT_MSR_WRITE : EXIT_MSR_READ;
		svm_decode_insn(v, &vmcb->save, e->info1 ? INSN_PLAIN_WRMSR : INSN_PLAIN_RDMSR);
	} else if (code == SVM_EXIT_IRET) {
		e->reason = EXIT_NMI_WINDOW;
		svm_nmi_iret(v);
	} else if ((uint32_t)code == SVM_EXIT_INVALID) {
		e->reason = EXIT_INVALID;
	} else if (code == SVM_EXIT_NPF) {
		e->reason = EXIT_NPF;
		e->npf.gpa = e->info2;
		e->npf.present = e->info1 & 1;
		e->npf.write = e->info1 & 2;
		e->npf.fetch = e->info1 & 16;
	} else if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
		e->reason = EXIT_EXCEPTION;
		e->in_delivery = vmcb->ctl.exit_int_info & SVM_EVTINJ_VALID; /* read by exit_exception only */
		e->exc.vector = (uint8_t)(code - SVM_EXIT_EXCP_BASE);
		e->exc.has_error = e->exc.vector == 17; /* #AC pushes an error code (0) */
		e->exc.error = (uint32_t)e->info1;
	} else {
		e->reason = svm_reason(code);
		if (e->reason == EXIT_HLT)
			svm_decode_insn(v, &vmcb->save, INSN_PLAIN_HLT);
		else if (e->reason == EXIT_ICEBP)
			svm_decode_insn(v, &vmcb->save, INSN_PLAIN_ICEBP);
		else if (e->reason == EXIT_WBINVD)
			svm_decode_insn(v, &vmcb->save, INSN_PLAIN_WBINVD);
	}
}

static inline void svm_retire(struct vcpu *v, struct vmcb *vmcb)
{
	if (v->exit.skip) {
		v->exit.skip = false;
		vmcb->save.rip = v->exit.next_rip;
		vmcb->ctl.int_shadow &= ~1ull; /* the shadow of a preceding STI or MOV SS ends */
	}
}

/*
 * The exit came between STI (or MOV SS) and the instruction it shields.
 * QEMU's SVM (7.2, TCG) saves that interrupt shadow in the VMCB at the exit
 * but never loads it at VMRUN, so an interrupt pending now would be taken
 * before the shielded instruction. When that is the HLT of STI; HLT, the
 * interrupt meant to end the halt runs first and the HLT then sleeps past
 * it: a guest waiting for its one timer interrupt waits forever. So the
 * VMM runs that HLT itself, as if it had exited: the guest halts as the
 * CPU would have, and the interrupt comes after the HLT. The same on every
 * CPU; rare (an interrupt or NMI must land in the shadow).
 */
static __attribute__((noinline)) void svm_shadowed_hlt(struct vcpu *v, struct vmcb *vmcb)
{
	const struct vmcb_save *s = &vmcb->save;
	bool long64 = (s->efer & EFER_LMA) && (s->cs.attr & VMCB_ATTR_L);
	uint64_t la = long64 ? s->rip : (uint32_t)(s->cs.base + s->rip);
	struct guest_mode m;
	uint8_t op = 0;

	if (!(s->rflags & SVM_RFLAGS_IF) || (vmcb->ctl.event_inj & SVM_EVTINJ_VALID) || v->vm->state != VM_RUNNING)
		return;
	svm_mode(v, &m);
	if (gmem_fetch(v->vm, &v->fetch, &m, la, &op, 1) != 1 || op != (uint8_t)INSN_PLAIN_HLT.bytes)
		return;
	v->exit.reason = EXIT_HLT;
	v->exit.insn_len = 1;
	v->exit.next_rip = long64 ? s->rip + 1 : (uint32_t)(s->rip + 1);
	v->exits[EXIT_HLT]++;
	exit_handlers[EXIT_HLT](v);
	svm_retire(v, vmcb);
}

/* After every exit, from svm_loop with GIF set and the host's state back. */
void svm_exit(struct vcpu *v)
{
	struct vmcb *vmcb = vcpu_vmcb(v);

	v->regs.rax = vmcb->save.rax;
	vmcb->ctl.event_inj = 0;
	svm_decode(v, vmcb);
	exit_dispatch(v);
	svm_retire(v, vmcb);
	/* Rare: the exit interrupted an event's delivery (off the fast path). */
	if (__builtin_expect(vmcb->ctl.exit_int_info & SVM_EVTINJ_VALID, 0))
		vmcb->ctl.event_inj = svm_event_reinject(vmcb->ctl.exit_int_info, vmcb->ctl.event_inj);
	if (__builtin_expect(vmcb->ctl.int_shadow & 1, 0))
		svm_shadowed_hlt(v, vmcb);
	vcpu_before_entry(v);
	vmcb->ctl.tlb_control = vcpu_tlb_flush_due(v) ? SVM_TLB_FLUSH_ALL : 0;
	vmcb->save.rax = v->regs.rax;
}

static __attribute__((noreturn)) void svm_run_loop(struct vcpu *v)
{
	v->arch.host_state_pa = this_cpu()->arch.host_state_pa; /* the vCPU never leaves this CPU */
	vcpu_vmcb(v)->ctl.tlb_control = vcpu_tlb_flush_due(v) ? SVM_TLB_FLUSH_ALL : 0;
	vcpu_vmcb(v)->save.rax = v->regs.rax;
	svm_loop(v);
}

static uint64_t svm_efer(const struct vcpu *v)
{
	return vcpu_vmcb(v)->save.efer & ~EFER_SVME;
}

static void svm_set_efer(struct vcpu *v, uint64_t efer)
{
	vcpu_vmcb(v)->save.efer = efer | EFER_SVME;
}

static uint64_t svm_pat(const struct vcpu *v)
{
	return vcpu_vmcb(v)->save.g_pat;
}

static void svm_set_pat(struct vcpu *v, uint64_t pat)
{
	vcpu_vmcb(v)->save.g_pat = pat;
}

static void svm_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint64_t ev = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXC | vector;

	if (has_error)
		ev |= SVM_EVTINJ_EV | ((uint64_t)error << 32);
	vcpu_vmcb(v)->ctl.event_inj = ev;
}

/* ICEBP: a #DB trap, so RIP moves past the instruction first. The
 * exception type skips the gate's DPL check, as ICEBP's delivery does. */
static int svm_icebp(struct vcpu *v)
{
	if (vcpu_skip_insn(v))
		return 0; /* unreadable: the guest got #UD */
	svm_inject(v, 1, false, 0);
	return 0;
}

static bool svm_irq_ready(const struct vcpu *v)
{
	const struct vmcb *vmcb = vcpu_vmcb(v);

	return !(vmcb->ctl.event_inj & SVM_EVTINJ_VALID) && (vmcb->save.rflags & SVM_RFLAGS_IF) &&
	       !(vmcb->ctl.int_shadow & 1);
}

static void svm_irq_inject(struct vcpu *v, uint8_t vector)
{
	vcpu_vmcb(v)->ctl.event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR | vector;
}

/* A virtual interrupt request that the guest takes as soon as it can
 * (IF set, no shadow, no event being injected); taking it exits (VINTR)
 * before any guest instruction, and the real vector is injected then. */
static void svm_irq_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &vcpu_vmcb(v)->ctl;
	const uint64_t req = SVM_V_IRQ | SVM_V_INTR_PRIO(0xf) | SVM_V_IGN_TPR;

	if (on) {
		c->vintr |= req;
		c->intercept1 |= SVM_I1_VINTR;
	} else {
		c->vintr &= ~req;
		c->intercept1 &= ~SVM_I1_VINTR;
	}
}

static uint64_t svm_rflags(const struct vcpu *v)
{
	return vcpu_vmcb(v)->save.rflags;
}

const struct vcpu_vendor_ops svm_ops = {
	.name = "svm",
	.probe = svm_probe,
	.cpu_init = svm_cpu_init,
	.npt_format = &pt_format_npt,
	.vm_init = svm_vm_init,
	.allow_io = svm_allow_io,
	.allow_msr = svm_allow_msr,
	.reset_bitmaps = svm_reset_bitmaps,
	.vcpu_init = svm_vcpu_init,
	.vcpu_init_sipi = svm_vcpu_init_sipi,
	.loop = svm_run_loop,
	.rip = svm_rip,
	.mode = svm_mode,
	.efer = svm_efer,
	.set_efer = svm_set_efer,
	.pat = svm_pat,
	.set_pat = svm_set_pat,
	.inject = svm_inject,
	.icebp = svm_icebp,
	.irq_ready = svm_irq_ready,
	.irq_inject = svm_irq_inject,
	.irq_window = svm_irq_window,
	.nmi_ready = svm_nmi_ready,
	.nmi_inject = svm_nmi_inject,
	.nmi_window = svm_nmi_window,
	.rflags = svm_rflags,
};
