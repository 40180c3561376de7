/* SPDX-License-Identifier: MIT */
/*
 * The runtime measurement log (vmm/mlog.h): records in chunks of
 * MLOG_CHUNK_PAGES pages, found by index through a fixed directory, so a
 * record never moves and reading one costs no search.
 */
#include <errno.h>
#include <string.h>
#include "vmm/mlog.h"
#include "kernel/crypto/hash.h"
#include "kernel/console.h"
#include "kernel/mm.h"

#define MLOG_CHUNK_PAGES 16u
#define MLOG_CHUNK_RECORDS (MLOG_CHUNK_PAGES * 4096u / sizeof(struct mlog_record))
/* 4096 chunks of 337 records: 1.38 million changes in 256 MiB; the
 * VMM's free memory runs out first on most machines. */
#define MLOG_CHUNKS 4096u

static struct mlog_record *chunks[MLOG_CHUNKS];
static uint64_t count;
static int tpm_failed;

int mlog_ready(const char **why)
{
	uint64_t c = count / MLOG_CHUNK_RECORDS;

	if (tpm_failed) {
		*why = "the TPM refused an earlier measurement: no further change is made";
		return -EIO;
	}
	if (c < MLOG_CHUNKS && chunks[c])
		return 0;
	if (c < MLOG_CHUNKS) {
		uint64_t pa = page_alloc(MLOG_CHUNK_PAGES, 4096);

		if (pa) {
			chunks[c] = phys_to_virt(pa);
			return 0;
		}
	}
	*why = "no memory left for the runtime measurement log";
	return -ENOMEM;
}

void mlog_append(const struct mlog_change *c)
{
	struct mlog_record *r;
	int err;

	if (count / MLOG_CHUNK_RECORDS >= MLOG_CHUNKS || !chunks[count / MLOG_CHUNK_RECORDS])
		return; /* mlog_ready() refused: the caller made no change */
	r = &chunks[count / MLOG_CHUNK_RECORDS][count % MLOG_CHUNK_RECORDS];
	memset(r, 0, sizeof(*r));
	r->pcr = MLOG_PCR;
	r->event_type = MLOG_EV_EVENT_TAG;
	r->digest_count = 1;
	r->alg = MLOG_TPM_ALG_SHA256;
	r->event_size = 8 + sizeof(struct mlog_data);
	r->tag_id = MLOG_TAG_ID;
	r->tag_size = sizeof(struct mlog_data);
	r->data.index = count + 1;
	r->data.sequence = c->sequence;
	r->data.kind = c->kind;
	r->data.role = c->role;
	memcpy(r->data.payload_sha384, c->payload_sha384, sizeof(r->data.payload_sha384));
	memcpy(r->data.text_sha256, c->text_sha256, sizeof(r->data.text_sha256));
	if (c->guest) /* config names are at most 31 bytes */
		memcpy(r->data.guest, c->guest, strnlen(c->guest, sizeof(r->data.guest) - 1));
	crypto_sha256(&r->tag_id, r->event_size, r->digest);
	count++;

	err = tpm_vmm_extend(MLOG_PCR, r->digest);
	if (err && err != -ENODEV && !tpm_failed) {
		tpm_failed = 1;
		printk("vigil: TPM: extending PCR %u failed (%d): the PCR no longer matches the runtime log; "
		       "no further change will be made\n", MLOG_PCR, err);
	}
}

uint64_t mlog_count(void)
{
	return count;
}

const struct mlog_record *mlog_record(uint64_t i)
{
	return i < count ? &chunks[i / MLOG_CHUNK_RECORDS][i % MLOG_CHUNK_RECORDS] : NULL;
}

int mlog_tpm_failed(void)
{
	return tpm_failed;
}
