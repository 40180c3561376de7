// SPDX-License-Identifier: MIT
/*
 * Unit tests of the channel's request dispatch (vmm/channel_dispatch.c,
 * with the real reply writer and audit log): each request type of the
 * protocol reaches its own handler; every other type, all 256 of a frame's
 * type byte, is refused with UNKNOWN_TYPE, answered as type 0xFF, audited,
 * and runs no handler at all; a query with a payload runs nothing either;
 * and the audit log keeps reasons escaped.
 * The handlers here stand in for vmm/channel_query.c, vmm/channel_bundle.c
 * and vmm/vm_update.c: each counts its calls and answers with its name.
 */
#define CHECK_SUITE "dispatch"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <libfdt.h>
#include "vmm/audit.h"
#include "vmm/channel.h"

/* The protocol's request types, written out here (docs/channel.md), not
 * taken from the list under test. */
static const struct {
	uint8_t type;
	const char *handler;
} known[] = {
	{ 0x01, "version" }, { 0x02, "inventory" }, { 0x03, "measurements" },
	{ 0x04, "audit" },   { 0x05, "selfcheck" }, { 0x06, "crash" },
	{ 0x10, "bundle" },  { 0x20, "package" },   { 0x21, "package" },
	{ 0x22, "package" }, { 0x23, "package" }, { 0x07, "events" },
	{ 0x08, "quote" },   { 0x09, "fwlog" },
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

static unsigned calls[NKNOWN];
static const uint8_t *bundle_payload;
static size_t bundle_len;

static uint8_t package_type;

static void handled(struct reply *r, unsigned i)
{
	calls[i]++;
	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, known[i].handler);
}

void query_version(struct reply *r) { handled(r, 0); }
void query_inventory(struct reply *r) { handled(r, 1); }
void query_measurements(struct reply *r) { handled(r, 2); }
void query_audit(struct reply *r) { handled(r, 3); }
void query_selfcheck(struct reply *r) { handled(r, 4); }
void query_crash(struct reply *r) { handled(r, 5); }

void channel_bundle(struct reply *r, const uint8_t *payload, size_t len)
{
	bundle_payload = payload;
	bundle_len = len;
	handled(r, 6);
}

/* EVENTS carries the first record's index (vmm/channel_query.c). */
void channel_events(struct reply *r, const uint8_t *payload, size_t len)
{
	bundle_payload = payload;
	bundle_len = len;
	handled(r, 11);
}

/* QUOTE carries the verifier's nonce (vmm/channel_query.c). */
void channel_quote(struct reply *r, const uint8_t *payload, size_t len)
{
	bundle_payload = payload;
	bundle_len = len;
	handled(r, 12);
}

/* FWLOG carries a byte offset (vmm/channel_query.c). */
void channel_fwlog(struct reply *r, const uint8_t *payload, size_t len)
{
	bundle_payload = payload;
	bundle_len = len;
	handled(r, 13);
}

/* The guest update's four requests share one handler (vmm/vm_update.c). */
void channel_package(struct reply *r, uint8_t type, const uint8_t *payload, size_t len)
{
	bundle_payload = payload;
	bundle_len = len;
	package_type = type;
	handled(r, 7u + (type - 0x20u) % 4u);
}

static uint8_t buf[4096];
static struct reply reply;

static unsigned total_calls(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NKNOWN; i++)
		n += calls[i];
	return n;
}

static int known_index(unsigned type)
{
	for (unsigned i = 0; i < NKNOWN; i++)
		if (known[i].type == type)
			return (int)i;
	return -1;
}

static void dispatch(uint8_t type, const uint8_t *payload, uint32_t len)
{
	memset(calls, 0, sizeof(calls));
	memset(buf, 0, sizeof(buf));
	reply = (struct reply){ buf, sizeof(buf), 0 };
	channel_dispatch(&reply, type, payload, len);
	if (reply_finish(&reply) < 0)
		printf("    reply for type 0x%02x did not finish\n", type);
}

static int32_t prop_s32(const char *name)
{
	int len;
	const fdt32_t *p = fdt_getprop(buf, 0, name, &len);

	return p && len == 4 ? (int32_t)fdt32_to_cpu(*p) : 0x7fffffff;
}

static const char *prop_str(const char *name)
{
	const char *p = fdt_getprop(buf, 0, name, NULL);

	return p ? p : "";
}

static const struct audit_entry *last_audit(void)
{
	return audit_entry(audit_count() - 1);
}

static void each_request_reaches_its_handler(void)
{
	static const uint8_t payload[] = "VGBNDL01";

	for (unsigned i = 0; i < NKNOWN; i++) {
		/* these carry a payload and audit themselves */
		int is_bundle = known[i].type == 0x10 || (known[i].type >= 0x07 && known[i].type <= 0x09) ||
				known[i].type >= 0x20;

		dispatch(known[i].type, is_bundle ? payload : NULL, is_bundle ? sizeof(payload) : 0);
		if (!CHECK(calls[i] == 1 && total_calls() == 1))
			printf("    type 0x%02x: %u calls of %s, %u in all\n", known[i].type, calls[i],
			       known[i].handler, total_calls());
		CHECK(!strcmp(prop_str("message"), known[i].handler));
		CHECK_EQ(channel_response_type(known[i].type), known[i].type | 0x80);
		if (is_bundle)
			CHECK(bundle_payload == payload && bundle_len == sizeof(payload));
		if (known[i].type >= 0x20)
			CHECK_EQ(package_type, known[i].type);
		else if (!is_bundle)
			CHECK(last_audit()->request == known[i].type && last_audit()->code == CHANNEL_OK);
	}
}

/* Every other value of the type byte: refused, answered 0xFF, audited. */
static void every_unknown_type_refused(void)
{
	static const uint8_t payload[] = { 1, 2, 3 };
	unsigned wrong = 0, refused = 0;

	for (unsigned t = 0; t < 256; t++) {
		if (known_index(t) >= 0)
			continue;
		for (int with_payload = 0; with_payload < 2; with_payload++) {
			unsigned before = (unsigned)audit_count() + audit_dropped();
			uint32_t repeats = audit_count() ? last_audit()->repeats : 0;
			int ok;

			dispatch((uint8_t)t, with_payload ? payload : NULL, with_payload ? sizeof(payload) : 0);
			/* Audited: a new entry, or (the same refusal again) the newest one's repeats. */
			ok = total_calls() == 0 && prop_s32("status") == -EOPNOTSUPP &&
			     prop_s32("error") == CHANNEL_E_UNKNOWN_TYPE &&
			     (audit_count() + audit_dropped() == before + 1 ||
			      (with_payload && audit_count() + audit_dropped() == before &&
			       last_audit()->repeats == repeats + 1)) &&
			     last_audit()->request == t && last_audit()->code == CHANNEL_E_UNKNOWN_TYPE &&
			     channel_response_type((uint8_t)t) == 0xff;
			if (!ok && wrong++ < 4)
				printf("    type 0x%02x: %u handler calls, status %d, error %d: %s\n", t,
				       total_calls(), prop_s32("status"), prop_s32("error"), prop_str("message"));
			refused += ok;
		}
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(refused, 2 * (256 - NKNOWN));
}

static void query_with_payload_runs_nothing(void)
{
	static const uint8_t payload[] = { 0 };

	for (unsigned i = 0; i < NKNOWN; i++) {
		if (known[i].type == 0x10 || (known[i].type >= 0x07 && known[i].type <= 0x09) || known[i].type >= 0x20)
			continue; /* not queries: they carry payloads */
		dispatch(known[i].type, payload, sizeof(payload));
		CHECK_EQ(total_calls(), 0);
		CHECK_EQ(prop_s32("status"), -EINVAL);
		CHECK_EQ(prop_s32("error"), CHANNEL_E_BAD_REQUEST);
		CHECK(last_audit()->code == CHANNEL_E_BAD_REQUEST);
	}
}

/* The audit log holds printable text whatever reason it is given. */
static void audit_reasons_escaped(void)
{
	audit_record(0x10, -EBADMSG, CHANNEL_E_MALFORMED, "unknown kind '\nvigil: forged\x1b[2J'");
	CHECK(!strcmp(last_audit()->reason, "unknown kind '\\x0avigil: forged\\x1b[2J'"));
}

/* Garbage on the line cannot flush the audit log: the same refusal again
 * is folded into the newest entry, and the entries of applied bundles are
 * never evicted, whatever passes through the ring. */
static void audit_floods_fold_and_keep_applied(void)
{
	unsigned count = audit_count(), dropped = audit_dropped();
	uint64_t first_applied;

	for (int i = 0; i < 10000; i++)
		audit_record(CHANNEL_TYPE_ERROR, -EBADMSG, CHANNEL_E_FRAME_CRC, "frame CRC mismatch");
	CHECK_EQ(audit_count() + audit_dropped(), count + dropped + 1);
	CHECK_EQ(last_audit()->repeats, 9999);
	CHECK(last_audit()->last_tsc >= last_audit()->tsc);

	audit_record(0x10, 0, CHANNEL_OK, "applied live-patch sequence 1");
	first_applied = last_audit()->index;
	audit_record(0x10, 0, CHANNEL_OK, "applied patch-revert sequence 2");
	/* Two refusals in turn: no folding, so the ring turns over many times. */
	for (int i = 0; i < 10000; i++)
		audit_record(0x10, -EKEYREJECTED, i % 2 ? CHANNEL_E_BAD_SIGNATURE : CHANNEL_E_UNKNOWN_KEY, "refused");
	CHECK_EQ(audit_count(), AUDIT_ENTRIES + 2);
	CHECK(audit_dropped() >= 10000 - AUDIT_ENTRIES);
	CHECK(audit_entry(0)->index == first_applied && audit_entry(0)->status == 0);
	CHECK(audit_entry(1)->index == first_applied + 1 && audit_entry(1)->status == 0);
	for (unsigned i = 1; i < audit_count(); i++)
		if (!CHECK(audit_entry(i)->index > audit_entry(i - 1)->index))
			break;
	CHECK(audit_entry(audit_count()) == NULL);

	/* Applied bundles beyond the applied ring's size push out only the
	 * oldest applied ones (the measurement log keeps them all), never a
	 * refusal's entry, and each is counted as dropped. */
	dropped = audit_dropped();
	for (int i = 0; i < AUDIT_APPLIED_ENTRIES + 10; i++)
		audit_record(0x10, 0, CHANNEL_OK, "applied guest-control");
	CHECK_EQ(audit_count(), AUDIT_ENTRIES + AUDIT_APPLIED_ENTRIES);
	CHECK_EQ(audit_dropped(), dropped + 12);
	CHECK(audit_entry(0)->status != 0); /* the oldest refusal still there */
	for (unsigned i = 1; i < audit_count(); i++)
		if (!CHECK(audit_entry(i)->index > audit_entry(i - 1)->index))
			break;
	CHECK(last_audit()->status == 0 && !strcmp(last_audit()->reason, "applied guest-control"));
}

int main(void)
{
	CHECK_RUN(each_request_reaches_its_handler);
	CHECK_RUN(every_unknown_type_refused);
	CHECK_RUN(query_with_payload_runs_nothing);
	CHECK_RUN(audit_reasons_escaped);
	CHECK_RUN(audit_floods_fold_and_keep_applied);
	return check_done();
}
