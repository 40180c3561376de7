/* SPDX-License-Identifier: MIT */
/*
 * One received request, answered: a bounded table of the queries, made
 * from the list in include/vigil/channel.h, the event-log pages, the quote, the bundle
 * request and the guest update's four (vmm/vm_update.c). Fail closed: a type the list does not name is refused (CHANNEL_E_UNKNOWN_TYPE)
 * and runs nothing, never mapped to a handler that happens to be near.
 * Every request is audited.
 */
#include <errno.h>
#include <stdbool.h>
#include "vmm/channel.h"
#include "vmm/audit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void (*const channel_queries[])(struct reply *r) = {
#define CHANNEL_QUERY_HANDLER(NAME, type, name) [CHANNEL_REQ_##NAME] = query_##name,
	CHANNEL_QUERIES(CHANNEL_QUERY_HANDLER)
#undef CHANNEL_QUERY_HANDLER
};

/* The query that answers type, or NULL: not a query. */
static void (*channel_query_of(uint8_t type))(struct reply *r)
{
	return type < ARRAY_SIZE(channel_queries) ? channel_queries[type] : NULL;
}

static bool channel_is_package(uint8_t type)
{
	return type >= CHANNEL_REQ_PKG_BEGIN && type <= CHANNEL_REQ_PKG_ABORT;
}

uint8_t channel_response_type(uint8_t type)
{
	if (type == CHANNEL_REQ_BUNDLE || type == CHANNEL_REQ_EVENTS || type == CHANNEL_REQ_QUOTE ||
	    type == CHANNEL_REQ_FWLOG || channel_is_package(type) || channel_query_of(type))
		return (uint8_t)(type | CHANNEL_RESPONSE);
	return CHANNEL_TYPE_ERROR;
}

static void channel_refuse(struct reply *r, uint8_t type, int err, enum channel_refusal code, const char *why)
{
	reply_begin(r, r->buf, r->cap, err, code, why);
	audit_record(type, err, code, why);
}

void channel_dispatch(struct reply *r, uint8_t type, const uint8_t *payload, uint32_t len)
{
	void (*query)(struct reply *r) = channel_query_of(type);

	if (type == CHANNEL_REQ_BUNDLE) {
		channel_bundle(r, payload, len); /* answers and audits itself */
	} else if (type == CHANNEL_REQ_EVENTS) {
		channel_events(r, payload, len); /* the same */
	} else if (type == CHANNEL_REQ_QUOTE) {
		channel_quote(r, payload, len); /* the same */
	} else if (type == CHANNEL_REQ_FWLOG) {
		channel_fwlog(r, payload, len); /* the same */
	} else if (channel_is_package(type)) {
		channel_package(r, type, payload, len); /* the same */
	} else if (!query) {
		channel_refuse(r, type, -EOPNOTSUPP, CHANNEL_E_UNKNOWN_TYPE, "unknown request type");
	} else if (len) {
		channel_refuse(r, type, -EINVAL, CHANNEL_E_BAD_REQUEST, "queries carry no payload");
	} else {
		query(r);
		audit_record(type, 0, CHANNEL_OK, "ok");
	}
}
