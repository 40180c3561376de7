/* SPDX-License-Identifier: MIT */
/*
 * The audit log: every management-channel request, accepted or refused,
 * with its reason; and the runtime measurement log: every applied bundle.
 * Both live in VMM memory (a reboot clears them) and are read over the
 * channel. The audit log keeps the last AUDIT_ENTRIES requests; the
 * measurement log keeps every applied bundle up to MLOG_ENTRIES and then
 * refuses further bundles, so it never loses one.
 */
#ifndef VMM_AUDIT_H
#define VMM_AUDIT_H

#include <stdint.h>

#define AUDIT_ENTRIES 128
#define AUDIT_REASON_LEN 96
#define MLOG_ENTRIES 64

struct audit_entry {
	uint64_t index; /* 1, 2, ... over the VMM's life */
	uint64_t tsc;	/* when (TSC) */
	uint8_t request;
	int32_t status;	      /* 0 or a negative errno */
	uint32_t code;	      /* enum channel_refusal */
	char reason[AUDIT_REASON_LEN];
};

struct mlog_entry {
	uint64_t index;
	uint64_t sequence;
	uint32_t role;	     /* enum config_role_id */
	uint32_t kind;	     /* enum bundle_kind */
	uint8_t payload_sha384[48];
	uint8_t text_sha256[32]; /* the VMM text's expected digest after applying */
};

/* Record a request; reason is stored escaped (str_escape()), truncated to
 * AUDIT_REASON_LEN. */
void audit_record(uint8_t request, int status, uint32_t code, const char *reason);
/* Oldest first: entry i of audit_count(). */
unsigned audit_count(void);
/* Entries that fell out of the ring. */
uint32_t audit_dropped(void);
const struct audit_entry *audit_entry(unsigned i);

int mlog_full(void);
void mlog_append(const struct mlog_entry *e);
unsigned mlog_count(void);
const struct mlog_entry *mlog_entry(unsigned i);

#endif
