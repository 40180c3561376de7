/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "drivers/tpm_marks.h"
#include "drivers/tpm2.h"
#include "drivers/tpm_vmm.h"
#include "arch/x86/cpu.h"
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/crypto/hash.h"
#include "kernel/crypto/sig.h"
#include "kernel/handoff.h"
#include "kernel/init.h"
#include "kernel/mm.h"
#include "kernel/panic.h"

/* The index's attributes (TPMA_NV): POLICYWRITE, WRITEALL, OWNERREAD,
 * AUTHREAD, NO_DA; an ordinary index (type 0); WRITTEN once written. */
#define NV_ATTRIBUTES 0x02061008u
#define NV_WRITTEN TPM2_NV_WRITTEN
#define CC_POLICY_AUTHORIZE 0x0000016au
#define SRK_HANDLE 0x81000001u
#define PT_PERMANENT 0x200u
#define OWNER_AUTH_SET 0x1u
#define LOCKOUT_AUTH_SET 0x4u
/* The PCRs the approved policy covers: 4, 7, 10. */
#define POLICY_PCRS ((1u << 4) | (1u << 7) | (1u << 10))

static const char policy_ref[] = "vigil-marks";
#define POLICY_REF_LEN (sizeof(policy_ref) - 1)
#define POLICY_FILE_LEN (32 + POLICY_REF_LEN)

static struct {
	bool on;
	bool writable;
	const char *why; /* why not writable */
	struct marks now;
	uint8_t approved[32];
	uint32_t key; /* the policy key, loaded */
	uint8_t key_name[TPM2_P384_NAME_LEN];
	struct tpm2_ticket ticket;
} mk;

const struct marks *tpm_marks(void)
{
	return mk.on ? &mk.now : NULL;
}

bool tpm_marks_writable(const char **why)
{
	*why = mk.why;
	return mk.on && mk.writable;
}

static const struct handoff_module *module_named(const struct handoff *h, const char *name)
{
	for (uint32_t i = 1; i < h->module_count; i++)
		if (!strcmp(h->modules[i].name, name))
			return &h->modules[i];
	return NULL;
}

/* The index's authPolicy: TPM2_PolicyAuthorize(the key, policy_ref) from
 * an empty policy (TPM 2.0 Library Part 3, PolicyAuthorize). */
static void expected_policy(uint8_t out[32])
{
	uint8_t a[32 + 4 + TPM2_P384_NAME_LEN] = { 0 }, b[32 + POLICY_REF_LEN];

	a[32] = CC_POLICY_AUTHORIZE >> 24;
	a[33] = (CC_POLICY_AUTHORIZE >> 16) & 0xff;
	a[34] = (CC_POLICY_AUTHORIZE >> 8) & 0xff;
	a[35] = CC_POLICY_AUTHORIZE & 0xff;
	memcpy(a + 36, mk.key_name, TPM2_P384_NAME_LEN);
	crypto_sha256(a, sizeof(a), b);
	memcpy(b + 32, policy_ref, POLICY_REF_LEN);
	crypto_sha256(b, sizeof(b), out);
}

/*
 * The approved policy (tpm-policy.bin, signed by the platform's key set:
 * the stub checked the threshold) and the policy key's own signature in
 * its signature file, shown to the TPM once: its ticket serves every
 * write of this boot. Returns why the marks cannot be written, or NULL.
 */
static const char *policy_load(const struct handoff *h)
{
	const struct handoff_module *p = module_named(h, "tpm-policy.bin");
	const struct handoff_module *s = module_named(h, "tpm-policy.bin.sig");
	const struct config_marks *c = &system_config.marks;
	struct sig_file f;
	const char *why;
	uint8_t id[32], digest[48];
	const struct sig_entry *e = NULL;

	if (!p || !s)
		return "no tpm-policy.bin on the ESP";
	if (p->size != POLICY_FILE_LEN || memcmp((const uint8_t *)phys_to_virt(p->base) + 32, policy_ref, POLICY_REF_LEN))
		return "tpm-policy.bin is not an approved policy and \"vigil-marks\"";
	if (sig_file_decode(phys_to_virt(s->base), s->size, &f, &why))
		return "tpm-policy.bin.sig is malformed";
	sig_key_id(c->policy_key, id);
	for (unsigned i = 0; i < f.count && !e; i++)
		if (!memcmp(f.entries[i].key_id, id, 32))
			e = &f.entries[i];
	if (!e)
		return "the policy key did not sign tpm-policy.bin";
	memcpy(mk.approved, phys_to_virt(p->base), 32);
	crypto_sha384(phys_to_virt(p->base), p->size, digest);
	if (tpm2_verify_signature(tpm_vmm(), mk.key, digest, e->r, e->s, &mk.ticket))
		return "the TPM refuses the policy key's signature on tpm-policy.bin";
	return NULL;
}

/* A policy session that satisfies the index's policy, or a TPM error:
 * PolicyPCR over this boot's PCRs 4, 7, 10, then PolicyAuthorize, which
 * the TPM grants only if those values are the approved ones. */
static int policy_session(uint32_t *session)
{
	struct tpm *t = tpm_vmm();
	uint8_t nonce[32];
	uint64_t tsc = cpu_rdtsc();
	int err;

	/* An unsalted, unbound policy session carries no secret: the nonce
	 * only has to differ between sessions. */
	crypto_sha256(&tsc, sizeof(tsc), nonce);
	err = tpm2_start_policy_session(t, nonce, session);
	if (err)
		return err;
	err = tpm2_policy_pcr(t, *session, POLICY_PCRS);
	if (!err)
		err = tpm2_policy_authorize(t, *session, mk.approved, (const uint8_t *)policy_ref, POLICY_REF_LEN,
					    mk.key_name, &mk.ticket);
	if (err)
		tpm2_flush_context(t, *session);
	return err;
}

/* Write next as the marks, one generation on; mk.now only when the TPM
 * took it. */
static int marks_write(const struct marks *next, const char **why)
{
	static uint8_t bytes[MARKS_SIZE];
	struct marks m = *next;
	uint32_t session;
	int err;

	if (!mk.writable) {
		*why = mk.why;
		return -EPERM;
	}
	m.generation = mk.now.generation + 1;
	marks_encode(&m, bytes);
	err = policy_session(&session);
	if (err) {
		*why = "the TPM refused the marks' write policy";
		return err;
	}
	err = tpm2_nv_write(tpm_vmm(), system_config.marks.index, session, bytes, MARKS_SIZE);
	if (err) {
		tpm2_flush_context(tpm_vmm(), session);
		*why = "the TPM refused to write the marks";
		return err;
	}
	mk.now = m;
	return 0;
}

int tpm_marks_raise_role(unsigned role, uint64_t seq, const uint8_t *persisted_sha384, const char **why)
{
	struct marks next;

	if (!mk.on || role >= ROLE_COUNT || seq <= mk.now.role_seq[role])
		return 0;
	next = mk.now;
	next.role_seq[role] = seq;
	if (persisted_sha384)
		marks_persist_next(next.persisted, persisted_sha384);
	return marks_write(&next, why);
}

int tpm_marks_raise_guest(const char *guest, uint64_t security_version, uint64_t version, const char **why)
{
	struct marks next;

	if (!mk.on || (security_version <= marks_guest(&mk.now, guest) && version <= marks_guest_version(&mk.now, guest)))
		return 0;
	next = mk.now;
	if (marks_raise_guest(&next, guest, security_version, version)) {
		*why = "the marks hold 16 other guests";
		return -ENOSPC;
	}
	return marks_write(&next, why);
}

/* The index, as the config names it and its policy demands. */
static void index_check(uint32_t index, struct tpm2_nv_public *pub)
{
	uint8_t want[32];
	int err = tpm2_nv_read_public(tpm_vmm(), index, pub);

	if (err)
		panic("TPM marks: no NV index 0x%x (%s 0x%x): provision it (docs/tpm.md)", index,
		      err > 0 ? "TPM response" : "error", err > 0 ? err : -err);
	expected_policy(want);
	if (pub->name_alg != 0x000b || (pub->attributes & ~NV_WRITTEN) != NV_ATTRIBUTES || pub->size != MARKS_SIZE ||
	    pub->policy_len != 32 || memcmp(pub->policy, want, 32))
		panic("TPM marks: NV index 0x%x is not Vigil's (attributes 0x%x, %u bytes, its policy %s): "
		      "redefined, or another key's",
		      index, pub->attributes, pub->size, pub->policy_len == 32 && !memcmp(pub->policy, want, 32) ?
											  "the policy key's" : "not the policy key's");
}

/* An unwritten index: what a first boot finds, and what a cleared or
 * redefined index looks like; the first marks are written only on the
 * TPM whose storage root key the config names, with the owner and lockout
 * authorizations set (docs/tpm.md). */
static void first_marks(uint32_t index)
{
	uint8_t name[TPM2_NAME_MAX];
	size_t name_len = 0;
	uint32_t perm = 0;
	const char *why;

	if (tpm2_get_property(tpm_vmm(), PT_PERMANENT, &perm) ||
	    (perm & (OWNER_AUTH_SET | LOCKOUT_AUTH_SET)) != (OWNER_AUTH_SET | LOCKOUT_AUTH_SET))
		panic("TPM marks: NV index 0x%x is unwritten, and the TPM's owner or lockout authorization is "
		      "empty: anyone could clear the marks; set both (docs/tpm.md)", index);
	if (tpm2_read_public_name(tpm_vmm(), SRK_HANDLE, name, &name_len) ||
	    name_len != CONFIG_SRK_NAME_LEN || memcmp(name, system_config.marks.srk_name, CONFIG_SRK_NAME_LEN))
		panic("TPM marks: NV index 0x%x is unwritten, and the storage root key at 0x%x is not the one the "
		      "signed config names: a cleared TPM? (docs/tpm.md, recovery)", index, SRK_HANDLE);
	memset(&mk.now, 0, sizeof(mk.now));
	if (marks_write(&(struct marks){ .config_version = system_config.version }, &why))
		panic("TPM marks: NV index 0x%x is unwritten and cannot be written: %s", index, why);
	printk("vigil: TPM marks: first marks written to NV index 0x%x\n", index);
}

void tpm_marks_start(const struct handoff *h)
{
	static uint8_t bytes[MARKS_SIZE];
	const struct config_marks *c = &system_config.marks;
	struct tpm2_nv_public pub;
	const char *why;
	uint64_t was;

	if (!c->present) {
		printk("vigil: TPM marks: none in the signed config: sequences and security versions restart at "
		       "every boot\n");
		return;
	}
	if (!tpm_vmm()) /* tpm-marks requires tpm = "required": tpm_start stopped already */
		panic("TPM marks: no TPM");
	if (tpm2_load_external_p384(tpm_vmm(), c->policy_key, TPM2_RH_OWNER, &mk.key, mk.key_name))
		panic("TPM marks: the TPM does not take the policy key");
	index_check(c->index, &pub);
	mk.why = policy_load(h);
	if (!mk.why) {
		uint32_t session;
		int err = policy_session(&session);

		if (err)
			mk.why = "this boot's PCRs 4, 7, 10 are not the approved ones (a new stub, firmware or VMM "
				 "needs a newly signed tpm-policy.bin)";
		else
			tpm2_flush_context(tpm_vmm(), session);
	}
	mk.writable = !mk.why;
	mk.on = true;
	if (!(pub.attributes & NV_WRITTEN)) {
		first_marks(c->index);
	} else if (tpm2_nv_read(tpm_vmm(), c->index, 0, bytes, MARKS_SIZE) || marks_decode(bytes, &mk.now)) {
		panic("TPM marks: NV index 0x%x cannot be read or does not hold marks", c->index);
	}
	was = mk.now.config_version;
	if (system_config.version < was)
		panic("TPM marks: the signed config's version %lu is below %lu, the highest this TPM has seen: an "
		      "older config is not booted", system_config.version, was);
	if (system_config.version > was) {
		struct marks next = mk.now;

		next.config_version = system_config.version;
		if (c->persisted_set) /* recovery: the platform names the persisted set anew */
			memcpy(next.persisted, c->persisted, 32);
		if (marks_write(&next, &why))
			printk("vigil: TPM marks: the config's version %lu is not recorded: %s\n", system_config.version,
			       why);
	}
	printk("vigil: TPM marks: NV index 0x%x, generation %lu, config version %lu, sequences patch %lu operator %lu "
	       "publisher %lu; %s%s\n",
	       c->index, mk.now.generation, mk.now.config_version, mk.now.role_seq[ROLE_PATCH],
	       mk.now.role_seq[ROLE_OPERATOR], mk.now.role_seq[ROLE_PUBLISHER], mk.writable ? "writable" : "read-only: ",
	       mk.writable ? "" : mk.why);
}
