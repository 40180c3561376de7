/* SPDX-License-Identifier: MIT */
/* Sealing and checking the crash record (kernel/crash_record.h). Pure: the
 * unit tests compile it as it is. */
#include <errno.h>
#include <stddef.h>
#include "kernel/crash_record.h"
#include "kernel/crc32.h"

static uint32_t crash_record_crc(const struct crash_record *r)
{
	static const uint32_t zero;
	uint32_t crc = crc32_update(0, r, offsetof(struct crash_record, crc));

	crc = crc32_update(crc, &zero, sizeof(zero));
	return crc32_update(crc, &r->context, sizeof(*r) - offsetof(struct crash_record, context));
}

void crash_record_seal(struct crash_record *r)
{
	r->magic = CRASH_RECORD_MAGIC;
	r->version = CRASH_RECORD_VERSION;
	r->length = sizeof(*r);
	r->crc = crash_record_crc(r);
}

static int crash_fail(const char **why, const char *msg, int err)
{
	*why = msg;
	return err;
}

/* Printable ASCII up to a NUL inside the field. */
static int crash_text_ok(const char *s, size_t cap)
{
	for (size_t i = 0; i < cap; i++) {
		if (!s[i])
			return 1;
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	}
	return 0;
}

static int crash_fields_ok(const struct crash_record *r, const char **why)
{
	if (r->context != CRASH_FROM_PANIC && r->context != CRASH_FROM_EXCEPTION)
		return crash_fail(why, "unknown context", -EINVAL);
	if (r->vector > 31 || (r->context == CRASH_FROM_PANIC && (r->vector || r->error_code)))
		return crash_fail(why, "vector out of range", -EINVAL);
	if (r->mce.bank_valid > 1 || r->mce.bank > 31)
		return crash_fail(why, "machine-check bank out of range", -EINVAL);
	if (!crash_text_ok(r->reason, sizeof(r->reason)))
		return crash_fail(why, "reason not printable text", -EINVAL);
	if (r->audit_count > CRASH_AUDIT_MAX)
		return crash_fail(why, "audit count out of range", -EINVAL);
	for (uint32_t i = 0; i < r->audit_count; i++)
		if (!crash_text_ok(r->audit[i].reason, sizeof(r->audit[i].reason)))
			return crash_fail(why, "audit reason not printable text", -EINVAL);
	return 0;
}

int crash_record_check(const struct crash_record *r, uint64_t boot, const char **why)
{
	if (r->magic != CRASH_RECORD_MAGIC)
		return crash_fail(why, "no record", -EINVAL);
	if (r->version != CRASH_RECORD_VERSION || r->length != sizeof(*r))
		return crash_fail(why, "version or length mismatch", -EINVAL);
	if (r->crc != crash_record_crc(r))
		return crash_fail(why, "CRC mismatch", -EINVAL);
	if (r->boot != boot)
		return crash_fail(why, "a record of another boot", -ESTALE);
	return crash_fields_ok(r, why);
}
