/* SPDX-License-Identifier: MIT */
/*
 * The anti-rollback marks in the TPM's NV (docs/tpm.md, "Anti-rollback
 * across reboots"): read and checked at boot, failing closed; written
 * before each change they protect, under the platform-approved policy.
 * The VMM's CPU only.
 */
#ifndef DRIVERS_TPM_MARKS_H
#define DRIVERS_TPM_MARKS_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/marks.h"

/* After tpm_start, before any guest: without tpm-marks in the signed
 * config, says what is lost; with it, reads and checks the index (a
 * missing, redefined or malformed one, or an older config, stops the boot
 * with the reason), writes the first marks when the conditions hold, and
 * raises the config's version. */
struct handoff;
void tpm_marks_start(const struct handoff *h);

/* The marks in force, or NULL when the config names none. */
const struct marks *tpm_marks(void);
/* Whether this boot can write them; if not, *why. */
bool tpm_marks_writable(const char **why);

/* Record a role's sequence (and for a patch-role bundle, its payload's
 * SHA-384 into the persisted-set digest, in the same write) or a guest's
 * security and package versions (a mark is never lowered) before the
 * change is made: 0, or a negative errno or TPM response code with *why;
 * without marks, 0. */
int tpm_marks_raise_role(unsigned role, uint64_t seq, const uint8_t *persisted_sha384, const char **why);
int tpm_marks_raise_guest(const char *guest, uint64_t security_version, uint64_t version, const char **why);

#endif
