// SPDX-License-Identifier: MIT
/* vigilctl: writing device trees with libfdt's sequential-write calls,
 * stopping at the first error (bundle payloads, patch files, manifests). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "tools/vigilctl/vigilctl.h"

void vc_fdt_prop(struct vc_fdt *f, const char *name, const void *val, int len)
{
	if (!f->err)
		f->err = fdt_property(f->buf, name, val, len);
}

void vc_fdt_string(struct vc_fdt *f, const char *name, const char *s)
{
	vc_fdt_prop(f, name, s, (int)strlen(s) + 1);
}

void vc_fdt_u64(struct vc_fdt *f, const char *name, uint64_t v)
{
	fdt64_t be = cpu_to_fdt64(v);

	vc_fdt_prop(f, name, &be, sizeof(be));
}

void vc_fdt_node(struct vc_fdt *f, const char *name)
{
	if (!f->err)
		f->err = name ? fdt_begin_node(f->buf, name) : fdt_end_node(f->buf);
}

int vc_fdt_start(struct vc_fdt *f, size_t cap)
{
	f->buf = malloc(cap);
	f->err = f->buf ? fdt_create(f->buf, (int)cap) : -FDT_ERR_NOSPACE;
	if (!f->err)
		f->err = fdt_finish_reservemap(f->buf);
	vc_fdt_node(f, "");
	return f->err;
}

int vc_fdt_end(struct vc_fdt *f, size_t *len)
{
	vc_fdt_node(f, NULL);
	if (!f->err)
		f->err = fdt_finish(f->buf);
	if (f->err) {
		vc_err("cannot build the device tree: %s", fdt_strerror(f->err));
		free(f->buf);
		f->buf = NULL;
		return -EINVAL;
	}
	*len = fdt_totalsize(f->buf);
	return 0;
}

