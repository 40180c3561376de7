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

/* Parse a response of len bytes. */
int tpm2_parse_pcr_read(const uint8_t *rsp, size_t len, unsigned pcr, uint8_t digest[32]);
int tpm2_parse_pcr_extend(const uint8_t *rsp, size_t len);
int tpm2_parse_get_property(const uint8_t *rsp, size_t len, uint32_t property, uint32_t *value);

/* Build, send, parse. */
int tpm2_pcr_read(struct tpm *t, unsigned pcr, uint8_t digest[32]);
int tpm2_pcr_extend(struct tpm *t, unsigned pcr, const uint8_t digest[32]);
int tpm2_get_property(struct tpm *t, uint32_t property, uint32_t *value);

#endif
