// SPDX-License-Identifier: MIT
/*
 * The content node of each bundle kind (docs/channel.md, "Bundles"):
 * patch, revert, control and policy, decoded into struct bundle. Only the
 * shape is checked here; what needs the running VMM's state (the original
 * functions exist, a guest exists, a policy only tightens) is the VMM's.
 */
#include "vmm/bundle_priv.h"

#include <errno.h>
#include <string.h>
#include <libfdt.h>

/* The top 2 GiB, where -mcmodel=kernel code lives: a rel32 jump between
 * any two addresses there is encodable, so every redirect is. */
#define BUNDLE_TEXT_LOW 0xffffffff80000000ull
#define BUNDLE_PATCH_END (PATCH_AREA_BASE + PATCH_AREA_SIZE)
#define BUNDLE_PORT_LIMIT 0x10000u

static uint32_t bnd_cell(const void *p, unsigned i)
{
	return fdt32_to_cpu(((const fdt32_t *)p)[i]);
}

static int bnd_patch_code(struct bnd_ctx *c, int node, struct bundle_patch *p)
{
	const void *code;
	int len, err;

	err = bnd_u64(c, node, "load-address", &p->load_address);
	if (err)
		return err;
	if (p->load_address < PATCH_AREA_BASE || p->load_address >= BUNDLE_PATCH_END ||
	    p->load_address % PATCH_ALIGN)
		return bnd_bad(c, "'load-address' 0x%lx is not a page of the patch area",
			       (unsigned long)p->load_address);
	code = bnd_prop(c, node, "code", &len);
	if (!code || len < 1 || (unsigned)len > PATCH_MAX_CODE)
		return bnd_bad(c, "'code' must hold 1..%u bytes", PATCH_MAX_CODE);
	if ((uint64_t)len > BUNDLE_PATCH_END - p->load_address)
		return bnd_bad(c, "'code' runs past the end of the patch area");
	p->code_len = (uint32_t)len;
	memcpy(p->code, code, (size_t)len);
	return 0;
}

/* One redirect: from in the VMM's text below the patch area, to inside the
 * patch's code, and no two overwritten windows overlapping. */
static int bnd_redirect_check(struct bnd_ctx *c, const struct bundle_patch *p, unsigned i)
{
	const struct bundle_redirect *r = &p->redirects[i];

	if (r->from < BUNDLE_TEXT_LOW || r->from > PATCH_AREA_BASE - PATCH_REDIRECT_LEN)
		return bnd_bad(c, "redirect %u: from 0x%lx is outside the VMM's text range", i,
			       (unsigned long)r->from);
	if (r->to < p->load_address || r->to - p->load_address >= p->code_len)
		return bnd_bad(c, "redirect %u: to 0x%lx is outside the patch's code", i,
			       (unsigned long)r->to);
	for (unsigned j = 0; j < i; j++) {
		uint64_t other = p->redirects[j].from;

		if (r->from < other + PATCH_REDIRECT_LEN && other < r->from + PATCH_REDIRECT_LEN)
			return bnd_bad(c, "redirects %u and %u overwrite the same bytes", j, i);
	}
	return 0;
}

static int bnd_patch_redirects(struct bnd_ctx *c, int node, struct bundle_patch *p)
{
	const uint8_t *cells, *expect;
	int len, elen, err = 0;

	cells = bnd_prop(c, node, "redirects", &len);
	if (!cells || len < 16 || len % 16 || len / 16 > PATCH_MAX_REDIRECTS)
		return bnd_bad(c, "'redirects' must hold 1..%d (from, to) pairs of 64-bit values",
			       PATCH_MAX_REDIRECTS);
	p->redirect_count = (unsigned)len / 16;
	expect = bnd_prop(c, node, "expect", &elen);
	if (!expect || elen != (int)(p->redirect_count * PATCH_REDIRECT_LEN))
		return bnd_bad(c, "'expect' must hold %d bytes per redirect", PATCH_REDIRECT_LEN);
	for (unsigned i = 0; !err && i < p->redirect_count; i++) {
		struct bundle_redirect *r = &p->redirects[i];

		r->from = bnd_be64(cells + 16 * i);
		r->to = bnd_be64(cells + 16 * i + 8);
		memcpy(r->expect, expect + PATCH_REDIRECT_LEN * i, PATCH_REDIRECT_LEN);
		err = bnd_redirect_check(c, p, i);
	}
	return err;
}

static int bnd_patch(struct bnd_ctx *c, int node, struct bundle_patch *p)
{
	static const char *const props[] = { "patch-name", "load-address", "code", "redirects", "expect", NULL };
	int err = bnd_props_only(c, node, props);

	if (!err)
		err = bnd_string(c, node, "patch-name", p->name, sizeof(p->name));
	if (!err && !bnd_name_ok(p->name, true))
		err = bnd_bad(c, "'patch-name' must be of [a-z0-9_-]");
	if (!err)
		err = bnd_patch_code(c, node, p);
	return err ? err : bnd_patch_redirects(c, node, p);
}

static int bnd_revert(struct bnd_ctx *c, int node, struct bundle_revert *r)
{
	static const char *const props[] = { "patch-name", NULL };
	int err = bnd_props_only(c, node, props);

	if (!err)
		err = bnd_string(c, node, "patch-name", r->name, sizeof(r->name));
	if (!err && !bnd_name_ok(r->name, true))
		err = bnd_bad(c, "'patch-name' must be of [a-z0-9_-]");
	return err;
}

static int bnd_guest(struct bnd_ctx *c, int node, char *guest)
{
	int err = bnd_string(c, node, "guest", guest, CONFIG_NAME_LEN);

	if (!err && !bnd_name_ok(guest, false))
		err = bnd_bad(c, "'guest' must be of [a-z0-9-]");
	return err;
}

static int bnd_control(struct bnd_ctx *c, int node, struct bundle_control *ctl)
{
	static const char *const props[] = { "guest", "action", NULL };
	char action[16];
	int err = bnd_props_only(c, node, props), i;

	if (!err)
		err = bnd_guest(c, node, ctl->guest);
	if (!err)
		err = bnd_string(c, node, "action", action, sizeof(action));
	if (err)
		return err;
	i = bnd_lookup(action, bundle_action_names, BUNDLE_ACTION_COUNT);
	if (i < 0)
		return bnd_bad(c, "'action' must be stop, start or restart");
	ctl->action = (enum bundle_action)i;
	return 0;
}

/* io-allow: (first port, count) pairs, possibly none: deny all. */
static int bnd_policy_io(struct bnd_ctx *c, int node, struct bundle_policy *p)
{
	int len;
	const void *cells = bnd_prop(c, node, "io-allow", &len);

	if (len < 0 || len % 8 || len / 8 > CONFIG_MAX_IO)
		return bnd_bad(c, "'io-allow' must hold 0..%d (port, count) pairs", CONFIG_MAX_IO);
	p->io_count = (unsigned)len / 8;
	for (unsigned i = 0; i < p->io_count; i++) {
		struct config_io io = { bnd_cell(cells, 2 * i), bnd_cell(cells, 2 * i + 1) };

		if (io.count == 0 || io.port >= BUNDLE_PORT_LIMIT || io.count > BUNDLE_PORT_LIMIT - io.port)
			return bnd_bad(c, "io-allow %u: ports 0x%x+%u are not a range of ports", i, io.port,
				       io.count);
		p->io[i] = io;
	}
	return 0;
}

/* msr-allow: MSR numbers, possibly none, each once. */
static int bnd_policy_msrs(struct bnd_ctx *c, int node, struct bundle_policy *p)
{
	int len;
	const void *cells = bnd_prop(c, node, "msr-allow", &len);

	if (len < 0 || len % 4 || len / 4 > CONFIG_MAX_MSRS)
		return bnd_bad(c, "'msr-allow' must hold 0..%d MSR numbers", CONFIG_MAX_MSRS);
	p->msr_count = (unsigned)len / 4;
	for (unsigned i = 0; i < p->msr_count; i++) {
		p->msrs[i] = bnd_cell(cells, i);
		for (unsigned j = 0; j < i; j++)
			if (p->msrs[j] == p->msrs[i])
				return bnd_bad(c, "msr-allow lists 0x%x twice", p->msrs[i]);
	}
	return 0;
}

static int bnd_policy(struct bnd_ctx *c, int node, struct bundle_policy *p)
{
	static const char *const props[] = { "guest", "io-allow", "msr-allow", NULL };
	int err = bnd_props_only(c, node, props);

	if (!err)
		err = bnd_guest(c, node, p->guest);
	if (!err)
		err = bnd_policy_io(c, node, p);
	return err ? err : bnd_policy_msrs(c, node, p);
}

int bnd_content_decode(struct bnd_ctx *c, int node)
{
	struct bundle *b = c->out;

	switch (b->kind) {
	case BUNDLE_LIVE_PATCH:
		return bnd_patch(c, node, &b->u.patch);
	case BUNDLE_PATCH_REVERT:
		return bnd_revert(c, node, &b->u.revert);
	case BUNDLE_GUEST_CONTROL:
		return bnd_control(c, node, &b->u.control);
	case BUNDLE_POLICY:
		return bnd_policy(c, node, &b->u.policy);
	default:
		return bnd_bad(c, "unknown kind");
	}
}
