// SPDX-License-Identifier: MIT
/*
 * vigilctl bundle build / bundle pack: bundle payloads (a device tree, see
 * docs/channel.md) from command-line options, and the container around a
 * payload and its signature file. Every payload is decoded again by the
 * VMM's own decoder (vmm/bundle.c) before it is written: vigilctl never
 * writes a payload the VMM would refuse as malformed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"

#define VC_PATCH_COMPATIBLE "vigil,patch-v1"

struct vc_build_args {
	const char *kind, *role, *out, *patch, *name, *guest, *action, *io, *msr;
	const char *build_hex, *vmm;
	uint64_t seq;
};

static int vc_fail(const char *msg)
{
	vc_err("%s", msg);
	return -EINVAL;
}

int vc_patch_file_write(const char *path, const uint8_t build_id[VC_BUILD_ID_LEN],
			const struct bundle_patch *p)
{
	uint8_t redirects[PATCH_MAX_REDIRECTS][16], expect[PATCH_MAX_REDIRECTS][PATCH_REDIRECT_LEN];
	struct vc_fdt f;
	size_t len;
	int ret;

	for (unsigned i = 0; i < p->redirect_count; i++) {
		fdt64_t from = cpu_to_fdt64(p->redirects[i].from), to = cpu_to_fdt64(p->redirects[i].to);

		memcpy(redirects[i], &from, 8);
		memcpy(redirects[i] + 8, &to, 8);
		memcpy(expect[i], p->redirects[i].expect, PATCH_REDIRECT_LEN);
	}
	vc_fdt_start(&f, PATCH_MAX_CODE + 4096);
	vc_fdt_string(&f, "compatible", VC_PATCH_COMPATIBLE);
	vc_fdt_prop(&f, "build-id", build_id, VC_BUILD_ID_LEN);
	vc_fdt_node(&f, "patch");
	vc_fdt_string(&f, "patch-name", p->name);
	vc_fdt_u64(&f, "load-address", p->load_address);
	vc_fdt_prop(&f, "code", p->code, (int)p->code_len);
	vc_fdt_prop(&f, "redirects", redirects, (int)(16 * p->redirect_count));
	vc_fdt_prop(&f, "expect", expect, (int)(PATCH_REDIRECT_LEN * p->redirect_count));
	vc_fdt_node(&f, NULL);
	if (vc_fdt_end(&f, &len))
		return -EINVAL;
	ret = vc_file_write(path, f.buf, len, 0644, false);
	free(f.buf);
	return ret;
}

/* The build-id and the patch node of a `patch build` output. */
static int vc_patch_file_read(const char *path, uint8_t **blob, int *node, const uint8_t **build_id)
{
	size_t len;
	int idlen;

	if (vc_file_read(path, blob, &len))
		return -EIO;
	if (len < sizeof(struct fdt_header) || fdt_check_header(*blob) || fdt_totalsize(*blob) != len ||
	    fdt_check_full(*blob, len) || fdt_node_check_compatible(*blob, 0, VC_PATCH_COMPATIBLE)) {
		vc_err("%s: not a patch file (vigilctl patch build writes them)", path);
		return -EINVAL;
	}
	*build_id = fdt_getprop(*blob, 0, "build-id", &idlen);
	*node = fdt_subnode_offset(*blob, 0, "patch");
	if (!*build_id || idlen != VC_BUILD_ID_LEN || *node < 0) {
		vc_err("%s: no build-id or no patch node", path);
		return -EINVAL;
	}
	return 0;
}

/* Copy every property of the patch file's patch node, as they are. */
static void vc_content_patch(struct vc_fdt *f, const void *blob, int node)
{
	int prop;

	fdt_for_each_property_offset(prop, blob, node) {
		const char *name;
		int len;
		const void *val = fdt_getprop_by_offset(blob, prop, &name, &len);

		if (val)
			vc_fdt_prop(f, name, val, len);
	}
}

/* "PORT:COUNT,..." or "N,..." into big-endian cells; "" is none. */
int vc_cells_parse(const char *list, bool pairs, uint32_t *cells, int max, int *n)
{
	char *copy = strdup(list), *save = NULL;
	int ret = 0;

	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t && !ret; t = strtok_r(NULL, ",", &save)) {
		char *colon = pairs ? strchr(t, ':') : NULL;
		unsigned a = 0, b = 0;

		if (pairs && !colon) {
			vc_err("'%s': expected PORT:COUNT", t);
			ret = -EINVAL;
			break;
		}
		if (colon)
			*colon = 0;
		if (*n + (pairs ? 2 : 1) > max || vc_uint_parse(t, &a) || (colon && vc_uint_parse(colon + 1, &b))) {
			ret = -EINVAL;
			break;
		}
		cells[(*n)++] = cpu_to_fdt32(a);
		if (pairs)
			cells[(*n)++] = cpu_to_fdt32(b);
	}
	free(copy);
	return ret;
}

static int vc_content_policy(struct vc_fdt *f, const struct vc_build_args *a)
{
	fdt32_t io[2 * CONFIG_MAX_IO + 2], msr[CONFIG_MAX_MSRS + 1];
	int nio, nmsr;

	if (!a->guest || !a->io || !a->msr)
		return vc_fail("policy needs --guest, --io-allow and --msr-allow ('' allows none)");
	if (vc_cells_parse(a->io, true, io, 2 * CONFIG_MAX_IO + 2, &nio) ||
	    vc_cells_parse(a->msr, false, msr, CONFIG_MAX_MSRS + 1, &nmsr))
		return -EINVAL;
	vc_fdt_string(f, "guest", a->guest);
	vc_fdt_prop(f, "io-allow", io, 4 * nio);
	vc_fdt_prop(f, "msr-allow", msr, 4 * nmsr);
	return 0;
}

static int vc_content(struct vc_fdt *f, const struct vc_build_args *a, int kind, const void *patch,
		      int node)
{
	int ret = 0;

	vc_fdt_node(f, bundle_kind_nodes[kind]);
	if (kind == BUNDLE_LIVE_PATCH) {
		vc_content_patch(f, patch, node);
	} else if (kind == BUNDLE_PATCH_REVERT) {
		if (a->name)
			vc_fdt_string(f, "patch-name", a->name);
		else
			ret = vc_fail("patch-revert needs --name");
	} else if (kind == BUNDLE_GUEST_CONTROL) {
		if (!a->guest || !a->action)
			ret = vc_fail("guest-control needs --guest and --action");
		vc_fdt_string(f, "guest", a->guest ? a->guest : "");
		vc_fdt_string(f, "action", a->action ? a->action : "");
	} else if (kind == BUNDLE_POLICY) {
		ret = vc_content_policy(f, a);
	} else {
		ret = vc_fail("unknown kind");
	}
	vc_fdt_node(f, NULL);
	return ret;
}

/* Build the payload in f; decoded by the VMM's decoder before it counts. */
static int vc_payload_build(const struct vc_build_args *a, int kind, struct vc_fdt *f, size_t *len)
{
	static struct bundle check;
	struct bundle_verdict v;
	uint8_t *patch = NULL, build_id[VC_BUILD_ID_LEN];
	const uint8_t *patch_id = NULL;
	int node = -1, ret = -EINVAL;

	if (kind == BUNDLE_LIVE_PATCH && (!a->patch || vc_patch_file_read(a->patch, &patch, &node, &patch_id)))
		goto out;
	if (!a->build_hex && !a->vmm && patch_id)
		memcpy(build_id, patch_id, VC_BUILD_ID_LEN);
	else if (vc_build_id_get(a->build_hex, a->vmm, build_id))
		goto out;
	if (patch_id && memcmp(patch_id, build_id, VC_BUILD_ID_LEN)) {
		vc_err("%s was built for another VMM build-id", a->patch);
		goto out;
	}
	vc_fdt_start(f, BUNDLE_MAX_LEN);
	vc_fdt_string(f, "compatible", BUNDLE_COMPATIBLE);
	vc_fdt_string(f, "role", a->role ? a->role : config_role_names[bundle_kind_role(kind)]);
	vc_fdt_prop(f, "build-id", build_id, VC_BUILD_ID_LEN);
	vc_fdt_u64(f, "sequence", a->seq);
	vc_fdt_string(f, "kind", bundle_kind_names[kind]);
	if (vc_content(f, a, kind, patch, node) || vc_fdt_end(f, len))
		goto out;
	ret = bundle_payload_decode(f->buf, *len, &check, &v);
	if (ret)
		vc_err("%s", v.message);
out:
	free(patch);
	return ret;
}

static int vc_build_opts(int argc, char **argv, struct vc_build_args *a)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },   { "role", required_argument, NULL, 'r' },
		{ "seq", required_argument, NULL, 's' },    { "build-id", required_argument, NULL, 'b' },
		{ "vmm", required_argument, NULL, 'v' },    { "patch", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },   { "guest", required_argument, NULL, 'g' },
		{ "action", required_argument, NULL, 'a' }, { "io-allow", required_argument, NULL, 'i' },
		{ "msr-allow", required_argument, NULL, 'm' }, { "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char **slot[128] = {
		['k'] = &a->kind, ['r'] = &a->role, ['b'] = &a->build_hex, ['v'] = &a->vmm,
		['p'] = &a->patch, ['n'] = &a->name, ['g'] = &a->guest, ['a'] = &a->action,
		['i'] = &a->io, ['m'] = &a->msr, ['o'] = &a->out,
	};
	bool have_seq = false;
	int c;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 's' && vc_u64_parse(optarg, &a->seq) == 0)
			have_seq = true;
		else if (c > 0 && c < 128 && slot[c])
			*slot[c] = optarg;
		else
			return -EINVAL;
	}
	if (!a->kind || !have_seq || !a->out || optind != argc)
		return -EINVAL;
	return 0;
}

int vc_cmd_bundle_build(int argc, char **argv)
{
	struct vc_build_args a = { 0 };
	struct vc_fdt f = { 0 };
	size_t len;
	int kind, ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (vc_build_opts(argc, argv, &a))
		return vc_usage(false);
	for (kind = 0; kind < BUNDLE_KIND_COUNT && strcmp(a.kind, bundle_kind_names[kind]); kind++)
		;
	if (kind == BUNDLE_KIND_COUNT) {
		vc_err("unknown kind '%s' (live-patch, patch-revert, guest-control, policy)", a.kind);
		return VC_ERROR;
	}
	if (vc_payload_build(&a, kind, &f, &len)) {
		free(f.buf);
		return VC_ERROR;
	}
	ret = vc_file_write(a.out, f.buf, len, 0644, false) ? VC_ERROR : VC_OK;
	free(f.buf);
	return ret;
}

static void vc_le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

int vc_bundle_pack(const uint8_t *payload, size_t plen, const uint8_t *sig, size_t slen,
		   uint8_t **out, size_t *len)
{
	*len = BUNDLE_HEADER_LEN + plen + slen;
	if (*len > BUNDLE_MAX_LEN) {
		vc_err("the bundle would be %zu bytes; the limit is %u", *len, BUNDLE_MAX_LEN);
		return -E2BIG;
	}
	*out = malloc(*len);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, BUNDLE_MAGIC, BUNDLE_MAGIC_LEN);
	vc_le32_put(*out + 8, (uint32_t)plen);
	vc_le32_put(*out + 12, (uint32_t)slen);
	memcpy(*out + BUNDLE_HEADER_LEN, payload, plen);
	if (slen)
		memcpy(*out + BUNDLE_HEADER_LEN + plen, sig, slen);
	return 0;
}

/* Pack PAYLOAD [SIG]: no SIG makes an unsigned bundle (for tests). */
int vc_cmd_bundle_pack(int argc, char **argv)
{
	static struct bundle check;
	struct bundle_verdict v;
	struct sig_file sf;
	uint8_t *payload = NULL, *sig = NULL, *out = NULL;
	size_t plen, slen = 0, len;
	const char *why, *dst = NULL;
	int c, ret = VC_ERROR;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt(argc, argv, "o:")) != -1) {
		if (c != 'o')
			return vc_usage(false);
		dst = optarg;
	}
	if (!dst || argc - optind < 1 || argc - optind > 2)
		return vc_usage(false);
	if (vc_file_read(argv[optind], &payload, &plen) ||
	    (argc - optind == 2 && vc_file_read(argv[optind + 1], &sig, &slen)))
		goto out;
	if (bundle_payload_decode(payload, plen, &check, &v)) {
		vc_err("%s: %s", argv[optind], v.message);
		goto out;
	}
	if (sig && sig_file_decode(sig, slen, &sf, &why)) {
		vc_err("%s: %s", argv[optind + 1], why);
		goto out;
	}
	if (!sig)
		vc_err("warning: no signature file: the bundle is unsigned and will be refused");
	if (vc_bundle_pack(payload, plen, sig, slen, &out, &len) == 0)
		ret = vc_file_write(dst, out, len, 0644, false) ? VC_ERROR : VC_OK;
out:
	free(payload);
	free(sig);
	free(out);
	return ret;
}
