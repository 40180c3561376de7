/* SPDX-License-Identifier: MIT */
#ifndef DRIVERS_TPM_VMM_H
#define DRIVERS_TPM_VMM_H

#include <stdint.h>
#include "drivers/tpm.h"

/* Find, map and open the platform's TPM (on the boot CPU, after the TSC
 * is calibrated); says on the console what it found or why none is used,
 * and whether the PCRs the stub extended hold what its events say. */
struct handoff;
void tpm_start(uint64_t rsdp_pa, const struct handoff *h);

/* The TPM, or NULL when there is none in use. The VMM's CPU only. */
struct tpm *tpm_vmm(void);

#endif
