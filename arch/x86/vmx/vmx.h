/* SPDX-License-Identifier: MIT */
/*
 * Internals of the Intel VMX backend, shared by its files:
 *   vmx.c       probe, VMXON per CPU, per-VM bitmaps and EPT pointer, the ops table
 *   vmcs_init.c the VMCS of a vCPU, filled on its own CPU before the first entry
 *   vmx_exit.c  world switch, exit decoding onto enum exit_reason, guest state access
 *   vmx_cr.c    CR0/CR4/CR8 accesses (EXIT_CR_ACCESS)
 *   vmx_entry.S the world switch itself
 */
#ifndef ARCH_X86_VMX_VMX_H
#define ARCH_X86_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/vmx/caps.h"
#include "arch/x86/vmx/vmcs.h"

struct vcpu;
struct guest_regs;

/* Basic exit reasons (SDM vol. 3, appendix C) that the backend names. */
#define VMX_EXIT_EXCEPTION_NMI 0
#define VMX_EXIT_EXT_INTR 1
#define VMX_EXIT_TRIPLE_FAULT 2
#define VMX_EXIT_INIT 3
#define VMX_EXIT_SIPI 4
#define VMX_EXIT_INTR_WINDOW 7
#define VMX_EXIT_NMI_WINDOW 8
#define VMX_EXIT_TASK_SWITCH 9
#define VMX_EXIT_CPUID 10
#define VMX_EXIT_GETSEC 11
#define VMX_EXIT_HLT 12
#define VMX_EXIT_INVD 13
#define VMX_EXIT_RDPMC 15
#define VMX_EXIT_RSM 17
#define VMX_EXIT_VMCALL 18
#define VMX_EXIT_VMCLEAR 19
#define VMX_EXIT_VMXON 27
#define VMX_EXIT_CR_ACCESS 28
#define VMX_EXIT_IO 30
#define VMX_EXIT_RDMSR 31
#define VMX_EXIT_WRMSR 32
#define VMX_EXIT_MWAIT 36
#define VMX_EXIT_MONITOR 39
#define VMX_EXIT_EPT_VIOLATION 48
#define VMX_EXIT_EPT_MISCONFIG 49
#define VMX_EXIT_INVEPT 50
#define VMX_EXIT_PREEMPT_TIMER 52
#define VMX_EXIT_INVVPID 53
#define VMX_EXIT_WBINVD 54
#define VMX_EXIT_XSETBV 55
#define VMX_EXIT_VMFUNC 59
#define VMX_EXIT_ENTRY_FAILED (1u << 31)

/* Interruption information (exit, IDT vectoring, entry injection). */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERROR (1u << 11)
#define INTR_TYPE_SHIFT 8
#define INTR_TYPE_MASK (7u << INTR_TYPE_SHIFT)
#define INTR_TYPE_EXT_INT 0u
#define INTR_TYPE_NMI 2u
#define INTR_TYPE_HW_EXC 3u
#define INTR_TYPE_SW_INT 4u
#define INTR_TYPE_PRIV_SW_EXC 5u
#define INTR_TYPE_SW_EXC 6u

#define EPTP_WB 6ull
#define EPTP_WALK4 (3ull << 3)

/* The CPU's capabilities turned into controls, at boot (read-only after). */
extern struct vmx_config vmx_cfg;

/* Exceptions intercepted and reflected, as on SVM: #DB (CVE-2015-8104),
 * #AC (CVE-2015-5307), #MC. */
#define VMX_EXC_BITMAP ((1u << 1) | (1u << 17) | (1u << 18))

/* One VMWRITE for struct vmcs_writer. */
int vmx_hw_write(uint32_t field, uint64_t value, uint32_t *insn_error);
/* Runtime accesses to the current VMCS. A failure is a VMM bug: they stop
 * the machine, naming the field. */
uint64_t vmx_read(uint32_t field);
void vmx_write(uint32_t field, uint64_t value);

struct guest_mode;

/* The vendor operations of vmx_exit.c (vmx_ops in vmx.c). */
__attribute__((noreturn)) void vmx_loop(struct vcpu *v);
uint64_t vmx_rip(const struct vcpu *v);
void vmx_mode(const struct vcpu *v, struct guest_mode *m);
uint64_t vmx_efer(const struct vcpu *v);
void vmx_set_efer(struct vcpu *v, uint64_t efer);
uint64_t vmx_pat(const struct vcpu *v);
void vmx_set_pat(struct vcpu *v, uint64_t pat);

/* Fill v's VMCS on this CPU and make it current (first entry only). */
void vmcs_init(struct vcpu *v);
/* INVEPT and INVVPID of v's guest on this CPU (vcpu_tlb_flush_due, vcpu.h). */
void vmx_flush_guest(struct vcpu *v);

/* EXIT_CR_ACCESS: CR0/CR4 bits the host owns, CR8 (vmx_cr.c). */
int vmx_cr_access(struct vcpu *v);
/* EXIT_ICEBP: deliver its #DB trap. */
int vmx_icebp(struct vcpu *v);
/* Queue a hardware exception for the next entry. */
void vmx_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
/* External interrupts (vendor.h, irq_*). */
bool vmx_irq_ready(const struct vcpu *v);
void vmx_irq_inject(struct vcpu *v, uint8_t vector);
void vmx_irq_window(struct vcpu *v, bool on);
bool vmx_nmi_ready(const struct vcpu *v);
void vmx_nmi_inject(struct vcpu *v);
void vmx_nmi_window(struct vcpu *v, bool on);
uint64_t vmx_rflags(const struct vcpu *v);

/*
 * The world switch (vmx_entry.S). Enters the guest with VMLAUNCH (launched
 * false) or VMRESUME; returns at the next exit with 0, or without entering:
 * VMX_ENTER_FAIL_INVALID (no current VMCS), VMX_ENTER_FAIL_VALID (see the
 * VM-instruction error), VMX_ENTER_FAIL_HOST_RSP (the HOST_RSP write).
 */
#define VMX_ENTER_FAIL_INVALID 1
#define VMX_ENTER_FAIL_VALID 2
#define VMX_ENTER_FAIL_HOST_RSP 3
int vmx_enter(struct guest_regs *regs, bool launched, uint32_t host_rsp_field);
/* Where the CPU resumes the host after every exit (HOST_RIP). */
void vmx_exit_entry(void);

#endif
