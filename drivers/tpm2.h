/* SPDX-License-Identifier: MIT */
/*
 * TPM 2.0 commands the VMM sends (docs/tpm.md), built and parsed here, sent
 * through drivers/tpm.c. Each parser takes the response as the transport
 * delivered it and checks every field it reads: the tag, the size against
 * the bytes received, the response code, each count and each length, and
 * that the TPM answered what was asked (the PCR, the algorithm, the
 * property). Only SHA-256 PCR banks are used.
 */
#ifndef DRIVERS_TPM2_H
#define DRIVERS_TPM2_H

#include <stddef.h>
#include <stdint.h>
#include "drivers/tpm.h"

#define TPM2_PCRS 24
#define TPM2_PT_MANUFACTURER 0x105u

/* What a command came to: 0; a TPM response code (> 0, the TPM said no);
 * or a negative errno (the transport failed or the response was malformed). */

/* Build a command into buf (at least TPM2_CMD_MAX bytes); its length. */
#define TPM2_CMD_MAX 128u
size_t tpm2_build_pcr_read(uint8_t *buf, unsigned pcr);
size_t tpm2_build_pcr_extend(uint8_t *buf, unsigned pcr, const uint8_t digest[32]);
size_t tpm2_build_get_property(uint8_t *buf, uint32_t property);

/*
 * The attestation key: a primary key of the endorsement hierarchy, so the
 * same key on every boot (it is derived from the TPM's endorsement seed
 * and this template): ECC NIST P-256, ECDSA with SHA-256, restricted
 * (it signs only what the TPM itself produced, such as quotes), fixedTPM,
 * fixedParent, sensitiveDataOrigin, userWithAuth with an empty
 * authorization value, no policy. Its public area is kept as the
 * TPM2B_PUBLIC the TPM returns (tpm2-tools reads that form).
 */
#define TPM2_AK_PUBLIC_LEN 90u
/* The most nonce bytes a quote carries (TPM2B_DATA: a SHA-512 digest). */
#define TPM2_NONCE_MAX 64u
size_t tpm2_build_create_ak(uint8_t *buf);
/* A quote over the SHA-256 bank's PCRs set in pcr_mask (bit n: PCR n). */
size_t tpm2_build_quote(uint8_t *buf, uint32_t ak, const uint8_t *nonce, size_t nonce_len, uint32_t pcr_mask);

/* What a quote returns, as tpm2-tools writes it: the TPMS_ATTEST the TPM
 * signed, and the TPMT_SIGNATURE. */
struct tpm2_quote {
	uint8_t attest[512];
	size_t attest_len;
	uint8_t sig[80];
	size_t sig_len;
};

/* Parse a response of len bytes. */
int tpm2_parse_pcr_read(const uint8_t *rsp, size_t len, unsigned pcr, uint8_t digest[32]);
int tpm2_parse_pcr_extend(const uint8_t *rsp, size_t len);
int tpm2_parse_get_property(const uint8_t *rsp, size_t len, uint32_t property, uint32_t *value);
/* The key's handle, and its public area, which must be the template's
 * with a 32-byte point. */
int tpm2_parse_create_ak(const uint8_t *rsp, size_t len, uint32_t *handle, uint8_t pub[TPM2_AK_PUBLIC_LEN]);
/* The attestation must be a quote (TPM_GENERATED, TPM_ST_ATTEST_QUOTE)
 * carrying this nonce; the signature ECDSA with SHA-256. */
int tpm2_parse_quote(const uint8_t *rsp, size_t len, const uint8_t *nonce, size_t nonce_len, struct tpm2_quote *q);

/* Build, send, parse. */
int tpm2_pcr_read(struct tpm *t, unsigned pcr, uint8_t digest[32]);
int tpm2_pcr_extend(struct tpm *t, unsigned pcr, const uint8_t digest[32]);
int tpm2_get_property(struct tpm *t, uint32_t property, uint32_t *value);
int tpm2_create_ak(struct tpm *t, uint32_t *handle, uint8_t pub[TPM2_AK_PUBLIC_LEN]);
int tpm2_quote(struct tpm *t, uint32_t ak, const uint8_t *nonce, size_t nonce_len, uint32_t pcr_mask,
	       struct tpm2_quote *q);

#endif
