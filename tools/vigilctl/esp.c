// SPDX-License-Identifier: MIT
/*
 * vigilctl esp persist, esp digest (docs/tpm.md, "Persistent live
 * patches"): the ESP's vigil/patches directory, which whoever owns the
 * boot disk keeps, and the digest the TPM's marks hold of it.
 *
 * persist: each bundle, decoded and of the patch role (a live patch or a
 * revert), copied to vigil/patches/<sequence, 16 hex digits>.bundle; a
 * file already there under that name must be the same bytes.
 * digest: the persisted-set digest of what the directory holds, in
 * sequence order (up to --upto): SHA-256 chained over each bundle's
 * payload SHA-384, from 32 zero bytes, as the VMM computes it.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/crypto/hash.h"
#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"
#include "vmm/bundle.h"
#include "vmm/marks.h"

#define VC_PATCH_NAME_LEN 23 /* 16 hex digits and ".bundle" */

/* A bundle file decoded: one of the patch role, or why not. */
static int vc_patch_bundle(const char *path, struct bundle *b, uint8_t **buf, size_t *len)
{
	struct bundle_span span;
	struct bundle_verdict v;

	if (vc_file_read(path, buf, len))
		return VC_ERROR;
	memset(&v, 0, sizeof(v));
	if (bundle_decode(*buf, *len, b, &span, &v)) {
		vc_err("%s: not a bundle: %s", path, v.message);
		return VC_REFUSED;
	}
	if (b->role != ROLE_PATCH) {
		vc_err("%s: a %s bundle: only live patches and reverts persist", path, bundle_kind_names[b->kind]);
		return VC_REFUSED;
	}
	return VC_OK;
}

int vc_cmd_esp_persist(int argc, char **argv)
{
	static struct bundle b;
	char dir[4096], path[4200];
	int ret = VC_OK;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (argc < 3)
		return vc_usage(false);
	snprintf(dir, sizeof(dir), "%s/vigil/patches", argv[1]);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		vc_err("%s: %s", dir, strerror(errno));
		return VC_ERROR;
	}
	for (int i = 2; i < argc && ret == VC_OK; i++) {
		uint8_t *buf = NULL, *old = NULL;
		size_t len = 0, old_len = 0;

		ret = vc_patch_bundle(argv[i], &b, &buf, &len);
		snprintf(path, sizeof(path), "%s/%016llx.bundle", dir, (unsigned long long)b.sequence);
		if (ret == VC_OK && !access(path, F_OK) && (vc_file_read(path, &old, &old_len) || old_len != len ||
							    memcmp(old, buf, len))) {
			vc_err("%s holds another bundle of sequence %llu", path, (unsigned long long)b.sequence);
			ret = VC_REFUSED;
		}
		if (ret == VC_OK && vc_file_write(path, buf, len, 0644, false))
			ret = VC_ERROR;
		if (ret == VC_OK)
			printf("%s: %s sequence %llu\n", path, bundle_kind_names[b.kind], (unsigned long long)b.sequence);
		free(old);
		free(buf);
	}
	return ret;
}

static int vc_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vc_cmd_esp_digest(int argc, char **argv)
{
	static const struct option opts[] = { { "upto", required_argument, NULL, 'u' }, { 0 } };
	static struct bundle b;
	unsigned long long upto = ~0ull;
	char dir[4096], path[4200], *names[256];
	uint8_t digest[32] = { 0 };
	unsigned n = 0, used = 0;
	struct dirent *e;
	DIR *d;
	int c, ret = VC_OK;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		if (c != 'u')
			return vc_usage(false);
		upto = strtoull(optarg, &end, 0);
		if (*end)
			return vc_usage(false);
	}
	if (optind != argc - 1)
		return vc_usage(false);
	snprintf(dir, sizeof(dir), "%s/vigil/patches", argv[optind]);
	d = opendir(dir);
	if (!d && errno != ENOENT) {
		vc_err("%s: %s", dir, strerror(errno));
		return VC_ERROR;
	}
	while (d && (e = readdir(d)) && n < 256)
		if (strlen(e->d_name) == VC_PATCH_NAME_LEN && !strcmp(e->d_name + 16, ".bundle"))
			names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), vc_name_cmp);
	for (unsigned i = 0; i < n && ret == VC_OK; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ret = vc_patch_bundle(path, &b, &buf, &len);
		if (ret == VC_OK && b.sequence <= upto) {
			marks_persist_next(digest, b.digest);
			used++;
		}
		free(buf);
	}
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	if (ret != VC_OK)
		return ret;
	vc_hex_print(digest, sizeof(digest));
	printf("  (%u of %u bundles in %s)\n", used, n, dir);
	return VC_OK;
}
