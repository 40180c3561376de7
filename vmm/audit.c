/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "vmm/audit.h"
#include "kernel/crash_record.h"
#include "kernel/console.h"
#include "arch/x86/cpu.h"
#include "vigil/channel.h"

_Static_assert(CRASH_AUDIT_REASON_LEN == AUDIT_REASON_LEN, "a crash record keeps whole audit reasons");

static struct audit_entry audit_ring[AUDIT_ENTRIES];
static uint64_t audit_ring_total;		       /* entries ever put in the ring */
static struct audit_entry audit_applied[AUDIT_APPLIED_ENTRIES]; /* applied bundles only */
static uint64_t audit_applied_total;
static uint64_t audit_total; /* entries ever made, both kinds */

static unsigned audit_ring_count(void)
{
	return audit_ring_total < AUDIT_ENTRIES ? (unsigned)audit_ring_total : AUDIT_ENTRIES;
}

static unsigned audit_applied_count(void)
{
	return audit_applied_total < AUDIT_APPLIED_ENTRIES ? (unsigned)audit_applied_total : AUDIT_APPLIED_ENTRIES;
}

static struct audit_entry *audit_ring_newest(void)
{
	return audit_ring_total ? &audit_ring[(audit_ring_total - 1) % AUDIT_ENTRIES] : NULL;
}

void audit_record(uint8_t request, int status, uint32_t code, const char *reason)
{
	struct audit_entry *e = audit_ring_newest();
	uint64_t now = cpu_rdtsc();

	if (request == CHANNEL_REQ_BUNDLE && status == 0) {
		e = &audit_applied[audit_applied_total++ % AUDIT_APPLIED_ENTRIES];
	} else if (e && e->request == request && e->status == status && e->code == code) {
		e->repeats++;
		e->last_tsc = now;
		return;
	} else {
		e = &audit_ring[audit_ring_total++ % AUDIT_ENTRIES];
	}
	e->index = ++audit_total;
	e->tsc = e->last_tsc = now;
	e->repeats = 0;
	e->request = request;
	e->status = status;
	e->code = code;
	/* Reasons may quote a request's bytes: the log holds printable text only. */
	str_escape(e->reason, sizeof(e->reason), reason ? reason : "");
}

unsigned audit_count(void)
{
	return audit_applied_count() + audit_ring_count();
}

uint32_t audit_dropped(void)
{
	return (uint32_t)(audit_ring_total - audit_ring_count() + audit_applied_total - audit_applied_count());
}

/* The two rings merged by index: each is in order from its oldest; take
 * the i-th smallest index of both. */
const struct audit_entry *audit_entry(unsigned i)
{
	uint64_t first = audit_ring_total - audit_ring_count();
	uint64_t first_applied = audit_applied_total - audit_applied_count();
	unsigned a = 0, r = 0;
	const struct audit_entry *next = NULL;

	for (unsigned k = 0; k <= i; k++) {
		const struct audit_entry *ea =
			a < audit_applied_count() ? &audit_applied[(first_applied + a) % AUDIT_APPLIED_ENTRIES] : NULL;
		const struct audit_entry *er = r < audit_ring_count() ? &audit_ring[(first + r) % AUDIT_ENTRIES] : NULL;

		if (!ea && !er)
			return NULL;
		if (ea && (!er || ea->index < er->index))
			next = ea, a++;
		else
			next = er, r++;
	}
	return next;
}

unsigned audit_crash_fill(struct crash_audit *out, unsigned max)
{
	unsigned count = audit_count(), first = count > max ? count - max : 0, n = 0;

	for (unsigned i = first; i < count; i++) {
		const struct audit_entry *e = audit_entry(i);

		if (!e)
			break;
		out[n] = (struct crash_audit){ e->index - 1, e->tsc, e->request, e->status, e->code, e->repeats, "" };
		memcpy(out[n].reason, e->reason, sizeof(out[n].reason));
		n++;
	}
	return n;
}
