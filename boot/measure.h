/* SPDX-License-Identifier: MIT */
/*
 * Measured boot (docs/boot.md): each measured buffer gets a SHA-256 digest,
 * recorded in the handoff, printed on the console, and, when a TPM 2.0 is
 * present, extended into a PCR as an EV_EVENT_TAG event naming it.
 */
#ifndef BOOT_MEASURE_H
#define BOOT_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include <vigil/handoff.h>

/* What decides and enforces: the platform key set and vmm.elf. */
#define MEASURE_PCR_TCB 10
/* What runs under it: system.dtb and the guest images. */
#define MEASURE_PCR_WORKLOAD 15
/* taggedEventID of Vigil's events: "VIGL" read as a big-endian number. */
#define MEASURE_EVENT_TAG 0x5649474cu

/* Measure len bytes at p as `name` into `pcr`. Uses the TPM when
 * HANDOFF_F_TPM is set in h->flags; a failing extend is a refusal, since
 * the PCRs would no longer describe this boot. The digest lands in
 * h->meas[] and, when sha256 is not NULL, in sha256.
 * Returns 0, -ENOSPC (handoff full), -EIO (TPM). */
__attribute__((warn_unused_result)) int measure_buffer(struct handoff *h, const char *name,
						       const void *p, size_t len, uint32_t pcr,
						       uint8_t *sha256);

#endif
