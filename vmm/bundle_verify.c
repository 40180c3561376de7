// SPDX-License-Identifier: MIT
/*
 * Bundles: the verdict on a decoded bundle (bundle.h). Nothing here
 * changes state; bundle_seq_accept() is the one writer of the sequence
 * numbers, called for every bundle that passed this verdict, before it is
 * applied (vmm/channel_bundle.c).
 *
 * Order of the checks: the role first, because it chooses the key set;
 * then the signatures, so nothing the payload claims (build-id, sequence)
 * is reported back before it is known to be authorised; then build-id and
 * sequence. Each refusal has its own code (include/vigil/channel.h).
 */
#include "vmm/bundle_priv.h"
#include "kernel/crypto/sig.h"

#include <errno.h>
#include <string.h>

_Static_assert(CONFIG_KEY_LEN == SIG_POINT_LEN, "config keys are sig points");
_Static_assert(CONFIG_MAX_KEYS <= SIG_MAX_KEYS, "a role's keys fit a key set");

static bool bnd_role_has_key(const struct config_role *r, const uint8_t *id)
{
	uint8_t kid[SIG_KEYID_LEN];

	for (unsigned i = 0; i < r->key_count; i++) {
		sig_key_id(r->keys[i], kid);
		if (!memcmp(kid, id, SIG_KEYID_LEN))
			return true;
	}
	return false;
}

/* The first role other than `own` holding a key that signed, or ROLE_COUNT. */
static enum config_role_id bnd_signer_role(const struct config *cfg, enum config_role_id own,
					   const void *sig, size_t siglen)
{
	struct sig_file f;

	if (sig_file_decode(sig, siglen, &f, NULL))
		return ROLE_COUNT;
	for (unsigned i = 0; i < f.count; i++)
		for (int r = 0; r < ROLE_COUNT; r++)
			if (r != (int)own && bnd_role_has_key(&cfg->roles[r], f.entries[i].key_id))
				return (enum config_role_id)r;
	return ROLE_COUNT;
}

/* Why sig_verify_set said -EPERM, in the terms of a bundle. */
static int bnd_sig_refused(const struct config *cfg, enum config_role_id need, const void *sig,
			   size_t siglen, struct bundle_verdict *v)
{
	const char *role = config_role_names[need];
	enum config_role_id other;

	if (v->valid)
		return bnd_refuse(v, -EPERM, CHANNEL_E_TOO_FEW,
				  "too few signers: %u of %u keys of role %s needed", v->valid, v->needed,
				  role);
	if (v->unknown < v->entries)
		return bnd_refuse(v, -EKEYREJECTED, CHANNEL_E_BAD_SIGNATURE,
				  "bad signature: no valid signature by a key of role %s", role);
	other = bnd_signer_role(cfg, need, sig, siglen);
	if (other != ROLE_COUNT)
		return bnd_refuse(v, -EACCES, CHANNEL_E_KEY_ROLE,
				  "signed by a key of role %s: only role %s may authorise this bundle",
				  config_role_names[other], role);
	return bnd_refuse(v, -EACCES, CHANNEL_E_UNKNOWN_KEY,
			  "signed only by keys that are not in the config's role %s", role);
}

static int bnd_verify_sigs(const void *payload, size_t len, const void *sig, size_t siglen,
			   const struct config *cfg, enum config_role_id need, struct bundle_verdict *v)
{
	const struct config_role *r = &cfg->roles[need];
	struct sig_keyset keys = { r->keys, r->key_count, r->threshold };
	struct sig_verdict sv;
	int ret;

	if (siglen == 0)
		return bnd_refuse(v, -ENODATA, CHANNEL_E_NO_SIGNATURE, "no signature");
	ret = sig_verify_set(payload, len, sig, siglen, &keys, &sv);
	v->valid = sv.valid;
	v->needed = sv.needed;
	v->entries = sv.entries;
	v->unknown = sv.unknown;
	switch (ret) {
	case 0:
		return 0;
	case -EBADMSG:
		return bnd_refuse(v, ret, CHANNEL_E_SIG_MALFORMED, "malformed signature file: %s", sv.why);
	case -ENOMEM:
		return bnd_refuse(v, ret, CHANNEL_E_NOMEM, "out of memory while verifying");
	case -EPERM:
		return bnd_sig_refused(cfg, need, sig, siglen, v);
	default:
		return bnd_refuse(v, -EINVAL, CHANNEL_E_KEYSET, "role %s: unusable key set: %s",
				  config_role_names[need], sv.why);
	}
}

static int bnd_verify_build(const struct bundle *b, const uint8_t *build_id, struct bundle_verdict *v)
{
	const uint8_t *w = b->build_id;

	if (!memcmp(w, build_id, BUNDLE_BUILD_ID_LEN))
		return 0;
	return bnd_refuse(v, -ESTALE, CHANNEL_E_BUILD_ID,
			  "wrong build-id: made for %02x%02x%02x%02x%02x%02x%02x%02x..., "
			  "this VMM is %02x%02x%02x%02x%02x%02x%02x%02x...",
			  w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], build_id[0], build_id[1],
			  build_id[2], build_id[3], build_id[4], build_id[5], build_id[6], build_id[7]);
}

static int bnd_verify_seq(const struct bundle *b, const struct bundle_seq *seq, struct bundle_verdict *v)
{
	uint64_t last = seq->last[b->role];
	const char *role = config_role_names[b->role];

	if (b->sequence == last)
		return bnd_refuse(v, -EALREADY, CHANNEL_E_REPLAY,
				  "replay: sequence %lu is the last accepted for role %s",
				  (unsigned long)b->sequence, role);
	if (b->sequence < last)
		return bnd_refuse(v, -ERANGE, CHANNEL_E_ROLLBACK,
				  "rollback: sequence %lu is below %lu, the last accepted for role %s",
				  (unsigned long)b->sequence, (unsigned long)last, role);
	return 0;
}

int bundle_verify(const struct bundle *b, const void *payload, size_t len, const void *sigfile,
		  size_t siglen, const struct config *cfg, const uint8_t build_id[BUNDLE_BUILD_ID_LEN],
		  const struct bundle_seq *seq, struct bundle_verdict *out)
{
	enum config_role_id need = bundle_kind_role(b->kind);
	uint8_t digest[CRYPTO_SHA384_LEN];
	int err;

	memset(out, 0, sizeof(*out));
	out->role = need;
	if (need == ROLE_COUNT) /* no role authorises a kind outside the list */
		return bnd_refuse(out, -EINVAL, CHANNEL_E_MALFORMED, "unknown bundle kind %u",
				  (unsigned)b->kind);
	crypto_sha384(payload, len, digest);
	if (memcmp(digest, b->digest, sizeof(digest)))
		return bnd_refuse(out, -EINVAL, CHANNEL_E_MALFORMED,
				  "the decoded bundle does not come from this payload");
	if (b->role != need)
		return bnd_refuse(out, -EACCES, CHANNEL_E_WRONG_ROLE,
				  "wrong role: kind %s needs role %s, the payload names role %s",
				  bundle_kind_names[b->kind], config_role_names[need],
				  config_role_names[b->role]);
	err = bnd_verify_sigs(payload, len, sigfile, siglen, cfg, need, out);
	if (!err)
		err = bnd_verify_build(b, build_id, out);
	if (!err)
		err = bnd_verify_seq(b, seq, out);
	if (err)
		return err;
	return bnd_refuse(out, 0, CHANNEL_OK, "accepted: %s, sequence %lu, %u of %u keys of role %s",
			  bundle_kind_names[b->kind], (unsigned long)b->sequence, out->valid,
			  out->needed, config_role_names[need]);
}

int bundle_check(const void *buf, size_t len, const struct config *cfg,
		 const uint8_t build_id[BUNDLE_BUILD_ID_LEN], const struct bundle_seq *seq,
		 struct bundle *out, struct bundle_verdict *v)
{
	struct bundle_span span;
	int err = bundle_decode(buf, len, out, &span, v);

	if (err)
		return err;
	return bundle_verify(out, span.payload, span.payload_len, span.sig, span.sig_len, cfg,
			     build_id, seq, v);
}

void bundle_seq_accept(struct bundle_seq *seq, const struct bundle *b)
{
	if (b->role < ROLE_COUNT && b->sequence > seq->last[b->role])
		seq->last[b->role] = b->sequence;
}

/* Is every port of [port, port+count) inside some range of io[]? */
static bool bnd_ports_allowed(uint32_t port, uint32_t count, const struct config_io *io, unsigned n)
{
	uint64_t p = port, end = (uint64_t)port + count;

	while (p < end) {
		uint64_t next = p;

		for (unsigned i = 0; i < n; i++)
			if (p >= io[i].port && p < (uint64_t)io[i].port + io[i].count)
				next = (uint64_t)io[i].port + io[i].count;
		if (next == p)
			return false;
		p = next;
	}
	return true;
}

int bundle_policy_tightens(const struct bundle_policy *p, const struct config_io *io,
			   unsigned io_count, const uint32_t *msrs, unsigned msr_count,
			   struct bundle_verdict *v)
{
	struct bundle_verdict scratch;

	if (!v)
		v = &scratch;
	for (unsigned i = 0; i < p->io_count; i++)
		if (!bnd_ports_allowed(p->io[i].port, p->io[i].count, io, io_count))
			return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
					  "policy widens: ports 0x%x+%u are not all allowed now",
					  p->io[i].port, p->io[i].count);
	for (unsigned i = 0; i < p->msr_count; i++) {
		unsigned j = 0;

		while (j < msr_count && msrs[j] != p->msrs[i])
			j++;
		if (j == msr_count)
			return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
					  "policy widens: MSR 0x%x is not allowed now", p->msrs[i]);
	}
	return bnd_refuse(v, 0, CHANNEL_OK, "policy only tightens");
}

struct bnd_out {
	uint8_t *p;
	size_t len;
};

static void bnd_put(struct bnd_out *o, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++, v >>= 8)
		o->p[o->len++] = (uint8_t)v;
}

static void bnd_put_bytes(struct bnd_out *o, const void *p, size_t n)
{
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

#define POLICY_CONSOLE_INPUT 1u /* the grants as flag bits */
#define POLICY_SMT_SHARED_OK 2u

void bundle_policy_digest(const struct config_guest *g, uint8_t out[CRYPTO_SHA256_LEN])
{
	static const char tag[] = "vigil-guest-policy-v2"; /* with its NUL: 22 bytes */
	uint8_t buf[sizeof(tag) + CONFIG_NAME_LEN + CONFIG_PATH_LEN + 4 * 4 +
		    4 * CONFIG_MAX_GUEST_CPUS + 16 * CONFIG_MAX_REGIONS + 8 * CONFIG_MAX_IO +
		    4 * CONFIG_MAX_MSRS + 4];
	struct bnd_out o = { buf, 0 };
	char name[CONFIG_NAME_LEN] = { 0 }, image[CONFIG_PATH_LEN] = { 0 };

	/* Padded with zeros whatever the struct held after the terminator. */
	memcpy(name, g->name, strnlen(g->name, sizeof(name) - 1));
	memcpy(image, g->image, strnlen(g->image, sizeof(image) - 1));
	bnd_put_bytes(&o, tag, sizeof(tag));
	bnd_put_bytes(&o, name, sizeof(name));
	bnd_put_bytes(&o, image, sizeof(image));
	bnd_put(&o, g->cpu_count, 4);
	for (unsigned i = 0; i < g->cpu_count && i < CONFIG_MAX_GUEST_CPUS; i++)
		bnd_put(&o, g->cpus[i], 4);
	bnd_put(&o, g->region_count, 4);
	for (unsigned i = 0; i < g->region_count && i < CONFIG_MAX_REGIONS; i++) {
		bnd_put(&o, g->regions[i].gpa, 8);
		bnd_put(&o, g->regions[i].size, 8);
	}
	bnd_put(&o, g->io_count, 4);
	for (unsigned i = 0; i < g->io_count && i < CONFIG_MAX_IO; i++) {
		bnd_put(&o, g->io[i].port, 4);
		bnd_put(&o, g->io[i].count, 4);
	}
	bnd_put(&o, g->msr_count, 4);
	for (unsigned i = 0; i < g->msr_count && i < CONFIG_MAX_MSRS; i++)
		bnd_put(&o, g->msrs[i], 4);
	bnd_put(&o, (g->console_input ? POLICY_CONSOLE_INPUT : 0) | (g->smt_shared_ok ? POLICY_SMT_SHARED_OK : 0), 4);
	crypto_sha256(buf, o.len, out);
}
