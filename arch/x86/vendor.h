/* SPDX-License-Identifier: MIT */
/*
 * The vendor interface: what the generic VMM (vmm/) needs from a
 * virtualization backend. SVM (arch/x86/svm/) implements it now; VMX will
 * implement the same functions. Generic CPUID/MSR/IO/hypercall handling is
 * written once above it.
 */
#ifndef ARCH_X86_VENDOR_H
#define ARCH_X86_VENDOR_H

#include <stdbool.h>
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

/* Does this CPU have what the backend needs? On failure *why says what is missing. */
int vcpu_vendor_probe(const char **why) __attribute__((warn_unused_result));
/* Name for logs ("svm", "vmx"). */
const char *vcpu_vendor_name(void);
/* Per physical CPU: turn virtualization on. */
int vcpu_vendor_cpu_init(void) __attribute__((warn_unused_result));
/* The entry format of nested page tables for this backend. */
const struct pt_format *vcpu_vendor_npt_format(void);

/* Per VM: intercept bitmaps (everything intercepted) and address-space id. */
int vm_vendor_init(struct vm *vm) __attribute__((warn_unused_result));
void vm_vendor_allow_io(struct vm *vm, uint16_t port);
void vm_vendor_allow_msr(struct vm *vm, uint32_t msr);

/* Per vCPU: state area in the PVH start state (32-bit flat, paging off). */
int vcpu_vendor_init(struct vcpu *v, uint32_t entry, uint32_t ebx) __attribute__((warn_unused_result));
/* Enter the guest; returns at the next exit with v->exit filled in. */
void vcpu_vendor_run(struct vcpu *v);

uint64_t vcpu_vendor_rip(const struct vcpu *v);
void vcpu_vendor_set_rip(struct vcpu *v, uint64_t rip);
void vcpu_vendor_mode(const struct vcpu *v, struct guest_mode *m);
uint64_t vcpu_vendor_efer(const struct vcpu *v);
void vcpu_vendor_set_efer(struct vcpu *v, uint64_t efer);
uint64_t vcpu_vendor_pat(const struct vcpu *v);
void vcpu_vendor_set_pat(struct vcpu *v, uint64_t pat);
/* Queue an exception for the next entry. */
void vcpu_vendor_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);

#endif
