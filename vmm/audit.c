/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "vmm/audit.h"
#include "kernel/console.h"
#include "arch/x86/cpu.h"

static struct audit_entry audit_ring[AUDIT_ENTRIES];
static uint64_t audit_total;
static struct mlog_entry mlog[MLOG_ENTRIES];
static unsigned mlog_len;

void audit_record(uint8_t request, int status, uint32_t code, const char *reason)
{
	struct audit_entry *e = &audit_ring[audit_total % AUDIT_ENTRIES];

	e->index = ++audit_total;
	e->tsc = cpu_rdtsc();
	e->request = request;
	e->status = status;
	e->code = code;
	/* Reasons may quote a request's bytes: the log holds printable text only. */
	str_escape(e->reason, sizeof(e->reason), reason ? reason : "");
}

unsigned audit_count(void)
{
	return audit_total < AUDIT_ENTRIES ? (unsigned)audit_total : AUDIT_ENTRIES;
}

uint32_t audit_dropped(void)
{
	return (uint32_t)(audit_total - audit_count());
}

const struct audit_entry *audit_entry(unsigned i)
{
	uint64_t first = audit_total - audit_count();

	return &audit_ring[(first + i) % AUDIT_ENTRIES];
}

int mlog_full(void)
{
	return mlog_len == MLOG_ENTRIES;
}

void mlog_append(const struct mlog_entry *e)
{
	if (mlog_len < MLOG_ENTRIES) {
		mlog[mlog_len] = *e;
		mlog[mlog_len].index = mlog_len + 1;
		mlog_len++;
	}
}

unsigned mlog_count(void)
{
	return mlog_len;
}

const struct mlog_entry *mlog_entry(unsigned i)
{
	return &mlog[i];
}
