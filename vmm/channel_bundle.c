/* SPDX-License-Identifier: MIT */
/*
 * Bundle requests: verified completely (vmm/bundle.c: container, payload,
 * role, signatures, build-id, sequence), then applied whole or not at all.
 * A verified bundle consumes its sequence number whether or not it then
 * applies, so no recording of it can be sent again later to take effect
 * then; the runtime measurement log (and its PCR) grows only when it took
 * effect. Every
 * outcome is audited and answered.
 */
#include <errno.h>
#include <string.h>
#include "vmm/channel.h"
#include "vmm/audit.h"
#include "vmm/mlog.h"
#include "vmm/bundle.h"
#include "drivers/tpm_marks.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/selfcheck.h"
#include "arch/x86/cpu.h"

static struct bundle bundle; /* large (patch code): static, used by this CPU only */
static struct bundle_seq accepted;

/* The guest a bundle acts on, for its measurement record. */
static const char *bundle_guest(const struct bundle *b)
{
	if (b->kind == BUNDLE_GUEST_CONTROL)
		return b->u.control.guest;
	if (b->kind == BUNDLE_POLICY)
		return b->u.policy.guest;
	return NULL;
}

void channel_bundle_record(const struct bundle *b)
{
	mlog_append(&(struct mlog_change){ .sequence = b->sequence, .kind = b->kind, .role = b->role,
					   .guest = bundle_guest(b), .payload_sha384 = b->digest,
					   .text_sha256 = selfcheck_state()->expected });
}

void channel_bundle(struct reply *r, const uint8_t *payload, size_t len)
{
	struct bundle_verdict v;
	uint64_t pause = 0;
	int err;

	struct bundle_span span;
	uint64_t t0 = cpu_rdtsc(), verify_tsc;
	int decoded;

	memset(&v, 0, sizeof(v));
	if (tpm_marks()) /* the sequences this TPM has recorded, across reboots */
		for (unsigned i = 0; i < ROLE_COUNT; i++)
			if (tpm_marks()->role_seq[i] > accepted.last[i])
				accepted.last[i] = tpm_marks()->role_seq[i];
	err = bundle_decode(payload, len, &bundle, &span, &v);
	decoded = !err;
	if (!err)
		err = bundle_verify(&bundle, span.payload, span.payload_len, span.sig, span.sig_len, &system_config,
				    vmm_build_id(), &accepted, &v);
	verify_tsc = cpu_rdtsc() - t0;
	if (!err) { /* the mark first: a change the TPM has not recorded is not made */
		const char *why;
		int merr = tpm_marks_raise_role(bundle.role, bundle.sequence,
						bundle.role == ROLE_PATCH ? bundle.digest : NULL, &why);

		if (merr) {
			err = merr < 0 ? merr : -EIO;
			v.code = CHANNEL_E_MARKS;
			snprintk(v.message, sizeof(v.message), "sequence %lu not recorded in the TPM: %s",
				 (unsigned long)bundle.sequence, why);
		}
	}
	if (!err) {
		bundle_seq_accept(&accepted, &bundle);
		err = bundle_apply(&bundle, &v, &pause);
	}
	if (!err) {
		channel_bundle_record(&bundle);
		snprintk(v.message, sizeof(v.message), "applied %s sequence %lu", bundle_kind_names[bundle.kind],
			 bundle.sequence);
	}
	printk("vigil: bundle %s: %s\n", err ? "refused" : "accepted", v.message);
	reply_begin(r, r->buf, r->cap, err, v.code, v.message);
	if (decoded) {
		reply_str(r, "kind", bundle_kind_names[bundle.kind]);
		reply_str(r, "role", config_role_names[bundle_kind_role(bundle.kind)]);
		reply_u64(r, "sequence", bundle.sequence);
		reply_u32(r, "valid", v.valid);
		reply_u32(r, "needed", v.needed);
		reply_u64(r, "verify-tsc", verify_tsc); /* decode + verification, in TSC ticks */
	}
	if (!err) {
		reply_u64(r, "pause-tsc", pause);
		reply_bytes(r, "text-sha256", selfcheck_state()->expected, 32);
	}
	audit_record(CHANNEL_REQ_BUNDLE, err, v.code, v.message);
}
