/* SPDX-License-Identifier: MIT */
/*
 * The anti-rollback marks (docs/tpm.md, "Anti-rollback across reboots"):
 * their bytes as the TPM's NV index holds them, and what they decide. No
 * TPM here: drivers/tpm_vmm.c reads and writes the index; this file is
 * the format and the rules, so the unit tests can hold every case.
 */
#ifndef VMM_MARKS_H
#define VMM_MARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/config.h"

#define MARKS_SIZE 512u
#define MARKS_ROLES 8u	/* room in the index; ROLE_COUNT are used */
#define MARKS_GUESTS 16u /* CONFIG_MAX_GUESTS */
#define MARKS_GUEST_ID_LEN 8u /* the first bytes of the SHA-256 of the guest's name */

struct marks_guest {
	uint8_t id[MARKS_GUEST_ID_LEN];
	uint64_t security_version;
	uint64_t version; /* its package's; with security_version 0 both: the slot is free */
};

struct marks {
	uint64_t generation;
	uint64_t config_version;
	uint64_t role_seq[MARKS_ROLES];
	uint8_t persisted[32];
	struct marks_guest guest[MARKS_GUESTS];
};

/* The index's bytes: `VGLMARK1`, then the fields in order, little-endian,
 * the rest zero. */
void marks_encode(const struct marks *m, uint8_t out[MARKS_SIZE]);
/* 0, or -EINVAL (no `VGLMARK1`, a role beyond ROLE_COUNT with a mark, a
 * guest's version with no name, a name twice, bytes past the guests). */
int marks_decode(const uint8_t in[MARKS_SIZE], struct marks *m);

/* The guest's marks (security version, package version), 0 when it has
 * none. */
uint64_t marks_guest(const struct marks *m, const char *guest);
uint64_t marks_guest_version(const struct marks *m, const char *guest);
/* Raise the guest's marks to these (never lower either). -ENOSPC when all
 * slots hold other guests. */
int marks_raise_guest(struct marks *m, const char *guest, uint64_t security_version, uint64_t version);

/* The persisted-set digest after one more patch-role bundle: SHA-256 of
 * the digest so far and the bundle's payload SHA-384 (docs/tpm.md). */
void marks_persist_next(uint8_t digest[32], const uint8_t payload_sha384[48]);

#endif
