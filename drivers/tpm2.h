/* SPDX-License-Identifier: MIT */
/*
 * TPM 2.0 commands the VMM sends (docs/tpm.md), built and parsed here, sent
 * through drivers/tpm.c. Each parser takes the response as the transport
 * delivered it and checks every field it reads: the tag, the size against
 * the bytes received, the response code, each count and each length, and
 * that the TPM answered what was asked (the PCR, the algorithm, the
 * property, the NV index). Only SHA-256 PCR banks are used.
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

/* Build a command into buf (at least TPM2_CMD_MAX bytes; an NV_Write,
 * TPM2_NV_WRITE_CMD_MAX); its length. */
#define TPM2_CMD_MAX 256u
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

/*
 * Marks in TPM NV, written under a policy the platform key authorizes
 * (docs/tpm.md): a policy session (SHA-256, unsalted, unbound), PolicyPCR
 * on the SHA-256 bank, the platform key loaded public-only, its signature
 * over the approved policy checked by the TPM (VerifySignature's ticket),
 * PolicyAuthorize, then NV_Write with that session as the index's
 * authorization. The data is read with the index's own empty
 * authorization value (TPMA_NV_AUTHREAD).
 */
#define TPM2_RS_PW 0x40000009u /* the empty password session */
#define TPM2_RH_OWNER 0x40000001u
#define TPM2_RH_NULL 0x40000007u
#define TPM2_NV_WRITTEN 0x20000000u /* TPMA_NV_WRITTEN */
/* The most data one NV_Read or NV_Write moves here (TPMs take at least 512). */
#define TPM2_NV_DATA_MAX 512u
/* An NV_Write: header, two handles, one session, data, offset. */
#define TPM2_NV_WRITE_CMD_MAX (10u + 8u + 4u + 9u + 2u + TPM2_NV_DATA_MAX + 2u)
#define TPM2_DIGEST_MAX 64u
#define TPM2_NAME_MAX (2u + TPM2_DIGEST_MAX)
#define TPM2_SESSION_NONCE 32u	/* a policy session's nonces: SHA-256's size */
#define TPM2_POLICY_REF_MAX 32u
/* A NIST P-384 public key: the uncompressed point 04 || X || Y; its
 * TPMT_PUBLIC (ECC, nameAlg SHA-384, sign and userWithAuth only, no
 * policy, no symmetric scheme, ECDSA with SHA-384, no kdf, X and Y); its
 * name, 0x000c || SHA-384 of that TPMT_PUBLIC. */
#define TPM2_P384_POINT_LEN 97u
#define TPM2_P384_PUBLIC_LEN 120u
#define TPM2_P384_NAME_LEN 50u

/* An NV index's public area and name, as NV_ReadPublic returns them. */
struct tpm2_nv_public {
	uint32_t index;
	uint16_t name_alg;
	uint32_t attributes; /* TPMA_NV */
	uint8_t policy[TPM2_DIGEST_MAX];
	size_t policy_len;
	uint16_t size; /* dataSize */
	uint8_t name[TPM2_NAME_MAX];
	size_t name_len;
};

/* A TPMT_TK_VERIFIED as VerifySignature returns it (tag, hierarchy,
 * TPM2B digest), kept as bytes for PolicyAuthorize. */
struct tpm2_ticket {
	uint8_t raw[8 + TPM2_DIGEST_MAX];
	size_t len;
	uint32_t hierarchy;
};

/* The TPMT_PUBLIC of the P-384 key at point into out (TPM2_P384_PUBLIC_LEN
 * bytes): its length, or 0 when point is not uncompressed. Host tools
 * compute the key's name from the same bytes. */
size_t tpm2_p384_public(const uint8_t point[TPM2_P384_POINT_LEN], uint8_t *out);

size_t tpm2_build_nv_read_public(uint8_t *buf, uint32_t index);
size_t tpm2_build_nv_read(uint8_t *buf, uint32_t index, uint16_t offset, uint16_t size);
/* session: a policy session's handle, or TPM2_RS_PW; the data at offset 0. */
size_t tpm2_build_nv_write(uint8_t *buf, uint32_t index, uint32_t session, const uint8_t *data, size_t len);
size_t tpm2_build_start_policy_session(uint8_t *buf, const uint8_t nonce[TPM2_SESSION_NONCE]);
size_t tpm2_build_policy_pcr(uint8_t *buf, uint32_t session, uint32_t pcr_mask);
size_t tpm2_build_load_external(uint8_t *buf, const uint8_t point[TPM2_P384_POINT_LEN], uint32_t hierarchy);
/* An ECDSA signature with SHA-384 over digest, r and s of 48 bytes. */
size_t tpm2_build_verify_signature(uint8_t *buf, uint32_t key, const uint8_t digest[48], const uint8_t r[48],
				   const uint8_t s[48]);
size_t tpm2_build_policy_authorize(uint8_t *buf, uint32_t session, const uint8_t approved[32], const uint8_t *ref,
				   size_t ref_len, const uint8_t key_name[TPM2_P384_NAME_LEN],
				   const struct tpm2_ticket *ticket);
size_t tpm2_build_flush_context(uint8_t *buf, uint32_t handle);

/* The index asked for; sizes that agree with their contents; a policy
 * empty or of the name algorithm's digest size; a name of that algorithm. */
int tpm2_parse_nv_read_public(const uint8_t *rsp, size_t len, uint32_t index, struct tpm2_nv_public *pub);
/* Exactly size bytes, or nothing written to data. */
int tpm2_parse_nv_read(const uint8_t *rsp, size_t len, uint8_t *data, size_t size);
/* The session reply that session gives: a policy session's nonce, or
 * the empty password's. */
int tpm2_parse_nv_write(const uint8_t *rsp, size_t len, uint32_t session);
/* A handle in the policy-session range, a 32-byte nonceTPM. */
int tpm2_parse_start_policy_session(const uint8_t *rsp, size_t len, uint32_t *session);
/* A transient handle, a name of SHA-384. */
int tpm2_parse_load_external(const uint8_t *rsp, size_t len, uint32_t *handle, uint8_t name[TPM2_P384_NAME_LEN]);
int tpm2_parse_verify_signature(const uint8_t *rsp, size_t len, struct tpm2_ticket *ticket);
/* PolicyPCR, PolicyAuthorize, FlushContext: a header and nothing else. */
int tpm2_parse_empty(const uint8_t *rsp, size_t len);

/* Build, send, parse. */
int tpm2_pcr_read(struct tpm *t, unsigned pcr, uint8_t digest[32]);
int tpm2_pcr_extend(struct tpm *t, unsigned pcr, const uint8_t digest[32]);
int tpm2_get_property(struct tpm *t, uint32_t property, uint32_t *value);
int tpm2_create_ak(struct tpm *t, uint32_t *handle, uint8_t pub[TPM2_AK_PUBLIC_LEN]);
int tpm2_quote(struct tpm *t, uint32_t ak, const uint8_t *nonce, size_t nonce_len, uint32_t pcr_mask,
	       struct tpm2_quote *q);
int tpm2_nv_read_public(struct tpm *t, uint32_t index, struct tpm2_nv_public *pub);
int tpm2_nv_read(struct tpm *t, uint32_t index, uint16_t offset, uint8_t *data, size_t size);
int tpm2_nv_write(struct tpm *t, uint32_t index, uint32_t session, const uint8_t *data, size_t len);
int tpm2_start_policy_session(struct tpm *t, const uint8_t nonce[TPM2_SESSION_NONCE], uint32_t *session);
int tpm2_policy_pcr(struct tpm *t, uint32_t session, uint32_t pcr_mask);
int tpm2_load_external_p384(struct tpm *t, const uint8_t point[TPM2_P384_POINT_LEN], uint32_t hierarchy,
			    uint32_t *handle, uint8_t name[TPM2_P384_NAME_LEN]);
int tpm2_verify_signature(struct tpm *t, uint32_t key, const uint8_t digest[48], const uint8_t r[48],
			  const uint8_t s[48], struct tpm2_ticket *ticket);
int tpm2_policy_authorize(struct tpm *t, uint32_t session, const uint8_t approved[32], const uint8_t *ref,
			  size_t ref_len, const uint8_t key_name[TPM2_P384_NAME_LEN], const struct tpm2_ticket *ticket);
int tpm2_flush_context(struct tpm *t, uint32_t handle);
/* A loaded or persistent object's name (ReadPublic), of its name
 * algorithm's digest size. */
size_t tpm2_build_read_public(uint8_t *buf, uint32_t handle);
int tpm2_parse_read_public(const uint8_t *rsp, size_t len, uint8_t name[TPM2_NAME_MAX], size_t *name_len);
int tpm2_read_public_name(struct tpm *t, uint32_t handle, uint8_t name[TPM2_NAME_MAX], size_t *name_len);

#endif
