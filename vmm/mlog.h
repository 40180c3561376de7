/* SPDX-License-Identifier: MIT */
/*
 * The runtime measurement log (docs/tpm.md, "Runtime measurements"): one
 * record per change that took effect at run time (an applied bundle, a
 * guest package installed through the channel), each a TCG PC Client
 * crypto-agile event (TCG_PCR_EVENT2, EV_EVENT_TAG, one SHA-256 digest)
 * whose digest is extended into MLOG_PCR when a TPM is in use. The
 * records are kept whole, in order, with no entry limit: they grow in
 * chunks taken from the VMM's free memory, which is the only bound. A
 * verifier reads them in pages (the EVENTS request) and replays them.
 *
 * The VMM's CPU only (the channel's).
 */
#ifndef VMM_MLOG_H
#define VMM_MLOG_H

#include <stddef.h>
#include <stdint.h>

/* PCR 11: in the operating system's range, reset only by a platform
 * reset, extendable from locality 0, and used by nothing else Vigil boots
 * (the stub extends 10 and 15). docs/tpm.md says why. */
#define MLOG_PCR 11
#define MLOG_EV_EVENT_TAG 0x6u
#define MLOG_TAG_ID 0x314c4756u /* bytes "VGL1": a Vigil runtime change, version 1 */
#define MLOG_TPM_ALG_SHA256 0x000bu

/* The kind of a record: enum bundle_kind, or this for a guest package. */
#define MLOG_KIND_PACKAGE 0x100u

/* The tagged event's data: what changed. Little-endian, no padding. */
struct mlog_data {
	uint64_t index;		 /* 1, 2, ...: the record's place in the log */
	uint64_t sequence;	 /* the bundle's sequence, or the package's version */
	uint32_t kind;		 /* enum bundle_kind, or MLOG_KIND_PACKAGE */
	uint32_t role;		 /* enum config_role_id of the signers */
	uint8_t payload_sha384[48]; /* the signed payload's (the manifest's) digest */
	uint8_t text_sha256[32]; /* the VMM text's expected digest after the change */
	char guest[32];		 /* MLOG_KIND_PACKAGE, control, policy: the guest; else zeros */
} __attribute__((packed));

/* One record exactly as a TCG PC Client log holds it. */
struct mlog_record {
	uint32_t pcr;
	uint32_t event_type; /* MLOG_EV_EVENT_TAG */
	uint32_t digest_count; /* 1 */
	uint16_t alg;	       /* MLOG_TPM_ALG_SHA256 */
	uint8_t digest[32];    /* SHA-256 of the event: tag id, size and data */
	uint32_t event_size;   /* 8 + sizeof(struct mlog_data) */
	uint32_t tag_id;       /* MLOG_TAG_ID */
	uint32_t tag_size;     /* sizeof(struct mlog_data) */
	struct mlog_data data;
} __attribute__((packed));

_Static_assert(sizeof(struct mlog_data) == 136, "the event's data as docs/tpm.md lays it out");
_Static_assert(sizeof(struct mlog_record) == 194, "a record as docs/tpm.md lays it out");

/* The most records one EVENTS reply carries (under the 32 KiB reply). */
#define MLOG_PAGE_RECORDS 128u

struct mlog_change {
	uint64_t sequence;
	uint32_t kind;
	uint32_t role;
	const char *guest; /* or NULL */
	const uint8_t *payload_sha384;
	const uint8_t *text_sha256;
};

/* Whether one more change can be recorded: 0, or a negative errno with
 * *why: no memory for another chunk (-ENOMEM), or an earlier extend the
 * TPM refused (-EIO: the PCR no longer matches the log, and no further
 * change is made). Called before a change is applied, so that the record
 * of an applied change never fails for want of room. */
int mlog_ready(const char **why) __attribute__((warn_unused_result));
/* Record a change that took effect, and extend its digest into MLOG_PCR
 * (when a TPM is in use). mlog_ready() said 0 just before. */
void mlog_append(const struct mlog_change *c);
uint64_t mlog_count(void);
/* Record i (0-based), or NULL past the end. */
const struct mlog_record *mlog_record(uint64_t i);
/* Whether a TPM refused an extend (the log and the PCR then disagree). */
int mlog_tpm_failed(void);

/* The TPM's side, provided by drivers/tpm_vmm.c: 0, -ENODEV with no TPM
 * in use, or another negative errno when the TPM refused. */
int tpm_vmm_extend(unsigned pcr, const uint8_t digest[32]);

#endif
