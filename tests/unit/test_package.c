// SPDX-License-Identifier: MIT
/*
 * Unit tests of guest package manifests (vmm/package.c, docs/formats.md
 * "Guest packages"): decoding, signatures by the guest's publishers, and
 * the files against their digests. Manifests are built here from property
 * lists (tests/unit/tspec.c), never by the code under test.
 */
#define CHECK_SUITE "package"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "kernel/crypto/hash.h"
#include "kernel/crypto/sig.h"
#include "vmm/bundle.h"
#include "vmm/package.h"
#include "tests/unit/tspec.h"

/* Keys 0 and 1 publish this guest; 2 publishes another; 3 is an operator's. */
#define MAXM (80 * 1024)
static uint8_t manifest[MAXM] __attribute__((aligned(8)));
static uint8_t sigfile[SIG_FILE_LEN(SIG_MAX_ENTRIES)];
static size_t manifest_len, sig_len;
static struct package pkg;
static uint8_t publishers[2][CONFIG_KEY_LEN];

static const char kernel_bytes[] = "an ELF image, or what stands for one here";
static const char initrd_bytes[] = "a cpio archive";

static void spec_file(struct tspec *s, const char *node, const char *path, const void *data, size_t len)
{
	uint8_t d256[CRYPTO_SHA256_LEN], d384[CRYPTO_SHA384_LEN];

	crypto_sha256(data, len, d256);
	crypto_sha384(data, len, d384);
	spec_str(s, node, "path", path);
	spec_u64(s, node, "size", len);
	spec_set(s, node, "sha256", d256, sizeof(d256));
	spec_set(s, node, "sha384", d384, sizeof(d384));
}

/* A Linux-like package: image and initrd, a command line, two vCPUs. */
static void spec_package(struct tspec *s)
{
	static const uint32_t io[] = { 0x80, 1 }, msr[] = { 0x174 }, cpus = 2;
	static const char req[] = "smt-isolated";
	static const char dev[] = "network\0storage";

	spec_str(s, "", "compatible", PACKAGE_COMPATIBLE);
	spec_str(s, "", "package", "linux");
	spec_u64(s, "", "version", 7);
	spec_u64(s, "", "security-version", 3);
	spec_str(s, "", "cmdline", "console=ttyS0 panic=-1");
	spec_set(s, "", "requires", req, sizeof(req));
	spec_set(s, "files", "", "", 0); /* the node, whose children follow */
	spec_file(s, "files/image", "vmlinux", kernel_bytes, sizeof(kernel_bytes));
	spec_file(s, "files/initrd", "initrd.cpio.gz", initrd_bytes, sizeof(initrd_bytes));
	spec_u64(s, "needs", "memory", 256ull << 20);
	spec_cells(s, "needs", "cpus", &cpus, 1);
	spec_cells(s, "needs", "io-allow", io, 2);
	spec_cells(s, "needs", "msr-allow", msr, 1);
	spec_set(s, "needs", "devices", dev, sizeof(dev));
	spec_set(s, "needs", "console-input", "", 0);
}

static void build(const struct tspec *s)
{
	manifest_len = spec_build(s, manifest, sizeof(manifest));
}

static int decode(struct bundle_verdict *v)
{
	return package_decode(manifest, manifest_len, &pkg, v);
}

/* Decoding must refuse with this code; prints the verdict if not. */
static int refused(enum channel_refusal code, const char *what)
{
	struct bundle_verdict v;
	int ret = decode(&v);

	if (ret != 0 && v.code == code && v.err == ret && !pkg.name[0])
		return 1;
	CHECK(0);
	printf("    %s: ret %d code %u (want %u): %s\n", what, ret, v.code, code, v.message);
	return 0;
}

static void sign(const int *keys)
{
	unsigned n = 0;

	memset(sigfile, 0, sizeof(sigfile));
	memcpy(sigfile, SIG_MAGIC, SIG_MAGIC_LEN);
	for (; *keys != -1; keys++, n++) {
		if (*keys == -3)
			entry_make(sigfile + SIG_FILE_LEN(n), *++keys, "other bytes", 11);
		else
			entry_make(sigfile + SIG_FILE_LEN(n), *keys, manifest, manifest_len);
	}
	sigfile[8] = (uint8_t)n;
	sig_len = n ? SIG_FILE_LEN(n) : 0;
}

static int sigs(unsigned threshold, struct bundle_verdict *v)
{
	return package_sigs_check(&pkg, manifest, manifest_len, sigfile, sig_len,
				  (const uint8_t(*)[CONFIG_KEY_LEN])publishers, 2, threshold, v);
}

static void decodes_what_it_says(void)
{
	struct tspec s = { 0 };
	struct bundle_verdict v;
	const struct package_file_ref *img = &pkg.files[PACKAGE_FILE_IMAGE];
	uint8_t d[CRYPTO_SHA384_LEN];

	spec_package(&s);
	build(&s);
	CHECK_EQ(decode(&v), 0);
	if (v.err)
		printf("    %s\n", v.message);
	CHECK(!strcmp(pkg.name, "linux") && pkg.version == 7 && pkg.security_version == 3);
	CHECK(!strcmp(pkg.cmdline, "console=ttyS0 panic=-1"));
	CHECK(img->present && !strcmp(img->path, "vmlinux") && img->size == sizeof(kernel_bytes));
	crypto_sha256(kernel_bytes, sizeof(kernel_bytes), d);
	CHECK(!memcmp(img->sha256, d, CRYPTO_SHA256_LEN));
	CHECK(pkg.files[PACKAGE_FILE_INITRD].present && !pkg.files[PACKAGE_FILE_ACPI].present);
	CHECK(pkg.needs.memory == 256ull << 20 && pkg.needs.cpus == 2);
	CHECK(pkg.needs.io_count == 1 && pkg.needs.io[0].port == 0x80 && pkg.needs.io[0].count == 1);
	CHECK(pkg.needs.msr_count == 1 && pkg.needs.msrs[0] == 0x174);
	CHECK_EQ(pkg.needs.devices, (1u << PACKAGE_DEVICE_NETWORK) | (1u << PACKAGE_DEVICE_STORAGE));
	CHECK(pkg.needs.console_input);
	CHECK_EQ(pkg.requires, 1u << PACKAGE_REQ_SMT_ISOLATED);
	crypto_sha384(manifest, manifest_len, d);
	CHECK(!memcmp(pkg.digest, d, sizeof(d)));
	/* The optional parts absent: nothing asked. */
	spec_del(&s, "", "cmdline");
	spec_del(&s, "", "requires");
	spec_del(&s, "needs", "io-allow");
	spec_del(&s, "needs", "msr-allow");
	spec_del(&s, "needs", "devices");
	spec_del(&s, "needs", "console-input");
	for (const char *const *p = (const char *const[]){ "path", "size", "sha256", "sha384", NULL }; *p; p++)
		spec_del(&s, "files/initrd", *p);
	build(&s);
	CHECK_EQ(decode(&v), 0);
	CHECK(!pkg.cmdline[0] && !pkg.requires && !pkg.needs.io_count && !pkg.needs.msr_count &&
	      !pkg.needs.devices && !pkg.needs.console_input && !pkg.files[PACKAGE_FILE_INITRD].present);
	spec_free(&s);
}

/* A manifest is never a bundle payload, nor the reverse. */
static void never_a_bundle(void)
{
	struct tspec s = { 0 };
	struct bundle_verdict v;
	static struct bundle b;

	spec_package(&s);
	build(&s);
	CHECK(bundle_payload_decode(manifest, manifest_len, &b, &v) != 0 && v.code == CHANNEL_E_MALFORMED);
	spec_free(&s);
	spec_str(&s, "", "compatible", BUNDLE_COMPATIBLE);
	spec_str(&s, "", "role", "operator");
	spec_set(&s, "", "build-id", "01234567890123456789", 20);
	spec_u64(&s, "", "sequence", 1);
	spec_str(&s, "", "kind", "guest-control");
	spec_str(&s, "control", "guest", "linux");
	spec_str(&s, "control", "action", "restart");
	build(&s);
	CHECK(bundle_payload_decode(manifest, manifest_len, &b, &v) == 0);
	if (refused(CHANNEL_E_MALFORMED, "a bundle payload as a manifest"))
		CHECK(decode(&v) && strstr(v.message, "this is a bundle payload"));
	spec_free(&s);
}

struct mutation {
	const char *what, *node, *name;
	const void *val;
	int len; /* -1: delete the property */
};

static void each_malformed_refused(void)
{
	static const uint8_t zero8[8], short_digest[31];
	static const uint8_t mem_odd[8] = { 0, 0, 0, 0, 0, 0x10, 0x00, 0x01 };
	static const uint8_t mem_small[8] = { 0, 0, 0, 0, 0, 0x0f, 0xf0, 0x00 };
	static const uint8_t cpus0[4] = { 0 }, cpus5[4] = { 0, 0, 0, 5 }, cpus_two[8] = { 0, 0, 0, 1, 0, 0, 0, 1 };
	static const uint8_t io_pci[8] = { 0, 0, 0x0c, 0xf8, 0, 0, 0, 8 }, io_wrap[8] = { 0, 0, 0xff, 0xff, 0, 0, 0, 2 };
	static const uint8_t io_zero[8] = { 0, 0, 0, 0x80, 0, 0, 0, 0 }, io_odd[6] = { 0 };
	static const uint8_t msr_efer[4] = { 0xc0, 0, 0, 0x80 }, msr_twice[8] = { 0, 0, 1, 0x74, 0, 0, 1, 0x74 };
	static const struct mutation m[] = {
		{ "wrong type", "", "compatible", "vigil,guest-package-v2", 23 },
		{ "no type", "", "compatible", NULL, -1 },
		{ "no name", "", "package", NULL, -1 },
		{ "a name in capitals", "", "package", "Linux", 6 },
		{ "a name with a slash", "", "package", "a/b", 4 },
		{ "an empty name", "", "package", "", 1 },
		{ "version 0", "", "version", zero8, 8 },
		{ "a 32-bit version", "", "version", zero8, 4 },
		{ "no security version", "", "security-version", NULL, -1 },
		{ "a command line with a newline", "", "cmdline", "a\nb", 4 },
		{ "a command line not terminated", "", "cmdline", "abc", 3 },
		{ "an unknown requirement", "", "requires", "smt-isolatd", 12 },
		{ "a requirement twice", "", "requires", "tpm\0tpm", 8 },
		{ "an unknown root property", "", "signature", "x", 2 },
		{ "an image without a path", "files/image", "path", NULL, -1 },
		{ "a path with a slash", "files/image", "path", "boot/vmlinux", 13 },
		{ "a path up", "files/image", "path", "..", 3 },
		{ "a hidden path", "files/image", "path", ".vmlinux", 9 },
		{ "an empty file", "files/image", "size", zero8, 8 },
		{ "a short SHA-256", "files/image", "sha256", short_digest, 31 },
		{ "no SHA-384", "files/image", "sha384", NULL, -1 },
		{ "an unknown file property", "files/image", "mode", "x", 2 },
		{ "two files, one path", "files/initrd", "path", "vmlinux", 8 },
		{ "memory not in pages", "needs", "memory", mem_odd, 8 },
		{ "memory below 1 MiB", "needs", "memory", mem_small, 8 },
		{ "no memory", "needs", "memory", NULL, -1 },
		{ "no vCPUs", "needs", "cpus", cpus0, 4 },
		{ "five vCPUs", "needs", "cpus", cpus5, 4 },
		{ "two vCPU counts", "needs", "cpus", cpus_two, 8 },
		{ "PCI configuration ports", "needs", "io-allow", io_pci, 8 },
		{ "ports past 0xffff", "needs", "io-allow", io_wrap, 8 },
		{ "no ports", "needs", "io-allow", io_zero, 8 },
		{ "half a port pair", "needs", "io-allow", io_odd, 6 },
		{ "EFER", "needs", "msr-allow", msr_efer, 4 },
		{ "an MSR twice", "needs", "msr-allow", msr_twice, 8 },
		{ "an unknown device class", "needs", "devices", "gpu", 4 },
		{ "console-input with a value", "needs", "console-input", "yes", 4 },
		{ "an unknown need", "needs", "hugepages", "", 0 },
	};
	struct tspec s = { 0 };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		spec_package(&s);
		if (m[i].len < 0)
			spec_del(&s, m[i].node, m[i].name);
		else
			spec_set(&s, m[i].node, m[i].name, m[i].val, m[i].len);
		build(&s);
		refused(CHANNEL_E_MALFORMED, m[i].what);
		spec_free(&s);
	}
	/* Nodes: unknown, missing, an unknown file, a node inside a file. */
	spec_package(&s);
	spec_set(&s, "extra", "x", "y", 2);
	build(&s);
	refused(CHANNEL_E_MALFORMED, "an unknown node");
	spec_free(&s);
	spec_package(&s);
	spec_set(&s, "files/firmware", "path", "fw", 3);
	build(&s);
	refused(CHANNEL_E_MALFORMED, "an unknown file");
	spec_free(&s);
	spec_package(&s);
	spec_set(&s, "files/image/extra", "x", "y", 2);
	build(&s);
	refused(CHANNEL_E_MALFORMED, "a node inside a file");
	spec_free(&s);
	spec_package(&s);
	for (const char *const *p = (const char *const[]){ "path", "size", "sha256", "sha384", NULL }; *p; p++)
		spec_del(&s, "files/image", *p);
	build(&s);
	refused(CHANNEL_E_MALFORMED, "no image");
	spec_free(&s);
	spec_package(&s);
	for (const char *const *p = (const char *const[]){ "memory", "cpus", "io-allow", "msr-allow", "devices",
							  "console-input", NULL };
	     *p; p++)
		spec_del(&s, "needs", *p);
	build(&s);
	refused(CHANNEL_E_MALFORMED, "no needs");
	spec_free(&s);
}

/* The blob's own framing: truncated, trailing bytes, too big, old version. */
static void framing_refused(void)
{
	struct tspec s = { 0 };
	struct fdt_header *h = (struct fdt_header *)manifest;

	spec_package(&s);
	build(&s);
	manifest_len--;
	refused(CHANNEL_E_TRUNCATED, "one byte short");
	manifest_len += 2;
	refused(CHANNEL_E_TRAILING, "one byte over");
	manifest_len = PACKAGE_MAX_MANIFEST + 1;
	refused(CHANNEL_E_OVERSIZED, "above the limit");
	manifest_len = 20;
	refused(CHANNEL_E_TRUNCATED, "a header's worth");
	build(&s);
	h->version = cpu_to_fdt32(16);
	refused(CHANNEL_E_MALFORMED, "version 16");
	build(&s);
	manifest[0] ^= 1;
	refused(CHANNEL_E_MALFORMED, "not a device tree");
	spec_free(&s);
}

static void publishers_sign(void)
{
	struct tspec s = { 0 };
	struct bundle_verdict v;

	memcpy(publishers[0], kpoint[0], CONFIG_KEY_LEN);
	memcpy(publishers[1], kpoint[1], CONFIG_KEY_LEN);
	spec_package(&s);
	build(&s);
	CHECK_EQ(decode(&v), 0);
	sign((const int[]){ 0, -1 });
	CHECK(sigs(1, &v) == 0 && v.valid == 1);
	CHECK(sigs(2, &v) == -EPERM && v.code == CHANNEL_E_TOO_FEW);
	sign((const int[]){ 1, 0, -1 });
	CHECK(sigs(2, &v) == 0 && v.valid == 2);
	/* Another guest's publisher, an operator: not this guest's. */
	sign((const int[]){ 2, 3, -1 });
	CHECK(sigs(1, &v) != 0 && v.code == CHANNEL_E_UNKNOWN_KEY);
	sign((const int[]){ -3, 0, -1 });
	CHECK(sigs(1, &v) != 0 && v.code == CHANNEL_E_BAD_SIGNATURE);
	sign((const int[]){ -1 });
	CHECK(sigs(1, &v) == -ENODATA && v.code == CHANNEL_E_NO_SIGNATURE);
	sign((const int[]){ 0, -1 });
	sigfile[12] = 1; /* the reserved word */
	CHECK(sigs(1, &v) == -EBADMSG && v.code == CHANNEL_E_SIG_MALFORMED);
	/* Signed, then changed: the decoded package is not these bytes. */
	sign((const int[]){ 0, -1 });
	manifest[manifest_len - 1] ^= 0x80;
	CHECK(sigs(1, &v) != 0);
	spec_free(&s);
}

/* Every byte of a signed manifest matters: one bit of each flipped (a
 * different bit from byte to byte), it fails to decode or its signature no
 * longer holds. (The bundle test flips every bit; one per byte keeps this
 * P-384 sweep to a few seconds.) */
static void every_byte_flipped_refused(void)
{
	struct tspec s = { 0 };
	struct bundle_verdict v;
	unsigned slipped = 0, bits;

	spec_package(&s);
	build(&s);
	sign((const int[]){ 0, -1 });
	bits = (unsigned)manifest_len;
	for (unsigned i = 0; i < bits; i++) {
		manifest[i] ^= (uint8_t)(1u << (i % 8));
		if (!decode(&v) && !sigs(1, &v))
			slipped++;
		manifest[i] ^= (uint8_t)(1u << (i % 8));
	}
	CHECK_EQ(slipped, 0);
	printf("  (%u bytes of the manifest, one bit each)\n", bits);
	spec_free(&s);
}

static void files_match_their_digests(void)
{
	struct tspec s = { 0 };
	struct bundle_verdict v;
	char bad[sizeof(kernel_bytes)];

	spec_package(&s);
	build(&s);
	CHECK_EQ(decode(&v), 0);
	CHECK_EQ(package_file_check(&pkg, PACKAGE_FILE_IMAGE, kernel_bytes, sizeof(kernel_bytes), &v), 0);
	CHECK_EQ(package_file_check(&pkg, PACKAGE_FILE_INITRD, initrd_bytes, sizeof(initrd_bytes), &v), 0);
	memcpy(bad, kernel_bytes, sizeof(bad));
	bad[5] ^= 1;
	CHECK(package_file_check(&pkg, PACKAGE_FILE_IMAGE, bad, sizeof(bad), &v) == -EBADMSG &&
	      strstr(v.message, "digests"));
	CHECK(package_file_check(&pkg, PACKAGE_FILE_IMAGE, kernel_bytes, sizeof(kernel_bytes) - 1, &v) == -EBADMSG);
	CHECK(package_file_check(&pkg, PACKAGE_FILE_INITRD, kernel_bytes, sizeof(kernel_bytes), &v) == -EBADMSG);
	CHECK(package_file_check(&pkg, PACKAGE_FILE_ACPI, "x", 1, &v) == -ENOENT);
	CHECK(package_file_check(&pkg, PACKAGE_FILE_COUNT, "x", 1, &v) == -ENOENT);
	spec_free(&s);
}

/* The platform's grant to guest "web": CPUs 3 and 4, 128 + 256 MiB, port
 * 0x80 and ports 0x500-0x507 as two ranges, two MSRs, console input, no
 * SMT sharing. */
static struct config_guest grant_make(void)
{
	struct config_guest g = { 0 };

	snprintf(g.name, sizeof(g.name), "web");
	g.cpu_count = 2;
	g.cpus[0] = 3;
	g.cpus[1] = 4;
	g.region_count = 2;
	g.regions[0] = (struct config_region){ 0, 128ull << 20 };
	g.regions[1] = (struct config_region){ 0x10000000, 256ull << 20 };
	g.io_count = 3;
	g.io[0] = (struct config_io){ 0x80, 1 };
	g.io[1] = (struct config_io){ 0x500, 4 };
	g.io[2] = (struct config_io){ 0x504, 4 };
	g.msr_count = 2;
	g.msrs[0] = 0x174;
	g.msrs[1] = 0x175;
	g.console_input = true;
	return g;
}

static void decode_spec(struct tspec *s)
{
	struct bundle_verdict v;

	build(s);
	if (decode(&v))
		printf("    %s\n", v.message);
}

/* Needs within the grant: exactly the needs are given. */
static void grant_gives_what_is_needed(void)
{
	struct tspec s = { 0 };
	struct config_guest g = grant_make();
	struct package_effective e;
	struct bundle_verdict v;
	static const uint32_t io2[] = { 0x500, 8 };

	spec_package(&s);
	spec_del(&s, "needs", "devices");
	spec_cells(&s, "needs", "io-allow", io2, 2); /* across the two granted ranges */
	decode_spec(&s);
	CHECK_EQ(package_grant(&pkg, &g, &e, &v), 0);
	CHECK(e.cpu_count == 2 && e.cpus[0] == 3 && e.cpus[1] == 4);
	CHECK(e.region_count == 2 && e.regions[0].size == 128ull << 20 && e.regions[1].gpa == 0x10000000 &&
	      e.regions[1].size == 128ull << 20);
	CHECK(e.io_count == 1 && e.io[0].port == 0x500 && e.io[0].count == 8);
	CHECK(e.msr_count == 1 && e.msrs[0] == 0x174); /* 0x175 granted, not needed: not given */
	CHECK(e.console_input);
	/* Console input granted but not needed: not given. One vCPU of two. */
	spec_del(&s, "needs", "console-input");
	spec_cells(&s, "needs", "cpus", (const uint32_t[]){ 1 }, 1);
	decode_spec(&s);
	CHECK_EQ(package_grant(&pkg, &g, &e, &v), 0);
	CHECK(!e.console_input && e.cpu_count == 1 && e.cpus[0] == 3);
	spec_free(&s);
}

/* Every need beyond the grant refuses the package, naming both. */
static void grant_refuses_more(void)
{
	static const uint32_t cpus3 = 3, io3[] = { 0x500, 9 }, msr[] = { 0x176 };
	static const uint8_t mem[8] = { 0, 0, 0, 0, 0x18, 0, 0, 0 }; /* 384 MiB + 1 page */
	static const uint8_t mem_more[8] = { 0, 0, 0, 0, 0x18, 0, 0x10, 0 };
	struct tspec s = { 0 };
	struct config_guest g = grant_make();
	struct package_effective e;
	struct bundle_verdict v;

	spec_package(&s);
	spec_del(&s, "needs", "devices");
	spec_cells(&s, "needs", "cpus", &cpus3, 1);
	decode_spec(&s);
	CHECK(package_grant(&pkg, &g, &e, &v) == -EPERM && strstr(v.message, "needs 3 vCPUs; guest web is granted 2"));
	CHECK(!e.cpu_count);
	spec_package(&s);
	spec_del(&s, "needs", "devices");
	spec_set(&s, "needs", "memory", mem, 8);
	decode_spec(&s);
	CHECK_EQ(package_grant(&pkg, &g, &e, &v), 0); /* exactly 384 MiB: all of it */
	CHECK(e.regions[1].size == 256ull << 20);
	spec_set(&s, "needs", "memory", mem_more, 8);
	decode_spec(&s);
	CHECK(package_grant(&pkg, &g, &e, &v) == -EPERM && strstr(v.message, "KiB of memory; guest web is granted"));
	spec_package(&s);
	spec_del(&s, "needs", "devices");
	spec_cells(&s, "needs", "io-allow", io3, 2);
	decode_spec(&s);
	CHECK(package_grant(&pkg, &g, &e, &v) == -EPERM && strstr(v.message, "ports 0x500+9"));
	spec_package(&s);
	spec_del(&s, "needs", "devices");
	spec_cells(&s, "needs", "msr-allow", msr, 1);
	decode_spec(&s);
	CHECK(package_grant(&pkg, &g, &e, &v) == -EPERM && strstr(v.message, "MSR 0x176"));
	spec_package(&s); /* network and storage: no device is grantable yet */
	decode_spec(&s);
	CHECK(package_grant(&pkg, &g, &e, &v) == -EPERM && strstr(v.message, "device; guest web is granted none"));
	spec_del(&s, "needs", "devices");
	g.console_input = false;
	decode_spec(&s);
	CHECK(package_grant(&pkg, &g, &e, &v) == -EPERM && strstr(v.message, "console input"));
	g = grant_make();
	g.smt_shared_ok = true;
	CHECK(package_grant(&pkg, &g, &e, &v) == -EPERM && strstr(v.message, "requires smt-isolated"));
	g = grant_make();
	spec_set(&s, "", "requires", "tpm", 4);
	decode_spec(&s);
	CHECK(package_grant(&pkg, &g, &e, &v) == -EPERM && strstr(v.message, "requires tpm"));
	spec_free(&s);
}

/* The digest: the same needs granted on another host (other CPUs, memory
 * elsewhere, more granted) give the same digest; other needs another. */
static void grant_digest_is_the_packages(void)
{
	struct tspec s = { 0 };
	struct config_guest g = grant_make(), h = grant_make();
	struct package_effective e, f;
	struct bundle_verdict v;
	static const uint32_t msr2[] = { 0x174, 0x175 };

	spec_package(&s);
	spec_del(&s, "needs", "devices");
	decode_spec(&s);
	h.cpus[0] = 17;
	h.cpus[1] = 40;
	h.cpu_count = 3;
	h.cpus[2] = 41;
	h.region_count = 1;
	h.regions[0] = (struct config_region){ 0x100000000ull, 1ull << 30 };
	h.io_count = 2;
	h.io[0] = (struct config_io){ 0x80, 1 };
	h.io[1] = (struct config_io){ 0x500, 16 };
	CHECK(package_grant(&pkg, &g, &e, &v) == 0 && package_grant(&pkg, &h, &f, &v) == 0);
	CHECK(!memcmp(e.digest, f.digest, sizeof(e.digest)));
	spec_cells(&s, "needs", "msr-allow", msr2, 2);
	decode_spec(&s);
	CHECK(package_grant(&pkg, &g, &f, &v) == 0);
	CHECK(memcmp(e.digest, f.digest, sizeof(e.digest)));
	spec_free(&s);
}

/* The guest's own entry: the effective policy, the package's files under
 * its directory and its command line; a path that does not fit refused. */
static void entry_is_the_effective_policy(void)
{
	static struct config_guest out;
	struct tspec s = { 0 };
	struct config_guest g = grant_make();
	struct package_effective e;
	struct bundle_verdict v;

	snprintf(g.package, sizeof(g.package), "packages/web");
	snprintf(g.image, sizeof(g.image), "stale");
	spec_package(&s);
	spec_del(&s, "needs", "devices");
	decode_spec(&s);
	CHECK_EQ(package_grant(&pkg, &g, &e, &v), 0);
	CHECK_EQ(package_entry(&pkg, &g, &e, &out, &v), 0);
	CHECK(!strcmp(out.name, "web") && !strcmp(out.package, "packages/web"));
	CHECK(!strcmp(out.image, "packages/web/vmlinux") && !strcmp(out.initrd, "packages/web/initrd.cpio.gz"));
	CHECK(!out.acpi[0] && !strcmp(out.cmdline, "console=ttyS0 panic=-1"));
	CHECK(out.cpu_count == e.cpu_count && out.region_count == e.region_count && out.io_count == e.io_count &&
	      out.msr_count == e.msr_count && out.console_input == e.console_input);
	CHECK(!memcmp(out.msrs, e.msrs, sizeof(out.msrs)) && !memcmp(out.io, e.io, sizeof(out.io)));
	memset(g.package, 'p', sizeof(g.package) - 8); /* 56 + "/vmlinux" + NUL: 65 bytes */
	g.package[sizeof(g.package) - 8] = 0;
	CHECK(package_entry(&pkg, &g, &e, &out, &v) == -E2BIG && strstr(v.message, "'vmlinux' is too long"));
	spec_free(&s);
}

int main(void)
{
	keys_make();
	CHECK_RUN(decodes_what_it_says);
	CHECK_RUN(never_a_bundle);
	CHECK_RUN(each_malformed_refused);
	CHECK_RUN(framing_refused);
	CHECK_RUN(publishers_sign);
	CHECK_RUN(every_byte_flipped_refused);
	CHECK_RUN(files_match_their_digests);
	CHECK_RUN(grant_gives_what_is_needed);
	CHECK_RUN(grant_refuses_more);
	CHECK_RUN(grant_digest_is_the_packages);
	CHECK_RUN(entry_is_the_effective_policy);
	return check_done();
}
