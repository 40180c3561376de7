/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "vmm/persist.h"
#include "vmm/bundle.h"
#include "vmm/channel.h"
#include "drivers/tpm_marks.h"
#include "kernel/console.h"
#include "kernel/handoff.h"
#include "kernel/init.h"
#include "kernel/mm.h"
#include "kernel/panic.h"

#define PREFIX "patches/"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

static struct bundle pb; /* large (patch code): static, the boot CPU's */

/* The sequence a file's name gives: 16 lowercase hex digits. */
static uint64_t name_sequence(const char *name)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 16; i++)
		v = v << 4 | (uint64_t)(name[PREFIX_LEN + i] <= '9' ? name[PREFIX_LEN + i] - '0' : name[PREFIX_LEN + i] - 'a' + 10);
	return v;
}

/* A persisted bundle decoded and verified into pb (its signatures of the
 * patch role, this build-id, its sequence its name's): NULL, or why not. */
static const char *persisted_load(const struct handoff_module *m, struct bundle_verdict *v)
{
	static const struct bundle_seq none; /* any sequence: they are replays by nature */
	struct bundle_span span;
	const void *p = phys_to_virt(m->base);

	memset(v, 0, sizeof(*v));
	if (bundle_decode(p, m->size, &pb, &span, v) ||
	    bundle_verify(&pb, span.payload, span.payload_len, span.sig, span.sig_len, &system_config, vmm_build_id(),
			  &none, v))
		return v->message;
	if (pb.role != ROLE_PATCH || pb.sequence != name_sequence(m->name)) {
		snprintk(v->message, sizeof(v->message), "a %s bundle of sequence %lu, not the patch bundle its name says",
			 bundle_kind_names[pb.kind], (unsigned long)pb.sequence);
		return v->message;
	}
	return NULL;
}

void persist_start(void)
{
	const struct marks *mk = tpm_marks();
	uint64_t mark = mk ? mk->role_seq[ROLE_PATCH] : UINT64_MAX, last = 0;
	uint8_t chain[32] = { 0 };
	unsigned kept = 0, ignored = 0, applied = 0;

	/* First every file checked and the set compared, then any change.
	 * A file above the patch role's mark was placed but never applied
	 * (perhaps refused when sent): ignored, whatever it holds. One at or
	 * below it claims a place in the recorded set: it must be sound. */
	for (uint32_t i = 1; i < boot_handoff.module_count; i++) {
		const struct handoff_module *m = &boot_handoff.modules[i];
		struct bundle_verdict v;
		const char *why;

		if (strncmp(m->name, PREFIX, PREFIX_LEN))
			continue;
		if (name_sequence(m->name) > mark) {
			printk("vigil: persisted live patches: %s was placed but never applied (the TPM's patch mark is "
			       "%lu): ignored\n", m->name, (unsigned long)mark);
			ignored++;
			continue;
		}
		why = persisted_load(m, &v);
		if (why)
			panic("persisted live patches: %s is refused: %s", m->name, why);
		if (pb.sequence <= last)
			panic("persisted live patches: %s is out of sequence order", m->name);
		last = pb.sequence;
		marks_persist_next(chain, pb.digest);
		kept++;
	}
	if (mk && memcmp(chain, mk->persisted, sizeof(chain)))
		panic("persisted live patches: the %u in vigil/patches are not the set the TPM recorded (a patch or "
		      "revert deleted, or one added): no guest starts on changed code; recovery: docs/tpm.md",
		      kept);
	for (uint32_t i = 1; i < boot_handoff.module_count; i++) {
		const struct handoff_module *m = &boot_handoff.modules[i];
		struct bundle_verdict v;
		uint64_t pause;

		if (strncmp(m->name, PREFIX, PREFIX_LEN) || name_sequence(m->name) > mark)
			continue;
		if (persisted_load(m, &v))
			panic("persisted live patches: %s changed while read", m->name);
		memset(&v, 0, sizeof(v));
		if (bundle_apply(&pb, &v, &pause)) {
			/* As it was at run time: a recorded bundle that did not
			 * apply then does not now either. */
			printk("vigil: persisted live patches: %s not applied: %s\n", m->name, v.message);
			continue;
		}
		channel_bundle_record(&pb);
		applied++;
	}
	if (kept || ignored)
		printk("vigil: persisted live patches: %u applied again of %u in the set%s, %u ignored\n", applied, kept,
		       mk ? " the TPM recorded" : " (no TPM marks: a deleted file would go unnoticed)", ignored);
}
