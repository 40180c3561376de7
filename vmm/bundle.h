/* SPDX-License-Identifier: MIT */
/*
 * Signed bundles (docs/channel.md, "Bundles"): the container, the payload
 * device tree, and the verifier. Pure logic, built into the VMM and into
 * vigilctl, so `vigilctl bundle verify` refuses exactly what the VMM does.
 *
 * Decode/invoke split: bundle_decode() checks every byte of the container
 * and the payload and copies what they say into a struct bundle; nothing
 * points into the caller's buffer afterwards except the returned spans.
 * bundle_verify() then decides, completely, whether the bundle may be
 * applied: role, signatures (M of N distinct keys of that role), build-id
 * and sequence. The caller applies a verified bundle whole or not at all,
 * and only then calls bundle_seq_accept().
 *
 * struct bundle holds up to PATCH_MAX_CODE bytes of code: keep it in static
 * or heap memory, not on a stack.
 */
#ifndef VMM_BUNDLE_H
#define VMM_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/config.h"
#include "kernel/crypto/hash.h"
#include "vigil/channel.h"
#include "vigil/patch.h"

#define BUNDLE_MAGIC "VGBNDL01"
#define BUNDLE_MAGIC_LEN 8
#define BUNDLE_HEADER_LEN 16
#define BUNDLE_MAX_LEN CHANNEL_MAX_PAYLOAD /* a whole container fits one frame */
#define BUNDLE_BUILD_ID_LEN 20		   /* GNU build-id, SHA-1 */
#define BUNDLE_COMPATIBLE "vigil,bundle-v1"

/*
 * Bundle kinds, from this one list: X(NAME, name, content node, role that
 * authorises it). The enum, the name and node tables and the role of each
 * kind are all made of it; an index outside it (>= BUNDLE_KIND_COUNT) is
 * refused by the verifier and by the VMM's applier, never taken for
 * another kind.
 */
#define BUNDLE_KINDS(X)                                             \
	X(LIVE_PATCH, "live-patch", "patch", ROLE_PATCH)            \
	X(PATCH_REVERT, "patch-revert", "revert", ROLE_PATCH)       \
	X(GUEST_CONTROL, "guest-control", "control", ROLE_OPERATOR) \
	X(POLICY, "policy", "policy", ROLE_OPERATOR)

enum bundle_kind {
#define BUNDLE_KIND_ENUM(NAME, name, node, role) BUNDLE_##NAME,
	BUNDLE_KINDS(BUNDLE_KIND_ENUM)
#undef BUNDLE_KIND_ENUM
	BUNDLE_KIND_COUNT,
};

/* Guest-control actions, from one list: X(NAME, name). */
#define BUNDLE_ACTIONS(X)          \
	X(STOP, "stop")            \
	X(START, "start")          \
	X(RESTART, "restart")

enum bundle_action {
#define BUNDLE_ACTION_ENUM(NAME, name) BUNDLE_ACTION_##NAME,
	BUNDLE_ACTIONS(BUNDLE_ACTION_ENUM)
#undef BUNDLE_ACTION_ENUM
	BUNDLE_ACTION_COUNT,
};

/* Each kind's name: "live-patch", "patch-revert", "guest-control", "policy". */
extern const char *const bundle_kind_names[BUNDLE_KIND_COUNT];
/* The content node each kind carries: "patch", "revert", "control", "policy". */
extern const char *const bundle_kind_nodes[BUNDLE_KIND_COUNT];
/* "stop", "start", "restart". */
extern const char *const bundle_action_names[BUNDLE_ACTION_COUNT];

struct bundle_redirect {
	uint64_t from; /* entry of the original function in the VMM's text */
	uint64_t to;   /* its replacement, inside the patch's code */
	uint8_t expect[PATCH_REDIRECT_LEN]; /* the original bytes at `from` */
};

struct bundle_patch {
	char name[PATCH_NAME_LEN];
	uint64_t load_address; /* PATCH_ALIGN-aligned, inside the patch area */
	uint32_t code_len;     /* 1..PATCH_MAX_CODE, ends inside the patch area */
	unsigned redirect_count; /* 1..PATCH_MAX_REDIRECTS */
	struct bundle_redirect redirects[PATCH_MAX_REDIRECTS];
	uint8_t code[PATCH_MAX_CODE];
};

struct bundle_revert {
	char name[PATCH_NAME_LEN];
};

struct bundle_control {
	char guest[CONFIG_NAME_LEN];
	enum bundle_action action;
};

/* The guest's new allow-lists, replacing its current ones (may be empty). */
struct bundle_policy {
	char guest[CONFIG_NAME_LEN];
	unsigned io_count;
	struct config_io io[CONFIG_MAX_IO];
	unsigned msr_count;
	uint32_t msrs[CONFIG_MAX_MSRS];
};

struct bundle {
	enum bundle_kind kind;
	enum config_role_id role; /* as the payload names it */
	uint8_t build_id[BUNDLE_BUILD_ID_LEN];
	uint64_t sequence; /* >= 1 */
	uint8_t digest[CRYPTO_SHA384_LEN]; /* SHA-384 of the payload bytes */
	union {
		struct bundle_patch patch;     /* BUNDLE_LIVE_PATCH */
		struct bundle_revert revert;   /* BUNDLE_PATCH_REVERT */
		struct bundle_control control; /* BUNDLE_GUEST_CONTROL */
		struct bundle_policy policy;   /* BUNDLE_POLICY */
	} u;
};

/* The container's two parts, pointing into the caller's buffer. */
struct bundle_span {
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *sig;
	size_t sig_len;
};

/* The last accepted sequence number per role; all 0 at boot. */
struct bundle_seq {
	uint64_t last[ROLE_COUNT];
};

/* The outcome of a decode or a verification, for the reply and the audit. */
struct bundle_verdict {
	int err;		   /* 0 or a negative errno */
	enum channel_refusal code; /* CHANNEL_OK or the refusal's own code */
	enum config_role_id role;  /* the role whose keys were asked */
	unsigned valid;		   /* distinct keys of that role that signed validly */
	unsigned needed;	   /* its threshold */
	unsigned entries;	   /* signatures in the file */
	unsigned unknown;	   /* of those, by keys outside the role */
	uint32_t signers;	   /* bit k: key k of the role's set signed validly */
	char message[160];	   /* one line for people, printable ASCII: every
				    * other byte from the bundle is escaped
				    * (str_escape()) as it is written */
};

/* The role whose keys authorise a kind (patch or operator), or ROLE_COUNT
 * for a kind outside the list: no role authorises it. */
enum config_role_id bundle_kind_role(enum bundle_kind kind);

/*
 * Split a container: magic, lengths, and exact total length (trailing
 * bytes are an error). Returns 0 or a negative errno, v filled either way.
 */
int bundle_container_decode(const void *buf, size_t len, struct bundle_span *out,
			    struct bundle_verdict *v) __attribute__((warn_unused_result));

/*
 * Decode and validate a payload device tree completely into *out (zeroed
 * on failure). The payload must be 4-byte aligned (libfdt reads cells in
 * place); inside a container it is, when the container is.
 */
int bundle_payload_decode(const void *payload, size_t len, struct bundle *out,
			  struct bundle_verdict *v) __attribute__((warn_unused_result));

/* Both of the above. */
int bundle_decode(const void *buf, size_t len, struct bundle *out, struct bundle_span *span,
		  struct bundle_verdict *v) __attribute__((warn_unused_result));

/*
 * Decide whether a decoded bundle may be applied. b must have been decoded
 * from exactly payload[0..len) (checked by digest). In order: its kind
 * must be one of the list (BUNDLE_KINDS); the payload's role must be the
 * one its kind needs; sigfile must hold valid signatures
 * by at least the threshold of distinct keys of that role in cfg; the
 * build-id must be build_id; the sequence must be above seq->last[role].
 * Returns 0 when it may be applied, else a negative errno; *out says which
 * refusal (out->code) and why (out->message). Changes nothing.
 */
int bundle_verify(const struct bundle *b, const void *payload, size_t len, const void *sigfile,
		  size_t siglen, const struct config *cfg, const uint8_t build_id[BUNDLE_BUILD_ID_LEN],
		  const struct bundle_seq *seq, struct bundle_verdict *out)
	__attribute__((warn_unused_result));

/* bundle_decode() then bundle_verify() on one container. */
int bundle_check(const void *buf, size_t len, const struct config *cfg,
		 const uint8_t build_id[BUNDLE_BUILD_ID_LEN], const struct bundle_seq *seq,
		 struct bundle *out, struct bundle_verdict *v) __attribute__((warn_unused_result));

/* Record that b was applied: its role's sequence moves to b->sequence.
 * Call only after the whole bundle took effect. */
void bundle_seq_accept(struct bundle_seq *seq, const struct bundle *b);

/*
 * Does policy p only tighten the current allow-lists? Every port of p's
 * ranges must be allowed now and every MSR of p listed now. Returns 0 or
 * -EPERM with v->message naming the first widening entry (v may be NULL).
 */
int bundle_policy_tightens(const struct bundle_policy *p, const struct config_io *io,
			   unsigned io_count, const uint32_t *msrs, unsigned msr_count,
			   struct bundle_verdict *v) __attribute__((warn_unused_result));

/*
 * The policy digest of a guest, as the inventory reports it: SHA-256 of
 * the guest's entry as it is in force (docs/channel.md, "Policy digest"):
 * "vigil-guest-policy-v2\0", name[32], image[64], then cpu_count and cpus,
 * region_count and (gpa, size) pairs, io_count and (port, count) pairs,
 * msr_count and MSRs, and the grant flags (bit 0: console-input); counts
 * and values little-endian, 32-bit except gpa and size (64-bit).
 */
void bundle_policy_digest(const struct config_guest *g, uint8_t out[CRYPTO_SHA256_LEN]);

#endif
