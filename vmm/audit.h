/* SPDX-License-Identifier: MIT */
/*
 * The audit log: every management-channel request, accepted or refused,
 * with its reason; and the runtime measurement log: every applied bundle.
 * Both live in VMM memory (a reboot clears them) and are read over the
 * channel. The measurement log keeps every applied bundle (and guest
 * package installed through the channel) up to
 * MLOG_ENTRIES and then refuses further bundles, so it never loses one.
 *
 * The audit log cannot be flushed by whoever reaches the serial line: the
 * bundles that were applied (which only signers can cause; at most
 * MLOG_ENTRIES) have entries of their own that nothing evicts; every other
 * request (queries, refusals) goes into a ring of AUDIT_ENTRIES where a
 * request with the same type, status and error code as the ring's newest
 * entry is folded into it (its repeats count and last time move) instead of
 * taking a slot. So a stream of garbage costs one entry per change of
 * refusal, and what falls out of the ring is counted.
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
	uint64_t last_tsc; /* the last repeat's time (tsc when none) */
	uint32_t repeats;  /* identical requests folded into this entry */
	uint8_t request;
	int32_t status;	      /* 0 or a negative errno */
	uint32_t code;	      /* enum channel_refusal */
	char reason[AUDIT_REASON_LEN];
};

/* The measurement log's entry for a guest package installed through the
 * channel (vmm/vm_update.c): its sequence is the package's version, its
 * payload digest the manifest's, its role the publisher's. */
#define MLOG_KIND_PACKAGE 0x100u

struct mlog_entry {
	uint64_t index;
	uint64_t sequence;
	uint32_t role;	     /* enum config_role_id */
	uint32_t kind;	     /* enum bundle_kind, or MLOG_KIND_PACKAGE */
	char guest[32];	     /* MLOG_KIND_PACKAGE: the guest's name */
	uint8_t payload_sha384[48];
	uint8_t text_sha256[32]; /* the VMM text's expected digest after applying */
};

/* Record a request; reason is stored escaped (str_escape()), truncated to
 * AUDIT_REASON_LEN. */
void audit_record(uint8_t request, int status, uint32_t code, const char *reason);
/* Oldest first, both kinds in order: entry i of audit_count(). */
unsigned audit_count(void);
/* Entries that fell out of the ring (never an applied bundle's). */
uint32_t audit_dropped(void);
const struct audit_entry *audit_entry(unsigned i);
struct crash_audit;
/* The newest max entries, oldest first, for the crash record (kernel/crash.h). */
unsigned audit_crash_fill(struct crash_audit *out, unsigned max);

int mlog_full(void);
void mlog_append(const struct mlog_entry *e);
unsigned mlog_count(void);
const struct mlog_entry *mlog_entry(unsigned i);

#endif
