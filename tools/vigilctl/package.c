// SPDX-License-Identifier: MIT
/*
 * vigilctl package build / inspect / verify: signed guest packages
 * (docs/formats.md, "Guest packages"). A package is a directory: the
 * manifest (manifest.dtb), its signature file (manifest.dtb.sig) and the
 * files the manifest names. Every manifest written is decoded again by
 * the VMM's own decoder (vmm/package.c) first, and verify checks exactly
 * what that code checks: the signatures by the given publisher keys, each
 * file's size and both digests.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libfdt.h>

#include "kernel/crypto/hash.h"
#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"
#include "vmm/package.h"

#define VC_MANIFEST "manifest.dtb"
#define VC_MANIFEST_SIG "manifest.dtb.sig"

static char *vc_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* The last component of a path: the file's name inside the package. */
static const char *vc_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

struct vc_pkg_args {
	const char *name, *out, *cmdline, *io, *msr, *devices, *requires;
	const char *files[PACKAGE_FILE_COUNT];
	uint64_t version, secver, memory;
	unsigned cpus;
	bool have_version, have_secver, console_input;
};

/* "a,b,c" into a NUL-separated string list (the device tree's). */
static int vc_string_list(struct vc_fdt *f, const char *prop, const char *list)
{
	size_t n = strlen(list);
	char *copy;

	if (!n)
		return 0;
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (copy[i] == ',')
			copy[i] = 0;
	vc_fdt_prop(f, prop, copy, (int)n + 1);
	free(copy);
	return 0;
}

static int vc_pkg_file_node(struct vc_fdt *f, enum package_file which, const char *path, const uint8_t *data,
			    size_t len)
{
	uint8_t d256[CRYPTO_SHA256_LEN], d384[CRYPTO_SHA384_LEN];

	crypto_sha256(data, len, d256);
	crypto_sha384(data, len, d384);
	vc_fdt_node(f, package_file_nodes[which]);
	vc_fdt_string(f, "path", vc_base(path));
	vc_fdt_u64(f, "size", len);
	vc_fdt_prop(f, "sha256", d256, sizeof(d256));
	vc_fdt_prop(f, "sha384", d384, sizeof(d384));
	vc_fdt_node(f, NULL);
	return 0;
}

static int vc_pkg_needs(struct vc_fdt *f, const struct vc_pkg_args *a)
{
	uint32_t io[2 * CONFIG_MAX_IO + 2], msr[CONFIG_MAX_MSRS + 1], cpus = cpu_to_fdt32(a->cpus);
	int nio = 0, nmsr = 0;

	if ((a->io && vc_cells_parse(a->io, true, io, 2 * CONFIG_MAX_IO + 2, &nio)) ||
	    (a->msr && vc_cells_parse(a->msr, false, msr, CONFIG_MAX_MSRS + 1, &nmsr)))
		return -EINVAL;
	vc_fdt_node(f, "needs");
	vc_fdt_u64(f, "memory", a->memory);
	vc_fdt_prop(f, "cpus", &cpus, 4);
	if (nio)
		vc_fdt_prop(f, "io-allow", io, 4 * nio);
	if (nmsr)
		vc_fdt_prop(f, "msr-allow", msr, 4 * nmsr);
	if (a->devices && vc_string_list(f, "devices", a->devices))
		return -ENOMEM;
	if (a->console_input)
		vc_fdt_prop(f, "console-input", NULL, 0);
	vc_fdt_node(f, NULL);
	return 0;
}

/* The manifest, from the files' bytes and the options. */
static int vc_pkg_manifest(const struct vc_pkg_args *a, uint8_t *const data[], const size_t len[],
			   struct vc_fdt *f, size_t *out_len)
{
	vc_fdt_start(f, PACKAGE_MAX_MANIFEST);
	vc_fdt_string(f, "compatible", PACKAGE_COMPATIBLE);
	vc_fdt_string(f, "package", a->name);
	vc_fdt_u64(f, "version", a->version);
	vc_fdt_u64(f, "security-version", a->secver);
	if (a->cmdline)
		vc_fdt_string(f, "cmdline", a->cmdline);
	if (a->requires && vc_string_list(f, "requires", a->requires))
		return -ENOMEM;
	vc_fdt_node(f, "files");
	for (int i = 0; i < PACKAGE_FILE_COUNT; i++)
		if (a->files[i])
			vc_pkg_file_node(f, (enum package_file)i, a->files[i], data[i], len[i]);
	vc_fdt_node(f, NULL);
	if (vc_pkg_needs(f, a))
		return -EINVAL;
	return vc_fdt_end(f, out_len);
}

static int vc_pkg_build(const struct vc_pkg_args *a)
{
	uint8_t *data[PACKAGE_FILE_COUNT] = { 0 };
	size_t len[PACKAGE_FILE_COUNT] = { 0 };
	static struct package pkg;
	struct bundle_verdict v;
	struct vc_fdt f = { 0 };
	size_t mlen = 0;
	char *path = NULL;
	int ret = VC_ERROR;

	for (int i = 0; i < PACKAGE_FILE_COUNT; i++)
		if (a->files[i] && vc_file_read(a->files[i], &data[i], &len[i]))
			goto out;
	if (vc_pkg_manifest(a, data, len, &f, &mlen))
		goto out;
	if (package_decode(f.buf, mlen, &pkg, &v)) {
		vc_err("the manifest would be refused: %s", v.message);
		ret = VC_REFUSED;
		goto out;
	}
	if (mkdir(a->out, 0755) && errno != EEXIST) {
		vc_err("%s: %s", a->out, strerror(errno));
		goto out;
	}
	for (int i = 0; i < PACKAGE_FILE_COUNT; i++) {
		if (!a->files[i])
			continue;
		free(path);
		path = vc_join(a->out, vc_base(a->files[i]));
		if (!path || vc_file_write(path, data[i], len[i], 0644, false))
			goto out;
	}
	free(path);
	path = vc_join(a->out, VC_MANIFEST);
	if (!path || vc_file_write(path, f.buf, mlen, 0644, false))
		goto out;
	printf("%s: package %s version %lu (security version %lu), %zu-byte manifest; sign it with\n"
	       "  vigilctl package sign --key PUBLISHER.key %s\n",
	       a->out, pkg.name, (unsigned long)pkg.version, (unsigned long)pkg.security_version, mlen, a->out);
	ret = VC_OK;
out:
	for (int i = 0; i < PACKAGE_FILE_COUNT; i++)
		free(data[i]);
	free(f.buf);
	free(path);
	return ret;
}

/* "256M", "1G", "4096": bytes. */
static int vc_size_parse(const char *s, uint64_t *out)
{
	char *end;
	unsigned shift = 0;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (*end == 'K' || *end == 'M' || *end == 'G')
		shift = *end == 'K' ? 10 : *end == 'M' ? 20 : 30, end++;
	if (errno || end == s || *end || *s == '-' || *out > (UINT64_MAX >> shift)) {
		vc_err("'%s': not a size (bytes, or with K, M or G)", s);
		return -EINVAL;
	}
	*out <<= shift;
	return 0;
}

int vc_cmd_package_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "version", required_argument, NULL, 'V' },
		{ "security-version", required_argument, NULL, 's' },
		{ "image", required_argument, NULL, 'i' },
		{ "initrd", required_argument, NULL, 'r' },
		{ "acpi", required_argument, NULL, 'a' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "io-allow", required_argument, NULL, 'I' },
		{ "msr-allow", required_argument, NULL, 'M' },
		{ "devices", required_argument, NULL, 'd' },
		{ "console-input", no_argument, NULL, 'k' },
		{ "requires", required_argument, NULL, 'R' },
		{ 0 },
	};
	struct vc_pkg_args a = { 0 };
	int c;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'n': a.name = optarg; break;
		case 'V': bad = vc_u64_parse(optarg, &a.version); a.have_version = true; break;
		case 's': bad = vc_u64_parse(optarg, &a.secver); a.have_secver = true; break;
		case 'i': a.files[PACKAGE_FILE_IMAGE] = optarg; break;
		case 'r': a.files[PACKAGE_FILE_INITRD] = optarg; break;
		case 'a': a.files[PACKAGE_FILE_ACPI] = optarg; break;
		case 'c': a.cmdline = optarg; break;
		case 'm': bad = vc_size_parse(optarg, &a.memory); break;
		case 'C': bad = vc_uint_parse(optarg, &a.cpus); break;
		case 'I': a.io = optarg; break;
		case 'M': a.msr = optarg; break;
		case 'd': a.devices = optarg; break;
		case 'k': a.console_input = true; break;
		case 'R': a.requires = optarg; break;
		case 'o': a.out = optarg; break;
		default: bad = 1;
		}
		if (bad)
			return vc_usage(false);
	}
	if (optind != argc || !a.name || !a.have_version || !a.have_secver || !a.files[PACKAGE_FILE_IMAGE] ||
	    !a.memory || !a.cpus || !a.out)
		return vc_usage(false);
	return vc_pkg_build(&a);
}

/* A package directory's manifest, decoded, and its signature file. */
struct vc_pkg {
	char *dir;
	uint8_t *manifest, *sig;
	size_t len, siglen;
	struct package p;
};

static int vc_pkg_load(const char *dir, struct vc_pkg *k, bool need_sig)
{
	char *m = vc_join(dir, VC_MANIFEST), *s = vc_join(dir, VC_MANIFEST_SIG);
	struct bundle_verdict v;
	int ret = VC_ERROR;

	k->dir = (char *)dir;
	if (!m || !s || vc_file_read(m, &k->manifest, &k->len))
		goto out;
	if (vc_file_exists(s) ? vc_file_read(s, &k->sig, &k->siglen) : need_sig ? (vc_err("%s: missing", s), 1) : 0)
		goto out;
	ret = VC_OK;
	if (package_decode(k->manifest, k->len, &k->p, &v)) {
		printf("refused: %s: %s\n", m, v.message);
		ret = VC_REFUSED;
	}
out:
	free(m);
	free(s);
	return ret;
}

static void vc_pkg_free(struct vc_pkg *k)
{
	free(k->manifest);
	free(k->sig);
}

static void vc_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void vc_pkg_show(const struct vc_pkg *k)
{
	const struct package *p = &k->p;
	const struct package_needs *n = &p->needs;
	struct sig_file sf;

	printf("package %s\nversion %lu\nsecurity-version %lu\nmanifest-sha384 ", p->name, (unsigned long)p->version,
	       (unsigned long)p->security_version);
	vc_hex(p->digest, sizeof(p->digest));
	printf("\ncmdline \"%s\"\n", p->cmdline);
	for (int i = 0; i < PACKAGE_FILE_COUNT; i++) {
		const struct package_file_ref *f = &p->files[i];

		if (!f->present)
			continue;
		printf("file %s %s %lu bytes sha256 ", package_file_nodes[i], f->path, (unsigned long)f->size);
		vc_hex(f->sha256, sizeof(f->sha256));
		printf("\n");
	}
	printf("needs memory %lu bytes, %u vCPUs", (unsigned long)n->memory, n->cpus);
	for (unsigned i = 0; i < n->io_count; i++)
		printf("%s0x%x+%u", i ? "," : ", ports ", n->io[i].port, n->io[i].count);
	for (unsigned i = 0; i < n->msr_count; i++)
		printf("%s0x%x", i ? "," : ", MSRs ", n->msrs[i]);
	for (int i = 0, first = 1; i < PACKAGE_DEVICE_COUNT; i++)
		if (n->devices & (1u << i))
			printf("%s%s", first ? ", devices " : ",", package_device_names[i]), first = 0;
	printf("%s\n", n->console_input ? ", console input" : "");
	printf("requires");
	for (int i = 0; i < PACKAGE_REQ_COUNT; i++)
		if (p->requires & (1u << i))
			printf(" %s", package_requirement_names[i]);
	printf("%s\n", p->requires ? "" : " nothing");
	if (!k->sig) {
		printf("signatures none\n");
	} else if (sig_file_decode(k->sig, k->siglen, &sf, NULL)) {
		printf("signatures malformed\n");
	} else {
		for (unsigned i = 0; i < sf.count; i++) {
			printf("signed-by ");
			vc_hex(sf.entries[i].key_id, SIG_KEYID_LEN);
			printf("\n");
		}
	}
}

int vc_cmd_package_inspect(int argc, char **argv)
{
	struct vc_pkg k = { 0 };
	int ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (argc != 2)
		return vc_usage(false);
	ret = vc_pkg_load(argv[1], &k, false);
	if (ret == VC_OK)
		vc_pkg_show(&k);
	vc_pkg_free(&k);
	return ret;
}

/* Each file the manifest names, read from the package and checked. */
static int vc_pkg_files_check(const struct vc_pkg *k)
{
	int ret = VC_OK;

	for (int i = 0; i < PACKAGE_FILE_COUNT && ret != VC_ERROR; i++) {
		struct bundle_verdict v;
		uint8_t *data = NULL;
		size_t len;
		char *path;

		if (!k->p.files[i].present)
			continue;
		path = vc_join(k->dir, k->p.files[i].path);
		if (!path || vc_file_read(path, &data, &len)) {
			printf("refused: %s: %s '%s' cannot be read\n", k->dir, package_file_nodes[i],
			       k->p.files[i].path);
			ret = VC_REFUSED;
		} else if (package_file_check(&k->p, (enum package_file)i, data, len, &v)) {
			printf("refused: %s\n", v.message);
			ret = VC_REFUSED;
		}
		free(data);
		free(path);
	}
	return ret;
}

/* With a config: exactly the VMM's admission of the guest (vmm/vm_package.c):
 * its publishers and threshold, its security floor, its grant. */
static int vc_pkg_verify_config(struct vc_pkg *k, const char *cfgpath, const char *guest)
{
	static struct config cfg;
	static struct package_effective e;
	static struct config_guest entry;
	uint8_t policy[CRYPTO_SHA256_LEN];
	const struct config_guest *g = NULL;
	struct bundle_verdict v;

	if (vc_config_load(cfgpath, &cfg))
		return VC_ERROR;
	for (unsigned i = 0; i < cfg.guest_count && !g; i++)
		if (!strcmp(cfg.guests[i].name, guest))
			g = &cfg.guests[i];
	if (!g || !g->package[0]) {
		vc_err("%s: no packaged guest '%s'", cfgpath, guest);
		return VC_ERROR;
	}
	if (package_sigs_check(&k->p, k->manifest, k->len, k->sig, k->sig ? k->siglen : 0,
			       (const uint8_t(*)[CONFIG_KEY_LEN])g->publishers, g->publisher_count,
			       g->publisher_threshold, &v)) {
		printf("refused: %s (error %u)\n", v.message, v.code);
		return VC_REFUSED;
	}
	if (vc_pkg_files_check(k) != VC_OK)
		return VC_REFUSED;
	if (k->p.security_version < g->min_security_version) {
		printf("refused: package %s security version %lu is below guest %s's minimum %lu\n", k->p.name,
		       (unsigned long)k->p.security_version, g->name, (unsigned long)g->min_security_version);
		return VC_REFUSED;
	}
	if (package_grant(&k->p, g, &e, &v)) {
		printf("refused: %s\n", v.message);
		return VC_REFUSED;
	}
	if (package_entry(&k->p, g, &e, &entry, &v)) {
		printf("refused: %s\n", v.message);
		return VC_REFUSED;
	}
	printf("accepted: package %s version %lu for guest %s, effective policy ", k->p.name,
	       (unsigned long)k->p.version, g->name);
	vc_hex(e.digest, sizeof(e.digest));
	bundle_policy_digest(&entry, policy);
	printf("\npolicy-sha256 ");
	vc_hex(policy, sizeof(policy));
	printf("\n");
	return VC_OK;
}

int vc_cmd_package_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 'p' },
		{ "threshold", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ "guest", required_argument, NULL, 'g' },
		{ 0 },
	};
	char *pubs[CONFIG_MAX_KEYS];
	uint8_t points[CONFIG_MAX_KEYS][SIG_POINT_LEN];
	unsigned npubs = 0, threshold = 0;
	const char *cfgpath = NULL, *guest = NULL;
	struct vc_pkg k = { 0 };
	struct bundle_verdict v;
	int c, ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "p:t:c:g:", opts, NULL)) != -1) {
		if (c == 'p' && npubs < CONFIG_MAX_KEYS)
			pubs[npubs++] = optarg;
		else if (c == 't' && vc_uint_parse(optarg, &threshold) == 0 && threshold)
			continue;
		else if (c == 'c')
			cfgpath = optarg;
		else if (c == 'g')
			guest = optarg;
		else
			return vc_usage(false);
	}
	if (optind != argc - 1 || (npubs ? cfgpath || guest : !cfgpath || !guest))
		return vc_usage(false);
	if (npubs && vc_keys_load_points(pubs, npubs, points))
		return VC_ERROR;
	ret = vc_pkg_load(argv[optind], &k, false);
	if (ret == VC_OK && cfgpath) {
		ret = vc_pkg_verify_config(&k, cfgpath, guest);
		vc_pkg_free(&k);
		return ret;
	}
	if (ret == VC_OK && package_sigs_check(&k.p, k.manifest, k.len, k.sig, k.sig ? k.siglen : 0,
					       (const uint8_t(*)[CONFIG_KEY_LEN])points, npubs,
					       threshold ? threshold : npubs, &v)) {
		printf("refused: %s (error %u)\n", v.message, v.code);
		ret = VC_REFUSED;
	}
	if (ret == VC_OK)
		ret = vc_pkg_files_check(&k);
	if (ret == VC_OK)
		printf("accepted: package %s version %lu, signed by %u of the %u publisher keys needed, every file "
		       "matches\n",
		       k.p.name, (unsigned long)k.p.version, v.valid, v.needed);
	vc_pkg_free(&k);
	return ret;
}

/* `sign` on the package's manifest: the last argument names the package. */
int vc_cmd_package_sign(int argc, char **argv)
{
	struct stat st;
	char *manifest;
	int ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (argc < 2 || stat(argv[argc - 1], &st) || !S_ISDIR(st.st_mode)) {
		vc_err("the last argument must be a package directory");
		return vc_usage(false);
	}
	manifest = vc_join(argv[argc - 1], VC_MANIFEST);
	if (!manifest)
		return VC_ERROR;
	argv[argc - 1] = manifest;
	ret = vc_cmd_sign(argc, argv);
	free(manifest);
	return ret;
}

/*
 * package send: a guest update over the channel (docs/channel.md, "Guest
 * updates"). BEGIN with the manifest and its signatures; the VMM answers
 * how much of each file it holds (nothing for a new upload, more when one
 * is resumed), so the files go on from there, a chunk per request; a
 * chunk it refuses as out of order, or a lost frame, starts over with
 * BEGIN, which resumes. COMMIT last. Progress on stderr.
 */
struct vc_send {
	const char *socket, *guest;
	unsigned timeout, chunk;
	bool quiet;
	struct vc_pkg k;
	uint8_t *data[PACKAGE_FILE_COUNT];
	size_t size[PACKAGE_FILE_COUNT];
	uint8_t id[CHANNEL_PKG_ID_LEN];
	uint64_t got[PACKAGE_FILE_COUNT];
	uint64_t total, sent;
	struct timespec t0;
};

#define VC_SEND_ATTEMPTS 8
#define VC_SEND_RESUME 3 /* a refusal after which BEGIN resumes the upload */

static uint32_t vc_resp_u32(const struct vc_reply *r, const char *name)
{
	int len;
	const uint8_t *p = fdt_getprop(r->payload, 0, name, &len);

	return p && len == 4 ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3] : 0;
}

/* One request; 0 accepted, VC_SEND_RESUME, VC_REFUSED (printed) or VC_ERROR. */
static int vc_send_one(struct vc_send *s, uint8_t type, const void *p, size_t len, struct vc_reply *r)
{
	int status;
	uint32_t code;

	if (vc_chan_request(s->socket, type, p, len, s->timeout, r))
		return VC_SEND_RESUME; /* no answer: the frame may be lost; ask again */
	if (!vc_resp_valid(r->payload, r->len)) {
		vc_err("the response is not a valid device tree");
		free(r->payload);
		return VC_ERROR;
	}
	status = vc_resp_status(r->payload, r->len); /* -EBADMSG too is the VMM's answer here */
	if (!status)
		return 0;
	code = vc_resp_u32(r, "error");
	if (type == CHANNEL_REQ_PKG_CHUNK && (code == CHANNEL_E_PKG_UPLOAD || code <= CHANNEL_E_FRAME_TIMEOUT)) {
		free(r->payload);
		return VC_SEND_RESUME;
	}
	vc_resp_print(r->payload, r->len, false);
	free(r->payload);
	return VC_REFUSED;
}

static void vc_send_progress(const struct vc_send *s, int f, uint64_t from)
{
	struct timespec t;
	double secs, rate;

	if (s->quiet)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	secs = (double)(t.tv_sec - s->t0.tv_sec) + (double)(t.tv_nsec - s->t0.tv_nsec) / 1e9;
	rate = secs > 0 ? (double)(s->sent - from) / secs : 0;
	fprintf(stderr, "vigilctl: %s: %s %lu of %zu bytes; %lu%% of %lu, %.1f KiB/s, about %.0f s left\n", s->guest,
		package_file_nodes[f], (unsigned long)s->got[f], s->size[f],
		(unsigned long)(s->total ? s->sent * 100 / s->total : 100), (unsigned long)s->total, rate / 1024,
		rate > 0 ? (double)(s->total - s->sent) / rate : 0.0);
}

static int vc_send_begin(struct vc_send *s)
{
	size_t mpad = (s->k.len + 7) & ~(size_t)7, len = CHANNEL_PKG_BEGIN_HEADER + mpad + s->k.siglen;
	uint8_t *p = calloc(1, len);
	uint32_t ml = (uint32_t)s->k.len, sl = (uint32_t)s->k.siglen;
	struct vc_reply r;
	const uint8_t *id, *got;
	int ret, idlen, gotlen;

	if (!p)
		return VC_ERROR;
	memcpy(p, s->guest, strlen(s->guest));
	memcpy(p + CHANNEL_PKG_NAME_LEN, &ml, 4);
	memcpy(p + CHANNEL_PKG_NAME_LEN + 4, &sl, 4);
	memcpy(p + CHANNEL_PKG_BEGIN_HEADER, s->k.manifest, s->k.len);
	if (s->k.siglen)
		memcpy(p + CHANNEL_PKG_BEGIN_HEADER + mpad, s->k.sig, s->k.siglen);
	ret = vc_send_one(s, CHANNEL_REQ_PKG_BEGIN, p, len, &r);
	free(p);
	if (ret)
		return ret == VC_SEND_RESUME ? VC_ERROR : ret;
	id = fdt_getprop(r.payload, 0, "upload", &idlen);
	got = fdt_getprop(r.payload, 0, "received", &gotlen);
	if (!id || idlen != CHANNEL_PKG_ID_LEN || !got || gotlen != 8 * PACKAGE_FILE_COUNT) {
		vc_err("the VMM's answer to BEGIN has no upload");
		free(r.payload);
		return VC_ERROR;
	}
	memcpy(s->id, id, sizeof(s->id));
	s->sent = 0;
	for (int f = 0; f < PACKAGE_FILE_COUNT; f++) {
		uint64_t be;

		memcpy(&be, got + 8 * f, 8);
		s->got[f] = __builtin_bswap64(be);
		s->sent += s->got[f];
	}
	free(r.payload);
	return 0;
}

/* Every file from where the VMM has it; VC_SEND_RESUME to start over. */
static int vc_send_files(struct vc_send *s)
{
	uint8_t *p = malloc(CHANNEL_PKG_CHUNK_HEADER + s->chunk);
	uint64_t from = s->sent; /* the rate counts what this attempt sent */
	int ret = 0;

	if (!p)
		return VC_ERROR;
	for (int f = 0; !ret && f < PACKAGE_FILE_COUNT; f++) {
		uint64_t step = s->size[f] / 10 + 1, shown = s->got[f];

		while (!ret && s->got[f] < s->size[f]) {
			size_t n = s->size[f] - s->got[f] < s->chunk ? s->size[f] - s->got[f] : s->chunk;
			uint32_t file = (uint32_t)f, zero = 0;
			uint64_t off = s->got[f];
			struct vc_reply r;

			memcpy(p, s->id, CHANNEL_PKG_ID_LEN);
			memcpy(p + 16, &file, 4);
			memcpy(p + 20, &zero, 4);
			memcpy(p + 24, &off, 8);
			memcpy(p + CHANNEL_PKG_CHUNK_HEADER, s->data[f] + off, n);
			ret = vc_send_one(s, CHANNEL_REQ_PKG_CHUNK, p, CHANNEL_PKG_CHUNK_HEADER + n, &r);
			if (ret)
				break;
			free(r.payload);
			s->got[f] += n;
			s->sent += n;
			if (s->got[f] - shown >= step || s->got[f] == s->size[f]) {
				vc_send_progress(s, f, from);
				shown = s->got[f];
			}
		}
	}
	free(p);
	return ret;
}

static int vc_send_opts(int argc, char **argv, struct vc_send *s)
{
	static const struct option opts[] = {
		{ "guest", required_argument, NULL, 'g' },   { "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' }, { "chunk", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },	     { 0 },
	};
	int c;

	s->socket = getenv("VIGIL_CHANNEL") ? getenv("VIGIL_CHANNEL") : VC_SOCKET_DEFAULT;
	s->timeout = 30;
	s->chunk = 64 * 1024;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'g')
			s->guest = optarg;
		else if (c == 's')
			s->socket = optarg;
		else if (c == 'q')
			s->quiet = true;
		else if (c == 't' ? vc_uint_parse(optarg, &s->timeout) || !s->timeout
				  : c != 'c' || vc_uint_parse(optarg, &s->chunk) || !s->chunk ||
					    s->chunk > CHANNEL_MAX_PAYLOAD - CHANNEL_PKG_CHUNK_HEADER)
			return -EINVAL;
	}
	if (argc - optind != 1 || !s->guest || strlen(s->guest) >= CHANNEL_PKG_NAME_LEN)
		return -EINVAL;
	return 0;
}

static int vc_send_load(struct vc_send *s, const char *dir)
{
	int ret = vc_pkg_load(dir, &s->k, false); /* unsigned too: the VMM is the judge */

	if (ret)
		return ret;
	if (CHANNEL_PKG_BEGIN_HEADER + s->k.len + 8 + s->k.siglen > CHANNEL_MAX_PAYLOAD) {
		vc_err("%s: manifest and signatures above one request (%u bytes)", dir, CHANNEL_MAX_PAYLOAD);
		return VC_ERROR;
	}
	for (int f = 0; f < PACKAGE_FILE_COUNT; f++) {
		char *path;

		if (!s->k.p.files[f].present)
			continue;
		path = vc_join(dir, s->k.p.files[f].path);
		ret = !path || vc_file_read(path, &s->data[f], &s->size[f]) ? VC_ERROR : 0;
		free(path);
		if (ret)
			return ret;
		s->total += s->size[f];
	}
	return 0;
}

int vc_cmd_package_send(int argc, char **argv)
{
	struct vc_send s = { 0 };
	struct vc_reply r;
	int ret = VC_ERROR;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (vc_send_opts(argc, argv, &s))
		return vc_usage(false);
	clock_gettime(CLOCK_MONOTONIC, &s.t0);
	if ((ret = vc_send_load(&s, argv[optind])))
		goto out;
	for (int attempt = 0; attempt < VC_SEND_ATTEMPTS; attempt++) {
		ret = vc_send_begin(&s);
		if (!ret)
			ret = vc_send_files(&s);
		if (ret != VC_SEND_RESUME)
			break;
		if (!s.quiet)
			fprintf(stderr, "vigilctl: %s: resuming the upload\n", s.guest);
	}
	if (ret == VC_SEND_RESUME) {
		vc_err("%s: the upload did not get through in %d attempts", s.guest, VC_SEND_ATTEMPTS);
		ret = VC_ERROR;
	}
	if (ret)
		goto out;
	ret = vc_send_one(&s, CHANNEL_REQ_PKG_COMMIT, s.id, sizeof(s.id), &r);
	if (!ret) {
		vc_resp_print(r.payload, r.len, false);
		free(r.payload);
	} else if (ret == VC_SEND_RESUME) {
		vc_err("%s: no answer to COMMIT: see `vigilctl inventory`", s.guest);
		ret = VC_ERROR;
	}
out:
	for (int f = 0; f < PACKAGE_FILE_COUNT; f++)
		free(s.data[f]);
	vc_pkg_free(&s.k);
	return ret;
}
