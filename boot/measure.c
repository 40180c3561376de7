/* SPDX-License-Identifier: MIT */
/*
 * The handoff digest is computed here with our own SHA-256; the TPM's
 * SHA-256 bank gets the firmware's hash of the same buffer through
 * HashLogExtendEvent. Both hash the same bytes, so they agree, and the boot
 * tests check that they do by replaying the printed digests against the
 * PCR values the TPM reports.
 */
#include <errno.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/measure.h"
#include "boot/print.h"
#include "kernel/crypto/hash.h"

int measure_buffer(struct handoff *h, const char *name, const void *p, size_t len,
		   uint32_t pcr, uint8_t *sha256)
{
	struct handoff_measurement *m;
	char hex[2 * CRYPTO_SHA256_LEN + 1];

	if (h->meas_count == HANDOFF_MAX_MEASUREMENTS || strlen(name) >= HANDOFF_NAME_LEN)
		return -ENOSPC;
	m = &h->meas[h->meas_count];
	memset(m, 0, sizeof(*m));
	memcpy(m->name, name, strlen(name));
	m->pcr = pcr;
	crypto_sha256(p, len, m->sha256);
	if (h->flags & HANDOFF_F_TPM) {
		if (boot_tpm_extend(pcr, p, len, MEASURE_EVENT_TAG, name)) {
			stub_printf("vigil-stub: refused %s: TPM extend of PCR %u failed\n", name,
				    pcr);
			return -EIO;
		}
		m->flags |= HANDOFF_MEAS_TPM;
	}
	h->meas_count++;
	stub_hex(m->sha256, sizeof(m->sha256), hex);
	stub_printf("vigil-stub: measured %s sha256:%s\n", name, hex);
	if (sha256)
		memcpy(sha256, m->sha256, sizeof(m->sha256));
	return 0;
}
