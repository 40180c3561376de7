/* SPDX-License-Identifier: MIT */
/*
 * CPUID as guests see it: the host's answers for an allow-list of leaves,
 * with virtualization features hidden and the hypervisor bit set; every
 * other leaf reads as zeros so nothing unlisted leaks. Leaf 0x40000000
 * names Vigil ("VigilVigilVi"), 0x40000001 gives the hypercall ABI version.
 */
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "arch/x86/cpu.h"
#include "vigil/hypercall.h"

#define HV_LEAF_BASE 0x40000000u
#define HV_LEAF_MAX 0x40000001u

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

static void cpuid_filter(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	if (leaf == 0x1) {
		r->ecx &= ~((1u << 5) | (1u << 3) | (1u << 21) | (1u << 24)); /* VMX, MONITOR, x2APIC, TSC-deadline */
		r->ecx |= 1u << 31;					      /* hypervisor present */
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

int exit_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
	struct cpuid_regs r = { 0, 0, 0, 0 };

	if (cpuid_leaf_allowed(leaf)) {
		r = cpu_cpuid(leaf, sub);
		cpuid_filter(v, leaf, &r);
	} else if (leaf >= HV_LEAF_BASE && leaf <= HV_LEAF_MAX) {
		cpuid_hypervisor(leaf, &r);
	}
	if (vcpu_skip_insn(v))
		return 0;
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	return 0;
}
