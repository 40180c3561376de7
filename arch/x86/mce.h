/* SPDX-License-Identifier: MIT */
/*
 * Machine checks belong to the VMM (docs/vmm.md, "Machine checks"): every
 * CPU runs with CR4.MCE set and every bank reporting, so a machine check
 * reaches the VMM's handler (or, in a guest's context, exits to the VMM)
 * instead of shutting the CPU down; none is ever reflected into a guest.
 */
#ifndef ARCH_X86_MCE_H
#define ARCH_X86_MCE_H

#include <stdbool.h>
#include <stdint.h>

/* This CPU: CR4.MCE, and every bank enabled when the CPU has MCA. */
void mce_cpu_init(void);
/*
 * Log every bank holding an error on this CPU ("vigil: machine check
 * <where> on cpu N: bank B status ... addr ... misc ..."), clear them and
 * MCG_STATUS. Returns true when the error cannot be survived in place: an
 * uncorrected error, or MCG_STATUS says the interrupted context cannot
 * resume (RIPV clear). Counts corrected ones in mce_corrected.
 */
bool mce_collect(const char *where);
extern uint64_t mce_corrected;

/*
 * Errors the CPU logged without raising a machine check: corrected ones
 * (no CMCI is used) and uncorrected ones that need no action. Each bank
 * holding one is logged ("vigil: machine check found by polling on cpu
 * N: ..."), counted (mce_corrected, mce_polled_uncorrected) and cleared.
 * Called on each CPU now and then: a guest's CPU when it answers the
 * watchdog's kick (about once a second), the VMM's CPU at its self-check
 * tick; cheap when the banks are empty: one RDMSR per bank.
 */
void mce_poll(void);
/* After a kick, on a guest's CPU: mce_poll at most twice a second. The
 * watchdog kicks about once a second, but every IPI between a guest's
 * vCPUs kicks too, and a poll reads every bank. */
void mce_poll_kicked(void);
extern uint64_t mce_polled_uncorrected;

/* The last uncorrected bank mce_collect() found, for the crash record. */
struct mce_bank {
	uint64_t mcg_status, status, addr, misc;
	uint32_t bank;
	bool valid;
};
extern struct mce_bank mce_last_fatal;

#endif
