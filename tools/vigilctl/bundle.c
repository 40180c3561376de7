// SPDX-License-Identifier: MIT
/*
 * vigilctl bundle inspect / bundle verify: read bundles with the VMM's own
 * decoder and verifier (vmm/bundle*.c), so what `verify` accepts is what
 * the VMM accepts, given the same config, build-id and sequence numbers.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/crypto/sig.h"
#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"

static int vc_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vc_hex_parse(const char *s, uint8_t *out, size_t n)
{
	size_t got = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (*s) {
		int hi, lo;

		if (*s == ':') {
			s++;
			continue;
		}
		hi = vc_hex_digit(s[0]);
		lo = hi < 0 ? -1 : vc_hex_digit(s[1]);
		if (lo < 0 || got == n)
			return -EINVAL;
		out[got++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return got == n ? 0 : -EINVAL;
}

int vc_u64_parse(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		vc_err("'%s' is not a number", s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int vc_config_load(const char *path, struct config *cfg)
{
	char err[256];
	uint8_t *blob;
	size_t len;
	int ret;

	if (vc_file_read(path, &blob, &len))
		return -EIO;
	ret = config_parse(blob, len, cfg, err, sizeof(err));
	if (ret)
		vc_err("%s: %s", path, err);
	free(blob);
	return ret;
}

static void vc_hex_line(const char *label, const uint8_t *p, size_t n)
{
	printf("  %-14s ", label);
	vc_hex_print(p, n);
	printf("\n");
}

static void vc_patch_print(const struct bundle_patch *p)
{
	printf("  patch          %s: %u bytes of code at 0x%lx\n", p->name, p->code_len,
	       (unsigned long)p->load_address);
	for (unsigned i = 0; i < p->redirect_count; i++) {
		const struct bundle_redirect *r = &p->redirects[i];

		printf("  redirect       0x%lx -> 0x%lx  (expect ", (unsigned long)r->from,
		       (unsigned long)r->to);
		vc_hex_print(r->expect, PATCH_REDIRECT_LEN);
		printf(")\n");
	}
}

static void vc_policy_print(const struct bundle_policy *p)
{
	printf("  guest          %s\n  io-allow      ", p->guest);
	for (unsigned i = 0; i < p->io_count; i++)
		printf(" 0x%x:%u", p->io[i].port, p->io[i].count);
	printf("%s\n  msr-allow     ", p->io_count ? "" : " (none)");
	for (unsigned i = 0; i < p->msr_count; i++)
		printf(" 0x%x", p->msrs[i]);
	printf("%s\n", p->msr_count ? "" : " (none)");
}

void vc_bundle_print(const struct bundle *b)
{
	printf("  kind           %s\n  role           %s\n  sequence       %lu\n",
	       (unsigned)b->kind < BUNDLE_KIND_COUNT ? bundle_kind_names[b->kind] : "(unknown)",
	       config_role_names[b->role], (unsigned long)b->sequence);
	vc_hex_line("build-id", b->build_id, sizeof(b->build_id));
	vc_hex_line("payload sha384", b->digest, sizeof(b->digest));
	switch (b->kind) {
	case BUNDLE_LIVE_PATCH:
		vc_patch_print(&b->u.patch);
		break;
	case BUNDLE_PATCH_REVERT:
		printf("  revert         %s\n", b->u.revert.name);
		break;
	case BUNDLE_GUEST_CONTROL:
		printf("  guest          %s\n  action         %s\n", b->u.control.guest,
		       (unsigned)b->u.control.action < BUNDLE_ACTION_COUNT
			       ? bundle_action_names[b->u.control.action]
			       : "(unknown)");
		break;
	case BUNDLE_POLICY:
		vc_policy_print(&b->u.policy);
		break;
	default:
		printf("  content        (unknown kind %u)\n", (unsigned)b->kind);
	}
}

/* The role of key id `id` in cfg, or NULL. */
static const char *vc_key_role(const struct config *cfg, const uint8_t *id)
{
	uint8_t kid[SIG_KEYID_LEN];

	for (int r = 0; cfg && r < ROLE_COUNT; r++)
		for (unsigned k = 0; k < cfg->roles[r].key_count; k++) {
			sig_key_id(cfg->roles[r].keys[k], kid);
			if (!memcmp(kid, id, SIG_KEYID_LEN))
				return config_role_names[r];
		}
	return NULL;
}

static void vc_sigs_print(const uint8_t *sig, size_t len, const struct config *cfg)
{
	struct sig_file f;
	const char *why;

	if (!len) {
		printf("  signatures     none\n");
		return;
	}
	if (sig_file_decode(sig, len, &f, &why)) {
		printf("  signatures     malformed: %s\n", why);
		return;
	}
	printf("  signatures     %u\n", f.count);
	for (unsigned i = 0; i < f.count; i++) {
		const char *role = vc_key_role(cfg, f.entries[i].key_id);

		printf("    key ");
		vc_hex_print(f.entries[i].key_id, SIG_KEYID_LEN);
		printf("%s%s\n", cfg ? "  " : "", cfg ? (role ? role : "(not in the config)") : "");
	}
}

/* A container, or a bare payload (a device tree) as `bundle build` writes. */
int vc_cmd_bundle_inspect(int argc, char **argv)
{
	static struct bundle b;
	static struct config cfg;
	struct bundle_verdict v;
	struct bundle_span span = { 0 };
	const char *cfgpath = NULL;
	uint8_t *buf = NULL;
	size_t len;
	int c, ret = VC_ERROR;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c')
			return vc_usage(false);
		cfgpath = optarg;
	}
	if (optind != argc - 1)
		return vc_usage(false);
	if ((cfgpath && vc_config_load(cfgpath, &cfg)) || vc_file_read(argv[optind], &buf, &len))
		goto out;
	if (len >= BUNDLE_MAGIC_LEN && !memcmp(buf, BUNDLE_MAGIC, BUNDLE_MAGIC_LEN)) {
		ret = bundle_decode(buf, len, &b, &span, &v);
		printf("%s: bundle, %zu bytes (payload %zu, signatures %zu)\n", argv[optind], len,
		       span.payload_len, span.sig_len);
	} else {
		ret = bundle_payload_decode(buf, len, &b, &v);
		printf("%s: bundle payload, %zu bytes\n", argv[optind], len);
	}
	if (ret) {
		printf("  malformed      %s\n", v.message);
		ret = VC_REFUSED;
		goto out;
	}
	vc_bundle_print(&b);
	if (span.payload)
		vc_sigs_print(span.sig, span.sig_len, cfgpath ? &cfg : NULL);
	ret = VC_OK;
out:
	free(buf);
	return ret;
}

/* Sequence file: one "<role> <last accepted sequence>" line per role. */
static int vc_seq_load(const char *path, struct bundle_seq *seq)
{
	char role[32];
	unsigned long long last;
	FILE *f = fopen(path, "r");

	memset(seq, 0, sizeof(*seq));
	if (!f)
		return errno == ENOENT ? 0 : (vc_err("%s: %s", path, strerror(errno)), -EIO);
	while (fscanf(f, "%31s %llu", role, &last) == 2) {
		int r = 0;

		while (r < ROLE_COUNT && strcmp(role, config_role_names[r]))
			r++;
		if (r == ROLE_COUNT) {
			vc_err("%s: unknown role '%s'", path, role);
			fclose(f);
			return -EINVAL;
		}
		seq->last[r] = last;
	}
	fclose(f);
	return 0;
}

static int vc_seq_save(const char *path, const struct bundle_seq *seq)
{
	struct vc_text t = { 0 };

	for (int r = 0; r < ROLE_COUNT; r++)
		vc_text_printf(&t, "%s %lu\n", config_role_names[r], (unsigned long)seq->last[r]);
	return vc_text_emit(&t, path);
}

struct vc_verify_bundle_args {
	const char *bundle, *config, *build_hex, *vmm, *seq_file;
	bool update;
};

static int vc_bundle_verify(const struct vc_verify_bundle_args *a)
{
	static struct config cfg;
	static struct bundle b;
	struct bundle_verdict v;
	struct bundle_seq seq;
	uint8_t build_id[VC_BUILD_ID_LEN], *buf = NULL;
	size_t len;
	int ret = VC_ERROR;

	if (vc_config_load(a->config, &cfg) || vc_build_id_get(a->build_hex, a->vmm, build_id) ||
	    (a->seq_file && vc_seq_load(a->seq_file, &seq)) || vc_file_read(a->bundle, &buf, &len))
		goto out;
	if (!a->seq_file)
		memset(&seq, 0, sizeof(seq));
	ret = bundle_check(buf, len, &cfg, build_id, &seq, &b, &v);
	printf("%s%s (code %u, %s)\n", ret ? "refused: " : "", v.message, v.code,
	       vc_refusal_name(v.code) ? vc_refusal_name(v.code) : "?");
	if (ret) {
		ret = v.code == CHANNEL_E_NOMEM ? VC_ERROR : VC_REFUSED;
		goto out;
	}
	vc_bundle_print(&b);
	ret = VC_OK;
	if (a->update && a->seq_file) {
		bundle_seq_accept(&seq, &b);
		ret = vc_seq_save(a->seq_file, &seq) ? VC_ERROR : VC_OK;
	}
out:
	free(buf);
	return ret;
}

int vc_cmd_bundle_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "build-id", required_argument, NULL, 'b' },
		{ "vmm", required_argument, NULL, 'v' },    { "seq-file", required_argument, NULL, 's' },
		{ "update", no_argument, NULL, 'u' },	    { 0 },
	};
	struct vc_verify_bundle_args a = { 0 };
	int c;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			a.config = optarg;
		else if (c == 'b')
			a.build_hex = optarg;
		else if (c == 'v')
			a.vmm = optarg;
		else if (c == 's')
			a.seq_file = optarg;
		else if (c == 'u')
			a.update = true;
		else
			return vc_usage(false);
	}
	if (optind != argc - 1 || !a.config || !a.build_hex == !a.vmm || (a.update && !a.seq_file))
		return vc_usage(false);
	a.bundle = argv[optind];
	return vc_bundle_verify(&a);
}

/* Each guest's policy digest as the config sets it (docs/channel.md).
 * Every guest is a package: its entry, and so its digest, is made from
 * the package at admission, which 'package verify --config' repeats. */
int vc_cmd_config_digests(int argc, char **argv)
{
	static struct config cfg;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (argc != 2)
		return vc_usage(false);
	if (vc_config_load(argv[1], &cfg))
		return VC_ERROR;
	for (unsigned i = 0; i < cfg.guest_count; i++)
		printf("%-16s - (packaged: vigilctl package verify --config)\n", cfg.guests[i].name);
	return VC_OK;
}
