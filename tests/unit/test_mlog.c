// SPDX-License-Identifier: MIT
/*
 * Unit tests of the runtime measurement log (vmm/mlog.c): no entry limit
 * (thousands of changes, across chunks, each kept whole and in order);
 * each record laid out as a TCG_PCR_EVENT2 with an EV_EVENT_TAG event, as
 * docs/tpm.md gives the offsets, written out here; its digest the SHA-256
 * of its event, and exactly that digest extended into PCR 11, in order;
 * out of memory refused before anything changes; a TPM that refuses an
 * extend stops every further change; no TPM at all stops none. The page
 * allocator and the TPM are this file's.
 */
#define CHECK_SUITE "mlog"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "kernel/console.h"
#include "kernel/crypto/hash.h"
#include "kernel/mm.h"
#include "vmm/mlog.h"

/* Memory: a pool of pages, of which pages_left may still be given. */
#define POOL_PAGES (16 * 12)
static uint8_t pool[POOL_PAGES][4096] __attribute__((aligned(4096)));
static unsigned pool_used, pages_left = POOL_PAGES;

uint64_t page_alloc(size_t pages, uint64_t align)
{
	(void)align;
	if (pages > pages_left || pool_used + pages > POOL_PAGES)
		return 0;
	pool_used += (unsigned)pages;
	pages_left -= (unsigned)pages;
	memset(pool[pool_used - pages], 0xa5, pages * 4096); /* not zeroed: the log must not rely on it */
	return (uint64_t)(uintptr_t)pool[pool_used - pages];
}

void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

/* The TPM: what was extended, replayed; or an error from call fail_at on. */
static uint8_t pcr11[32];
static unsigned extends, other_pcr, fail_at = ~0u;
static int tpm_err = 0;

int tpm_vmm_extend(unsigned pcr, const uint8_t digest[32])
{
	uint8_t buf[64];

	if (tpm_err)
		return tpm_err;
	if (extends == fail_at)
		return -EIO;
	if (pcr != 11) {
		other_pcr++;
		return 0;
	}
	memcpy(buf, pcr11, 32);
	memcpy(buf + 32, digest, 32);
	crypto_sha256(buf, sizeof(buf), pcr11);
	extends++;
	return 0;
}

static unsigned printed;
void printk(const char *fmt, ...)
{
	(void)fmt;
	printed++;
}

static const uint8_t payload[48] = { 1, 2, 3 }, text[32] = { 9, 8, 7 };

static int append(uint64_t seq, uint32_t kind, const char *guest)
{
	const char *why = NULL;
	int err = mlog_ready(&why);

	if (err)
		return err;
	mlog_append(&(struct mlog_change){ seq, kind, 1, guest, payload, text });
	return 0;
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The first record, byte by byte as docs/tpm.md lays it out. */
static void record_layout(void)
{
	uint8_t want[194] = { 0 }, d[32];

	CHECK_EQ(append(7, 0x100, "hello"), 0);
	le32(want + 0, 11);
	le32(want + 4, 6);	/* EV_EVENT_TAG */
	le32(want + 8, 1);	/* one digest */
	want[12] = 0x0b;	/* TPM_ALG_SHA256 */
	le32(want + 46, 144);	/* event size: tag id, size, data */
	memcpy(want + 50, "VGL1", 4);
	le32(want + 54, 136);
	le64(want + 58, 1);	/* index */
	le64(want + 66, 7);	/* sequence */
	le32(want + 74, 0x100); /* kind */
	le32(want + 78, 1);	/* role */
	memcpy(want + 82, payload, 48);
	memcpy(want + 130, text, 32);
	memcpy(want + 162, "hello", 5);
	crypto_sha256(want + 50, 144, d);
	memcpy(want + 14, d, 32);
	CHECK_EQ(mlog_count(), 1);
	CHECK(!memcmp(mlog_record(0), want, sizeof(want)));
	CHECK(mlog_record(1) == NULL);
}

/* Thousands of changes, across chunks: every one kept, in order, each
 * digest its event's, and PCR 11 the replay of exactly those digests. */
static void no_entry_limit(void)
{
	uint8_t replay[32] = { 0 }, buf[64], d[32];
	unsigned bad = 0;

	for (uint64_t s = 2; s <= 3000; s++)
		if (!CHECK(append(s, s % 4, s % 2 ? "g" : NULL) == 0))
			break;
	CHECK_EQ(mlog_count(), 3000);
	for (uint64_t i = 0; i < mlog_count(); i++) {
		const struct mlog_record *r = mlog_record(i);

		crypto_sha256(&r->tag_id, 144, d);
		if (r->data.index != i + 1 || (i && r->data.sequence != i + 1) || memcmp(d, r->digest, 32) ||
		    (i && (r->data.guest[0] == 'g') != (i % 2 == 0)))
			bad++;
		memcpy(buf, replay, 32);
		memcpy(buf + 32, r->digest, 32);
		crypto_sha256(buf, sizeof(buf), replay);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(extends, 3000);
	CHECK_EQ(other_pcr, 0);
	CHECK(!memcmp(replay, pcr11, 32));
}

/* No memory for the next chunk: refused with the reason, nothing recorded
 * nor extended; a later append without mlog_ready() writes nothing. */
static void out_of_memory_refused(void)
{
	const char *why = NULL;
	uint64_t n;

	pages_left = 0;
	while (!append(1, 1, NULL))
		;
	n = mlog_count();
	CHECK_EQ(mlog_ready(&why), -ENOMEM);
	CHECK(why && strstr(why, "memory"));
	mlog_append(&(struct mlog_change){ 1, 1, 1, NULL, payload, text });
	CHECK_EQ(mlog_count(), n);
	CHECK_EQ(extends, n);
	pages_left = POOL_PAGES;
	CHECK_EQ(append(1, 1, NULL), 0);
	CHECK_EQ(mlog_count(), n + 1);
}

/* No TPM: the log grows, nothing fails. A TPM that refuses an extend:
 * said once, and every later change refused (the PCR no longer matches). */
static void tpm_refusal_stops_changes(void)
{
	const char *why = NULL;
	uint64_t n;

	tpm_err = -ENODEV;
	CHECK_EQ(append(1, 1, NULL), 0);
	CHECK(!mlog_tpm_failed() && printed == 0);
	tpm_err = 0;
	fail_at = extends;
	CHECK_EQ(append(1, 1, NULL), 0); /* the change was made: recorded, the PCR missed it */
	n = mlog_count();
	CHECK(mlog_tpm_failed() && printed == 1);
	CHECK_EQ(mlog_ready(&why), -EIO);
	CHECK(why && strstr(why, "TPM"));
	CHECK_EQ(append(1, 1, NULL), -EIO);
	CHECK_EQ(mlog_count(), n);
}

int main(void)
{
	CHECK_RUN(record_layout);
	CHECK_RUN(no_entry_limit);
	CHECK_RUN(out_of_memory_refused);
	CHECK_RUN(tpm_refusal_stops_changes);
	return check_done();
}
