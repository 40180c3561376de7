/* SPDX-License-Identifier: MIT */
/*
 * CPUID as guests see it: the host's answers for an allow-list of leaves,
 * with virtualization features hidden and the hypervisor bit set; every
 * other leaf reads as zeros so nothing unlisted leaks. Leaf 0x40000000
 * names Vigil ("VigilVigilVi"), 0x40000001 gives the hypercall ABI version.
 *
 * The leaves whose answers never change (no sub-leaf, nothing per vCPU or
 * per guest state) are read once at boot into a read-only table; leaf 1
 * (APIC ID, OSXSAVE) and the sub-leaf ones (4, 7, 0xd) are asked live.
 */
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "arch/x86/cpu.h"
#include "vigil/hypercall.h"

#define HV_LEAF_BASE 0x40000000u
#define HV_LEAF_MAX 0x40000001u
#define EXT_LEAF_BASE 0x80000000u
#define EXT_LEAF_COUNT 9u /* 0x80000000..0x80000008 */
#define CPUID1_OSXSAVE (1u << 27)

/* Answers of leaves 0 and 2, and 0x80000000..8, as guests see them: the
 * four registers' new 64-bit values (the upper halves zero). */
struct cpuid_answer {
	uint64_t rax, rbx, rcx, rdx;
};

static struct cpuid_answer cpuid_basic[3] __attribute__((section(".data.ro_after_init")));
static struct cpuid_answer cpuid_ext[EXT_LEAF_COUNT] __attribute__((section(".data.ro_after_init")));

static bool cpuid_leaf_allowed(uint32_t leaf)
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

/* v is NULL for the static leaves (never leaf 1). */
static void cpuid_filter(const struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	if (leaf == 0x1) {
		struct guest_mode m;

		vcpu_vendor_mode(v, &m);
		r->ecx &= ~((1u << 5) | (1u << 3) | (1u << 21) | (1u << 24)); /* VMX, MONITOR, x2APIC, TSC-deadline */
		r->ecx |= 1u << 31;					      /* hypervisor present */
		r->ecx &= ~CPUID1_OSXSAVE; /* the guest's CR4.OSXSAVE, not the VMM's */
		if (m.cr4 & CR4_OSXSAVE)
			r->ecx |= CPUID1_OSXSAVE;
		r->ebx = (r->ebx & 0x0000ffffu) | (1u << 16) | ((uint32_t)(v - v->vm->vcpus) << 24);
	} else if (leaf == 0x7) {
		r->ebx &= ~(1u << 0); /* FSGSBASE: guest bases are VMM-managed state */
	} else if (leaf == 0x80000001) {
		r->ecx &= ~((1u << 2) | (1u << 12)); /* SVM, SKINIT */
	}
}

static void cpuid_hypervisor(uint32_t leaf, struct cpuid_regs *r)
{
	if (leaf == HV_LEAF_BASE) {
		*r = (struct cpuid_regs){ HV_LEAF_MAX, 0x69676956, 0x6769566c, 0x69566c69 }; /* "VigilVigilVi" */
	} else if (leaf == HV_LEAF_MAX) {
		*r = (struct cpuid_regs){ HC_ABI_VERSION, 0, 0, 0 };
	}
}

/* Any leaf, asked now; v is NULL at boot, for the static leaves. */
static struct cpuid_regs cpuid_ask(const struct vcpu *v, uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	if (cpuid_leaf_allowed(leaf)) {
		r = cpu_cpuid(leaf, sub);
		cpuid_filter(v, leaf, &r);
	} else if (leaf >= HV_LEAF_BASE && leaf <= HV_LEAF_MAX) {
		cpuid_hypervisor(leaf, &r);
	}
	return r;
}

static struct cpuid_answer cpuid_widen(struct cpuid_regs r)
{
	return (struct cpuid_answer){ r.eax, r.ebx, r.ecx, r.edx };
}

void cpuid_init(void)
{
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
