/* SPDX-License-Identifier: MIT */
/*
 * CPUID as guests see it: the host's answers for an allow-list of leaves,
 * with what a guest cannot use under Vigil hidden and the hypervisor bit
 * set; every other leaf reads as zeros so nothing unlisted leaks. Leaf
 * 0x40000000 names Vigil ("VigilVigilVi"), 0x40000001 gives the hypercall
 * ABI version; 0x40000100 and 0x40000101 offer KVM's paravirtual clock and
 * nothing else of KVM's (include/vigil/guest_platform.h). A feature bit is shown only when the host has it and the
 * VMM gives the guest what it implies (its instructions run, its MSRs
 * answer): docs/vmm.md, "Intercept policy".
 *
 * The leaves whose answers never change (no sub-leaf, nothing per vCPU or
 * per guest state) are read once at boot into a read-only table; leaf 1
 * (APIC ID, OSXSAVE) and the sub-leaf ones (4, 7, 0xd) are asked live.
 */
#include "vmm/cpuid.h"
#include "vmm/exits.h"
#include "vmm/spec.h"
#include "vmm/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vendor.h"
#include "vigil/guest_platform.h"
#include "vigil/hypercall.h"

#define HV_LEAF_BASE 0x40000000u
#define HV_LEAF_MAX 0x40000001u
#define EXT_LEAF_BASE 0x80000000u
#define EXT_LEAF_COUNT 9u /* 0x80000000..0x80000008 */

/* Leaf 1 ECX: VMX, MONITOR, x2APIC: virtualization and devices the VMM
 * does not give guests. TSC-deadline is the virtual LAPIC's own, shown
 * whatever the host has (vmm/vlapic_timer.c). */
#define CPUID1_ECX_HIDDEN ((1u << 5) | (1u << 3) | (1u << 21))
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
/* Leaf 6 EAX: ARAT, the APIC timer runs in every C-state: the virtual
 * one does (it is the VMM's timer), so Linux needs no broadcast timer. */
#define CPUID6_EAX_ARAT (1u << 2)
/* Leaf 0xd sub-leaf 1 EAX: XSAVES/XRSTORS need IA32_XSS, which the VMM
 * does not offer (and, on VMX, a control it leaves off). */
#define CPUIDD1_EAX_XSAVES (1u << 3)
#define CPUID1_ECX_OSXSAVE (1u << 27)
/* Leaf 1 EDX: MTRR. The MTRR MSRs are not offered (they #GP): the guest's
 * memory types come from its PAT over the VMM's write-back mappings.
 * Thermal monitoring (ACPI 22, TM 29; ECX TM2 8) and PDCM (ECX 15): their
 * MSRs (IA32_THERM_*, IA32_PERF_CAPABILITIES) are the host's, not offered. */
#define CPUID1_EDX_HIDDEN ((1u << 12) | (1u << 22) | (1u << 29))
#define CPUID1_ECX_THERMAL ((1u << 8) | (1u << 15))
#define CPUID1_ECX_HYPERVISOR (1u << 31)
/* Leaf 7 sub-leaf 0. */
#define CPUID7_EBX_FSGSBASE (1u << 0) /* guest bases are VMM-managed state */
#define CPUID7_EBX_TSC_ADJUST (1u << 1) /* IA32_TSC_ADJUST is not offered: the TSC is the host's */
/* 5-level paging: the VMM's guest page walker (vmm/gmem.c) knows 4 levels,
 * so a 5-level guest's intercepted instructions would be read wrong. */
#define CPUID7_ECX_LA57 (1u << 16)
/* MSRs the VMM does not offer (they raise #GP): vmm/spec.h. */
#define CPUID7_EDX_HIDDEN (CPUID7_EDX_ARCH_CAP | CPUID7_EDX_CORE_CAP)
#define CPUID88_EBX_HIDDEN (CPUID88_EBX_VIRT_SSBD | CPUID88_EBX_PSFD)
/* Leaf 7 sub-leaf 2 EDX enumerates further SPEC_CTRL bits (PSFD, IPRED,
 * RRSBA, DDPD_U, BHI_DIS_S) and MSR_MEMORY_CTRL, none offered: the whole
 * sub-leaf reads as zeros. */
#define CPUID7_SUB_SPEC_EXT 2u
/* Leaf 0x80000001 ECX. */
#define CPUID81_ECX_HIDDEN ((1u << 2) | (1u << 12)) /* SVM, SKINIT */

/* Answers of leaves 0 and 2, and 0x80000000..8, as guests see them: the
 * four registers' new 64-bit values (the upper halves zero). */
struct cpuid_answer {
	uint64_t rax, rbx, rcx, rdx;
};

struct cpuid_clock cpuid_clock __attribute__((section(".data.ro_after_init")));
static struct cpuid_answer cpuid_basic[3] __attribute__((section(".data.ro_after_init")));
static struct cpuid_answer cpuid_ext[EXT_LEAF_COUNT] __attribute__((section(".data.ro_after_init")));

bool cpuid_leaf_allowed(uint32_t leaf)
{
	switch (leaf) {
	case 0x0: case 0x1: case 0x2: case 0x4: case 0x7: case 0xd:
	case 0x80000000: case 0x80000001: case 0x80000002: case 0x80000003:
	case 0x80000004: case 0x80000005: case 0x80000006: case 0x80000008:
		return true;
	default:
		return false;
	}
}

static void cpuid_filter_leaf1(const struct cpuid_vcpu_facts *f, struct cpuid_regs *r)
{
	r->ecx &= ~(CPUID1_ECX_HIDDEN | CPUID1_ECX_OSXSAVE);
	r->ecx |= CPUID1_ECX_HYPERVISOR | CPUID1_ECX_TSC_DEADLINE;
	r->edx &= ~CPUID1_EDX_HIDDEN;
	r->ecx &= ~CPUID1_ECX_THERMAL;
	if (f->osxsave) /* the guest's CR4.OSXSAVE, not the VMM's */
		r->ecx |= CPUID1_ECX_OSXSAVE;
	r->ebx = (r->ebx & 0x0000ffffu) | (1u << 16) | (f->apic_id << 24);
}

static void cpuid_filter_leaf7(uint32_t sub, struct cpuid_regs *r)
{
	if (sub == 0) {
		r->ebx &= ~(CPUID7_EBX_FSGSBASE | CPUID7_EBX_TSC_ADJUST);
		r->ecx &= ~CPUID7_ECX_LA57;
		r->edx &= ~CPUID7_EDX_HIDDEN;
	} else if (sub == CPUID7_SUB_SPEC_EXT) {
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
	}
}

static void cpuid_filter(uint32_t leaf, uint32_t sub, const struct cpuid_vcpu_facts *f, struct cpuid_regs *r)
{
	if (leaf == 0x0 && r->eax < CPUID_GUEST_MAX_BASIC)
		r->eax = CPUID_GUEST_MAX_BASIC;
	else if (leaf == 0xd && sub == 1)
		r->eax &= ~CPUIDD1_EAX_XSAVES;
	else if (leaf == 0x1)
		cpuid_filter_leaf1(f, r);
	else if (leaf == 0x7)
		cpuid_filter_leaf7(sub, r);
	else if (leaf == 0x80000001)
		r->ecx &= ~CPUID81_ECX_HIDDEN;
	else if (leaf == 0x80000008)
		r->ebx &= ~CPUID88_EBX_HIDDEN;
}

/* The platform's own leaves: what the virtual APIC and clocks are. */
static bool cpuid_platform(uint32_t leaf, struct cpuid_regs *r)
{
	const struct cpuid_clock *c = &cpuid_clock;

	if (leaf == 0x6)
		*r = (struct cpuid_regs){ CPUID6_EAX_ARAT, 0, 0, 0 };
	else if (leaf == 0x15)
		*r = (struct cpuid_regs){ 1, c->ratio, (uint32_t)c->crystal_hz, 0 };
	else if (leaf == 0x16)
		*r = (struct cpuid_regs){ c->tsc_mhz, c->tsc_mhz, (uint32_t)(c->crystal_hz / 1000000), 0 };
	else
		return false;
	return true;
}

static struct cpuid_regs cpuid_hypervisor(uint32_t leaf)
{
	if (leaf == HV_LEAF_BASE)
		return (struct cpuid_regs){ HV_LEAF_MAX, 0x69676956, 0x6769566c, 0x69566c69 }; /* "VigilVigilVi" */
	if (leaf == HV_LEAF_MAX)
		return (struct cpuid_regs){ HC_ABI_VERSION, 0, 0, 0 };
	if (leaf == GP_KVM_LEAF_BASE)
		return (struct cpuid_regs){ GP_KVM_LEAF_FEATURES, GP_KVM_SIG_EBX, GP_KVM_SIG_ECX, GP_KVM_SIG_EDX };
	if (leaf == GP_KVM_LEAF_FEATURES)
		return (struct cpuid_regs){ GP_KVM_FEATURES, 0, 0, 0 };
	return (struct cpuid_regs){ 0, 0, 0, 0 };
}

struct cpuid_regs cpuid_guest_view(uint32_t leaf, uint32_t sub, struct cpuid_regs host,
				   const struct cpuid_vcpu_facts *f)
{
	struct cpuid_regs own;

	if (cpuid_platform(leaf, &own))
		return own;
	if (!cpuid_leaf_allowed(leaf))
		return cpuid_hypervisor(leaf);
	cpuid_filter(leaf, sub, f, &host);
	return host;
}

/* Any leaf, asked now; v is NULL at boot, for the static leaves (never leaf 1). */
static struct cpuid_regs cpuid_ask(const struct vcpu *v, uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs host = { 0, 0, 0, 0 };
	struct cpuid_vcpu_facts f = { 0, false };

	if (leaf == 0x1) {
		struct guest_mode m;

		vcpu_vendor_mode(v, &m);
		f.apic_id = (uint32_t)(v - v->vm->vcpus);
		f.osxsave = m.cr4 & CR4_OSXSAVE;
	}
	if (cpuid_leaf_allowed(leaf))
		host = cpu_cpuid(leaf, sub);
	return cpuid_guest_view(leaf, sub, host, &f);
}

static struct cpuid_answer cpuid_widen(struct cpuid_regs r)
{
	return (struct cpuid_answer){ r.eax, r.ebx, r.ecx, r.edx };
}

void cpuid_init(void)
{
	cpuid_clock = (struct cpuid_clock){ virq_clock.crystal_hz, (uint32_t)virq_clock.tsc_per_tick,
					    (uint32_t)((virq_clock.crystal_hz * virq_clock.tsc_per_tick + 500000) / 1000000) };
	cpuid_basic[0] = cpuid_widen(cpuid_ask(NULL, 0, 0));
	cpuid_basic[2] = cpuid_widen(cpuid_ask(NULL, 2, 0)); /* [1] is never read: leaf 1 is live */
	for (uint32_t i = 0; i < EXT_LEAF_COUNT; i++)
		cpuid_ext[i] = cpuid_widen(cpuid_ask(NULL, EXT_LEAF_BASE + i, 0));
}

static int cpuid_reply(struct vcpu *v, const struct cpuid_answer *a)
{
	if (vcpu_skip_insn(v))
		return 0;
	v->regs.rax = a->rax;
	v->regs.rbx = a->rbx;
	v->regs.rcx = a->rcx;
	v->regs.rdx = a->rdx;
	return 0;
}

static __attribute__((noinline)) int cpuid_reply_live(struct vcpu *v, uint32_t leaf)
{
	struct cpuid_answer live = cpuid_widen(cpuid_ask(v, leaf, (uint32_t)v->regs.rcx));

	return cpuid_reply(v, &live);
}

int exit_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->regs.rax;

	if (leaf == 0 || leaf == 2)
		return cpuid_reply(v, &cpuid_basic[leaf]);
	if (leaf - EXT_LEAF_BASE < EXT_LEAF_COUNT)
		return cpuid_reply(v, &cpuid_ext[leaf - EXT_LEAF_BASE]);
	return cpuid_reply_live(v, leaf);
}
