/* SPDX-License-Identifier: MIT */
/*
 * What the VMX backend needs from the CPU, decided from the capability
 * MSRs alone (Intel SDM vol. 3, appendix A). Pure logic: vmx.c reads the
 * MSRs, host unit tests feed made-up values (a Penryn without EPT, a
 * Lynnfield without unrestricted guest...).
 */
#ifndef ARCH_X86_VMX_CAPS_H
#define ARCH_X86_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_FEATURE_CONTROL 0x3au
#define MSR_VMX_BASIC 0x480u
#define MSR_VMX_PIN 0x481u
#define MSR_VMX_PROC 0x482u
#define MSR_VMX_EXIT 0x483u
#define MSR_VMX_ENTRY 0x484u
#define MSR_VMX_MISC 0x485u
#define MSR_VMX_CR0_FIXED0 0x486u
#define MSR_VMX_CR0_FIXED1 0x487u
#define MSR_VMX_CR4_FIXED0 0x488u
#define MSR_VMX_CR4_FIXED1 0x489u
#define MSR_VMX_PROC2 0x48bu
#define MSR_VMX_EPT_VPID_CAP 0x48cu
#define MSR_VMX_TRUE_PIN 0x48du
#define MSR_VMX_TRUE_PROC 0x48eu
#define MSR_VMX_TRUE_EXIT 0x48fu
#define MSR_VMX_TRUE_ENTRY 0x490u

#define FC_LOCK (1ull << 0)
#define FC_VMX_OUTSIDE_SMX (1ull << 2)

#define VMX_BASIC_TRUE_CTLS (1ull << 55)
#define VMX_BASIC_MEMTYPE_WB 6ull

/* Pin-based controls */
#define PIN_EXT_INT_EXIT (1u << 0)
#define PIN_NMI_EXIT (1u << 3)
#define PIN_VIRTUAL_NMI (1u << 5)
#define PIN_PREEMPT_TIMER (1u << 6)
/* Primary processor-based controls */
#define PROC_INTR_WINDOW_EXIT (1u << 2)
#define PROC_HLT_EXIT (1u << 7)
#define PROC_MWAIT_EXIT (1u << 10)
#define PROC_RDPMC_EXIT (1u << 11)
#define PROC_CR3_LOAD_EXIT (1u << 15)
#define PROC_CR3_STORE_EXIT (1u << 16)
#define PROC_CR8_LOAD_EXIT (1u << 19)
#define PROC_CR8_STORE_EXIT (1u << 20)
#define PROC_NMI_WINDOW_EXIT (1u << 22)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR_EXIT (1u << 29)
#define PROC_SECONDARY (1u << 31)
/* Secondary processor-based controls */
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_VPID (1u << 5)
#define PROC2_WBINVD_EXIT (1u << 6)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID (1u << 12)
/* VM-exit controls */
#define EXIT_SAVE_DEBUG (1u << 2) /* DR7 and IA32_DEBUGCTL */
#define EXIT_HOST_64 (1u << 9)
#define EXIT_ACK_INTR (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
/* VM-entry controls */
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_IA32E_GUEST (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)
/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_2M (1ull << 16)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_INVVPID_SINGLE (1ull << 41)
#define VPID_CAP_INVVPID_ALL (1ull << 42)

/* The capability MSRs as read on one CPU. proc2 and ept_vpid are 0 when
 * the CPU does not have them (reading them would fault). */
struct vmx_msrs {
	uint64_t basic, pin, proc, exit, entry, proc2, ept_vpid, misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/* What Vigil programs, adjusted to what the CPU allows. */
struct vmx_config {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry;
	unsigned preempt_shift; /* the timer counts TSC >> this; valid with PIN_PREEMPT_TIMER */
	/* Guest CR0/CR4 bits the CPU forces in VMX operation (unrestricted
	 * guest exempts PE and PG) and those it allows at all. */
	uint64_t cr0_must1, cr0_may1, cr4_must1, cr4_may1;
};

/*
 * Adjust a control word to a capability MSR: bits 31:0 are the settings
 * that must be 1, bits 63:32 those that may be 1. Returns 0 with
 * *out = must-be-1 | required | (optional & may-be-1), or -ENODEV with
 * *missing = the required bits the CPU cannot set.
 */
int vmx_ctl_adjust(uint64_t cap, uint32_t required, uint32_t optional, uint32_t *out,
		   uint32_t *missing) __attribute__((warn_unused_result));

/*
 * IA32_FEATURE_CONTROL: 0 when VMX outside SMX is or can be enabled; then
 * *write is the value to lock in (0 when the firmware locked it already).
 * -EPERM when the firmware locked VMX off.
 */
int vmx_feature_control(uint64_t fc, uint64_t *write) __attribute__((warn_unused_result));

/* Build the configuration, or -ENODEV with *why naming what is missing. */
int vmx_config_build(const struct vmx_msrs *m, struct vmx_config *c, const char **why)
	__attribute__((warn_unused_result));

#endif
