// SPDX-License-Identifier: MIT
/*
 * Unit tests of kernel/config.c, the system config validator
 * (docs/formats.md). Test blobs are made here with libfdt: one valid config
 * written with the sequential-write API, and for each refusal a copy with
 * one edit made through the read-write API. Every blob is handed over in a
 * heap buffer of exactly its size, so ASan sees any read past its end.
 */
#define CHECK_SUITE "config"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <libfdt.h>
#include "kernel/config.h"

#define BLOB_MAX 65536
#define KEYS 12

/* Distinct, well-formed test keys: 0x04 then a pattern per key. */
static uint8_t keys[KEYS][CONFIG_KEY_LEN];

static void keys_make(void)
{
	for (unsigned k = 0; k < KEYS; k++) {
		keys[k][0] = 0x04;
		for (unsigned i = 1; i < CONFIG_KEY_LEN; i++)
			keys[k][i] = (uint8_t)(k * 31 + i * 7 + 1);
	}
}

/* ---- writing blobs --------------------------------------------------------- */

static void sw_cells(void *fdt, const char *name, const uint32_t *cells, int n)
{
	fdt32_t be[64];

	for (int i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	if (fdt_property(fdt, name, be, 4 * n))
		abort();
}

#define SW_CELLS(fdt, name, ...) \
	sw_cells(fdt, name, (const uint32_t[]){ __VA_ARGS__ }, sizeof((uint32_t[]){ __VA_ARGS__ }) / 4)

static void sw_keys(void *fdt, const unsigned *idx, int n)
{
	uint8_t buf[KEYS * CONFIG_KEY_LEN];

	for (int i = 0; i < n; i++)
		memcpy(buf + i * CONFIG_KEY_LEN, keys[idx[i]], CONFIG_KEY_LEN);
	if (fdt_property(fdt, "keys", buf, n * CONFIG_KEY_LEN))
		abort();
}

static void sw_role(void *fdt, const char *name, uint32_t threshold, const unsigned *idx, int n)
{
	if (fdt_begin_node(fdt, name))
		abort();
	SW_CELLS(fdt, "threshold", threshold);
	sw_keys(fdt, idx, n);
	if (fdt_end_node(fdt))
		abort();
}

/*
 * The valid config every refusal starts from:
 *   roles: patch 1 of {0}, operator 2 of {1,2,3}, publisher 1 of {4,5};
 *   hello: package packages/hello signed by publisher 0 (key 4); CPUs 1 and
 *     2, two regions, two I/O ranges, two MSRs, console input;
 *   ticker-2: package packages/ticker signed by publisher 1 (key 5); CPU 3,
 *     one region, no allow-lists;
 *   channel: COM2 (port 0x2f8, ISA IRQ 3).
 */
static size_t base_write(void *fdt)
{
	if (fdt_create(fdt, BLOB_MAX) || fdt_finish_reservemap(fdt) || fdt_begin_node(fdt, ""))
		abort();
	if (fdt_property_string(fdt, "compatible", "vigil,system-v1") || fdt_begin_node(fdt, "roles"))
		abort();
	sw_role(fdt, "patch", 1, (const unsigned[]){ 0 }, 1);
	sw_role(fdt, "operator", 2, (const unsigned[]){ 1, 2, 3 }, 3);
	sw_role(fdt, "publisher", 1, (const unsigned[]){ 4, 5 }, 2);
	if (fdt_end_node(fdt) || fdt_begin_node(fdt, "guests") || fdt_begin_node(fdt, "hello"))
		abort();
	if (fdt_property_string(fdt, "package", "packages/hello"))
		abort();
	SW_CELLS(fdt, "publishers", 0);
	SW_CELLS(fdt, "publisher-threshold", 1);
	SW_CELLS(fdt, "cpus", 1, 2);
	SW_CELLS(fdt, "memory", 0x0, 0x0, 0x0, 0x400000, 0x1, 0x0, 0x0, 0x200000);
	SW_CELLS(fdt, "io-allow", 0x80, 1, 0x510, 2);
	SW_CELLS(fdt, "msr-allow", 0x174, 0xc0000100);
	if (fdt_property(fdt, "console-input", NULL, 0))
		abort();
	if (fdt_end_node(fdt) || fdt_begin_node(fdt, "ticker-2"))
		abort();
	if (fdt_property_string(fdt, "package", "packages/ticker"))
		abort();
	SW_CELLS(fdt, "publishers", 1);
	SW_CELLS(fdt, "publisher-threshold", 1);
	SW_CELLS(fdt, "cpus", 3);
	SW_CELLS(fdt, "memory", 0x0, 0x200000, 0x0, 0x600000);
	if (fdt_end_node(fdt) || fdt_end_node(fdt) || fdt_begin_node(fdt, "channel"))
		abort();
	SW_CELLS(fdt, "uart-port", 0x2f8);
	SW_CELLS(fdt, "irq", 3);
	if (fdt_end_node(fdt) || fdt_end_node(fdt) || fdt_finish(fdt))
		abort();
	return fdt_totalsize(fdt);
}

/* ---- edits through the read-write API --------------------------------------- */

enum edit_op { ED_NONE, ED_CELLS, ED_STR, ED_BYTES, ED_KEYS, ED_DELPROP, ED_ADDNODE, ED_DELNODE, ED_FN };

#define KEY_BAD 100 /* in an ED_KEYS list: a key starting with 0x02 (compressed) */

struct edit {
	enum edit_op op;
	const char *path;
	const char *name; /* property, or new node's name */
	const uint32_t *cells;
	int n;		  /* cells, or bytes for ED_BYTES */
	const char *bytes;
	void (*fn)(void *fdt);
};

#define CELLS(p, prop, ...) \
	{ ED_CELLS, p, prop, (const uint32_t[]){ __VA_ARGS__ }, sizeof((uint32_t[]){ __VA_ARGS__ }) / 4, NULL, NULL }
#define STR(p, prop, s) { ED_STR, p, prop, NULL, 0, s, NULL }
#define BYTES(p, prop, b, len) { ED_BYTES, p, prop, NULL, len, b, NULL }
#define KEYLIST(p, ...) \
	{ ED_KEYS, p, "keys", (const uint32_t[]){ __VA_ARGS__ }, sizeof((uint32_t[]){ __VA_ARGS__ }) / 4, NULL, NULL }
#define DELPROP(p, prop) { ED_DELPROP, p, prop, NULL, 0, NULL, NULL }
#define ADDNODE(p, node) { ED_ADDNODE, p, node, NULL, 0, NULL, NULL }
#define DELNODE(p) { ED_DELNODE, p, NULL, NULL, 0, NULL, NULL }
#define FN(f) { ED_FN, NULL, NULL, NULL, 0, NULL, f }

static int node_at(void *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0) {
		printf("test bug: no node %s\n", path);
		abort();
	}
	return node;
}

static void rw_cells(void *fdt, const char *path, const char *name, const uint32_t *cells, int n)
{
	fdt32_t be[64];

	for (int i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	if (fdt_setprop(fdt, node_at(fdt, path), name, be, 4 * n))
		abort();
}

static void rw_keys(void *fdt, const char *path, const uint32_t *idx, int n)
{
	uint8_t buf[KEYS * CONFIG_KEY_LEN];

	for (int i = 0; i < n; i++) {
		uint8_t *k = buf + i * CONFIG_KEY_LEN;

		memcpy(k, keys[idx[i] == KEY_BAD ? 0 : idx[i]], CONFIG_KEY_LEN);
		if (idx[i] == KEY_BAD)
			k[0] = 0x02;
	}
	if (fdt_setprop(fdt, node_at(fdt, path), "keys", buf, n * CONFIG_KEY_LEN))
		abort();
}

static void edit_apply(void *fdt, const struct edit *e)
{
	int rc = 0;

	switch (e->op) {
	case ED_NONE:
		break;
	case ED_CELLS:
		rw_cells(fdt, e->path, e->name, e->cells, e->n);
		break;
	case ED_STR:
		rc = fdt_setprop_string(fdt, node_at(fdt, e->path), e->name, e->bytes);
		break;
	case ED_BYTES:
		rc = fdt_setprop(fdt, node_at(fdt, e->path), e->name, e->bytes, e->n);
		break;
	case ED_KEYS:
		rw_keys(fdt, e->path, e->cells, e->n);
		break;
	case ED_DELPROP:
		rc = fdt_delprop(fdt, node_at(fdt, e->path), e->name);
		break;
	case ED_ADDNODE:
		rc = fdt_add_subnode(fdt, node_at(fdt, e->path), e->name);
		rc = rc < 0 ? rc : 0;
		break;
	case ED_DELNODE:
		rc = fdt_del_node(fdt, node_at(fdt, e->path));
		break;
	case ED_FN:
		e->fn(fdt);
		break;
	}
	if (rc) {
		printf("test bug: edit of %s failed: %s\n", e->path, fdt_strerror(rc));
		abort();
	}
}

/* The base config with edits applied, in a heap buffer of exactly its size. */
static void *blob_make(const struct edit *edits, int n, size_t *size)
{
	static uint8_t base[BLOB_MAX], work[BLOB_MAX];
	void *blob;

	base_write(base);
	if (fdt_open_into(base, work, BLOB_MAX))
		abort();
	for (int i = 0; i < n; i++)
		edit_apply(work, &edits[i]);
	if (fdt_pack(work))
		abort();
	*size = fdt_totalsize(work);
	blob = malloc(*size);
	memcpy(blob, work, *size);
	return blob;
}

/* config_parse into a struct pre-filled with junk, so zeroing is visible. */
static int parse(const void *blob, size_t size, struct config *out, char *err, size_t errlen)
{
	memset(out, 0xa5, sizeof(*out));
	strcpy(err, "(no message)");
	return config_parse(blob, size, out, err, errlen);
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* ---- the valid config -------------------------------------------------------- */

static void valid_round_trips(void)
{
	size_t size;
	void *blob = blob_make(NULL, 0, &size);
	struct config *c = malloc(sizeof(*c));
	char err[256];
	const struct config_guest *g;
	int rc = parse(blob, size, c, err, sizeof(err));

	CHECK_EQ(rc, 0);
	if (rc)
		printf("    %s\n", err);
	CHECK_EQ(c->guest_count, 2);
	g = &c->guests[0];
	CHECK(!strcmp(g->name, "hello"));
	CHECK(!strcmp(g->package, "packages/hello"));
	CHECK(g->publisher_count == 1 && !memcmp(g->publishers[0], keys[4], CONFIG_KEY_LEN));
	CHECK_EQ(g->publisher_threshold, 1);
	CHECK_EQ(g->min_security_version, 0);
	/* Files and command line come from the package, never the config. */
	CHECK(!g->image[0] && !g->initrd[0] && !g->acpi[0] && !g->cmdline[0]);
	CHECK_EQ(g->cpu_count, 2);
	CHECK_EQ(g->cpus[0], 1);
	CHECK_EQ(g->cpus[1], 2);
	CHECK_EQ(g->region_count, 2);
	CHECK_EQ(g->regions[0].gpa, 0);
	CHECK_EQ(g->regions[0].size, 0x400000);
	CHECK_EQ(g->regions[1].gpa, 0x100000000);
	CHECK_EQ(g->regions[1].size, 0x200000);
	CHECK_EQ(g->io_count, 2);
	CHECK_EQ(g->io[0].port, 0x80);
	CHECK_EQ(g->io[0].count, 1);
	CHECK_EQ(g->io[1].port, 0x510);
	CHECK_EQ(g->io[1].count, 2);
	CHECK_EQ(g->msr_count, 2);
	CHECK_EQ(g->msrs[0], 0x174);
	CHECK_EQ(g->msrs[1], 0xc0000100);
	CHECK(g->console_input);
	g = &c->guests[1];
	CHECK(!strcmp(g->name, "ticker-2"));
	CHECK(!strcmp(g->package, "packages/ticker"));
	CHECK(g->publisher_count == 1 && !memcmp(g->publishers[0], keys[5], CONFIG_KEY_LEN));
	CHECK(!g->image[0] && !g->initrd[0] && !g->acpi[0] && !g->cmdline[0]);
	CHECK_EQ(g->cpu_count, 1);
	CHECK_EQ(g->cpus[0], 3);
	CHECK_EQ(g->region_count, 1);
	CHECK_EQ(g->regions[0].gpa, 0x200000);
	CHECK_EQ(g->regions[0].size, 0x600000);
	CHECK_EQ(g->io_count, 0);
	CHECK_EQ(g->msr_count, 0);
	CHECK(!g->console_input); /* off unless granted */
	/* Unused slots are zero, not junk. */
	CHECK(all_zero(&c->guests[2], sizeof(c->guests[2]) * (CONFIG_MAX_GUESTS - 2)));
	CHECK_EQ(c->roles[ROLE_PATCH].threshold, 1);
	CHECK_EQ(c->roles[ROLE_PATCH].key_count, 1);
	CHECK(!memcmp(c->roles[ROLE_PATCH].keys[0], keys[0], CONFIG_KEY_LEN));
	CHECK_EQ(c->roles[ROLE_OPERATOR].threshold, 2);
	CHECK_EQ(c->roles[ROLE_OPERATOR].key_count, 3);
	for (unsigned i = 0; i < 3; i++)
		CHECK(!memcmp(c->roles[ROLE_OPERATOR].keys[i], keys[1 + i], CONFIG_KEY_LEN));
	CHECK_EQ(c->roles[ROLE_PUBLISHER].threshold, 1);
	CHECK_EQ(c->roles[ROLE_PUBLISHER].key_count, 2);
	CHECK(!memcmp(c->roles[ROLE_PUBLISHER].keys[1], keys[5], CONFIG_KEY_LEN));
	CHECK(all_zero(c->roles[ROLE_PUBLISHER].keys[2], CONFIG_KEY_LEN * (CONFIG_MAX_KEYS - 2)));
	CHECK(!strcmp(config_role_names[ROLE_PATCH], "patch"));
	CHECK(!strcmp(config_role_names[ROLE_OPERATOR], "operator"));
	CHECK(!strcmp(config_role_names[ROLE_PUBLISHER], "publisher"));
	CHECK_EQ(c->channel.kind, CONFIG_UART_PORT);
	CHECK_EQ(c->channel.base, 0x2f8);
	CHECK_EQ(c->channel.isa_irq, 3);
	CHECK_EQ(c->channel.gsi, -1);
	free(c);
	free(blob);
}

/* ---- edits that need code --------------------------------------------------- */

/* A new guest node's package, signed by publisher 0, threshold 1. */
static int pkg_set(void *fdt, int node, const char *package)
{
	return fdt_setprop_string(fdt, node, "package", package) || fdt_setprop_u32(fdt, node, "publishers", 0) ||
	       fdt_setprop_u32(fdt, node, "publisher-threshold", 1);
}

static void add_guest(void *fdt, const char *name, uint32_t cpu)
{
	int node = fdt_add_subnode(fdt, node_at(fdt, "/guests"), name);
	fdt32_t cpus = cpu_to_fdt32(cpu);
	fdt32_t mem[4] = { 0, 0, 0, cpu_to_fdt32(0x200000) };

	if (node < 0 || pkg_set(fdt, node, "packages/x") || fdt_setprop(fdt, node, "cpus", &cpus, 4) ||
	    fdt_setprop(fdt, node, "memory", mem, 16))
		abort();
}

/* The base config has two guests: up to the limit, then one past it. */
static void guests_to_limit(void *fdt)
{
	char name[8];

	for (uint32_t i = 0; i < CONFIG_MAX_GUESTS - 2; i++) {
		snprintf(name, sizeof(name), "g%u", i);
		add_guest(fdt, name, 10 + i);
	}
}

static void guests_past_limit(void *fdt)
{
	guests_to_limit(fdt);
	add_guest(fdt, "gx", 100);
}

static void rename_ticker_hello(void *fdt)
{
	if (fdt_set_name(fdt, node_at(fdt, "/guests/ticker-2"), "hello"))
		abort();
}

/* n (port, 1) pairs of harmless ports, or n harmless MSRs. */
static void io_pairs(void *fdt, int n)
{
	uint32_t cells[2 * (CONFIG_MAX_IO + 1)];

	for (int i = 0; i < n; i++) {
		cells[2 * i] = 0x100 + 4 * (uint32_t)i;
		cells[2 * i + 1] = 1;
	}
	rw_cells(fdt, "/guests/hello", "io-allow", cells, 2 * n);
}

static void io_max(void *fdt) { io_pairs(fdt, CONFIG_MAX_IO); }
static void io_too_many(void *fdt) { io_pairs(fdt, CONFIG_MAX_IO + 1); }

static void msr_list(void *fdt, int n)
{
	uint32_t cells[CONFIG_MAX_MSRS + 1];

	for (int i = 0; i < n; i++)
		cells[i] = 0x1000 + (uint32_t)i;
	rw_cells(fdt, "/guests/hello", "msr-allow", cells, n);
}

static void msr_max(void *fdt) { msr_list(fdt, CONFIG_MAX_MSRS); }
static void msr_too_many(void *fdt) { msr_list(fdt, CONFIG_MAX_MSRS + 1); }

/* The withdrawn form whole: a guest naming its files, no package. */
static void old_form_ticker(void *fdt)
{
	int node = node_at(fdt, "/guests/ticker-2");

	if (fdt_delprop(fdt, node, "package") || fdt_delprop(fdt, node, "publishers") ||
	    fdt_delprop(fdt, node, "publisher-threshold") ||
	    fdt_setprop_string(fdt, node, "image", "guests/ticker.elf") ||
	    fdt_setprop_string(fdt, node, "initrd", "guests/initrd.gz") ||
	    fdt_setprop_string(fdt, node, "cmdline", "console=ttyS0"))
		abort();
}

static void key_list(void *fdt, int n)
{
	uint32_t idx[KEYS];

	for (int i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	rw_keys(fdt, "/roles/publisher", idx, n);
}

static void keys_max(void *fdt) { key_list(fdt, CONFIG_MAX_KEYS); }
static void keys_too_many(void *fdt) { key_list(fdt, CONFIG_MAX_KEYS + 1); }

/* ---- accepted edge cases: the checks are not broader than the schema --------- */

#define H "/guests/hello"
#define PACKAGE_ONLY "a guest is a signed package (package = ...)"
#define T "/guests/ticker-2"
#define C "/channel"

/* The channel on a UART in memory, or behind a PCI function, with a GSI. */
static void channel_mmio(void *fdt)
{
	rw_cells(fdt, C, "uart-mmio", (const uint32_t[]){ 0x0, 0xfe030000 }, 2);
	rw_cells(fdt, C, "reg-shift", (const uint32_t[]){ 2 }, 1);
	rw_cells(fdt, C, "reg-io-width", (const uint32_t[]){ 4 }, 1);
	if (fdt_delprop(fdt, node_at(fdt, C), "uart-port"))
		abort();
}

static void channel_pci(void *fdt)
{
	rw_cells(fdt, C, "uart-pci", (const uint32_t[]){ 0, 0, 4, 0 }, 4);
	rw_cells(fdt, C, "gsi", (const uint32_t[]){ 20 }, 1);
	if (fdt_delprop(fdt, node_at(fdt, C), "uart-port") || fdt_delprop(fdt, node_at(fdt, C), "irq"))
		abort();
}

/* The channel's other two kinds of UART, read back. */
static void channel_round_trips(void)
{
	struct edit mmio[1] = { FN(channel_mmio) }, pci[1] = { FN(channel_pci) };
	struct config *c = malloc(sizeof(*c));
	char err[256];
	size_t size;
	void *blob = blob_make(mmio, 1, &size);

	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK_EQ(c->channel.kind, CONFIG_UART_MMIO);
	CHECK_EQ(c->channel.base, 0xfe030000);
	CHECK_EQ(c->channel.shift, 2);
	CHECK_EQ(c->channel.width, 4);
	CHECK_EQ(c->channel.isa_irq, 3);
	free(blob);
	blob = blob_make(pci, 1, &size);
	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK_EQ(c->channel.kind, CONFIG_UART_PCI);
	CHECK_EQ(c->channel.pci_bus, 0);
	CHECK_EQ(c->channel.pci_dev, 4);
	CHECK_EQ(c->channel.pci_fn, 0);
	CHECK_EQ(c->channel.shift, 0);
	CHECK_EQ(c->channel.width, 1);
	CHECK_EQ(c->channel.isa_irq, -1);
	CHECK_EQ(c->channel.gsi, 20);
	free(blob);
	free(c);
}

/* tpm = "required" sets the flag; "optional" and no property leave it off. */
static void tpm_required_round_trips(void)
{
	struct edit req[1] = { STR("/", "tpm", "required") }, opt[1] = { STR("/", "tpm", "optional") };
	struct config *c = malloc(sizeof(*c));
	char err[256];
	size_t size;
	void *blob = blob_make(req, 1, &size);

	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK(c->tpm_required);
	free(blob);
	blob = blob_make(opt, 1, &size);
	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK(!c->tpm_required);
	free(blob);
	blob = blob_make(NULL, 0, &size);
	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK(!c->tpm_required);
	free(blob);
	free(c);
}

/* tpm-marks as docs/formats.md shows it, with tpm = "required". */
static void marks_node(void *fdt)
{
	static const uint8_t srk[CONFIG_SRK_NAME_LEN] = { 0x00, 0x0b, 0x5a };
	fdt32_t index = cpu_to_fdt32(0x01800056);
	int node = fdt_add_subnode(fdt, 0, "tpm-marks");

	if (node < 0 || fdt_setprop(fdt, node, "index", &index, 4) ||
	    fdt_setprop(fdt, node, "policy-key", keys[1], CONFIG_KEY_LEN) ||
	    fdt_setprop(fdt, node, "storage-key-name", srk, sizeof(srk)) || fdt_setprop_string(fdt, 0, "tpm", "required"))
		abort();
}

/* The same without tpm = "required". */
static void marks_node_tpm_optional(void *fdt)
{
	marks_node(fdt);
	if (fdt_delprop(fdt, 0, "tpm"))
		abort();
}

static void marks_key_compressed(void *fdt)
{
	uint8_t k[CONFIG_KEY_LEN];

	memcpy(k, keys[1], sizeof(k));
	k[0] = 0x02;
	if (fdt_setprop(fdt, fdt_path_offset(fdt, "/tpm-marks"), "policy-key", k, sizeof(k)))
		abort();
}

static void marks_srk_sha1(void *fdt)
{
	uint8_t n[CONFIG_SRK_NAME_LEN] = { 0x00, 0x04 };

	if (fdt_setprop(fdt, fdt_path_offset(fdt, "/tpm-marks"), "storage-key-name", n, sizeof(n)))
		abort();
}

/* tpm-marks and version: what the config names, copied; none without them. */
static void marks_round_trip(void)
{
	struct edit e[2] = { FN(marks_node), CELLS("/", "version", 0x1, 0x2) };
	struct config *c = malloc(sizeof(*c));
	char err[256];
	size_t size;
	void *blob = blob_make(e, 2, &size);

	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK(c->marks.present && c->marks.index == 0x01800056 && c->version == 0x100000002ull);
	CHECK(!memcmp(c->marks.policy_key, keys[1], CONFIG_KEY_LEN));
	CHECK(c->marks.srk_name[0] == 0 && c->marks.srk_name[1] == 0x0b && c->marks.srk_name[2] == 0x5a);
	free(blob);
	blob = blob_make(NULL, 0, &size);
	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK(!c->marks.present && c->version == 0 && !c->marks.persisted_set);
	free(blob);
	free(c);
}

/* Guest hello (publisher 0 of roles/publisher: keys 4 and 5, so key 4;
 * threshold 1) accepting security version 5 at least. */
static void pkg_hello_secver(void *fdt)
{
	fdt32_t secver[2] = { 0, cpu_to_fdt32(5) };

	if (fdt_setprop(fdt, node_at(fdt, H), "min-security-version", secver, 8))
		abort();
}

static void pkg_two_publishers(void *fdt)
{
	fdt32_t two[2] = { cpu_to_fdt32(1), 0 }, t = cpu_to_fdt32(2);

	if (fdt_setprop(fdt, node_at(fdt, H), "publishers", two, sizeof(two)) ||
	    fdt_setprop(fdt, node_at(fdt, H), "publisher-threshold", &t, 4))
		abort();
}

/* A guest's package fields: the lowest security version when given, and
 * two publishers; the other guest keeps its own. */
static void package_round_trips(void)
{
	struct config *c = malloc(sizeof(*c));
	const struct edit e[2] = { FN(pkg_hello_secver), FN(pkg_two_publishers) };
	char err[256];
	size_t size;
	void *blob = blob_make(e, 1, &size);

	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK(!strcmp(c->guests[0].package, "packages/hello") && !c->guests[0].image[0]);
	CHECK(c->guests[0].publisher_count == 1 && !memcmp(c->guests[0].publishers[0], keys[4], CONFIG_KEY_LEN));
	CHECK(c->guests[0].publisher_threshold == 1 && c->guests[0].min_security_version == 5);
	CHECK(!strcmp(c->guests[1].package, "packages/ticker") && c->guests[1].publisher_count == 1 &&
	      !c->guests[1].min_security_version);
	free(blob);
	blob = blob_make(e, 2, &size);
	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), 0);
	CHECK(c->guests[0].publisher_count == 2 && c->guests[0].publisher_threshold == 2 &&
	      !memcmp(c->guests[0].publishers[0], keys[5], CONFIG_KEY_LEN));
	free(blob);
	free(c);
}

struct good_case {
	const char *name;
	struct edit e[2];
};

static const struct good_case good_cases[] = {
	{ "guests_to_limit_accepted", { FN(guests_to_limit) } },
	{ "threshold_equal_to_keys_accepted", { CELLS("/roles/operator", "threshold", 3) } },
	{ "eight_keys_accepted", { FN(keys_max), CELLS("/roles/publisher", "threshold", 8) } },
	{ "four_cpus_and_cpu_63_accepted", { CELLS("/guests/hello", "cpus", 1, 2, 63, 4) } },
	{ "four_regions_accepted",
	  { CELLS("/guests/hello", "memory", 0, 0, 0, 0x200000, 0, 0x200000, 0, 0x200000, 0, 0x400000, 0,
		  0x200000, 0x7f, 0xffe00000, 0, 0x200000) } },
	{ "region_ending_at_512g_accepted", { CELLS("/guests/hello", "memory", 0x7f, 0xffc00000, 0, 0x400000) } },
	{ "adjacent_regions_accepted", { CELLS("/guests/hello", "memory", 0, 0x200000, 0, 0x200000, 0, 0, 0, 0x200000) } },
	{ "sixteen_io_ranges_accepted", { FN(io_max) } },
	{ "sixteen_msrs_accepted", { FN(msr_max) } },
	{ "io_up_to_0xffff_accepted", { CELLS("/guests/hello", "io-allow", 0xd00, 0xf300) } },
	{ "no_allow_lists_accepted", { DELPROP("/guests/hello", "io-allow"), DELPROP("/guests/hello", "msr-allow") } },
	{ "console_input_on_two_guests_accepted", { BYTES("/guests/ticker-2", "console-input", "", 0) } },
	{ "no_console_input_accepted", { DELPROP("/guests/hello", "console-input") } },
	{ "name_31_chars_accepted", { ADDNODE("/guests", "abcdefghijklmnopqrstuvwxyz-0123") } },
	{ "package_63_chars_accepted",
	  { STR("/guests/hello", "package", "packages/abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzab") } },
	{ "package_with_single_dots_accepted", { STR("/guests/hello", "package", "./packages/v1.2/hello") } },
	{ "memory_just_below_apic_window_accepted", { CELLS("/guests/hello", "memory", 0, 0xfea00000, 0, 0x200000) } },
	{ "memory_just_above_apic_window_accepted", { CELLS("/guests/hello", "memory", 0, 0xff000000, 0, 0x200000) } },
	/* the channel's UART: a port beside a guest's grant, in memory, a PCI function */
	{ "channel_port_next_to_a_grant_accepted", { CELLS(C, "uart-port", 0x508), CELLS(H, "io-allow", 0x500, 8) } },
	{ "channel_mmio_accepted", { FN(channel_mmio) } },
	{ "channel_pci_gsi_accepted", { FN(channel_pci) } },
	{ "dma_fault_stop_accepted",
	  { CELLS("/guests/hello", "pci-devices", 0, 0, 5, 0), BYTES("/guests/hello", "dma-fault-stop", "", 0) } },
	{ "tpm_required_accepted", { STR("/", "tpm", "required") } },
	{ "tpm_optional_accepted", { STR("/", "tpm", "optional") } },
	{ "tpm_marks_accepted", { FN(marks_node) } },
	{ "tpm_marks_persisted_set_accepted",
	  { FN(marks_node), BYTES("/tpm-marks", "persisted-set", "0123456789abcdef0123456789abcdef", 32) } },
	{ "version_accepted", { CELLS("/", "version", 0, 9) } },
};

/* The added 31-character guest needs properties of its own. */
static void fixup_fn(void *fdt)
{
	int node = fdt_path_offset(fdt, "/guests/abcdefghijklmnopqrstuvwxyz-0123");
	fdt32_t cpus = cpu_to_fdt32(9);
	fdt32_t mem[4] = { 0, 0, 0, cpu_to_fdt32(0x200000) };

	if (node >= 0 && (pkg_set(fdt, node, "a") || fdt_setprop(fdt, node, "cpus", &cpus, 4) ||
			  fdt_setprop(fdt, node, "memory", mem, 16)))
		abort();
}

static void run_good_cases(void)
{
	struct config *c = malloc(sizeof(*c));
	char err[256];

	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *g = &good_cases[i];
		struct edit e[3] = { g->e[0], g->e[1], FN(fixup_fn) };
		unsigned before = check_case_failures;
		size_t size;
		void *blob = blob_make(e, 3, &size);
		int rc = parse(blob, size, c, err, sizeof(err));

		CHECK_EQ(rc, 0);
		if (rc)
			printf("    %s\n", err);
		check_result(g->name, check_case_failures == before);
		free(blob);
	}
	free(c);
}

/* ---- refusals ------------------------------------------------------------------ */

struct bad_case {
	const char *name;
	struct edit e[2];
	const char *node; /* the message must start "config: <node>: " */
	const char *what; /* and contain this */
};

static const struct bad_case bad_cases[] = {
	/* root */
	{ "unknown_root_property", { STR("/", "model", "x") }, "/", "unknown property 'model'" },
	{ "unknown_root_node", { ADDNODE("/", "chosen") }, "/", "unknown node 'chosen'" },
	{ "missing_compatible", { DELPROP("/", "compatible") }, "/", "'compatible' missing" },
	{ "bad_compatible", { STR("/", "compatible", "vigil,system-v2") }, "/", "compatible must be" },
	{ "compatible_list", { BYTES("/", "compatible", "vigil,system-v1\0x", 18) }, "/", "one string" },
	{ "missing_roles", { DELNODE("/roles") }, "/roles", "node missing" },
	{ "missing_guests", { DELNODE("/guests") }, "/guests", "node missing" },
	{ "no_guests", { DELNODE(H), DELNODE(T) }, "/guests", "no guests" },
	{ "unknown_roles_property", { CELLS("/roles", "default", 1) }, "/roles", "unknown property 'default'" },
	{ "unknown_guests_property", { CELLS("/guests", "count", 2) }, "/guests", "unknown property 'count'" },
	{ "too_many_guests", { FN(guests_past_limit) }, "/guests", "more than 16" },
	/* roles */
	{ "unknown_role", { ADDNODE("/roles", "admin") }, "/roles", "unknown node 'admin'" },
	{ "platform_role_not_in_config", { ADDNODE("/roles", "platform") }, "/roles", "unknown node 'platform'" },
	{ "missing_role", { DELNODE("/roles/operator") }, "/roles/operator", "role missing" },
	{ "unknown_role_property", { CELLS("/roles/patch", "weight", 1) }, "/roles/patch", "unknown property 'weight'" },
	{ "unknown_node_in_role", { ADDNODE("/roles/patch", "extra") }, "/roles/patch", "unknown node 'extra'" },
	{ "missing_threshold", { DELPROP("/roles/publisher", "threshold") }, "/roles/publisher", "'threshold' missing" },
	{ "threshold_two_cells", { CELLS("/roles/patch", "threshold", 0, 1) }, "/roles/patch", "one cell" },
	{ "missing_keys", { DELPROP("/roles/patch", "keys") }, "/roles/patch", "'keys' must hold" },
	{ "empty_keys", { BYTES("/roles/patch", "keys", "", 0) }, "/roles/patch", "'keys' must hold" },
	{ "key_96_bytes", { BYTES("/roles/patch", "keys", (const char *)keys[0], 96) }, "/roles/patch", "'keys' must hold" },
	{ "key_98_bytes", { BYTES("/roles/patch", "keys", (const char *)keys[0], 98) }, "/roles/patch", "'keys' must hold" },
	{ "nine_keys", { FN(keys_too_many) }, "/roles/publisher", "'keys' must hold" },
	{ "key_not_uncompressed", { KEYLIST("/roles/operator", 1, KEY_BAD) }, "/roles/operator", "key 1 is not" },
	{ "duplicate_keys", { KEYLIST("/roles/operator", 1, 2, 1) }, "/roles/operator", "key 2 repeats key 0" },
	{ "threshold_zero", { CELLS("/roles/patch", "threshold", 0) }, "/roles/patch", "threshold 0 outside 1..1" },
	{ "threshold_above_keys", { CELLS("/roles/operator", "threshold", 4) }, "/roles/operator", "threshold 4 outside 1..3" },
	/* guests: properties and names */
	{ "unknown_guest_property", { CELLS(H, "vcpus", 1) }, H, "unknown property 'vcpus'" },
	{ "unknown_node_in_guest", { ADDNODE(H, "devices") }, H, "unknown node 'devices'" },
	{ "missing_package", { DELPROP(T, "package") }, T, "'package' missing: " PACKAGE_ONLY },
	{ "missing_cpus", { DELPROP(T, "cpus") }, T, "'cpus' missing" },
	{ "missing_memory", { DELPROP(T, "memory") }, T, "'memory' missing" },
	{ "name_uppercase", { ADDNODE("/guests", "Hello") }, "/guests/Hello", "guest names" },
	{ "name_underscore", { ADDNODE("/guests", "my_guest") }, "/guests/my_guest", "guest names" },
	{ "name_unit_address", { ADDNODE("/guests", "vm@1") }, "/guests/vm@1", "guest names" },
	{ "name_dot", { ADDNODE("/guests", "a.b") }, "/guests/a.b", "guest names" },
	{ "name_32_chars", { ADDNODE("/guests", "abcdefghijklmnopqrstuvwxyz-01234") },
	  "/guests/abcdefghijklmnopqrstuvwxyz-01234", "guest names" },
	{ "name_repeated", { FN(rename_ticker_hello) }, H, "name" },
	{ "package_dotdot", { STR(H, "package", "packages/../../boot") }, H, "package path" },
	{ "package_dotdot_start", { STR(H, "package", "../vmm") }, H, "package path" },
	{ "memory_over_ioapic", { CELLS(H, "memory", 0, 0xfec00000, 0, 0x200000) }, H, "covers the APIC window" },
	{ "memory_over_lapic", { CELLS(H, "memory", 0, 0xfe000000, 0, 0x1000000) }, H, "covers the APIC window" },
	{ "package_absolute", { STR(H, "package", "/vigil/packages/hello") }, H, "package path" },
	{ "package_backslash", { STR(H, "package", "packages\\hello") }, H, "package path" },
	{ "package_space", { STR(H, "package", "packages/hello world") }, H, "package path" },
	{ "package_control_char", { STR(H, "package", "packages/\x1bhello") }, H, "package path" },
	{ "package_empty", { STR(H, "package", "") }, H, "one string" },
	{ "package_64_chars",
	  { STR(H, "package", "packages/abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzxyz") }, H, "shorter than 64" },
	{ "package_not_terminated", { BYTES(H, "package", "packages/x", 10) }, H, "one string" },
	{ "package_two_strings", { BYTES(H, "package", "a\0b", 4) }, H, "one string" },
	/* the withdrawn form: files named in the config, with or without a package */
	{ "old_form_guest", { FN(old_form_ticker) }, T, "'image' is no longer accepted: " PACKAGE_ONLY },
	{ "image_beside_package", { STR(H, "image", "guests/hello.elf") }, H,
	  "'image' is no longer accepted: " PACKAGE_ONLY },
	{ "image_without_package", { DELPROP(H, "package"), STR(H, "image", "guests/hello.elf") }, H,
	  "'image' is no longer accepted: " PACKAGE_ONLY },
	{ "initrd_beside_package", { STR(H, "initrd", "guests/initrd.gz") }, H,
	  "'initrd' is no longer accepted: " PACKAGE_ONLY },
	{ "acpi_beside_package", { STR(H, "acpi", "guests/lx.acpi") }, H,
	  "'acpi' is no longer accepted: " PACKAGE_ONLY },
	{ "cmdline_beside_package", { STR(T, "cmdline", "console=ttyS0") }, T,
	  "'cmdline' is no longer accepted: " PACKAGE_ONLY },
	{ "image_empty", { BYTES(T, "image", "", 0) }, T, "'image' is no longer accepted: " PACKAGE_ONLY },
	{ "cmdline_not_a_string", { CELLS(H, "cmdline", 1) }, H, "'cmdline' is no longer accepted: " PACKAGE_ONLY },
	/* CPUs */
	{ "cpu_0", { CELLS(H, "cpus", 0) }, H, "cpu 0" },
	{ "cpu_0_after_others", { CELLS(H, "cpus", 1, 0) }, H, "cpu 0" },
	{ "cpu_768", { CELLS(H, "cpus", 768) }, H, "cpu 768" },
	{ "cpu_shared_between_guests", { CELLS(T, "cpus", 2) }, T, "cpu 2 already belongs to guest 'hello'" },
	{ "cpu_repeated_in_guest", { CELLS(H, "cpus", 1, 1) }, H, "cpu 1 already belongs to guest 'hello'" },
	{ "five_cpus", { CELLS(H, "cpus", 1, 2, 4, 5, 6) }, H, "'cpus' must hold 1..4" },
	{ "cpus_empty", { BYTES(H, "cpus", "", 0) }, H, "'cpus' must hold" },
	{ "cpus_partial_cell", { BYTES(H, "cpus", "\0\0\0\1\0", 5) }, H, "'cpus' must hold" },
	/* PCI functions assigned */
	{ "pci_device_32", { CELLS(H, "pci-devices", 0, 0, 32, 0) }, H, "pci-devices: <segment bus device function>" },
	{ "pci_function_8", { CELLS(H, "pci-devices", 0, 0, 5, 8) }, H, "pci-devices: <segment bus device function>" },
	{ "pci_segment_65536", { CELLS(H, "pci-devices", 0x10000, 0, 5, 0) }, H, "pci-devices: <segment" },
	{ "pci_partial", { CELLS(H, "pci-devices", 0, 0, 5) }, H, "'pci-devices' must hold" },
	{ "pci_nine",
	  { CELLS(H, "pci-devices", 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0,
		  0, 0, 8, 0, 0, 0, 9, 0) }, H, "'pci-devices' must hold 1..8" },
	{ "pci_twice_in_guest", { CELLS(H, "pci-devices", 0, 0, 5, 0, 0, 0, 5, 0) }, H,
	  "pci 0000:00:05.0 already belongs to guest 'hello'" },
	{ "pci_shared_between_guests", { CELLS(H, "pci-devices", 0, 0, 5, 0), CELLS(T, "pci-devices", 0, 0, 5, 0) }, T,
	  "pci 0000:00:05.0 already belongs to guest 'hello'" },
	{ "pci_functions_split", { CELLS(H, "pci-devices", 0, 0, 5, 0), CELLS(T, "pci-devices", 0, 0, 5, 1) }, T,
	  "another function of the device belongs to guest 'hello'" },
	{ "pci_channel_device", { FN(channel_pci), CELLS(H, "pci-devices", 0, 0, 4, 1) }, C,
	  "its device is assigned to guest 'hello'" },
	/* tpm: "required" or "optional" */
	{ "tpm_other_word", { STR("/", "tpm", "maybe") }, "/", "tpm must be \"required\" or \"optional\"" },
	{ "tpm_cell", { CELLS("/", "tpm", 1) }, "/", "property 'tpm' must be one string" },
	/* version: 64-bit; tpm-marks: with tpm = "required", an owner NV index, a point, a SHA-256 name */
	{ "version_one_cell", { CELLS("/", "version", 9) }, "/", "'version' must hold 1..1 groups of 2 cells" },
	{ "version_three_cells", { CELLS("/", "version", 0, 0, 9) }, "/", "'version' must hold" },
	{ "marks_without_tpm_required", { FN(marks_node_tpm_optional) }, "/tpm-marks", "needs tpm = \"required\"" },
	{ "marks_index_below_owner_range", { FN(marks_node), CELLS("/tpm-marks", "index", 0x017fffff) }, "/tpm-marks",
	  "not an owner NV index" },
	{ "marks_index_above_owner_range", { FN(marks_node), CELLS("/tpm-marks", "index", 0x01c00002) }, "/tpm-marks",
	  "not an owner NV index" },
	{ "marks_index_missing", { FN(marks_node), DELPROP("/tpm-marks", "index") }, "/tpm-marks", "'index' missing" },
	{ "marks_key_short", { FN(marks_node), BYTES("/tpm-marks", "policy-key", "\x04\x01", 2) }, "/tpm-marks",
	  "'policy-key' must be 97 bytes" },
	{ "marks_key_compressed", { FN(marks_node), FN(marks_key_compressed) }, "/tpm-marks",
	  "uncompressed point" },
	{ "marks_srk_missing", { FN(marks_node), DELPROP("/tpm-marks", "storage-key-name") }, "/tpm-marks",
	  "'storage-key-name' missing" },
	{ "marks_srk_sha1", { FN(marks_node), FN(marks_srk_sha1) }, "/tpm-marks", "SHA-256 name" },
	{ "marks_unknown_property", { FN(marks_node), CELLS("/tpm-marks", "size", 512) }, "/tpm-marks",
	  "unknown property 'size'" },
	{ "marks_subnode", { FN(marks_node), ADDNODE("/tpm-marks", "x") }, "/tpm-marks", "unknown node 'x'" },
	{ "package_under_patches", { STR("/guests/hello", "package", "patches/hello") }, "/guests/hello",
	  "patches/ holds the persisted live patches" },
	{ "marks_persisted_set_short", { FN(marks_node), BYTES("/tpm-marks", "persisted-set", "0123456789", 10) },
	  "/tpm-marks", "'persisted-set' must be 32 bytes" },
	/* dma-fault-stop: a flag, for a guest with devices */
	{ "dma_fault_stop_without_devices", { BYTES(H, "dma-fault-stop", "", 0) }, H,
	  "'dma-fault-stop' without 'pci-devices'" },
	{ "dma_fault_stop_with_cell", { CELLS(H, "pci-devices", 0, 0, 5, 0), CELLS(H, "dma-fault-stop", 1) }, H,
	  "'dma-fault-stop' takes no value" },
	/* memory */
	{ "memory_base_unaligned", { CELLS(H, "memory", 0, 0x100000, 0, 0x200000) }, H, "2 MiB" },
	{ "memory_size_unaligned", { CELLS(H, "memory", 0, 0, 0, 0x201000) }, H, "2 MiB" },
	{ "memory_size_zero", { CELLS(H, "memory", 0, 0x200000, 0, 0) }, H, "size > 0" },
	{ "memory_overlapping", { CELLS(H, "memory", 0, 0, 0, 0x400000, 0, 0x200000, 0, 0x400000) }, H,
	  "region 1 overlaps region 0" },
	{ "memory_inside_other", { CELLS(H, "memory", 0, 0, 0, 0x800000, 0, 0x200000, 0, 0x200000) }, H,
	  "region 1 overlaps region 0" },
	{ "memory_same_twice", { CELLS(H, "memory", 0, 0, 0, 0x200000, 0, 0, 0, 0x200000) }, H,
	  "region 1 overlaps region 0" },
	{ "memory_above_512g", { CELLS(H, "memory", 0x80, 0, 0, 0x200000) }, H, "512 GiB" },
	{ "memory_crossing_512g", { CELLS(H, "memory", 0x7f, 0xffe00000, 0, 0x400000) }, H, "512 GiB" },
	{ "memory_wrapping", { CELLS(H, "memory", 0xffffffff, 0xffe00000, 0, 0x400000) }, H, "512 GiB" },
	{ "memory_five_regions",
	  { CELLS(H, "memory", 0, 0, 0, 0x200000, 0, 0x200000, 0, 0x200000, 0, 0x400000, 0, 0x200000, 0,
		  0x600000, 0, 0x200000, 0, 0x800000, 0, 0x200000) }, H, "'memory' must hold 1..4" },
	{ "memory_three_cells", { CELLS(H, "memory", 0, 0, 0x200000) }, H, "'memory' must hold" },
	/* I/O and MSR allow-lists */
	{ "io_pci_config", { CELLS(H, "io-allow", 0xcf8, 1) }, H, "io-allow 0xcf8+1 refused" },
	{ "io_dma", { CELLS(H, "io-allow", 0x0, 0x10) }, H, "io-allow 0x0+16 refused: 8237 DMA" },
	{ "io_apm_smi", { CELLS(H, "io-allow", 0xb2, 1) }, H, "io-allow 0xb2+1 refused: APM control" },
	{ "io_reset_control", { CELLS(H, "io-allow", 0xcf9, 1) }, H, "io-allow 0xcf9+1 refused" },
	{ "io_keyboard_controller", { CELLS(H, "io-allow", 0x64, 1) }, H, "io-allow 0x64+1 refused" },
	{ "io_com1", { CELLS(H, "io-allow", 0x3f8, 1) }, H, "io-allow 0x3f8+1 refused" },
	{ "io_com2", { CELLS(H, "io-allow", 0x2f8, 8) }, H, "io-allow 0x2f8+8 refused" },
	{ "io_range_over_com1", { CELLS(H, "io-allow", 0x80, 1, 0x3f0, 16) }, H, "io-allow 0x3f0+16 refused" },
	{ "io_pic", { CELLS(H, "io-allow", 0x20, 2) }, H, "io-allow 0x20+2 refused" },
	{ "io_count_zero", { CELLS(H, "io-allow", 0x80, 0) }, H, "io-allow 0x80+0 refused" },
	{ "io_beyond_ffff", { CELLS(H, "io-allow", 0xfff0, 0x20) }, H, "refused" },
	{ "io_wrapping", { CELLS(H, "io-allow", 0xffffffff, 2) }, H, "refused" },
	{ "io_odd_cells", { CELLS(H, "io-allow", 0x80, 1, 0x81) }, H, "'io-allow' must hold" },
	{ "io_too_many", { FN(io_too_many) }, H, "'io-allow' must hold 1..16" },
	{ "io_empty", { BYTES(H, "io-allow", "", 0) }, H, "'io-allow' must hold" },
	{ "msr_efer", { CELLS(H, "msr-allow", 0x174, 0xc0000080) }, H, "msr-allow 0xc0000080 refused" },
	{ "msr_tsc", { CELLS(H, "msr-allow", 0x10) }, H, "msr-allow 0x10 refused: IA32_TSC" },
	{ "msr_mtrr", { CELLS(H, "msr-allow", 0x2ff) }, H, "msr-allow 0x2ff refused: MTRRs" },
	{ "msr_mc_bank", { CELLS(H, "msr-allow", 0x401) }, H, "msr-allow 0x401 refused: machine-check banks" },
	{ "msr_ds_area", { CELLS(H, "msr-allow", 0x600) }, H, "msr-allow 0x600 refused: IA32_DS_AREA" },
	{ "msr_vm_hsave_pa", { CELLS(H, "msr-allow", 0xc0010117) }, H, "msr-allow 0xc0010117 refused" },
	{ "msr_microcode", { CELLS(H, "msr-allow", 0x79) }, H, "msr-allow 0x79 refused" },
	{ "msr_apic_base", { CELLS(H, "msr-allow", 0x1b) }, H, "msr-allow 0x1b refused" },
	{ "msr_vm_cr", { CELLS(H, "msr-allow", 0xc0010114) }, H, "msr-allow 0xc0010114 refused" },
	{ "msr_outside_ranges", { CELLS(H, "msr-allow", 0x40000000) }, H, "msr-allow 0x40000000 refused" },
	{ "msr_too_many", { FN(msr_too_many) }, H, "'msr-allow' must hold 1..16" },
	{ "msr_empty", { BYTES(H, "msr-allow", "", 0) }, H, "'msr-allow' must hold" },
	/* the console-input grant is a flag: present and empty, or absent */
	{ "console_input_with_cell", { CELLS(H, "console-input", 1) }, H, "'console-input' takes no value" },
	{ "console_input_zero", { CELLS(T, "console-input", 0) }, T, "'console-input' takes no value" },
	{ "console_input_string", { STR(H, "console-input", "no") }, H, "'console-input' takes no value" },
	{ "console_input_misspelt", { BYTES(T, "console_input", "", 0) }, T, "unknown property 'console_input'" },
	/* the management channel's UART: named, never guessed; never the console's nor a guest's */
	{ "channel_missing", { DELNODE(C) }, C, "node missing" },
	{ "channel_no_uart", { DELPROP(C, "uart-port") }, C, "one of uart-port, uart-mmio or uart-pci" },
	{ "channel_two_uarts", { CELLS(C, "uart-mmio", 0, 0xfe030000) }, C, "one of uart-port, uart-mmio or uart-pci" },
	{ "channel_no_interrupt", { DELPROP(C, "irq") }, C, "one of irq (ISA) or gsi" },
	{ "channel_two_interrupts", { CELLS(C, "gsi", 20) }, C, "one of irq (ISA) or gsi" },
	{ "channel_unknown_property", { CELLS(C, "baud", 9600) }, C, "unknown property 'baud'" },
	{ "channel_subnode", { ADDNODE(C, "uart") }, C, "unknown node 'uart'" },
	{ "channel_is_com1", { CELLS(C, "uart-port", 0x3f8) }, C, "is COM1's: the console's" },
	{ "channel_overlaps_com1", { CELLS(C, "uart-port", 0x3f4) }, C, "is COM1's" },
	{ "channel_is_pci_config", { CELLS(C, "uart-port", 0xcf8) }, C, "PCI configuration space" },
	{ "channel_port_0", { CELLS(C, "uart-port", 0) }, C, "8 ports within" },
	{ "channel_port_past_ffff", { CELLS(C, "uart-port", 0xfff9) }, C, "8 ports within" },
	{ "channel_port_two_cells", { CELLS(C, "uart-port", 0, 0x2f8) }, C, "'uart-port' must hold" },
	{ "channel_granted_to_guest", { CELLS(C, "uart-port", 0x510) }, C, "granted to guest 'hello' (io-allow 0x510+2)" },
	{ "channel_grant_overlaps", { CELLS(C, "uart-port", 0x508), CELLS(H, "io-allow", 0x50f, 1) }, C,
	  "granted to guest 'hello'" },
	{ "channel_regs_on_port", { CELLS(C, "reg-shift", 2) }, C, "for uart-mmio and uart-pci only" },
	{ "channel_irq_4", { CELLS(C, "irq", 4) }, C, "not 2 (the cascade) nor 4 (COM1's)" },
	{ "channel_irq_2", { CELLS(C, "irq", 2) }, C, "an ISA IRQ 1..15" },
	{ "channel_irq_16", { CELLS(C, "irq", 16) }, C, "an ISA IRQ 1..15" },
	{ "channel_gsi_huge", { DELPROP(C, "irq"), CELLS(C, "gsi", 1024) }, C, "gsi 1024 above 1023" },
	{ "channel_mmio_zero", { DELPROP(C, "uart-port"), CELLS(C, "uart-mmio", 0, 0) }, C, "not 0, below 2^52" },
	{ "channel_mmio_huge", { DELPROP(C, "uart-port"), CELLS(C, "uart-mmio", 0x100000, 0) }, C, "below 2^52" },
	{ "channel_mmio_one_cell", { DELPROP(C, "uart-port"), CELLS(C, "uart-mmio", 0xfe030000) }, C,
	  "'uart-mmio' must hold" },
	{ "channel_pci_segment", { DELPROP(C, "uart-port"), CELLS(C, "uart-pci", 1, 0, 4, 0) }, C,
	  "only segment 0 is reachable" },
	{ "channel_pci_device_32", { DELPROP(C, "uart-port"), CELLS(C, "uart-pci", 0, 0, 32, 0) }, C,
	  "device 0..31" },
	{ "channel_pci_function_8", { DELPROP(C, "uart-port"), CELLS(C, "uart-pci", 0, 0, 4, 8) }, C,
	  "function 0..7" },
	/* packaged guests */
	{ "min_secver_without_package", { DELPROP(T, "package"), CELLS(T, "min-security-version", 0, 1) }, T,
	  "'package' missing" },
	{ "package_path_up", { STR(H, "package", "../hello") }, H, "path must be relative" },
	{ "publisher_beyond_the_role", { CELLS(H, "publishers", 2) }, H, "publisher 2: roles/publisher has 2 keys" },
	{ "publisher_twice", { CELLS(H, "publishers", 1, 1) }, H, "publisher 1 named twice" },
	{ "publishers_missing", { DELPROP(H, "publishers") }, H, "property 'publishers' missing" },
	{ "publishers_not_cells", { BYTES(H, "publishers", "\0\0\0", 3) }, H, "'publishers' must hold" },
	{ "publisher_threshold_above", { CELLS(H, "publisher-threshold", 2) }, H, "publisher-threshold 2 outside 1..1" },
	{ "publisher_threshold_zero", { CELLS(H, "publisher-threshold", 0) }, H, "publisher-threshold 0 outside" },
	{ "publisher_threshold_missing", { DELPROP(H, "publisher-threshold") }, H, "'publisher-threshold' missing" },
	{ "min_secver_one_cell", { CELLS(H, "min-security-version", 5) }, H,
	  "'min-security-version' must be one 64-bit value" },
	{ "channel_reg_shift_1", { FN(channel_mmio), CELLS(C, "reg-shift", 1) }, C, "reg-shift must be 0 or 2" },
	{ "channel_reg_width_2", { FN(channel_mmio), CELLS(C, "reg-io-width", 2) }, C, "reg-io-width 1 or 4" },
	{ "channel_mmio_unaligned", { FN(channel_mmio), CELLS(C, "uart-mmio", 0, 0xfe030002) }, C,
	  "must be aligned to reg-io-width" },
};

static void run_bad_cases(void)
{
	struct config *c = malloc(sizeof(*c));
	char err[256], prefix[128];

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		unsigned before = check_case_failures;
		size_t size;
		void *blob = blob_make(b->e, 2, &size);

		snprintf(prefix, sizeof(prefix), "config: %s: ", b->node);
		CHECK_EQ(parse(blob, size, c, err, sizeof(err)), -EINVAL);
		if (!CHECK(!strncmp(err, prefix, strlen(prefix)) && strstr(err, b->what)))
			printf("    message \"%s\"\n    wanted \"%s...%s\"\n", err, prefix, b->what);
		CHECK(all_zero(c, sizeof(*c)));
		check_result(b->name, check_case_failures == before);
		free(blob);
	}
	free(c);
}

/* ---- the blob itself ------------------------------------------------------------ */

static void expect_blob_refused(const void *blob, size_t size, const char *what)
{
	struct config *c = malloc(sizeof(*c));
	char err[256];

	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), -EINVAL);
	if (!CHECK(!strncmp(err, "config: /: ", 11) && strstr(err, what)))
		printf("    message \"%s\" (wanted \"%s\")\n", err, what);
	CHECK(all_zero(c, sizeof(*c)));
	free(c);
}

static void truncated_blob_refused(void)
{
	size_t size;
	uint8_t *blob = blob_make(NULL, 0, &size);

	/* The header still claims the full size: only the length betrays it. */
	expect_blob_refused(blob, size - 1, "not a valid device tree");
	expect_blob_refused(blob, size / 2, "not a valid device tree");
	expect_blob_refused(blob, sizeof(struct fdt_header), "not a valid device tree");
	expect_blob_refused(blob, sizeof(struct fdt_header) - 1, "not a valid device tree");
	expect_blob_refused(blob, 0, "not a valid device tree");
	free(blob);
}

static void trailing_bytes_refused(void)
{
	size_t size;
	uint8_t *blob = blob_make(NULL, 0, &size);
	uint8_t *longer = calloc(1, size + 8);

	memcpy(longer, blob, size);
	expect_blob_refused(longer, size + 8, "8 trailing bytes");
	expect_blob_refused(longer, size + 1, "1 trailing bytes");
	free(longer);
	free(blob);
}

static void garbage_refused(void)
{
	uint8_t *junk = malloc(4096);
	uint32_t x = 12345;
	size_t size;
	uint8_t *blob = blob_make(NULL, 0, &size);

	for (size_t i = 0; i < 4096; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	expect_blob_refused(junk, 4096, "not a valid device tree");
	memset(junk, 0, 4096);
	expect_blob_refused(junk, 4096, "not a valid device tree");
	/* A valid header over a corrupt structure block. */
	memcpy(junk, blob, size);
	memset(junk + fdt_off_dt_struct(blob), 0xee, 16);
	expect_blob_refused(junk, size, "not a valid device tree");
	/* Structure block said to lie beyond the blob. */
	memcpy(junk, blob, size);
	((struct fdt_header *)junk)->off_dt_struct = cpu_to_fdt32((uint32_t)size + 64);
	expect_blob_refused(junk, size, "not a valid device tree");
	free(blob);
	free(junk);
}

/* Header versions below 17 (found by tests/fuzz/fuzz_config.c): the
 * Debian libfdt the VMM links reads through a NULL pointer inside
 * fdt_check_full() on a blob whose version is below 16, so the version
 * is refused before libfdt walks the structure. 16 is refused as well:
 * the stub's walker (boot/dtb_scan.c) reads only 17. */
static void old_version_refused(void)
{
	size_t size;
	uint8_t *blob = blob_make(NULL, 0, &size);

	for (uint32_t v = 0; v < 17; v++) {
		((struct fdt_header *)blob)->version = cpu_to_fdt32(v);
		((struct fdt_header *)blob)->last_comp_version = cpu_to_fdt32(v < 16 ? 0 : 16);
		/* libfdt's header check itself refuses versions 0 and 1. */
		expect_blob_refused(blob, size, v < 2 ? "not a valid device tree" : "version");
	}
	free(blob);
}

/* Twins (found by tests/fuzz/fuzz_config.c, which checks that the stub's
 * walker finds the files the VMM reads): libfdt reads the first of two
 * properties, or nodes, of one name; another reader may read the second,
 * and the stub's walker reads every /guests node. Each is refused. */
static void expect_twin_refused(uint8_t *work, const char *prefix, const char *what)
{
	struct config *c = malloc(sizeof(*c));
	size_t size;
	uint8_t *blob;
	char err[256];

	if (fdt_pack(work))
		abort();
	size = fdt_totalsize(work);
	blob = malloc(size);
	memcpy(blob, work, size);
	CHECK_EQ(parse(blob, size, c, err, sizeof(err)), -EINVAL);
	if (!CHECK(!strncmp(err, prefix, strlen(prefix)) && strstr(err, what)))
		printf("    message \"%s\" (wanted \"%s...%s\")\n", err, prefix, what);
	CHECK(all_zero(c, sizeof(*c)));
	free(blob);
	free(c);
}

static void twin_property_refused(void)
{
	static uint8_t work[BLOB_MAX];
	size_t size;
	uint8_t *blob = blob_make(NULL, 0, &size);
	int node, prop, package_nameoff = -1;

	if (fdt_open_into(blob, work, BLOB_MAX))
		abort();
	node = fdt_path_offset(work, "/guests/hello");
	/* A new property, then renamed package: the node holds two package
	 * properties and nothing else is missing, so only the twin can be
	 * refused. */
	if (node < 0 || fdt_setprop_string(work, node, "twin", "packages/other"))
		abort();
	for (int pass = 0; pass < 2; pass++) {
		fdt_for_each_property_offset(prop, work, node) {
			const char *name;

			fdt_getprop_by_offset(work, prop, &name, NULL);
			if (pass == 0 && !strcmp(name, "package"))
				package_nameoff = (int)fdt32_to_cpu(
					fdt_get_property_by_offset(work, prop, NULL)->nameoff);
			if (pass == 1 && !strcmp(name, "twin") && CHECK(package_nameoff >= 0))
				((struct fdt_property *)fdt_get_property_by_offset(work, prop, NULL))->nameoff =
					cpu_to_fdt32((uint32_t)package_nameoff);
		}
	}
	expect_twin_refused(work, "config: /guests/hello: ", "property 'package' given twice");
	free(blob);
}

static void twin_node_refused(void)
{
	static uint8_t work[BLOB_MAX];
	size_t size;
	uint8_t *blob = blob_make(NULL, 0, &size);
	int extra, guest;

	if (fdt_open_into(blob, work, BLOB_MAX))
		abort();
	/* A second /guests, with a guest the VMM would not see but the stub
	 * would load: libfdt refuses to add a twin, so add it, then rename. */
	extra = fdt_add_subnode(work, 0, "extra");
	guest = extra < 0 ? extra : fdt_add_subnode(work, extra, "evil");
	if (guest < 0 || pkg_set(work, guest, "packages/evil") ||
	    fdt_setprop_u32(work, guest, "cpus", CONFIG_MAX_CPU_INDEX) ||
	    fdt_setprop_u64(work, guest, "memory", 0) ||
	    fdt_appendprop_u64(work, guest, "memory", 0x200000) ||
	    fdt_set_name(work, fdt_path_offset(work, "/extra"), "guests"))
		abort();
	expect_twin_refused(work, "config: /: ", "node 'guests' given twice");
	free(blob);
}

/* A property length that wraps libfdt's int offset backwards (found by
 * tests/fuzz/fuzz_bundle.c): Debian's libfdt loops for ever in
 * fdt_check_full() on it. The alarm turns the endless loop into a failure. */
static void wrapping_property_length_refused(void)
{
	size_t size;
	uint8_t *blob = blob_make(NULL, 0, &size);
	/* The root's BEGIN_NODE "" (8 bytes), then its first PROP's length. */
	uint8_t *len = blob + fdt_off_dt_struct(blob) + 8 + 4;

	for (uint32_t v = 0xfffffff0u; v != 0; v++) {
		len[0] = (uint8_t)(v >> 24);
		len[1] = (uint8_t)(v >> 16);
		len[2] = (uint8_t)(v >> 8);
		len[3] = (uint8_t)v;
		alarm(10);
		expect_blob_refused(blob, size, "not a valid device tree");
		alarm(0);
	}
	free(blob);
}

/* A short error buffer gets a truncated, terminated message, nothing more. */
static void short_error_buffer(void)
{
	const struct edit e = CELLS(H, "cpus", 0);
	size_t size;
	void *blob = blob_make(&e, 1, &size);
	struct config *c = malloc(sizeof(*c));
	char *err = malloc(16);

	memset(c, 0xa5, sizeof(*c));
	CHECK_EQ(config_parse(blob, size, c, err, 16), -EINVAL);
	CHECK(!strcmp(err, "config: /guests"));
	CHECK(all_zero(c, sizeof(*c)));
	free(err);
	free(c);
	free(blob);
}

/* What any accepted config must satisfy, checked independently of config.c. */
static int guest_obeys_schema(const struct config *c, unsigned gi)
{
	const struct config_guest *g = &c->guests[gi];
	size_t n = strnlen(g->name, CONFIG_NAME_LEN);
	int ok = n > 0 && n < CONFIG_NAME_LEN && g->cpu_count >= 1 && g->cpu_count <= CONFIG_MAX_GUEST_CPUS &&
		 g->region_count >= 1 && g->region_count <= CONFIG_MAX_REGIONS && g->io_count <= CONFIG_MAX_IO &&
		 g->msr_count <= CONFIG_MAX_MSRS && strnlen(g->package, CONFIG_PATH_LEN) < CONFIG_PATH_LEN &&
		 g->package[0] && g->package[0] != '/' && !strstr(g->package, "..") && !g->image[0] &&
		 !g->initrd[0] && !g->acpi[0] && !g->cmdline[0] && g->publisher_count >= 1 &&
		 g->publisher_count <= CONFIG_MAX_KEYS && g->publisher_threshold >= 1 &&
		 g->publisher_threshold <= g->publisher_count;

	for (size_t i = 0; ok && i < n; i++)
		ok = strchr("abcdefghijklmnopqrstuvwxyz0123456789-", g->name[i]) != NULL;
	for (unsigned i = 0; ok && i < g->cpu_count; i++) {
		ok = g->cpus[i] >= 1 && g->cpus[i] <= CONFIG_MAX_CPU_INDEX;
		for (unsigned oj = 0; oj <= gi; oj++)
			for (unsigned j = 0; j < c->guests[oj].cpu_count && (oj < gi || j < i); j++)
				ok &= c->guests[oj].cpus[j] != g->cpus[i];
	}
	for (unsigned i = 0; ok && i < g->region_count; i++) {
		const struct config_region *r = &g->regions[i];

		ok = r->size && !((r->gpa | r->size) & 0x1fffff) && r->gpa < CONFIG_GPA_LIMIT &&
		     r->size <= CONFIG_GPA_LIMIT - r->gpa;
		for (unsigned j = 0; j < i; j++)
			ok &= r->gpa >= g->regions[j].gpa + g->regions[j].size ||
			      g->regions[j].gpa >= r->gpa + r->size;
	}
	for (unsigned i = 0; ok && i < g->io_count; i++)
		ok = g->io[i].count && g->io[i].port + g->io[i].count <= 0x10000 &&
		     (g->io[i].port > 0xcff || g->io[i].port + g->io[i].count <= 0xcf8) &&
		     (g->io[i].port > 0x3ff || g->io[i].port + g->io[i].count <= 0x3f8);
	for (unsigned i = 0; ok && i < g->msr_count; i++)
		ok = g->msrs[i] != 0xc0000080 && g->msrs[i] != 0xc0010117 &&
		     (g->msrs[i] <= 0x1fff || (g->msrs[i] >= 0xc0000000 && g->msrs[i] <= 0xc0001fff));
	for (unsigned j = 0; ok && j < gi; j++)
		ok = strcmp(c->guests[j].name, g->name) != 0;
	return ok;
}

/* The channel: one UART, one interrupt, never COM1's nor a guest's ports. */
static int channel_obeys_schema(const struct config *c)
{
	const struct config_channel *ch = &c->channel;
	int ok = ch->kind >= CONFIG_UART_PORT && ch->kind <= CONFIG_UART_PCI && (ch->isa_irq < 0) != (ch->gsi < 0) &&
		 ch->isa_irq <= 15 && ch->isa_irq != 4 && ch->isa_irq != 2 && ch->isa_irq != 0 && ch->gsi <= 1023;

	if (ok && ch->kind == CONFIG_UART_PORT) {
		ok = ch->base && ch->base + 8 <= 0x10000 && (ch->base >= 0x400 || ch->base + 8 <= 0x3f8);
		for (unsigned gi = 0; ok && gi < c->guest_count; gi++)
			for (unsigned i = 0; i < c->guests[gi].io_count; i++)
				ok &= c->guests[gi].io[i].port >= ch->base + 8 ||
				      ch->base >= c->guests[gi].io[i].port + c->guests[gi].io[i].count;
	}
	return ok;
}

static int config_obeys_schema(const struct config *c)
{
	int ok = c->guest_count >= 1 && c->guest_count <= CONFIG_MAX_GUESTS && channel_obeys_schema(c);

	for (unsigned gi = 0; ok && gi < c->guest_count; gi++)
		ok = guest_obeys_schema(c, gi);
	for (unsigned r = 0; ok && r < ROLE_COUNT; r++) {
		const struct config_role *role = &c->roles[r];

		ok = role->key_count >= 1 && role->key_count <= CONFIG_MAX_KEYS && role->threshold >= 1 &&
		     role->threshold <= role->key_count;
		for (unsigned k = 0; ok && k < role->key_count; k++) {
			ok = role->keys[k][0] == 0x04;
			for (unsigned j = 0; j < k; j++)
				ok &= memcmp(role->keys[k], role->keys[j], CONFIG_KEY_LEN) != 0;
		}
	}
	return ok;
}

/* Every one-byte corruption and every truncation: a clean verdict, never a crash. */
static void corrupted_blobs_fail_cleanly(void)
{
	size_t size;
	uint8_t *blob = blob_make(NULL, 0, &size);
	struct config *c = malloc(sizeof(*c));
	char err[256];
	unsigned accepted = 0, refused = 0;
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };

	for (size_t i = 0; i < size; i++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			uint8_t *copy = malloc(size);
			int rc;

			memcpy(copy, blob, size);
			copy[i] ^= flips[f];
			rc = parse(copy, size, c, err, sizeof(err));
			if (rc == 0) {
				accepted++;
				if (!CHECK(config_obeys_schema(c)))
					printf("    flip %#x at byte %zu accepted a bad config\n", flips[f], i);
			} else {
				refused++;
				CHECK_EQ(rc, -EINVAL);
				CHECK(!strncmp(err, "config: /", 9));
				CHECK(all_zero(c, sizeof(*c)));
			}
			free(copy);
		}
	}
	for (size_t n = 0; n < size; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, blob, n);
		CHECK_EQ(parse(copy, n, c, err, sizeof(err)), -EINVAL);
		free(copy);
	}
	/* Flips inside key bytes or harmless values are accepted; the rest not. */
	CHECK(accepted > 0 && refused > 0);
	free(c);
	free(blob);
}

int main(void)
{
	keys_make();
	CHECK_RUN(valid_round_trips);
	CHECK_RUN(package_round_trips);
	CHECK_RUN(channel_round_trips);
	CHECK_RUN(tpm_required_round_trips);
	CHECK_RUN(marks_round_trip);
	run_good_cases();
	run_bad_cases();
	CHECK_RUN(truncated_blob_refused);
	CHECK_RUN(trailing_bytes_refused);
	CHECK_RUN(garbage_refused);
	CHECK_RUN(old_version_refused);
	CHECK_RUN(wrapping_property_length_refused);
	CHECK_RUN(twin_property_refused);
	CHECK_RUN(twin_node_refused);
	CHECK_RUN(short_error_buffer);
	CHECK_RUN(corrupted_blobs_fail_cleanly);
	return check_done();
}
