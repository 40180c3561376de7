// SPDX-License-Identifier: MIT
/*
 * Unit tests of the bundle decoder and verifier (vmm/bundle*.c,
 * docs/channel.md "Bundles"). Payloads are built here with libfdt's
 * sequential-write API from a property list the tests mutate, signed with
 * test keys (mbedtls, deterministic generator) and packed by hand, so no
 * code under test builds its own input.
 */
#define CHECK_SUITE "bundle"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <libfdt.h>
#include <mbedtls/ecdsa.h>

#include "kernel/crypto/hash.h"
#include "kernel/crypto/sig.h"
#include "vmm/bundle.h"
#include "tests/unit/tspec.h"

/* Keys 0..2: role patch; 3: operator; 4: publisher; 5: in no role. */
#define K_STRANGER 5

static struct config cfg;
static struct bundle_seq seq;
static const uint8_t build_id[BUNDLE_BUILD_ID_LEN] = {
	0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0xa5,
};
static struct bundle bnd; /* large: never on the stack */


/* The config's roles: patch = keys 0..2 with `threshold`, operator = 3, publisher = 4. */
static void cfg_make(unsigned threshold)
{
	memset(&cfg, 0, sizeof(cfg));
	for (int i = 0; i < 3; i++)
		memcpy(cfg.roles[ROLE_PATCH].keys[i], kpoint[i], SIG_POINT_LEN);
	cfg.roles[ROLE_PATCH].key_count = 3;
	cfg.roles[ROLE_PATCH].threshold = threshold;
	memcpy(cfg.roles[ROLE_OPERATOR].keys[0], kpoint[3], SIG_POINT_LEN);
	cfg.roles[ROLE_OPERATOR].key_count = 1;
	cfg.roles[ROLE_OPERATOR].threshold = 1;
	memcpy(cfg.roles[ROLE_PUBLISHER].keys[0], kpoint[4], SIG_POINT_LEN);
	cfg.roles[ROLE_PUBLISHER].key_count = 1;
	cfg.roles[ROLE_PUBLISHER].threshold = 1;
	memset(&seq, 0, sizeof(seq));
}


static const uint8_t patch_code[16] = { 0x48, 0xc7, 0xc0, 0x2a, 0, 0, 0, 0xc3, 0xcc, 0xcc,
					0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc };
static const uint8_t patch_expect[5] = { 0x55, 0x48, 0x89, 0xe5, 0x41 };
#define FROM 0xffffffff80101230ull

static void spec_root(struct tspec *s, const char *role, const char *kind, uint64_t sequence)
{
	spec_str(s, "", "compatible", BUNDLE_COMPATIBLE);
	spec_str(s, "", "role", role);
	spec_set(s, "", "build-id", build_id, sizeof(build_id));
	spec_u64(s, "", "sequence", sequence);
	spec_str(s, "", "kind", kind);
}

static void spec_patch(struct tspec *s, uint64_t sequence)
{
	uint8_t redir[16];

	spec_root(s, "patch", "live-patch", sequence);
	spec_str(s, "patch", "patch-name", "fix-1");
	spec_u64(s, "patch", "load-address", PATCH_AREA_BASE);
	spec_set(s, "patch", "code", patch_code, sizeof(patch_code));
	put_be64(redir, FROM);
	put_be64(redir + 8, PATCH_AREA_BASE);
	spec_set(s, "patch", "redirects", redir, sizeof(redir));
	spec_set(s, "patch", "expect", patch_expect, sizeof(patch_expect));
}

static void spec_control(struct tspec *s, uint64_t sequence)
{
	spec_root(s, "operator", "guest-control", sequence);
	spec_str(s, "control", "guest", "ticker");
	spec_str(s, "control", "action", "restart");
}

static void spec_policy(struct tspec *s)
{
	static const uint32_t io[] = { 0x80, 1 }, msr[] = { 0x10 };

	spec_root(s, "operator", "policy", 1);
	spec_str(s, "policy", "guest", "ticker");
	spec_cells(s, "policy", "io-allow", io, 2);
	spec_cells(s, "policy", "msr-allow", msr, 1);
}

static void spec_revert(struct tspec *s)
{
	spec_root(s, "patch", "patch-revert", 1);
	spec_str(s, "revert", "patch-name", "fix-1");
}

/* --- signatures and containers ---------------------------------------- */

#define MAXB (96 * 1024)
static uint8_t payload[MAXB], sigfile[SIG_FILE_LEN(SIG_MAX_ENTRIES)], container[MAXB + 4096];
static size_t payload_len, sig_len, container_len;


/* Sign payload[] with the listed keys (-1 ends; -2 repeats the previous
 * entry byte for byte; -3 signs other bytes with the next key). */
static void sign(const int *keys)
{
	unsigned n = 0;

	memset(sigfile, 0, sizeof(sigfile));
	memcpy(sigfile, SIG_MAGIC, SIG_MAGIC_LEN);
	for (; *keys != -1; keys++, n++) {
		uint8_t *e = sigfile + SIG_FILE_LEN(n);

		if (*keys == -2)
			memcpy(e, e - SIG_ENTRY_LEN, SIG_ENTRY_LEN);
		else if (*keys == -3)
			entry_make(e, *++keys, "other bytes", 11);
		else
			entry_make(e, *keys, payload, payload_len);
	}
	sigfile[8] = (uint8_t)n;
	sig_len = n ? SIG_FILE_LEN(n) : 0;
}

static void put_be32_at(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void pack(void)
{
	memcpy(container, BUNDLE_MAGIC, BUNDLE_MAGIC_LEN);
	put_le32(container + 8, (uint32_t)payload_len);
	put_le32(container + 12, (uint32_t)sig_len);
	memcpy(container + BUNDLE_HEADER_LEN, payload, payload_len);
	memcpy(container + BUNDLE_HEADER_LEN + payload_len, sigfile, sig_len);
	container_len = BUNDLE_HEADER_LEN + payload_len + sig_len;
}

/* Build, sign with `keys`, pack: the container[] under test. */
static void make(const struct tspec *s, const int *keys)
{
	payload_len = spec_build(s, payload, sizeof(payload));
	sign(keys);
	pack();
}

static int check(struct bundle_verdict *v)
{
	return bundle_check(container, container_len, &cfg, build_id, &seq, &bnd, v);
}

/* The whole path must refuse with this code; prints the verdict if not. */
static int refused_with(enum channel_refusal code, const char *what)
{
	struct bundle_verdict v;
	int ret = check(&v);

	if (ret != 0 && v.code == code && v.err == ret)
		return 1;
	CHECK(0);
	printf("    %s: ret %d code %u (want %u): %s\n", what, ret, v.code, code, v.message);
	return 0;
}

static int accepted(const char *what)
{
	struct bundle_verdict v;
	int ret = check(&v);

	if (ret == 0 && v.code == CHANNEL_OK)
		return 1;
	CHECK(0);
	printf("    %s: refused %d code %u: %s\n", what, ret, v.code, v.message);
	return 0;
}

static const int by_patch0[] = { 0, -1 }, by_operator[] = { 3, -1 };

/* --- tests -------------------------------------------------------------- */

static void accepts_a_live_patch(void)
{
	struct tspec s = { 0 };
	uint8_t digest[CRYPTO_SHA384_LEN];
	struct bundle_patch *p = &bnd.u.patch;

	cfg_make(1);
	spec_patch(&s, 7);
	make(&s, by_patch0);
	if (!accepted("live patch"))
		return;
	crypto_sha384(payload, payload_len, digest);
	/* Nothing may point into the buffer: wipe it, then read the result. */
	memset(container, 0xee, container_len);
	CHECK(bnd.kind == BUNDLE_LIVE_PATCH && bnd.role == ROLE_PATCH);
	CHECK_EQ(bnd.sequence, 7);
	CHECK(!memcmp(bnd.build_id, build_id, sizeof(build_id)));
	CHECK(!memcmp(bnd.digest, digest, sizeof(digest)));
	CHECK(!strcmp(p->name, "fix-1"));
	CHECK(p->load_address == PATCH_AREA_BASE);
	CHECK_EQ(p->code_len, sizeof(patch_code));
	CHECK(!memcmp(p->code, patch_code, sizeof(patch_code)));
	CHECK_EQ(p->redirect_count, 1);
	CHECK(p->redirects[0].from == FROM && p->redirects[0].to == PATCH_AREA_BASE);
	CHECK(!memcmp(p->redirects[0].expect, patch_expect, 5));
	spec_free(&s);
}

static void accepts_every_kind(void)
{
	struct tspec s = { 0 };

	cfg_make(1);
	spec_control(&s, 1);
	make(&s, by_operator);
	if (accepted("control"))
		CHECK(bnd.kind == BUNDLE_GUEST_CONTROL && !strcmp(bnd.u.control.guest, "ticker") &&
		      bnd.u.control.action == BUNDLE_ACTION_RESTART);
	spec_free(&s);
	spec_policy(&s);
	make(&s, by_operator);
	if (accepted("policy"))
		CHECK(bnd.kind == BUNDLE_POLICY && bnd.u.policy.io_count == 1 &&
		      bnd.u.policy.io[0].port == 0x80 && bnd.u.policy.io[0].count == 1 &&
		      bnd.u.policy.msr_count == 1 && bnd.u.policy.msrs[0] == 0x10);
	/* empty allow-lists: deny everything, a valid tightening */
	spec_set(&s, "policy", "io-allow", "", 0);
	spec_set(&s, "policy", "msr-allow", "", 0);
	make(&s, by_operator);
	if (accepted("empty policy"))
		CHECK(bnd.u.policy.io_count == 0 && bnd.u.policy.msr_count == 0);
	spec_free(&s);
	spec_revert(&s);
	make(&s, by_patch0);
	if (accepted("revert"))
		CHECK(bnd.kind == BUNDLE_PATCH_REVERT && !strcmp(bnd.u.revert.name, "fix-1"));
	spec_free(&s);
	for (const char *const *a = bundle_action_names; a < bundle_action_names + BUNDLE_ACTION_COUNT; a++) {
		spec_control(&s, 1);
		spec_str(&s, "control", "action", *a);
		make(&s, by_operator);
		if (accepted(*a))
			CHECK(!strcmp(bundle_action_names[bnd.u.control.action], *a));
		spec_free(&s);
	}
}

static void kinds_need_their_roles(void)
{
	CHECK(bundle_kind_role(BUNDLE_LIVE_PATCH) == ROLE_PATCH);
	CHECK(bundle_kind_role(BUNDLE_PATCH_REVERT) == ROLE_PATCH);
	CHECK(bundle_kind_role(BUNDLE_GUEST_CONTROL) == ROLE_OPERATOR);
	CHECK(bundle_kind_role(BUNDLE_POLICY) == ROLE_OPERATOR);
	/* no role authorises a kind outside the list */
	CHECK(bundle_kind_role(BUNDLE_KIND_COUNT) == ROLE_COUNT);
	CHECK(bundle_kind_role((enum bundle_kind)-1) == ROLE_COUNT);
}

/*
 * A kind outside the list is refused by the verifier before anything else,
 * even on a bundle whose signatures are valid: it is never taken for a
 * kind of the role that signed.
 */
static void unknown_kind_refused_by_verify(void)
{
	static const unsigned bad[] = { BUNDLE_KIND_COUNT, BUNDLE_KIND_COUNT + 1, 0x7fffffff };
	struct tspec s = { 0 };
	struct bundle_verdict v;
	struct bundle_span span;

	cfg_make(1);
	spec_control(&s, 1);
	make(&s, by_operator);
	if (!CHECK(bundle_decode(container, container_len, &bnd, &span, &v) == 0))
		return;
	CHECK_EQ(bundle_verify(&bnd, span.payload, span.payload_len, span.sig, span.sig_len, &cfg,
			       build_id, &seq, &v), 0); /* the same bundle, its own kind: accepted */
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bnd.kind = (enum bundle_kind)bad[i];
		CHECK_EQ(bundle_verify(&bnd, span.payload, span.payload_len, span.sig, span.sig_len, &cfg,
				       build_id, &seq, &v), -EINVAL);
		CHECK_EQ(v.code, CHANNEL_E_MALFORMED);
		CHECK(strstr(v.message, "unknown bundle kind") != NULL);
	}
	CHECK_EQ(seq.last[ROLE_OPERATOR], 0);
	spec_free(&s);
}

/* Every byte of v.message is printable ASCII. */
static int message_printable(const struct bundle_verdict *v)
{
	for (const char *p = v->message; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return 0;
	return 1;
}

/*
 * Names and strings of an unsigned, malformed bundle that the verdict
 * quotes (an unknown kind, role, property, node) come out escaped: the
 * message goes to the console, the audit log and vigilctl as it is.
 */
static void untrusted_names_escaped_in_verdicts(void)
{
	static const char forged[] = "\nvigil: forged\x1b[2J";
	static const char escaped[] = "\\x0avigil: forged\\x1b[2J";
	struct tspec s = { 0 };
	struct bundle_verdict v;
	const char *where[] = { "kind", "role", "property", "node" };

	for (int i = 0; i < 4; i++) {
		spec_control(&s, 1);
		if (i == 0)
			spec_str(&s, "", "kind", forged);
		else if (i == 1)
			spec_str(&s, "", "role", forged);
		else if (i == 2)
			spec_str(&s, "", forged, "x");
		else
			spec_str(&s, forged, "x", "y");
		make(&s, (const int[]){ -1 }); /* unsigned */
		CHECK_EQ(check(&v), -EBADMSG);
		CHECK_EQ(v.code, CHANNEL_E_MALFORMED);
		if (!CHECK(message_printable(&v) && strstr(v.message, escaped)))
			printf("    %s: %s\n", where[i], v.message);
		spec_free(&s);
	}
}

static void container_refusals(void)
{
	struct tspec s = { 0 };
	size_t good;

	cfg_make(1);
	spec_control(&s, 1);
	make(&s, by_operator);
	good = container_len;
	/* every truncation */
	for (size_t n = 0; n < good; n++) {
		struct bundle_verdict v;
		int ret = bundle_check(container, n, &cfg, build_id, &seq, &bnd, &v);

		if (!CHECK(ret == -EBADMSG && v.code == CHANNEL_E_TRUNCATED))
			printf("    length %zu: %d %u %s\n", n, ret, v.code, v.message);
	}
	/* trailing bytes */
	container[good] = 0;
	container_len = good + 1;
	refused_with(CHANNEL_E_TRAILING, "one trailing byte");
	container_len = good;
	accepted("restored");
	/* magic */
	container[7] = '2';
	refused_with(CHANNEL_E_MALFORMED, "magic");
	container[7] = '1';
	/* oversized lengths, whole or in a field */
	put_le32(container + 8, 0x7fffffff);
	refused_with(CHANNEL_E_OVERSIZED, "payload length field");
	put_le32(container + 8, (uint32_t)payload_len);
	put_le32(container + 12, BUNDLE_MAX_LEN + 1);
	refused_with(CHANNEL_E_OVERSIZED, "signature length field");
	put_le32(container + 12, (uint32_t)sig_len);
	container_len = BUNDLE_MAX_LEN + 1;
	refused_with(CHANNEL_E_OVERSIZED, "whole bundle above the limit");
	container_len = good;
	/* lengths that move the boundary: each part then fails on its own */
	put_le32(container + 8, (uint32_t)payload_len + 4);
	put_le32(container + 12, (uint32_t)sig_len - 4);
	refused_with(CHANNEL_E_TRAILING, "boundary moved into the signatures");
	put_le32(container + 8, (uint32_t)payload_len - 4);
	put_le32(container + 12, (uint32_t)sig_len + 4);
	refused_with(CHANNEL_E_TRUNCATED, "boundary moved into the payload");
	spec_free(&s);
}

struct mutation {
	const char *what;
	void (*apply)(struct tspec *s);
};

#define MUT(name, body) static void mut_##name(struct tspec *s) { body; }
MUT(compatible, spec_str(s, "", "compatible", "vigil,bundle-v2"))
MUT(role_unknown, spec_str(s, "", "role", "platform"))
MUT(role_two_strings, spec_set(s, "", "role", "operator\0patch", 15))
MUT(kind_unknown, spec_str(s, "", "kind", "reboot"))
MUT(build_id_short, spec_set(s, "", "build-id", build_id, 19))
MUT(sequence_one_cell, spec_set(s, "", "sequence", "\0\0\0\1", 4))
MUT(sequence_zero, spec_u64(s, "", "sequence", 0))
MUT(root_unknown_prop, spec_str(s, "", "extra", "x"))
MUT(root_duplicate_prop, spec_add(s, "", "role", "operator", 9))
MUT(root_missing_kind, spec_del(s, "", "kind"))
MUT(root_unknown_node, spec_str(s, "other", "guest", "x"))
MUT(content_for_other_kind, spec_str(s, "", "kind", "patch-revert"))
MUT(content_missing, spec_del(s, "control", "guest"); spec_del(s, "control", "action"))
MUT(content_subnode, spec_str(s, "control/sub", "x", "y"))
MUT(control_action, spec_str(s, "control", "action", "reboot"))
MUT(control_guest_upper, spec_str(s, "control", "guest", "Ticker"))
MUT(control_guest_empty, spec_str(s, "control", "guest", ""))
MUT(control_guest_long, spec_str(s, "control", "guest", "abcdefghijklmnopqrstuvwxyz0123456"))
MUT(control_guest_unterminated, spec_set(s, "control", "guest", "ticker", 6))
MUT(control_unknown_prop, spec_str(s, "control", "force", "yes"))
MUT(control_duplicate_prop, spec_add(s, "control", "action", "stop", 5))

static const struct mutation control_mutations[] = {
#define M(n) { #n, mut_##n }
	M(compatible), M(role_unknown), M(role_two_strings), M(kind_unknown), M(build_id_short),
	M(sequence_one_cell), M(sequence_zero), M(root_unknown_prop), M(root_duplicate_prop),
	M(root_missing_kind), M(root_unknown_node), M(content_for_other_kind), M(content_missing),
	M(content_subnode), M(control_action), M(control_guest_upper), M(control_guest_empty),
	M(control_guest_long), M(control_guest_unterminated), M(control_unknown_prop),
	M(control_duplicate_prop),
};

static void redirects_set(struct tspec *s, const uint64_t *pairs, int n)
{
	uint8_t b[16 * 20], e[5 * 20] = { 0 };

	for (int i = 0; i < 2 * n; i++)
		put_be64(b + 8 * i, pairs[i]);
	spec_set(s, "patch", "redirects", b, 16 * n);
	spec_set(s, "patch", "expect", e, 5 * n);
}

MUT(load_misaligned, spec_u64(s, "patch", "load-address", PATCH_AREA_BASE + 16))
MUT(load_below_area, spec_u64(s, "patch", "load-address", PATCH_AREA_BASE - 4096))
MUT(load_above_area, spec_u64(s, "patch", "load-address", PATCH_AREA_BASE + PATCH_AREA_SIZE))
MUT(code_empty, spec_set(s, "patch", "code", "", 0))
MUT(code_too_big, {
	static uint8_t big[PATCH_MAX_CODE + 1];
	spec_set(s, "patch", "code", big, sizeof(big));
})
MUT(code_past_area_end, {
	static uint8_t big[8192];
	uint64_t at = PATCH_AREA_BASE + PATCH_AREA_SIZE - 4096;
	spec_u64(s, "patch", "load-address", at);
	spec_set(s, "patch", "code", big, sizeof(big));
	redirects_set(s, (uint64_t[]){ FROM, at }, 1);
})
MUT(redirects_none, redirects_set(s, NULL, 0))
MUT(redirects_too_many, {
	uint64_t pairs[2 * (PATCH_MAX_REDIRECTS + 1)];
	for (int i = 0; i <= PATCH_MAX_REDIRECTS; i++) {
		pairs[2 * i] = FROM + 16 * (uint64_t)i;
		pairs[2 * i + 1] = PATCH_AREA_BASE;
	}
	redirects_set(s, pairs, PATCH_MAX_REDIRECTS + 1);
})
MUT(redirects_ragged, spec_set(s, "patch", "redirects", "0123456789abcdefghij", 20))
MUT(expect_short, spec_set(s, "patch", "expect", patch_expect, 4))
MUT(from_below_text, redirects_set(s, (uint64_t[]){ 0xffffffff7ffffff0ull, PATCH_AREA_BASE }, 1))
MUT(from_in_patch_area, redirects_set(s, (uint64_t[]){ PATCH_AREA_BASE + 8, PATCH_AREA_BASE }, 1))
MUT(to_past_code, redirects_set(s, (uint64_t[]){ FROM, PATCH_AREA_BASE + sizeof(patch_code) }, 1))
MUT(to_before_code, redirects_set(s, (uint64_t[]){ FROM, PATCH_AREA_BASE - 1 }, 1))
MUT(froms_overlap, redirects_set(s, (uint64_t[]){ FROM, PATCH_AREA_BASE, FROM + 4, PATCH_AREA_BASE }, 2))
MUT(name_slash, spec_str(s, "patch", "patch-name", "a/b"))
MUT(patch_missing_expect, spec_del(s, "patch", "expect"))

static const struct mutation patch_mutations[] = {
	M(load_misaligned), M(load_below_area), M(load_above_area), M(code_empty), M(code_too_big),
	M(code_past_area_end), M(redirects_none), M(redirects_too_many), M(redirects_ragged),
	M(expect_short), M(from_below_text), M(from_in_patch_area), M(to_past_code),
	M(to_before_code), M(froms_overlap), M(name_slash), M(patch_missing_expect),
};

MUT(io_ragged, spec_cells(s, "policy", "io-allow", (uint32_t[]){ 0x80, 1, 0x90 }, 3))
MUT(io_count_zero, spec_cells(s, "policy", "io-allow", (uint32_t[]){ 0x80, 0 }, 2))
MUT(io_past_64k, spec_cells(s, "policy", "io-allow", (uint32_t[]){ 0xffff, 2 }, 2))
MUT(io_too_many, {
	uint32_t c[2 * (CONFIG_MAX_IO + 1)];
	for (int i = 0; i <= CONFIG_MAX_IO; i++) {
		c[2 * i] = 0x100 + 2 * (uint32_t)i;
		c[2 * i + 1] = 1;
	}
	spec_cells(s, "policy", "io-allow", c, 2 * (CONFIG_MAX_IO + 1));
})
MUT(msr_twice, spec_cells(s, "policy", "msr-allow", (uint32_t[]){ 0x10, 0x10 }, 2))
MUT(msr_ragged, spec_set(s, "policy", "msr-allow", "\0\0\0", 3))
MUT(policy_missing_msrs, spec_del(s, "policy", "msr-allow"))

static const struct mutation policy_mutations[] = {
	M(io_ragged), M(io_count_zero), M(io_past_64k), M(io_too_many), M(msr_twice), M(msr_ragged),
	M(policy_missing_msrs),
#undef M
};

static void run_mutations(const struct mutation *m, size_t n, void (*base)(struct tspec *),
			  const int *keys)
{
	for (size_t i = 0; i < n; i++) {
		struct tspec s = { 0 };

		base(&s);
		m[i].apply(&s);
		make(&s, keys); /* correctly signed: only the shape is wrong */
		refused_with(CHANNEL_E_MALFORMED, m[i].what);
		spec_free(&s);
	}
}

static void base_control(struct tspec *s)
{
	spec_control(s, 1);
}

static void base_patch(struct tspec *s)
{
	spec_patch(s, 1);
}

static void payload_refusals(void)
{
	cfg_make(1);
	run_mutations(control_mutations, sizeof(control_mutations) / sizeof(control_mutations[0]),
		      base_control, by_operator);
	run_mutations(patch_mutations, sizeof(patch_mutations) / sizeof(patch_mutations[0]),
		      base_patch, by_patch0);
	run_mutations(policy_mutations, sizeof(policy_mutations) / sizeof(policy_mutations[0]),
		      spec_policy, by_operator);
}

/* The payload's own length against its device tree's. */
static void payload_length_refusals(void)
{
	struct tspec s = { 0 };

	cfg_make(1);
	spec_control(&s, 1);
	payload_len = spec_build(&s, payload, sizeof(payload));
	memset(payload + payload_len, 0, 8);
	payload_len += 8; /* signed, but bytes after the tree */
	sign(by_operator);
	pack();
	refused_with(CHANNEL_E_TRAILING, "bytes after the tree");
	payload_len = spec_build(&s, payload, sizeof(payload));
	put_le32(payload + 4, 0); /* totalsize, big-endian: make it larger */
	payload[4] = 0;
	payload[5] = 1;
	payload[6] = 0;
	payload[7] = 0; /* 65536 */
	sign(by_operator);
	pack();
	refused_with(CHANNEL_E_TRUNCATED, "tree longer than the payload");
	memcpy(payload, "not a device tree blob at all..............", 44);
	payload_len = 44;
	sign(by_operator);
	pack();
	refused_with(CHANNEL_E_MALFORMED, "not a tree");
	payload_len = 8;
	sign(by_operator);
	pack();
	refused_with(CHANNEL_E_TRUNCATED, "shorter than a tree header");
	spec_free(&s);
}

/* Header versions below 17 (found by tests/fuzz/fuzz_bundle.c): Debian's
 * libfdt reads through a NULL pointer in fdt_check_full() on a tree whose
 * version is below 16, and the payload is decoded before any signature is
 * checked, so an unsigned bundle must be refused before libfdt walks it. */
static void old_tree_version_refused(void)
{
	struct tspec s = { 0 };

	cfg_make(1);
	spec_control(&s, 1);
	for (uint32_t v = 2; v < 17; v++) {
		payload_len = spec_build(&s, payload, sizeof(payload));
		((struct fdt_header *)payload)->version = cpu_to_fdt32(v);
		((struct fdt_header *)payload)->last_comp_version = cpu_to_fdt32(v < 16 ? 0 : 16);
		sig_len = 0; /* unsigned: anyone on the channel can send it */
		pack();
		refused_with(CHANNEL_E_MALFORMED, "tree version below 17");
	}
	spec_free(&s);
}

/* A property length that wraps libfdt's int offset backwards (found by
 * tests/fuzz/fuzz_bundle.c): Debian's libfdt loops for ever in
 * fdt_check_full() on it, on an unsigned bundle. Refused before libfdt
 * walks the tree; the alarm turns the old endless loop into a failure. */
static void wrapping_property_length_refused(void)
{
	static const uint32_t lens[] = { 0xfffffff4u, 0xfffffffcu, 0x80000000u, 0xffffffffu };
	struct tspec s = { 0 };

	cfg_make(1);
	spec_control(&s, 1);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		payload_len = spec_build(&s, payload, sizeof(payload));
		/* The root's first token is BEGIN_NODE "" (8 bytes), then a PROP. */
		put_be32_at(payload + fdt_off_dt_struct(payload) + 8 + 4, lens[i]);
		sig_len = 0;
		pack();
		alarm(10);
		refused_with(CHANNEL_E_MALFORMED, "property length wrapping");
		alarm(0);
	}
	spec_free(&s);
}

static void signature_refusals(void)
{
	struct tspec s = { 0 };
	struct bundle_verdict v;

	cfg_make(1);
	spec_patch(&s, 1);
	make(&s, (const int[]){ -1 });
	refused_with(CHANNEL_E_NO_SIGNATURE, "no signature");
	make(&s, by_patch0);
	memcpy(container + BUNDLE_HEADER_LEN + payload_len, "VGSIG002", 8);
	refused_with(CHANNEL_E_SIG_MALFORMED, "signature file magic");
	make(&s, (const int[]){ -3, 0, -1 });
	refused_with(CHANNEL_E_BAD_SIGNATURE, "signature over other bytes");
	make(&s, (const int[]){ K_STRANGER, -1 });
	refused_with(CHANNEL_E_UNKNOWN_KEY, "key in no role");
	make(&s, by_operator);
	if (refused_with(CHANNEL_E_KEY_ROLE, "operator key on a patch")) {
		(void)check(&v);
		CHECK(strstr(v.message, "operator") && strstr(v.message, "patch"));
	}
	make(&s, (const int[]){ 4, -1 });
	refused_with(CHANNEL_E_KEY_ROLE, "publisher key on a patch");
	spec_free(&s);
	spec_control(&s, 1);
	make(&s, by_patch0);
	refused_with(CHANNEL_E_KEY_ROLE, "patch key on guest control");
	spec_free(&s);
}

/* The payload's role must be its kind's, whatever key signed it. */
static void role_must_fit_the_kind(void)
{
	struct tspec s = { 0 };

	cfg_make(1);
	spec_patch(&s, 1);
	spec_str(&s, "", "role", "operator");
	make(&s, by_operator);
	refused_with(CHANNEL_E_WRONG_ROLE, "live patch naming role operator, operator-signed");
	make(&s, by_patch0);
	refused_with(CHANNEL_E_WRONG_ROLE, "live patch naming role operator, patch-signed");
	spec_free(&s);
	spec_control(&s, 1);
	spec_str(&s, "", "role", "patch");
	make(&s, by_patch0);
	refused_with(CHANNEL_E_WRONG_ROLE, "guest control naming role patch");
	spec_str(&s, "", "role", "publisher");
	make(&s, (const int[]){ 4, -1 });
	refused_with(CHANNEL_E_WRONG_ROLE, "guest control naming role publisher");
	spec_free(&s);
}

static void thresholds(void)
{
	struct tspec s = { 0 };
	struct bundle_verdict v;

	cfg_make(2); /* 2 of keys 0..2 */
	spec_patch(&s, 1);
	make(&s, by_patch0);
	if (refused_with(CHANNEL_E_TOO_FEW, "one of two")) {
		(void)check(&v);
		CHECK(v.valid == 1 && v.needed == 2 && strstr(v.message, "1 of 2"));
	}
	make(&s, (const int[]){ 0, -2, -1 });
	refused_with(CHANNEL_E_SIG_MALFORMED, "same signature twice");
	make(&s, (const int[]){ 0, 0, -1 });
	refused_with(CHANNEL_E_SIG_MALFORMED, "same key twice (two signatures)");
	make(&s, (const int[]){ 0, K_STRANGER, -1 });
	refused_with(CHANNEL_E_TOO_FEW, "one key of the role and a stranger");
	make(&s, (const int[]){ 0, 3, -1 });
	refused_with(CHANNEL_E_TOO_FEW, "one key of the role and an operator key");
	make(&s, (const int[]){ 2, -3, 1, -1 });
	refused_with(CHANNEL_E_TOO_FEW, "one good, one bad");
	make(&s, (const int[]){ 0, 1, -1 });
	accepted("two of three");
	make(&s, (const int[]){ 2, 0, -1 });
	accepted("two of three, other order");
	make(&s, (const int[]){ K_STRANGER, 1, 3, 2, -1 });
	accepted("two of three among others");
	make(&s, (const int[]){ 0, 1, 2, -1 });
	accepted("three of three");
	cfg_make(3);
	make(&s, (const int[]){ 0, 1, -1 });
	if (refused_with(CHANNEL_E_TOO_FEW, "two of three needed three")) {
		(void)check(&v);
		CHECK(strstr(v.message, "2 of 3"));
	}
	/* a key set the verifier cannot use is refused, not trusted */
	cfg.roles[ROLE_PATCH].threshold = 4;
	refused_with(CHANNEL_E_KEYSET, "threshold above the keys");
	spec_free(&s);
}

static void build_id_must_match(void)
{
	struct tspec s = { 0 };
	uint8_t other[BUNDLE_BUILD_ID_LEN];
	struct bundle_verdict v;

	cfg_make(1);
	spec_patch(&s, 1);
	memcpy(other, build_id, sizeof(other));
	other[19] ^= 1;
	spec_set(&s, "", "build-id", other, sizeof(other));
	make(&s, by_patch0);
	if (refused_with(CHANNEL_E_BUILD_ID, "last bit of the build-id")) {
		(void)check(&v);
		CHECK_EQ(v.err, -ESTALE);
	}
	spec_free(&s);
}

static void sequence_numbers(void)
{
	struct tspec s = { 0 };
	struct bundle_seq before;

	cfg_make(1);
	seq.last[ROLE_PATCH] = 5;
	before = seq;
	spec_patch(&s, 5);
	make(&s, by_patch0);
	refused_with(CHANNEL_E_REPLAY, "sequence equal to the last");
	spec_u64(&s, "", "sequence", 4);
	make(&s, by_patch0);
	refused_with(CHANNEL_E_ROLLBACK, "sequence below the last");
	spec_u64(&s, "", "sequence", 6);
	make(&s, by_patch0);
	accepted("next sequence");
	CHECK(!memcmp(&seq, &before, sizeof(seq))); /* verifying moves nothing */
	bundle_seq_accept(&seq, &bnd);
	CHECK_EQ(seq.last[ROLE_PATCH], 6);
	CHECK_EQ(seq.last[ROLE_OPERATOR], 0);
	refused_with(CHANNEL_E_REPLAY, "the same bundle again");
	/* roles count apart: operator's sequence 1 is still new */
	spec_free(&s);
	spec_control(&s, 1);
	make(&s, by_operator);
	accepted("operator sequence 1 after patch 6");
	bundle_seq_accept(&seq, &bnd);
	CHECK_EQ(seq.last[ROLE_OPERATOR], 1);
	/* 64-bit sequences, both cells */
	spec_u64(&s, "", "sequence", 0x100000001ull);
	make(&s, by_operator);
	accepted("sequence 2^32 + 1");
	CHECK(bnd.sequence == 0x100000001ull);
	bundle_seq_accept(&seq, &bnd);
	spec_u64(&s, "", "sequence", 2);
	make(&s, by_operator);
	refused_with(CHANNEL_E_ROLLBACK, "2 after 2^32 + 1");
	/* accept never moves backwards */
	bnd.sequence = 3;
	bundle_seq_accept(&seq, &bnd);
	CHECK(seq.last[ROLE_OPERATOR] == 0x100000001ull);
	spec_free(&s);
}

/* bundle_verify checks that the decoded bundle is the payload's. */
static void verify_binds_bundle_to_payload(void)
{
	struct tspec s = { 0 };
	struct bundle_verdict v;
	struct bundle_span span;

	cfg_make(1);
	spec_control(&s, 1);
	make(&s, by_operator);
	if (!CHECK(bundle_decode(container, container_len, &bnd, &span, &v) == 0))
		return;
	bnd.u.control.action = BUNDLE_ACTION_STOP; /* "restart" was signed */
	bnd.digest[0] ^= 1;
	CHECK_EQ(bundle_verify(&bnd, span.payload, span.payload_len, span.sig, span.sig_len, &cfg,
			       build_id, &seq, &v),
		 -EINVAL);
	spec_free(&s);
}

/* Every single-bit change anywhere in a small bundle is refused. */
static void every_flipped_bit_refused(void)
{
	struct tspec s = { 0 };
	unsigned wrong = 0;

	cfg_make(1);
	spec_control(&s, 1);
	make(&s, by_operator);
	for (size_t bit = 0; bit < 8 * container_len; bit++) {
		struct bundle_verdict v;
		int ret;

		container[bit / 8] ^= 1u << bit % 8;
		ret = check(&v);
		container[bit / 8] ^= 1u << bit % 8;
		if (ret == 0 || v.code == CHANNEL_OK) {
			wrong++;
			printf("    bit %zu (byte %zu) accepted\n", bit, bit / 8);
		}
	}
	CHECK_EQ(wrong, 0);
	accepted("unflipped");
	printf("  (%zu bits: container %d, payload %zu, signatures %zu bytes)\n", 8 * container_len,
	       BUNDLE_HEADER_LEN, payload_len, sig_len);
	spec_free(&s);
}

static void policy_only_tightens(void)
{
	static const struct config_io now_io[] = { { 0x100, 8 }, { 0x108, 8 }, { 0x80, 1 } };
	static const uint32_t now_msrs[] = { 0x10, 0x11 };
	struct bundle_policy p = { .io_count = 1, .io = { { 0x104, 8 } }, .msr_count = 1, .msrs = { 0x11 } };
	struct bundle_verdict v;

	CHECK_EQ(bundle_policy_tightens(&p, now_io, 3, now_msrs, 2, &v), 0);
	p.io[0] = (struct config_io){ 0x10f, 2 };
	CHECK_EQ(bundle_policy_tightens(&p, now_io, 3, now_msrs, 2, &v), -EPERM);
	CHECK(strstr(v.message, "0x10f"));
	p.io[0] = (struct config_io){ 0x80, 1 };
	CHECK_EQ(bundle_policy_tightens(&p, now_io, 3, now_msrs, 2, NULL), 0);
	p.io[0] = (struct config_io){ 0x7f, 2 };
	CHECK_EQ(bundle_policy_tightens(&p, now_io, 3, now_msrs, 2, NULL), -EPERM);
	p.io[0] = (struct config_io){ 0x80, 1 };
	p.msrs[0] = 0x12;
	CHECK_EQ(bundle_policy_tightens(&p, now_io, 3, now_msrs, 2, &v), -EPERM);
	CHECK(strstr(v.message, "0x12"));
	p.io_count = p.msr_count = 0;
	CHECK_EQ(bundle_policy_tightens(&p, now_io, 3, now_msrs, 2, NULL), 0);
	CHECK_EQ(bundle_policy_tightens(&p, NULL, 0, NULL, 0, NULL), 0);
	p.io_count = 1;
	CHECK_EQ(bundle_policy_tightens(&p, NULL, 0, NULL, 0, NULL), -EPERM);
}

/* The policy digest against bytes laid out here from docs/channel.md. */
static void policy_digest_layout(void)
{
	struct config_guest g = { .name = "ticker", .image = "guests/ticker.elf", .cpu_count = 1,
				  .cpus = { 2 }, .region_count = 1, .regions = { { 0, 0x400000 } },
				  .io_count = 1, .io = { { 0x80, 1 } }, .msr_count = 1, .msrs = { 0x10 } };
	uint8_t want[CRYPTO_SHA256_LEN], got[CRYPTO_SHA256_LEN], b[512] = { 0 };
	size_t n = 0;

	memcpy(b, "vigil-guest-policy-v2", 22); /* with its NUL */
	n = 22;
	memcpy(b + n, "ticker", 6);
	n += 32;
	memcpy(b + n, "guests/ticker.elf", 17);
	n += 64;
	b[n] = 1, n += 4;		  /* cpu_count */
	b[n] = 2, n += 4;		  /* cpus[0] */
	b[n] = 1, n += 4;		  /* region_count */
	n += 8;				  /* gpa 0 */
	b[n + 2] = 0x40, n += 8;	  /* size 0x400000 */
	b[n] = 1, n += 4;		  /* io_count */
	b[n] = 0x80, b[n + 4] = 1, n += 8; /* port, count */
	b[n] = 1, n += 4;		  /* msr_count */
	b[n] = 0x10, n += 4;		  /* msr */
	n += 4;				  /* flags: no console-input */
	crypto_sha256(b, n, want);
	bundle_policy_digest(&g, got);
	CHECK(!memcmp(want, got, sizeof(want)));
	g.io[0].count = 2; /* any change of the policy moves the digest */
	bundle_policy_digest(&g, want);
	CHECK(memcmp(want, got, sizeof(want)) != 0);
	g.io[0].count = 1;
	g.console_input = true; /* a grant of the operator's input is policy too */
	b[n - 4] = 1;
	crypto_sha256(b, n, want);
	bundle_policy_digest(&g, got);
	CHECK(!memcmp(want, got, sizeof(want)));
	g.console_input = false;
	g.smt_shared_ok = true; /* so is the consent to share a core */
	b[n - 4] = 2;
	crypto_sha256(b, n, want);
	bundle_policy_digest(&g, got);
	CHECK(!memcmp(want, got, sizeof(want)));
	g.smt_shared_ok = false;
	bundle_policy_digest(&g, got);
	g.name[10] = 'x'; /* bytes after the terminator do not count */
	bundle_policy_digest(&g, want);
	CHECK(!memcmp(want, got, sizeof(want)));
}

int main(void)
{
	keys_make();
	CHECK_RUN(accepts_a_live_patch);
	CHECK_RUN(accepts_every_kind);
	CHECK_RUN(kinds_need_their_roles);
	CHECK_RUN(unknown_kind_refused_by_verify);
	CHECK_RUN(untrusted_names_escaped_in_verdicts);
	CHECK_RUN(container_refusals);
	CHECK_RUN(payload_refusals);
	CHECK_RUN(old_tree_version_refused);
	CHECK_RUN(wrapping_property_length_refused);
	CHECK_RUN(payload_length_refusals);
	CHECK_RUN(signature_refusals);
	CHECK_RUN(role_must_fit_the_kind);
	CHECK_RUN(thresholds);
	CHECK_RUN(build_id_must_match);
	CHECK_RUN(sequence_numbers);
	CHECK_RUN(verify_binds_bundle_to_payload);
	CHECK_RUN(policy_only_tightens);
	CHECK_RUN(policy_digest_layout);
	CHECK_RUN(every_flipped_bit_refused);
	return check_done();
}
