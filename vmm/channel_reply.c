/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libfdt.h>
#include "vmm/channel.h"

static void reply_check(struct reply *r, int rc)
{
	if (rc < 0 && !r->err)
		r->err = rc;
}

void reply_begin(struct reply *r, void *buf, size_t cap, int status, uint32_t code, const char *message)
{
	r->buf = buf;
	r->cap = cap;
	r->err = 0;
	reply_check(r, fdt_create(buf, (int)cap));
	reply_check(r, fdt_finish_reservemap(buf));
	reply_check(r, fdt_begin_node(buf, ""));
	reply_u32(r, "status", (uint32_t)status);
	reply_u32(r, "error", code);
	reply_str(r, "message", message);
}

void reply_u32(struct reply *r, const char *name, uint32_t v)
{
	if (!r->err)
		reply_check(r, fdt_property_u32(r->buf, name, v));
}

void reply_u64(struct reply *r, const char *name, uint64_t v)
{
	if (!r->err)
		reply_check(r, fdt_property_u64(r->buf, name, v));
}

void reply_str(struct reply *r, const char *name, const char *s)
{
	if (!r->err)
		reply_check(r, fdt_property_string(r->buf, name, s));
}

void reply_bytes(struct reply *r, const char *name, const void *p, size_t len)
{
	if (!r->err)
		reply_check(r, fdt_property(r->buf, name, p, (int)len));
}

void reply_node(struct reply *r, const char *name)
{
	if (!r->err)
		reply_check(r, fdt_begin_node(r->buf, name));
}

void reply_end_node(struct reply *r)
{
	if (!r->err)
		reply_check(r, fdt_end_node(r->buf));
}

long reply_finish(struct reply *r)
{
	reply_end_node(r);
	if (!r->err)
		reply_check(r, fdt_finish(r->buf));
	if (r->err)
		return -E2BIG;
	return (long)fdt_totalsize(r->buf);
}
