/* SPDX-License-Identifier: MIT */
/*
 * The audit log: every management-channel request, accepted or refused,
 * with its reason. It lives in VMM memory (a reboot clears it) and is read
 * over the channel. What every applied change was is in the runtime
 * measurement log (vmm/mlog.h), which keeps them all.
 *
 * The audit log cannot be flushed by whoever reaches the serial line: the
 * newest AUDIT_APPLIED_ENTRIES applied bundles (which only signers can
 * cause) have a ring of their own that nothing else evicts; every other
 * request (queries, refusals) goes into a ring of AUDIT_ENTRIES where a
 * request with the same type, status and error code as the ring's newest
 * entry is folded into it (its repeats count and last time move) instead of
 * taking a slot. So a stream of garbage costs one entry per change of
 * refusal, and what falls out of either ring is counted.
 */
#ifndef VMM_AUDIT_H
#define VMM_AUDIT_H

#include <stdint.h>

#define AUDIT_ENTRIES 128
#define AUDIT_REASON_LEN 96
#define AUDIT_APPLIED_ENTRIES 64

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

/* Record a request; reason is stored escaped (str_escape()), truncated to
 * AUDIT_REASON_LEN. */
void audit_record(uint8_t request, int status, uint32_t code, const char *reason);
/* Oldest first, both kinds in order: entry i of audit_count(). */
unsigned audit_count(void);
/* Entries that fell out of either ring (an applied bundle's only to a
 * newer applied bundle). */
uint32_t audit_dropped(void);
const struct audit_entry *audit_entry(unsigned i);
struct crash_audit;
/* The newest max entries, oldest first, for the crash record (kernel/crash.h). */
unsigned audit_crash_fill(struct crash_audit *out, unsigned max);

#endif
