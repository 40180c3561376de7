/* SPDX-License-Identifier: MIT */
/*
 * The management channel (docs/channel.md): a UART that only the VMM owns,
 * served by the VMM's own CPU. Requests arrive as frames; each gets one
 * response frame, a device tree with `status`, `error` and `message` at its
 * root, plus the query's data. Every request is audited.
 */
#ifndef VMM_CHANNEL_H
#define VMM_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/channel.h"

struct acpi_cpus;
struct config;

/* Set up the config's UART and route its receive interrupt to this CPU
 * (before the VMM locks its page tables: the UART and the I/O APIC are
 * mapped here). A UART that is the console's, or a guest's, stops the
 * machine (a config error); one that cannot be used leaves the channel off. */
int channel_init(const struct config *cfg, const struct acpi_cpus *madt, uint32_t this_apic_id)
	__attribute__((warn_unused_result));
/* Serve whatever arrived; called by the VMM's CPU after every wake-up. */
void channel_poll(void);
/* The UART's interrupt (vector IDT_VECTOR_CHANNEL), and how many came. */
void channel_irq(void);
uint64_t channel_interrupts(void);

/* Reply building (vmm/channel_reply.c) over libfdt's sequential writer. */
struct reply {
	void *buf;
	size_t cap;
	int err; /* the first libfdt error; the reply is then replaced by a short one */
};

void reply_begin(struct reply *r, void *buf, size_t cap, int status, uint32_t code, const char *message);
void reply_u32(struct reply *r, const char *name, uint32_t v);
void reply_u64(struct reply *r, const char *name, uint64_t v);
void reply_str(struct reply *r, const char *name, const char *s);
void reply_bytes(struct reply *r, const char *name, const void *p, size_t len);
void reply_node(struct reply *r, const char *name);
void reply_end_node(struct reply *r);
/* Finish; returns the blob's size, or a negative errno (too big). */
long reply_finish(struct reply *r);

/*
 * One received frame's request (vmm/channel_dispatch.c): answered in *r by
 * its handler, or refused (an unknown type, a query with a payload) with
 * nothing run; audited either way.
 */
void channel_dispatch(struct reply *r, uint8_t type, const uint8_t *payload, uint32_t len);
/* The response type for a request type: type | CHANNEL_RESPONSE for a
 * request of the list, CHANNEL_TYPE_ERROR for any other. */
uint8_t channel_response_type(uint8_t type);

/* The read-only queries (vmm/channel_query.c): each writes a whole reply. */
void query_version(struct reply *r);
void query_inventory(struct reply *r);
void query_measurements(struct reply *r);
void query_audit(struct reply *r);
void query_selfcheck(struct reply *r);
void query_crash(struct reply *r);

/* EVENTS (vmm/channel_query.c): a page of the runtime measurement log
 * from the index the payload names. Writes the reply and the audit entry. */
void channel_events(struct reply *r, const uint8_t *payload, size_t len);
/* QUOTE (vmm/channel_query.c): the TPM's quote with the payload as its
 * nonce. Writes the reply and the audit entry. */
void channel_quote(struct reply *r, const uint8_t *payload, size_t len);

/* FWLOG (vmm/channel_query.c): a page of the firmware's event log from
 * the byte offset the payload names. Writes the reply and the audit entry. */
void channel_fwlog(struct reply *r, const uint8_t *payload, size_t len);

/* A bundle request (vmm/channel_bundle.c): verify completely, then apply
 * whole or not at all. Writes the reply and the audit entry. */
void channel_bundle(struct reply *r, const uint8_t *payload, size_t len);
/* An applied bundle's record in the runtime measurement log. */
struct bundle;
void channel_bundle_record(const struct bundle *b);

/* A guest update request, PKG_BEGIN to PKG_ABORT (vmm/vm_update.c).
 * Writes the reply and the audit entry. */
void channel_package(struct reply *r, uint8_t type, const uint8_t *payload, size_t len);

struct bundle;
struct bundle_verdict;
/*
 * Apply a verified bundle whole (vmm/bundle_apply.c). Returns 0, or a
 * negative errno with v->code and v->message saying why, having changed
 * nothing; a kind or action outside its list is refused so. *pause: TSC
 * ticks the other CPUs were held (live patch and revert).
 */
int bundle_apply(const struct bundle *b, struct bundle_verdict *v, uint64_t *pause)
	__attribute__((warn_unused_result));

/* The VMM's GNU build-id (kernel/buildid.c). */
const uint8_t *vmm_build_id(void);

#endif
