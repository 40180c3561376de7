/* SPDX-License-Identifier: MIT */
#ifndef DRIVERS_TPM_VMM_H
#define DRIVERS_TPM_VMM_H

#include <stddef.h>
#include <stdint.h>
#include "drivers/tpm.h"

/* Find, map and open the platform's TPM (on the boot CPU, after the TSC
 * is calibrated); says on the console what it found or why none is used,
 * and whether the PCRs the stub extended hold what its events say. */
struct handoff;
void tpm_start(uint64_t rsdp_pa, const struct handoff *h);

/* What a quote covers (the SHA-256 bank): the firmware's PCRs 0-7, the
 * stub's 10 and 15, the runtime PCR 11. */
#define TPM_VMM_QUOTE_PCRS 0x8cffu
#define TPM_VMM_QUOTE_COUNT 11u

/* The attestation key's TPM2B_PUBLIC (TPM2_AK_PUBLIC_LEN bytes), or NULL. */
const uint8_t *tpm_vmm_ak_public(void);
/* A quote of TPM_VMM_QUOTE_PCRS with this nonce, and the PCRs' values in
 * ascending order: 0, or a negative errno or TPM response code; -ENODEV
 * without a TPM or an attestation key. */
struct tpm2_quote;
int tpm_vmm_quote(const uint8_t *nonce, size_t nonce_len, struct tpm2_quote *q,
		  uint8_t pcrs[TPM_VMM_QUOTE_COUNT][32]);

/* The TPM, or NULL when there is none in use. The VMM's CPU only. */
struct tpm *tpm_vmm(void);

#endif
