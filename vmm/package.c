/* SPDX-License-Identifier: MIT */
/*
 * Guest package manifests (vmm/package.h, docs/formats.md "Guest
 * packages"): decoded with the bundle decoder's strict helpers, so a
 * manifest follows the same rules as a bundle payload (version 17, every
 * token's length checked before libfdt walks it, no unknown or twice-given
 * property or node, no trailing bytes).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <libfdt.h>

#include "kernel/crypto/sig.h"
#include "kernel/fdt_guard.h"
#include "vmm/bundle_priv.h"
#include "vmm/package.h"
#include "vmm/policy.h"

#define PKG_FILE_NODE(NAME, node, required) node,
#define PKG_FILE_REQUIRED(NAME, node, required) required,
#define PKG_DEVICE_NAME(NAME, name) name,
#define PKG_REQ_NAME(NAME, name) name,
const char *const package_file_nodes[PACKAGE_FILE_COUNT] = { PACKAGE_FILES(PKG_FILE_NODE) };
static const bool pkg_file_required[PACKAGE_FILE_COUNT] = { PACKAGE_FILES(PKG_FILE_REQUIRED) };
const char *const package_device_names[PACKAGE_DEVICE_COUNT] = { PACKAGE_DEVICE_CLASSES(PKG_DEVICE_NAME) };
const char *const package_requirement_names[PACKAGE_REQ_COUNT] = { PACKAGE_REQUIREMENTS(PKG_REQ_NAME) };

#define PKG_PAGE 4096u

/* The bundle decoder's context (for its helpers and messages) and the
 * package being filled. */
struct pkg_ctx {
	struct bnd_ctx b;
	struct package *p;
};

/* A NUL-separated list of names from names[0..n) into a bit mask, each once. */
static int pkg_name_list(struct bnd_ctx *c, int node, const char *prop, const char *const *names, int n,
			 uint32_t *mask)
{
	int len;
	const char *p = bnd_prop(c, node, prop, &len), *end;

	*mask = 0;
	if (!p)
		return 0;
	if (len < 2 || p[len - 1])
		return bnd_bad(c, "'%s' must be a list of strings", prop);
	for (end = p + len; p < end; p += strlen(p) + 1) {
		int i = bnd_lookup(p, names, n);

		if (i < 0)
			return bnd_bad(c, "'%s': unknown '%.31s'", prop, p);
		if (*mask & (1u << i))
			return bnd_bad(c, "'%s': '%s' given twice", prop, p);
		*mask |= 1u << i;
	}
	return 0;
}

static bool pkg_path_ok(const char *s)
{
	if (*s == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int pkg_bytes(struct bnd_ctx *c, int node, const char *name, void *out, int want)
{
	int len;
	const void *p = bnd_prop(c, node, name, &len);

	if (!p || len != want)
		return bnd_bad(c, "'%s' must be %d bytes", name, want);
	memcpy(out, p, (size_t)want);
	return 0;
}

static int pkg_file(struct bnd_ctx *c, int node, struct package_file_ref *f)
{
	static const char *const props[] = { "path", "size", "sha256", "sha384", NULL };
	int err = bnd_props(c, node, props, 0xf);

	if (err < 0)
		return err;
	err = bnd_string(c, node, "path", f->path, sizeof(f->path));
	if (!err && !pkg_path_ok(f->path))
		err = bnd_bad(c, "path '%s': a file name of [A-Za-z0-9._-], not starting with '.'", f->path);
	if (!err)
		err = bnd_u64(c, node, "size", &f->size);
	if (!err && !f->size)
		err = bnd_bad(c, "'size' must be at least 1");
	if (!err)
		err = pkg_bytes(c, node, "sha256", f->sha256, CRYPTO_SHA256_LEN);
	if (!err)
		err = pkg_bytes(c, node, "sha384", f->sha384, CRYPTO_SHA384_LEN);
	f->present = !err;
	return err;
}

static int pkg_files(struct pkg_ctx *k, int files)
{
	struct bnd_ctx *c = &k->b;
	struct package *p = k->p;
	int node, err;

	if ((err = bnd_props(c, files, (const char *const[]){ NULL }, 0)) < 0)
		return err;
	fdt_for_each_subnode(node, c->fdt, files) {
		const char *name = fdt_get_name(c->fdt, node, NULL);
		int i = name ? bnd_lookup(name, package_file_nodes, PACKAGE_FILE_COUNT) : -1;
		int sub;

		if (i < 0)
			return bnd_bad(c, "unknown file node '%.31s'", name ? name : "?");
		if (p->files[i].present)
			return bnd_bad(c, "file node '%s' given twice", name);
		fdt_for_each_subnode(sub, c->fdt, node)
			return bnd_bad(c, "unknown node inside file '%s'", name);
		c->node = name;
		if ((err = pkg_file(c, node, &p->files[i])))
			return err;
	}
	c->node = "files";
	for (int i = 0; i < PACKAGE_FILE_COUNT; i++)
		if (pkg_file_required[i] && !p->files[i].present)
			return bnd_bad(c, "file '%s' missing", package_file_nodes[i]);
	for (int i = 0; i < PACKAGE_FILE_COUNT; i++)
		for (int j = i + 1; j < PACKAGE_FILE_COUNT; j++)
			if (p->files[i].present && p->files[j].present && !strcmp(p->files[i].path, p->files[j].path))
				return bnd_bad(c, "files '%s' and '%s' name the same path", package_file_nodes[i],
					       package_file_nodes[j]);
	return 0;
}

static uint32_t pkg_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

static int pkg_io(struct bnd_ctx *c, int node, struct package_needs *n)
{
	int len;
	const uint8_t *p = bnd_prop(c, node, "io-allow", &len);

	if (!p)
		return 0;
	if (len <= 0 || len % 8 || len / 8 > CONFIG_MAX_IO)
		return bnd_bad(c, "'io-allow' must be 1..%d (port, count) pairs", CONFIG_MAX_IO);
	for (int i = 0; i < len / 8; i++) {
		struct config_io io = { pkg_be32(p + 8 * i), pkg_be32(p + 8 * i + 4) };
		const char *why;

		if (!io.count || io.port > 0xffff || io.count > 0x10000 - io.port)
			return bnd_bad(c, "io-allow 0x%x+%u: not within ports 0..0xffff", io.port, io.count);
		if ((why = policy_io_forbidden(io.port, io.count)))
			return bnd_bad(c, "io-allow 0x%x+%u: never granted: %s", io.port, io.count, why);
		n->io[n->io_count++] = io;
	}
	return 0;
}

static int pkg_msrs(struct bnd_ctx *c, int node, struct package_needs *n)
{
	int len;
	const uint8_t *p = bnd_prop(c, node, "msr-allow", &len);

	if (!p)
		return 0;
	if (len <= 0 || len % 4 || len / 4 > CONFIG_MAX_MSRS)
		return bnd_bad(c, "'msr-allow' must be 1..%d MSR numbers", CONFIG_MAX_MSRS);
	for (int i = 0; i < len / 4; i++) {
		uint32_t msr = pkg_be32(p + 4 * i);
		const char *why = policy_msr_forbidden(msr);

		if (why)
			return bnd_bad(c, "msr-allow 0x%x: never granted: %s", msr, why);
		for (unsigned j = 0; j < n->msr_count; j++)
			if (n->msrs[j] == msr)
				return bnd_bad(c, "msr-allow 0x%x given twice", msr);
		n->msrs[n->msr_count++] = msr;
	}
	return 0;
}

static int pkg_needs(struct pkg_ctx *k, int node)
{
	static const char *const props[] = { "memory", "cpus", "io-allow", "msr-allow", "devices", "console-input",
					     NULL };
	struct bnd_ctx *c = &k->b;
	struct package_needs *n = &k->p->needs;
	int seen, len, sub;
	const void *cpus;

	c->node = "needs";
	fdt_for_each_subnode(sub, c->fdt, node)
		return bnd_bad(c, "unknown node");
	if ((seen = bnd_props(c, node, props, 0x3)) < 0)
		return seen;
	if (bnd_u64(c, node, "memory", &n->memory))
		return -EBADMSG;
	if (n->memory < PACKAGE_MIN_MEMORY || n->memory % PKG_PAGE || n->memory > CONFIG_GPA_LIMIT)
		return bnd_bad(c, "'memory' must be a multiple of 4 KiB from 1 MiB to 512 GiB");
	cpus = bnd_prop(c, node, "cpus", &len);
	if (!cpus || len != 4 || !(n->cpus = pkg_be32(cpus)) || n->cpus > CONFIG_MAX_GUEST_CPUS)
		return bnd_bad(c, "'cpus' must be one count of 1..%d vCPUs", CONFIG_MAX_GUEST_CPUS);
	if (pkg_io(c, node, n) || pkg_msrs(c, node, n) ||
	    pkg_name_list(c, node, "devices", package_device_names, PACKAGE_DEVICE_COUNT, &n->devices))
		return -EBADMSG;
	if (bnd_prop(c, node, "console-input", &len) && len != 0)
		return bnd_bad(c, "'console-input' takes no value");
	n->console_input = seen & (1 << 5);
	return 0;
}

static int pkg_cmdline(struct bnd_ctx *c, struct package *p)
{
	int len;

	if (!bnd_prop(c, 0, "cmdline", &len))
		return 0;
	if (bnd_string(c, 0, "cmdline", p->cmdline, sizeof(p->cmdline)))
		return -EBADMSG;
	for (const char *s = p->cmdline; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return bnd_bad(c, "'cmdline' must be printable ASCII");
	return 0;
}

static int pkg_root(struct pkg_ctx *k)
{
	static const char *const props[] = { "compatible", "package", "version", "security-version",
					     "cmdline", "requires", NULL };
	struct bnd_ctx *c = &k->b;
	struct package *p = k->p;
	char s[48];
	int err, node, files = -1, needs = -1;

	/* The type first: a bundle payload is named as one. */
	err = bnd_string(c, 0, "compatible", s, sizeof(s));
	if (!err && strcmp(s, PACKAGE_COMPATIBLE))
		err = bnd_bad(c, "compatible must be \"%s\"%s", PACKAGE_COMPATIBLE,
			      strcmp(s, BUNDLE_COMPATIBLE) ? "" : " (this is a bundle payload)");
	if (!err && (err = bnd_props(c, 0, props, 0xf)) > 0)
		err = 0;
	if (!err)
		err = bnd_string(c, 0, "package", p->name, sizeof(p->name));
	if (!err && !bnd_name_ok(p->name, false))
		err = bnd_bad(c, "package name '%s': [a-z0-9-] only", p->name);
	if (!err)
		err = bnd_u64(c, 0, "version", &p->version);
	if (!err && !p->version)
		err = bnd_bad(c, "'version' must be at least 1");
	if (!err)
		err = bnd_u64(c, 0, "security-version", &p->security_version);
	if (!err)
		err = pkg_cmdline(c, p);
	if (!err)
		err = pkg_name_list(c, 0, "requires", package_requirement_names, PACKAGE_REQ_COUNT, &p->requires);
	if (err)
		return err;
	fdt_for_each_subnode(node, c->fdt, 0) {
		const char *name = fdt_get_name(c->fdt, node, NULL);

		if (name && !strcmp(name, "files") && files < 0)
			files = node;
		else if (name && !strcmp(name, "needs") && needs < 0)
			needs = node;
		else
			return bnd_bad(c, "unknown or repeated node '%.31s'", name ? name : "?");
	}
	if (files < 0 || needs < 0)
		return bnd_bad(c, "the 'files' and 'needs' nodes are required");
	c->node = "files";
	if ((err = pkg_files(k, files)))
		return err;
	return pkg_needs(k, needs);
}

static int pkg_blob(struct bnd_ctx *c, size_t len)
{
	const void *fdt = c->fdt;

	if ((uintptr_t)fdt & 3)
		return bnd_refuse(c->v, -EINVAL, CHANNEL_E_MALFORMED, "manifest buffer not 4-byte aligned");
	if (len > PACKAGE_MAX_MANIFEST)
		return bnd_refuse(c->v, -E2BIG, CHANNEL_E_OVERSIZED, "manifest of %zu bytes, above %u", len,
				  PACKAGE_MAX_MANIFEST);
	if (len < sizeof(struct fdt_header))
		return bnd_refuse(c->v, -EBADMSG, CHANNEL_E_TRUNCATED, "manifest truncated: %zu bytes", len);
	if (fdt_magic(fdt) != FDT_MAGIC || fdt_check_header(fdt))
		return bnd_bad(c, "not a device tree blob");
	if (fdt_version(fdt) < 17) /* libfdt 1.6.1: see bnd_blob() in vmm/bundle.c */
		return bnd_bad(c, "device tree version below 17");
	if (fdt_totalsize(fdt) > len)
		return bnd_refuse(c->v, -EBADMSG, CHANNEL_E_TRUNCATED, "manifest truncated: %zu bytes, its device tree says %u",
				  len, fdt_totalsize(fdt));
	if (fdt_totalsize(fdt) < len)
		return bnd_refuse(c->v, -EBADMSG, CHANNEL_E_TRAILING, "%zu trailing bytes after the manifest",
				  len - fdt_totalsize(fdt));
	if (!fdt_guard_lengths_ok(fdt, len) || fdt_check_full(fdt, len))
		return bnd_bad(c, "device tree structure invalid");
	return 0;
}

int package_decode(const void *manifest, size_t len, struct package *out, struct bundle_verdict *v)
{
	struct pkg_ctx k = { { manifest, NULL, v, "" }, out };
	int err;

	memset(v, 0, sizeof(*v));
	memset(out, 0, sizeof(*out));
	v->role = ROLE_PUBLISHER;
	err = pkg_blob(&k.b, len);
	if (!err)
		err = pkg_root(&k);
	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	crypto_sha384(manifest, len, out->digest);
	return bnd_refuse(v, 0, CHANNEL_OK, "manifest well formed: %s version %lu, security version %lu", out->name,
			  (unsigned long)out->version, (unsigned long)out->security_version);
}

int package_sigs_check(const struct package *p, const void *manifest, size_t len, const void *sigfile,
		       size_t siglen, const uint8_t (*keys)[CONFIG_KEY_LEN], unsigned count, unsigned threshold,
		       struct bundle_verdict *v)
{
	struct sig_keyset set = { keys, count, threshold };
	uint8_t digest[CRYPTO_SHA384_LEN];
	struct sig_verdict sv;
	int ret;

	memset(v, 0, sizeof(*v));
	v->role = ROLE_PUBLISHER;
	crypto_sha384(manifest, len, digest);
	if (memcmp(digest, p->digest, sizeof(digest)))
		return bnd_refuse(v, -EINVAL, CHANNEL_E_MALFORMED, "the manifest is not the one decoded");
	if (siglen == 0)
		return bnd_refuse(v, -ENODATA, CHANNEL_E_NO_SIGNATURE, "package %s: no signature", p->name);
	ret = sig_verify_set(manifest, len, sigfile, siglen, &set, &sv);
	v->valid = sv.valid;
	v->needed = sv.needed;
	v->entries = sv.entries;
	v->unknown = sv.unknown;
	v->signers = sv.signers;
	switch (ret) {
	case 0:
		return bnd_refuse(v, 0, CHANNEL_OK, "package %s: signed by %u of the %u publisher keys needed", p->name,
				  sv.valid, sv.needed);
	case -EBADMSG:
		return bnd_refuse(v, ret, CHANNEL_E_SIG_MALFORMED, "package %s: malformed signature file: %s", p->name,
				  sv.why);
	case -ENOMEM:
		return bnd_refuse(v, ret, CHANNEL_E_NOMEM, "out of memory while verifying");
	case -EPERM:
		if (sv.valid)
			return bnd_refuse(v, -EPERM, CHANNEL_E_TOO_FEW,
					  "package %s: too few signers: %u of %u publisher keys needed", p->name,
					  sv.valid, sv.needed);
		if (sv.unknown < sv.entries)
			return bnd_refuse(v, -EKEYREJECTED, CHANNEL_E_BAD_SIGNATURE,
					  "package %s: bad signature: none valid by its publisher keys", p->name);
		return bnd_refuse(v, -EACCES, CHANNEL_E_UNKNOWN_KEY,
				  "package %s: signed only by keys that are not its publishers'", p->name);
	default:
		return bnd_refuse(v, -EINVAL, CHANNEL_E_KEYSET, "package %s: unusable publisher key set: %s", p->name,
				  sv.why);
	}
}

int package_entry(const struct package *p, const struct config_guest *g, const struct package_effective *e,
		  struct config_guest *out, struct bundle_verdict *v)
{
	static const size_t offs[PACKAGE_FILE_COUNT] = { offsetof(struct config_guest, image),
							  offsetof(struct config_guest, initrd),
							  offsetof(struct config_guest, acpi) };

	memset(v, 0, sizeof(*v));
	*out = *g;
	out->cpu_count = e->cpu_count;
	memcpy(out->cpus, e->cpus, sizeof(out->cpus));
	out->region_count = e->region_count;
	memcpy(out->regions, e->regions, sizeof(out->regions));
	out->io_count = e->io_count;
	memcpy(out->io, e->io, sizeof(out->io));
	out->msr_count = e->msr_count;
	memcpy(out->msrs, e->msrs, sizeof(out->msrs));
	out->console_input = e->console_input;
	memcpy(out->cmdline, p->cmdline, sizeof(out->cmdline));
	for (int f = 0; f < PACKAGE_FILE_COUNT; f++) {
		char *dst = (char *)out + offs[f];
		size_t d = strlen(g->package), n = strlen(p->files[f].path);

		dst[0] = 0;
		if (!p->files[f].present)
			continue;
		if (d + 1 + n >= CONFIG_PATH_LEN)
			return bnd_refuse(v, -E2BIG, CHANNEL_E_APPLY, "package %s: the path of '%s' is too long",
					  p->name, p->files[f].path);
		memcpy(dst, g->package, d);
		dst[d] = '/';
		memcpy(dst + d + 1, p->files[f].path, n + 1);
	}
	return bnd_refuse(v, 0, CHANNEL_OK, "package %s: guest %s's entry made", p->name, g->name);
}

int package_file_check(const struct package *p, enum package_file f, const void *data, size_t len,
		       struct bundle_verdict *v)
{
	const struct package_file_ref *r;
	uint8_t d256[CRYPTO_SHA256_LEN], d384[CRYPTO_SHA384_LEN];

	memset(v, 0, sizeof(*v));
	if ((unsigned)f >= PACKAGE_FILE_COUNT || !p->files[f].present)
		return bnd_refuse(v, -ENOENT, CHANNEL_E_MALFORMED, "package %s names no such file", p->name);
	r = &p->files[f];
	if (len != r->size)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_MALFORMED, "package %s: %s '%s' is %zu bytes, the manifest says %lu",
				  p->name, package_file_nodes[f], r->path, len, (unsigned long)r->size);
	crypto_sha256(data, len, d256);
	crypto_sha384(data, len, d384);
	if (memcmp(d256, r->sha256, sizeof(d256)) || memcmp(d384, r->sha384, sizeof(d384)))
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_MALFORMED, "package %s: %s '%s' does not match the manifest's digests",
				  p->name, package_file_nodes[f], r->path);
	return bnd_refuse(v, 0, CHANNEL_OK, "package %s: %s '%s' matches", p->name, package_file_nodes[f], r->path);
}

/* Whether [port, port + count) lies within the union of the granted ranges. */
static bool pkg_ports_granted(const struct config_guest *g, uint32_t port, uint32_t count)
{
	uint32_t pos = port, end = port + count;

	while (pos < end) {
		uint32_t next = pos;

		for (unsigned i = 0; i < g->io_count; i++)
			if (pos >= g->io[i].port && pos - g->io[i].port < g->io[i].count)
				next = g->io[i].port + g->io[i].count > next ? g->io[i].port + g->io[i].count : next;
		if (next == pos)
			return false;
		pos = next;
	}
	return true;
}

static bool pkg_msr_granted(const struct config_guest *g, uint32_t msr)
{
	for (unsigned i = 0; i < g->msr_count; i++)
		if (g->msrs[i] == msr)
			return true;
	return false;
}

/* The granted regions, in order, up to `memory` bytes. */
static int pkg_memory(const struct package *p, const struct config_guest *g, struct package_effective *e,
		      struct bundle_verdict *v)
{
	uint64_t left = p->needs.memory, total = 0;

	for (unsigned i = 0; i < g->region_count; i++)
		total += g->regions[i].size;
	if (total < left)
		return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
				  "package %s needs %lu KiB of memory; guest %s is granted %lu KiB", p->name,
				  (unsigned long)(left >> 10), g->name, (unsigned long)(total >> 10));
	for (unsigned i = 0; i < g->region_count && left; i++) {
		uint64_t take = g->regions[i].size < left ? g->regions[i].size : left;

		e->regions[e->region_count++] = (struct config_region){ g->regions[i].gpa, take };
		left -= take;
	}
	return 0;
}

static int pkg_grant_io(const struct package *p, const struct config_guest *g, struct package_effective *e,
			struct bundle_verdict *v)
{
	const struct package_needs *n = &p->needs;

	for (unsigned i = 0; i < n->io_count; i++) {
		if (!pkg_ports_granted(g, n->io[i].port, n->io[i].count))
			return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
					  "package %s needs ports 0x%x+%u; guest %s is not granted them", p->name,
					  n->io[i].port, n->io[i].count, g->name);
		e->io[e->io_count++] = n->io[i];
	}
	for (unsigned i = 0; i < n->msr_count; i++) {
		if (!pkg_msr_granted(g, n->msrs[i]))
			return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
					  "package %s needs MSR 0x%x; guest %s is not granted it", p->name, n->msrs[i],
					  g->name);
		e->msrs[e->msr_count++] = n->msrs[i];
	}
	return 0;
}

static int pkg_requires(const struct package *p, const struct config_guest *g, struct bundle_verdict *v)
{
	if ((p->requires & (1u << PACKAGE_REQ_SMT_ISOLATED)) && g->smt_shared_ok)
		return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
				  "package %s requires smt-isolated; guest %s is configured smt-shared-ok", p->name,
				  g->name);
	for (int r = 0; r < PACKAGE_REQ_COUNT; r++)
		if (r != PACKAGE_REQ_SMT_ISOLATED && (p->requires & (1u << r)))
			return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
					  "package %s requires %s, which this Vigil does not provide yet", p->name,
					  package_requirement_names[r]);
	return 0;
}

static void pkg_put32(uint8_t **w, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		*(*w)++ = (uint8_t)(x >> (8 * i));
}

/* docs/formats.md, "Effective policy": little-endian, in this order. */
static void pkg_digest(const struct package *p, struct package_effective *e)
{
	static const char tag[] = "vigil-package-policy-v1";
	uint8_t buf[sizeof(tag) + CONFIG_NAME_LEN + 8 + 4 + 4 + 8 * CONFIG_MAX_IO + 4 + 4 * CONFIG_MAX_MSRS + 12];
	uint8_t *w = buf;

	memset(buf, 0, sizeof(buf));
	memcpy(w, tag, sizeof(tag));
	w += sizeof(tag);
	memcpy(w, p->name, strlen(p->name));
	w += CONFIG_NAME_LEN;
	pkg_put32(&w, (uint32_t)p->needs.memory);
	pkg_put32(&w, (uint32_t)(p->needs.memory >> 32));
	pkg_put32(&w, e->cpu_count);
	pkg_put32(&w, e->io_count);
	for (unsigned i = 0; i < e->io_count; i++) {
		pkg_put32(&w, e->io[i].port);
		pkg_put32(&w, e->io[i].count);
	}
	pkg_put32(&w, e->msr_count);
	for (unsigned i = 0; i < e->msr_count; i++)
		pkg_put32(&w, e->msrs[i]);
	pkg_put32(&w, p->needs.devices);
	pkg_put32(&w, e->console_input ? 1 : 0);
	pkg_put32(&w, p->requires);
	crypto_sha256(buf, (size_t)(w - buf), e->digest);
}

int package_grant(const struct package *p, const struct config_guest *g, struct package_effective *out,
		  struct bundle_verdict *v)
{
	const struct package_needs *n = &p->needs;
	int err;

	memset(out, 0, sizeof(*out));
	memset(v, 0, sizeof(*v));
	if (n->cpus > g->cpu_count)
		return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY, "package %s needs %u vCPU%s; guest %s is granted %u CPU%s",
				  p->name, n->cpus, n->cpus == 1 ? "" : "s", g->name, g->cpu_count,
				  g->cpu_count == 1 ? "" : "s");
	out->cpu_count = n->cpus;
	memcpy(out->cpus, g->cpus, n->cpus * sizeof(out->cpus[0]));
	if (n->devices) {
		for (int d = 0; d < PACKAGE_DEVICE_COUNT; d++)
			if (n->devices & (1u << d))
				return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
						  "package %s needs a %s device; guest %s is granted none", p->name,
						  package_device_names[d], g->name);
	}
	if (n->console_input && !g->console_input)
		return bnd_refuse(v, -EPERM, CHANNEL_E_APPLY,
				  "package %s needs console input; guest %s is not granted it", p->name, g->name);
	out->console_input = n->console_input;
	err = pkg_memory(p, g, out, v);
	if (!err)
		err = pkg_grant_io(p, g, out, v);
	if (!err)
		err = pkg_requires(p, g, v);
	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	pkg_digest(p, out);
	return bnd_refuse(v, 0, CHANNEL_OK, "package %s granted to guest %s", p->name, g->name);
}
