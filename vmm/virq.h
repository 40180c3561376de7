/* SPDX-License-Identifier: MIT */
/*
 * A guest's interrupt controllers wired to its vCPUs (docs/guest-platform.md):
 * each vCPU's virtual local APIC (vmm/vlapic.h) and the guest's I/O APIC
 * (vmm/vioapic.h), reached through their pages, which the nested page
 * tables leave out; the console UART's line on I/O APIC pin GP_UART_GSI;
 * the APIC timer backed by the physical timer of the vCPU's own CPU;
 * injection when the guest can take an interrupt; HLT that sleeps until
 * the next one. Everything runs on the vCPU's own CPU.
 */
#ifndef VMM_VIRQ_H
#define VMM_VIRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct vm;
struct apic_msg;
struct mmio_op;

/* The rates the guests' clocks run at, from the TSC's (at boot). */
struct virq_clock {
	uint64_t tsc_per_tick; /* the APIC timer's bus clock: TSC cycles per tick */
	uint64_t crystal_hz;   /* that clock's rate (CPUID 0x15 ECX) */
	uint64_t min_period;   /* the shortest count-driven timer interval, TSC cycles */
};
extern struct virq_clock virq_clock;

void virq_clock_init(uint64_t tsc_hz);
/* An assigned device's interrupt message for the guest (vmm/vpci.c): how
 * many vCPUs took it (0: a mode other than fixed or lowest priority, a
 * vector below 16, or no vCPU at its destination). */
int virq_msi(struct vm *vm, const struct apic_msg *m);
/* Power-on state of the guest's I/O APIC and every vCPU's local APIC
 * (boot and restart). */
int virq_vm_reset(struct vm *vm) __attribute__((warn_unused_result));
/* The access behind v's nested page fault at gpa, from the instruction at
 * its RIP (read once): 0 with *op, and *reg the register it names (NULL
 * for an immediate's store); -1 when it is a fetch, cannot be read or
 * decoded, disagrees with the exit's direction, is not aligned to its own
 * size, or names RSP. The caller injects #GP then. The access's address
 * is always the exit's, never the bytes'. */
int virq_mmio_op(struct vcpu *v, uint64_t gpa, struct mmio_op *op, uint64_t **reg);
/* A nested page fault at gpa: 1 if it was an APIC page (handled: emulated,
 * or a fault injected), 0 if not. */
int virq_mmio(struct vcpu *v, uint64_t gpa);
/* Before every entry, once the guest uses its APIC: fire the timer, inject
 * or ask for an interrupt window, re-arm the physical timer. */
void virq_before_entry(struct vcpu *v);
/* HLT with interrupts enabled: sleep until an interrupt is pending or the
 * vCPU must stop (the caller's safe point comes next). */
void virq_halt(struct vcpu *v);
/* Guest MSRs the APIC owns: IA32_APIC_BASE and IA32_TSC_DEADLINE. 0 and
 * *val, or -1: not one of them, or refused (#GP). */
int virq_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int virq_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
