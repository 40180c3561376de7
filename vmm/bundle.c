// SPDX-License-Identifier: MIT
/*
 * Bundles: the container and the payload device tree, decoded completely
 * into a struct bundle (see bundle.h; bytes in docs/channel.md). Every
 * property and node is checked against an allow-list, each property may
 * appear once, and every length is checked before its bytes are copied.
 */
#include "vmm/bundle.h"
#include "vmm/bundle_priv.h"
#include "kernel/console.h"
#include "kernel/fdt_guard.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <libfdt.h>

#define BUNDLE_KIND_NAME(NAME, name, node, role) [BUNDLE_##NAME] = name,
#define BUNDLE_KIND_NODE(NAME, name, node, role) [BUNDLE_##NAME] = node,
#define BUNDLE_KIND_ROLE(NAME, name, node, role) [BUNDLE_##NAME] = role,
#define BUNDLE_ACTION_NAME(NAME, name) [BUNDLE_ACTION_##NAME] = name,
const char *const bundle_kind_names[BUNDLE_KIND_COUNT] = { BUNDLE_KINDS(BUNDLE_KIND_NAME) };
const char *const bundle_kind_nodes[BUNDLE_KIND_COUNT] = { BUNDLE_KINDS(BUNDLE_KIND_NODE) };
static const enum config_role_id bundle_kind_roles[BUNDLE_KIND_COUNT] = { BUNDLE_KINDS(BUNDLE_KIND_ROLE) };
const char *const bundle_action_names[BUNDLE_ACTION_COUNT] = { BUNDLE_ACTIONS(BUNDLE_ACTION_NAME) };

static uint32_t bnd_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t bnd_be64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* Set the verdict; err and code go together (channel.h lists the codes). */
int bnd_refuse(struct bundle_verdict *v, int err, enum channel_refusal code, const char *fmt, ...)
{
	char raw[sizeof(v->message)];
	va_list ap;

	v->err = err;
	v->code = code;
	va_start(ap, fmt);
	vsnprintk(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* The one place a verdict's text is made: names and strings from the
	 * bundle reach the console, the audit log and vigilctl from here. */
	str_escape(v->message, sizeof(v->message), raw);
	return err;
}

int bnd_bad(struct bnd_ctx *c, const char *fmt, ...)
{
	char msg[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintk(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bnd_refuse(c->v, -EBADMSG, CHANNEL_E_MALFORMED, "malformed payload: /%s: %s", c->node, msg);
}

enum config_role_id bundle_kind_role(enum bundle_kind kind)
{
	return (unsigned)kind < BUNDLE_KIND_COUNT ? bundle_kind_roles[kind] : ROLE_COUNT;
}

int bundle_container_decode(const void *buf, size_t len, struct bundle_span *out,
			    struct bundle_verdict *v)
{
	const uint8_t *p = buf;
	uint32_t plen, slen;

	memset(v, 0, sizeof(*v));
	memset(out, 0, sizeof(*out));
	if (len > BUNDLE_MAX_LEN)
		return bnd_refuse(v, -E2BIG, CHANNEL_E_OVERSIZED, "bundle of %zu bytes: the limit is %u",
				  len, BUNDLE_MAX_LEN);
	if (len < BUNDLE_HEADER_LEN)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_TRUNCATED,
				  "bundle truncated: %zu bytes, shorter than its header", len);
	if (memcmp(p, BUNDLE_MAGIC, BUNDLE_MAGIC_LEN) != 0)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_MALFORMED, "not a bundle (bad magic)");
	plen = bnd_le32(p + 8);
	slen = bnd_le32(p + 12);
	if (plen > BUNDLE_MAX_LEN || slen > BUNDLE_MAX_LEN)
		return bnd_refuse(v, -E2BIG, CHANNEL_E_OVERSIZED,
				  "bundle lengths above the limit (payload %u, signatures %u)", plen, slen);
	if ((uint64_t)BUNDLE_HEADER_LEN + plen + slen > len)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_TRUNCATED,
				  "bundle truncated: %zu bytes, its lengths say %u", len,
				  BUNDLE_HEADER_LEN + plen + slen);
	if (BUNDLE_HEADER_LEN + plen + slen < len)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_TRAILING, "%zu trailing bytes after the bundle",
				  len - (BUNDLE_HEADER_LEN + plen + slen));
	out->payload = p + BUNDLE_HEADER_LEN;
	out->payload_len = plen;
	out->sig = p + BUNDLE_HEADER_LEN + plen;
	out->sig_len = slen;
	return bnd_refuse(v, 0, CHANNEL_OK, "container well formed");
}

/*
 * Every property of `node` must be in `allowed` (at most 32), and appear
 * once: the blob format allows twins, and libfdt returns the first, so a
 * second could mean something to another reader. Those marked in
 * `required` (bit i for allowed[i]) must be there. Returns the mask of
 * those present, or a negative errno.
 */
int bnd_props(struct bnd_ctx *c, int node, const char *const *allowed, uint32_t required)
{
	uint32_t seen = 0;
	int prop;

	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;
		unsigned i;

		if (!fdt_getprop_by_offset(c->fdt, prop, &name, NULL) || !name)
			return bnd_bad(c, "unreadable property");
		for (i = 0; allowed[i] && strcmp(name, allowed[i]); i++)
			;
		if (!allowed[i])
			return bnd_bad(c, "unknown property '%s'", name);
		if (seen & (1u << i))
			return bnd_bad(c, "property '%s' appears twice", name);
		seen |= 1u << i;
	}
	if (prop != -FDT_ERR_NOTFOUND)
		return bnd_bad(c, "unreadable property list");
	for (unsigned i = 0; allowed[i]; i++)
		if ((required & (1u << i)) && !(seen & (1u << i)))
			return bnd_bad(c, "property '%s' missing", allowed[i]);
	return (int)seen;
}

/* All of `allowed`, each once, nothing else. */
int bnd_props_only(struct bnd_ctx *c, int node, const char *const *allowed)
{
	int seen = bnd_props(c, node, allowed, UINT32_MAX);

	return seen < 0 ? seen : 0;
}

const void *bnd_prop(struct bnd_ctx *c, int node, const char *name, int *len)
{
	const void *p = fdt_getprop(c->fdt, node, name, len);

	if (!p)
		*len = -1;
	return p;
}

/* A NUL-terminated string of 1..cap-1 characters, copied into out. */
int bnd_string(struct bnd_ctx *c, int node, const char *name, char *out, size_t cap)
{
	int len;
	const char *p = bnd_prop(c, node, name, &len);

	if (!p || len < 2 || (size_t)len > cap || p[len - 1] || strnlen(p, (size_t)len) != (size_t)len - 1)
		return bnd_bad(c, "'%s' must be one string of 1..%zu characters", name, cap - 1);
	memcpy(out, p, (size_t)len);
	return 0;
}

/* Index of `s` in names[0..n), or -1. */
int bnd_lookup(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* Names of patches and guests: 1..31 of [a-z0-9_-]; guests have no '_'. */
bool bnd_name_ok(const char *s, bool underscore)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      (underscore && *s == '_')))
			return false;
	return true;
}

int bnd_u64(struct bnd_ctx *c, int node, const char *name, uint64_t *out)
{
	int len;
	const void *p = bnd_prop(c, node, name, &len);

	if (!p || len != 8)
		return bnd_bad(c, "'%s' must be one 64-bit value (two cells)", name);
	*out = bnd_be64(p);
	return 0;
}

static int bnd_root(struct bnd_ctx *c)
{
	static const char *const props[] = { "compatible", "role", "build-id", "sequence", "kind", NULL };
	struct bundle *b = c->out;
	char s[32];
	int len, i, err;
	const void *p;

	err = bnd_props_only(c, 0, props);
	if (!err)
		err = bnd_string(c, 0, "compatible", s, sizeof(s));
	if (!err && strcmp(s, BUNDLE_COMPATIBLE))
		err = bnd_bad(c, "compatible must be \"%s\"", BUNDLE_COMPATIBLE);
	if (!err)
		err = bnd_string(c, 0, "role", s, sizeof(s));
	if (!err && (i = bnd_lookup(s, config_role_names, ROLE_COUNT)) < 0)
		err = bnd_bad(c, "unknown role '%s'", s);
	if (err)
		return err;
	b->role = (enum config_role_id)i;
	err = bnd_string(c, 0, "kind", s, sizeof(s));
	if (!err && (i = bnd_lookup(s, bundle_kind_names, BUNDLE_KIND_COUNT)) < 0)
		err = bnd_bad(c, "unknown kind '%s'", s);
	if (err)
		return err;
	b->kind = (enum bundle_kind)i;
	p = bnd_prop(c, 0, "build-id", &len);
	if (!p || len != BUNDLE_BUILD_ID_LEN)
		return bnd_bad(c, "'build-id' must be %d bytes", BUNDLE_BUILD_ID_LEN);
	memcpy(b->build_id, p, BUNDLE_BUILD_ID_LEN);
	err = bnd_u64(c, 0, "sequence", &b->sequence);
	if (!err && b->sequence == 0)
		err = bnd_bad(c, "'sequence' must be at least 1");
	return err;
}

/* Exactly one subnode, the kind's content node, itself without subnodes. */
static int bnd_content(struct bnd_ctx *c)
{
	const char *want = bundle_kind_nodes[c->out->kind];
	int node, count = 0, content = -1, sub;

	fdt_for_each_subnode(node, c->fdt, 0) {
		const char *name = fdt_get_name(c->fdt, node, NULL);

		if (!name || strcmp(name, want))
			return bnd_bad(c, "unknown node '%s' (kind %s carries '%s')", name ? name : "?",
				       bundle_kind_names[c->out->kind], want);
		count++;
		content = node;
	}
	if (count != 1)
		return bnd_bad(c, "kind %s needs exactly one '%s' node", bundle_kind_names[c->out->kind], want);
	c->node = want;
	fdt_for_each_subnode(sub, c->fdt, content)
		return bnd_bad(c, "unknown node");
	return bnd_content_decode(c, content);
}

static int bnd_blob(struct bnd_ctx *c, size_t len)
{
	const void *fdt = c->fdt;

	if ((uintptr_t)fdt & 3)
		return bnd_refuse(c->v, -EINVAL, CHANNEL_E_MALFORMED, "payload buffer not 4-byte aligned");
	if (len < sizeof(struct fdt_header))
		return bnd_refuse(c->v, -EBADMSG, CHANNEL_E_TRUNCATED, "payload truncated: %zu bytes", len);
	if (fdt_magic(fdt) != FDT_MAGIC || fdt_check_header(fdt))
		return bnd_bad(c, "not a device tree blob");
	/* Unsigned input yet: Debian's libfdt 1.6.1 reads through a NULL
	 * pointer in fdt_check_full() on a blob whose version is below 16.
	 * vigilctl writes 17. */
	if (fdt_version(fdt) < 17)
		return bnd_bad(c, "device tree version below 17");
	if (fdt_totalsize(fdt) > len)
		return bnd_refuse(c->v, -EBADMSG, CHANNEL_E_TRUNCATED,
				  "payload truncated: %zu bytes, its device tree says %u", len,
				  fdt_totalsize(fdt));
	if (fdt_totalsize(fdt) < len)
		return bnd_refuse(c->v, -EBADMSG, CHANNEL_E_TRAILING,
				  "%zu trailing bytes after the payload's device tree", len - fdt_totalsize(fdt));
	if (!fdt_guard_lengths_ok(fdt, len) || fdt_check_full(fdt, len))
		return bnd_bad(c, "device tree structure invalid");
	return 0;
}

int bundle_payload_decode(const void *payload, size_t len, struct bundle *out, struct bundle_verdict *v)
{
	struct bnd_ctx c = { payload, out, v, "" };
	int err;

	memset(v, 0, sizeof(*v));
	memset(out, 0, sizeof(*out));
	if (len > BUNDLE_MAX_LEN)
		err = bnd_refuse(v, -E2BIG, CHANNEL_E_OVERSIZED, "payload above the limit");
	else
		err = bnd_blob(&c, len);
	if (!err)
		err = bnd_root(&c);
	if (!err)
		err = bnd_content(&c);
	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	crypto_sha384(payload, len, out->digest);
	return bnd_refuse(v, 0, CHANNEL_OK, "payload well formed: %s, sequence %lu",
			  bundle_kind_names[out->kind], (unsigned long)out->sequence);
}

int bundle_decode(const void *buf, size_t len, struct bundle *out, struct bundle_span *span,
		  struct bundle_verdict *v)
{
	int err = bundle_container_decode(buf, len, span, v);

	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	return bundle_payload_decode(span->payload, span->payload_len, out, v);
}
