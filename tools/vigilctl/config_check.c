// SPDX-License-Identifier: MIT
/*
 * Host-side structural check of a compiled system config against
 * docs/formats.md ("System config"): known nodes and properties only,
 * property sizes, role key sets (through the same sig_keyset_check the
 * verifier uses), guest names, CPUs used by one guest at most, page-aligned
 * non-overlapping memory, port ranges inside 0..0xffff.
 *
 * It is a build-time safety net, not the VMM's validator: the VMM validates
 * the config itself at boot (kernel/config.c) and trusts nothing checked here.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tools/vigilctl/vigilctl.h"

#define VC_MAX_CPUS 1024
#define VC_PAGE 0x1000ull

struct vc_cfg {
	const void *fdt;
	bool cpu_used[VC_MAX_CPUS];
	/* every role key seen so far, to keep roles disjoint */
	const uint8_t *role_keys[3 * SIG_MAX_KEYS];
	unsigned nrole_keys;
};

__attribute__((format(printf, 3, 4)))
static int vc_bad(const struct vc_cfg *c, int node, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	if (fdt_get_path(c->fdt, node, path, sizeof(path)) != 0)
		strcpy(path, "?");
	fprintf(stderr, "vigilctl: config %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static bool vc_in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* Every property of `node` is in `allowed`; every one in `required` exists. */
static int vc_props_check(const struct vc_cfg *c, int node, const char *const *allowed,
			  const char *const *required)
{
	int prop;

	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;

		fdt_getprop_by_offset(c->fdt, prop, &name, NULL);
		if (!vc_in_list(name, allowed))
			return vc_bad(c, node, "unknown property '%s'", name);
	}
	for (; *required; required++)
		if (!fdt_getprop(c->fdt, node, *required, NULL))
			return vc_bad(c, node, "missing property '%s'", *required);
	return 0;
}

/* Property as big-endian 32-bit cells: count cells, a multiple of `group`. */
static const fdt32_t *vc_cells(const struct vc_cfg *c, int node, const char *name,
			       unsigned group, unsigned *count)
{
	int len;
	const fdt32_t *p = fdt_getprop(c->fdt, node, name, &len);

	if (!p || len <= 0 || len % (4 * (int)group) != 0) {
		vc_bad(c, node, "'%s' must be a non-empty list of 32-bit cell groups", name);
		return NULL;
	}
	*count = (unsigned)len / 4;
	return p;
}

static bool vc_role_key_shared(struct vc_cfg *c, const uint8_t *key)
{
	for (unsigned i = 0; i < c->nrole_keys; i++)
		if (!memcmp(c->role_keys[i], key, SIG_POINT_LEN))
			return true;
	return false;
}

static int vc_role_check(struct vc_cfg *c, int node)
{
	static const char *const props[] = { "threshold", "keys", NULL };
	uint8_t ids[SIG_MAX_KEYS][SIG_KEYID_LEN];
	const char *why = NULL;
	const fdt32_t *m;
	const uint8_t *keys;
	unsigned n, cells;
	int len;

	if (vc_props_check(c, node, props, props))
		return -EINVAL;
	keys = fdt_getprop(c->fdt, node, "keys", &len);
	m = vc_cells(c, node, "threshold", 1, &cells);
	if (!m || cells != 1)
		return vc_bad(c, node, "'%s' must be one cell", "threshold");
	if (len <= 0 || len % SIG_POINT_LEN || len / SIG_POINT_LEN > SIG_MAX_KEYS)
		return vc_bad(c, node, "'%s' must hold 1..16 keys of 97 bytes", "keys");
	n = (unsigned)len / SIG_POINT_LEN;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *key = keys + (size_t)i * SIG_POINT_LEN;

		if (c->nrole_keys == sizeof(c->role_keys) / sizeof(c->role_keys[0]))
			return vc_bad(c, node, "too many role keys");
		if (vc_role_key_shared(c, key))
			return vc_bad(c, node, "key %u is listed twice or in another role", i);
		c->role_keys[c->nrole_keys++] = key;
	}
	struct sig_keyset set = { (const uint8_t(*)[SIG_POINT_LEN])keys, n, fdt32_to_cpu(*m) };

	if (sig_keyset_check(&set, ids, &why))
		return vc_bad(c, node, "%s", why);
	return 0;
}

static int vc_roles_check(struct vc_cfg *c, int roles)
{
	static const char *const names[] = { "patch", "operator", "publisher", NULL };
	static const char *const none[] = { NULL };
	int node;

	if (vc_props_check(c, roles, none, none))
		return -EINVAL;
	fdt_for_each_subnode(node, c->fdt, roles) {
		const char *name = fdt_get_name(c->fdt, node, NULL);

		if (!vc_in_list(name, names))
			return vc_bad(c, roles, "unknown role '%s'", name);
		if (vc_role_check(c, node))
			return -EINVAL;
	}
	for (const char *const *n = names; *n; n++)
		if (fdt_subnode_offset(c->fdt, roles, *n) < 0)
			return vc_bad(c, roles, "missing role '%s'", *n);
	return 0;
}

/* Guest node names: [a-z0-9-], 1..31 characters. */
static bool vc_guest_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 31)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* A relative path below vigil/ that cannot climb out of it. */
static int vc_image_check(const struct vc_cfg *c, int node)
{
	int len;
	const char *p = fdt_getprop(c->fdt, node, "image", &len);

	if (len < 2 || p[len - 1] || strlen(p) != (size_t)len - 1)
		return vc_bad(c, node, "'image' must be one non-empty string");
	if (p[0] == '/' || !strcmp(p, "..") || !strncmp(p, "../", 3) || strstr(p, "/../") ||
	    (len > 3 && !strcmp(p + len - 4, "/..")))
		return vc_bad(c, node, "'image' must be a path below vigil/");
	return 0;
}

static int vc_cpus_check(struct vc_cfg *c, int node)
{
	unsigned n;
	const fdt32_t *p = vc_cells(c, node, "cpus", 1, &n);

	if (!p)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		uint32_t cpu = fdt32_to_cpu(p[i]);

		if (cpu == 0)
			return vc_bad(c, node, "CPU 0 is the VMM's own");
		if (cpu >= VC_MAX_CPUS)
			return vc_bad(c, node, "CPU %u out of range", cpu);
		if (c->cpu_used[cpu])
			return vc_bad(c, node, "CPU %u is given to two guests or twice", cpu);
		c->cpu_used[cpu] = true;
	}
	return 0;
}

static uint64_t vc_u64(const fdt32_t *p)
{
	return (uint64_t)fdt32_to_cpu(p[0]) << 32 | fdt32_to_cpu(p[1]);
}

static int vc_memory_check(const struct vc_cfg *c, int node)
{
	unsigned n;
	const fdt32_t *p = vc_cells(c, node, "memory", 4, &n);

	if (!p)
		return -EINVAL;
	for (unsigned i = 0; i < n; i += 4) {
		uint64_t base = vc_u64(p + i), size = vc_u64(p + i + 2);

		if (size == 0 || (base | size) % VC_PAGE || base + size < base)
			return vc_bad(c, node, "memory region %u: empty, unaligned or wrapping", i / 4);
		for (unsigned j = 0; j < i; j += 4)
			if (base < vc_u64(p + j) + vc_u64(p + j + 2) && vc_u64(p + j) < base + size)
				return vc_bad(c, node, "memory regions %u and %u overlap", j / 4, i / 4);
	}
	return 0;
}

static int vc_allow_check(const struct vc_cfg *c, int node)
{
	unsigned n;
	const fdt32_t *p;

	if (fdt_getprop(c->fdt, node, "io-allow", NULL)) {
		p = vc_cells(c, node, "io-allow", 2, &n);
		for (unsigned i = 0; p && i < n; i += 2) {
			uint64_t port = fdt32_to_cpu(p[i]), count = fdt32_to_cpu(p[i + 1]);

			if (count == 0 || port + count > 0x10000)
				return vc_bad(c, node, "io-allow range %u outside 0..0xffff", i / 2);
		}
		if (!p)
			return -EINVAL;
	}
	if (fdt_getprop(c->fdt, node, "msr-allow", NULL) && !vc_cells(c, node, "msr-allow", 1, &n))
		return -EINVAL;
	return 0;
}

static int vc_guest_check(struct vc_cfg *c, int node)
{
	static const char *const allowed[] = { "image", "cpus", "memory", "io-allow", "msr-allow", NULL };
	static const char *const required[] = { "image", "cpus", "memory", NULL };
	const char *name = fdt_get_name(c->fdt, node, NULL);

	if (!vc_guest_name_ok(name))
		return vc_bad(c, node, "guest name must be 1..31 of [a-z0-9-]");
	if (fdt_first_subnode(c->fdt, node) >= 0)
		return vc_bad(c, node, "unexpected child node");
	if (vc_props_check(c, node, allowed, required) || vc_image_check(c, node) ||
	    vc_cpus_check(c, node) || vc_memory_check(c, node) || vc_allow_check(c, node))
		return -EINVAL;
	return 0;
}

int vc_config_check(const void *dtb, size_t len)
{
	static const char *const root_props[] = { "compatible", NULL };
	static const char *const none[] = { NULL };
	static const char compat[] = "vigil,system-v1";
	static struct vc_cfg cfg;
	struct vc_cfg *c = &cfg;
	int node, plen, roles, guests;
	const char *p;

	memset(c, 0, sizeof(*c));
	c->fdt = dtb;
	if (len < sizeof(struct fdt_header) || fdt_check_header(dtb) || fdt_totalsize(dtb) > len) {
		vc_err("config: not a valid device tree blob");
		return -EINVAL;
	}
	if (vc_props_check(c, 0, root_props, root_props))
		return -EINVAL;
	p = fdt_getprop(dtb, 0, "compatible", &plen);
	if (plen != sizeof(compat) || memcmp(p, compat, sizeof(compat)))
		return vc_bad(c, 0, "compatible must be \"%s\"", compat);
	fdt_for_each_subnode(node, dtb, 0) {
		const char *name = fdt_get_name(dtb, node, NULL);

		if (strcmp(name, "roles") && strcmp(name, "guests"))
			return vc_bad(c, 0, "unknown node '%s'", name);
	}
	roles = fdt_subnode_offset(dtb, 0, "roles");
	guests = fdt_subnode_offset(dtb, 0, "guests");
	if (roles < 0 || guests < 0)
		return vc_bad(c, 0, "missing node '%s'", roles < 0 ? "roles" : "guests");
	if (vc_roles_check(c, roles) || vc_props_check(c, guests, none, none))
		return -EINVAL;
	fdt_for_each_subnode(node, dtb, guests)
		if (vc_guest_check(c, node))
			return -EINVAL;
	return 0;
}
