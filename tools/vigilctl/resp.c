// SPDX-License-Identifier: MIT
/*
 * vigilctl: printing the VMM's responses (device trees, docs/channel.md)
 * as indented text or JSON. Property types come from the documented
 * schema by name; a property the schema does not know is shown by its
 * shape (a string, cells, or bytes), so a newer VMM still prints. Every
 * name and string of a response is printed escaped (vc_escape.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libfdt.h>

#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vc_escape.h"
#include "tools/vigilctl/vigilctl.h"

enum vc_ptype { PT_GUESS, PT_STRING, PT_S32, PT_U32, PT_U64, PT_HEX64, PT_BYTES };

static const struct {
	const char *name;
	enum vc_ptype type;
} vc_schema[] = {
	{ "message", PT_STRING },	 { "version", PT_STRING },	   { "vendor", PT_STRING },
	{ "state", PT_STRING },		 { "image", PT_STRING },	   { "label", PT_STRING },
	{ "role", PT_STRING },		 { "kind", PT_STRING },		   { "reason", PT_STRING },
	{ "status", PT_S32 },		 { "error", PT_U32 },		   { "cpus", PT_U32 },
	{ "pcr", PT_U32 },		 { "flags", PT_U32 },		   { "request", PT_U32 },
	{ "valid", PT_U32 },		 { "needed", PT_U32 },		   { "dropped", PT_U32 },
	{ "sequence", PT_U64 },		 { "uptime-ms", PT_U64 },	   { "runs", PT_U64 },
	{ "mismatches", PT_U64 },	 { "time", PT_U64 },		   { "memory", PT_U64 },
	{ "build-id", PT_BYTES },	 { "sha256", PT_BYTES },	   { "image-sha256", PT_BYTES },
	{ "policy-sha256", PT_BYTES },	 { "payload-sha384", PT_BYTES },   { "text-sha256", PT_BYTES },
	{ "expected-sha256", PT_BYTES }, { "last-sha256", PT_BYTES },	   { "stop-reason", PT_STRING },
	{ "guests", PT_U32 },		 { "boots", PT_U64 },		   { "pause-tsc", PT_U64 },
	{ "console-dropped", PT_U64 },	 { "console-input", PT_U32 },	   { "console-input-dropped", PT_U64 },
	{ "start-tsc", PT_U64 },	 { "guest", PT_STRING },	   { "watchdog", PT_STRING },
	{ "last-exit", PT_STRING },	 { "answer-age-ms", PT_U64 },	   { "stuck-count", PT_U32 },
	{ "speculation", PT_STRING },	 { "mce-corrected", PT_U64 },	   { "mce-polled-uncorrected", PT_U64 },
	{ "channel-interrupts", PT_U64 },	 { "dma-faults", PT_U64 },	   { "stray-interrupts", PT_U64 },
	{ "local-apic", PT_STRING },	 { "address", PT_STRING },	   { "id", PT_STRING },
	{ "msi-delivered", PT_U64 },	 { "msi-dropped", PT_U64 },
	{ "package", PT_STRING },	 { "package-version", PT_U64 },	   { "security-version", PT_U64 },
	{ "effective-policy-sha256", PT_BYTES }, { "publisher-key-ids", PT_BYTES },
	/* the runtime measurement log and the TPM (MEASUREMENTS, EVENTS) */
	{ "runtime-count", PT_U64 },	 { "index", PT_U64 },		   { "digest", PT_BYTES },
	{ "present", PT_U32 },		 { "runtime-pcr", PT_U32 },	   { "failed", PT_U32 },
	{ "interface", PT_STRING },	 { "pcr10", PT_BYTES },		   { "pcr11", PT_BYTES },
	{ "pcr15", PT_BYTES },		 { "first", PT_U64 },		   { "count", PT_U32 },
	{ "total", PT_U64 },		 { "events", PT_BYTES },
	/* a guest update's answers (PKG_BEGIN...) */
	{ "upload", PT_BYTES },		 { "sizes", PT_U64 },		   { "received", PT_U64 },
	/* the crash record (CRASH); its registers node is all hex */
	{ "crashed", PT_U32 },		 { "cpu", PT_U32 },		   { "unix-time", PT_U64 },
	{ "boot", PT_U64 },
	{ "context", PT_STRING },	 { "vector", PT_U32 },		   { "error-code", PT_HEX64 },
	{ "stack", PT_BYTES },		 { "bank", PT_U32 },		   { "bank-status", PT_HEX64 },
	{ "addr", PT_HEX64 },		 { "misc", PT_HEX64 },		   { "mcg-status", PT_HEX64 },
};

const char *vc_refusal_name(uint32_t code)
{
	switch (code) {
	case CHANNEL_OK:
		return "OK";
#define VC_REFUSAL_CASE(NAME, value, meaning) \
	case value:                            \
		return #NAME;
		CHANNEL_REFUSALS(VC_REFUSAL_CASE)
#undef VC_REFUSAL_CASE
	default:
		return NULL;
	}
}

static bool vc_printable(const char *p, int len)
{
	if (len < 1 || p[len - 1])
		return false;
	for (int i = 0; i < len - 1; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return false;
	return true;
}

/* One NUL-terminated string, whatever its bytes. */
static bool vc_is_string(const char *p, int len)
{
	return len >= 1 && !p[len - 1] && strnlen(p, (size_t)len) == (size_t)len - 1;
}

static enum vc_ptype vc_ptype_of(const char *node, const char *name, const char *val, int len)
{
	enum vc_ptype t = PT_GUESS;

	for (size_t i = 0; i < sizeof(vc_schema) / sizeof(vc_schema[0]); i++)
		if (!strcmp(name, vc_schema[i].name))
			t = vc_schema[i].type;
	if (t == PT_GUESS && !strcmp(node, "exits"))
		t = PT_U64;
	if (!strcmp(node, "registers"))
		t = PT_HEX64;
	/* a value that does not fit its type is shown as bytes */
	if (t == PT_GUESS)
		t = vc_printable(val, len) ? PT_STRING : len % 4 == 0 && len ? PT_U32 : PT_BYTES;
	if ((t == PT_STRING && !vc_is_string(val, len)) || ((t == PT_S32 || t == PT_U32) && len % 4) ||
	    (t == PT_U64 && len % 8) || (t == PT_HEX64 && len != 8) ||
	    ((t == PT_S32 || t == PT_U32 || t == PT_U64) && !len))
		t = PT_BYTES;
	return t;
}

static uint64_t vc_cell(const void *p, int i)
{
	return fdt32_to_cpu(((const fdt32_t *)p)[i]);
}

/* One value: numbers (a list when there are several), hex, or a string. */
static void vc_value_print(enum vc_ptype t, const char *val, int len, bool json)
{
	int step = t == PT_U64 ? 8 : 4, n = len / step;

	if (t == PT_STRING) {
		vc_put_escaped(stdout, val, (size_t)len - 1, json);
		return;
	}
	if (t == PT_HEX64) { /* one value; a JSON string, as JSON numbers lose 64-bit precision */
		printf(json ? "\"0x%016llx\"" : "0x%016llx", (unsigned long long)(vc_cell(val, 0) << 32 | vc_cell(val, 1)));
		return;
	}
	if (t == PT_BYTES) {
		printf("%s", json ? "\"" : "");
		vc_hex_print((const uint8_t *)val, (size_t)len);
		printf("%s", json ? "\"" : "");
		return;
	}
	if (n > 1)
		printf("%s", json ? "[" : "");
	for (int i = 0; i < n; i++) {
		uint64_t v = t == PT_U64 ? vc_cell(val, 2 * i) << 32 | vc_cell(val, 2 * i + 1)
					 : vc_cell(val, i);

		if (t == PT_S32)
			printf("%s%d", i ? (json ? ", " : " ") : "", (int32_t)v);
		else
			printf("%s%llu", i ? (json ? ", " : " ") : "", (unsigned long long)v);
	}
	if (n > 1)
		printf("%s", json ? "]" : "");
}

/* " (2024-05-01 12:00:00 UTC)" after a time in seconds since 1970; 0 is
 * the VMM's "no clock yet". */
static void vc_date_print(uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (t && t < (1ull << 40) && gmtime_r(&tt, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		printf(" (%s UTC)", buf);
}

static void vc_node_print(const void *fdt, int node, int depth, bool json)
{
	const char *nname = depth ? fdt_get_name(fdt, node, NULL) : "";
	bool first = true;
	int prop, sub;

	fdt_for_each_property_offset(prop, fdt, node) {
		const char *name;
		int len;
		const char *val = fdt_getprop_by_offset(fdt, prop, &name, &len);

		if (!val)
			continue;
		if (json)
			printf("%s\n%*s", first ? "" : ",", 2 * depth + 2, "");
		else
			printf("%*s", 2 * depth, "");
		vc_put_escaped_str(stdout, name, json);
		printf(": ");
		vc_value_print(vc_ptype_of(nname, name, val, len), val, len, json);
		if (!json && !strcmp(name, "error") && len == 4 && vc_refusal_name((uint32_t)vc_cell(val, 0)))
			printf(" (%s)", vc_refusal_name((uint32_t)vc_cell(val, 0)));
		if (!json && !strcmp(name, "unix-time") && len == 8)
			vc_date_print(vc_cell(val, 0) << 32 | vc_cell(val, 1));
		if (!json)
			printf("\n");
		first = false;
	}
	fdt_for_each_subnode(sub, fdt, node) {
		const char *name = fdt_get_name(fdt, sub, NULL);

		if (json)
			printf("%s\n%*s", first ? "" : ",", 2 * depth + 2, "");
		else
			printf("%*s", 2 * depth, "");
		vc_put_escaped_str(stdout, name ? name : "?", json);
		printf(json ? ": {" : ":\n");
		vc_node_print(fdt, sub, depth + 1, json);
		if (json)
			printf("\n%*s}", 2 * depth + 2, "");
		first = false;
	}
}

bool vc_resp_valid(const void *fdt, size_t len)
{
	return len >= sizeof(struct fdt_header) && !fdt_check_header(fdt) && fdt_totalsize(fdt) <= len &&
	       !fdt_check_full(fdt, fdt_totalsize(fdt));
}

int vc_resp_status(const void *fdt, size_t len)
{
	int plen;
	const void *p;

	if (!vc_resp_valid(fdt, len))
		return -EBADMSG;
	p = fdt_getprop(fdt, 0, "status", &plen);
	if (!p || plen != 4)
		return -EBADMSG;
	return (int32_t)vc_cell(p, 0);
}

int vc_resp_print(const void *fdt, size_t len, bool json)
{
	if (!vc_resp_valid(fdt, len)) {
		vc_err("the response is not a valid device tree");
		return -EBADMSG;
	}
	if (json)
		printf("{");
	vc_node_print(fdt, 0, 0, json);
	if (json)
		printf("\n}\n");
	return vc_resp_status(fdt, len);
}

static uint64_t vc_prop_u64_sum(const void *fdt, int node, const char *name, int pairs_every)
{
	int len;
	const void *p = fdt_getprop(fdt, node, name, &len);
	uint64_t sum = 0;

	for (int i = 0; p && len % 8 == 0 && i < len / 8; i++)
		if (!pairs_every || i % pairs_every == pairs_every - 1)
			sum += vc_cell(p, 2 * i) << 32 | vc_cell(p, 2 * i + 1);
	return sum;
}

static uint64_t vc_exits_total(const void *fdt, int guest)
{
	int exits = fdt_subnode_offset(fdt, guest, "exits"), prop;
	uint64_t sum = 0;

	fdt_for_each_property_offset(prop, fdt, exits) {
		const char *name;
		int len;
		const void *p = fdt_getprop_by_offset(fdt, prop, &name, &len);

		if (p && len == 8)
			sum += vc_cell(p, 0) << 32 | vc_cell(p, 1);
	}
	return exits < 0 ? 0 : sum;
}

static void vc_hex_prop(const void *fdt, int node, const char *name, int want)
{
	int len;
	const void *p = fdt_getprop(fdt, node, name, &len);

	if (p && len == want)
		vc_hex_print(p, (size_t)len);
	else
		printf("%-*s", 2 * want, "-");
}

/* A table cell: s escaped, padded to width, and a space. */
static void vc_put_padded(const char *s, size_t width)
{
	size_t n = vc_put_escaped_str(stdout, s, false);

	printf("%*s ", n < width ? (int)(width - n) : 0, "");
}

static void vc_guest_row(const void *fdt, int g)
{
	const char *name = fdt_get_name(fdt, g, NULL);
	int slen, clen;
	const char *state = fdt_getprop(fdt, g, "state", &slen);
	const void *cpus = fdt_getprop(fdt, g, "cpus", &clen);
	char cpulist[64] = "";

	for (int i = 0; cpus && i < clen / 4; i++) {
		size_t n = strlen(cpulist);

		snprintf(cpulist + n, sizeof(cpulist) - n, "%s%u", i ? "," : "", (unsigned)vc_cell(cpus, i));
	}
	vc_put_padded(name ? name : "?", 16);
	vc_put_padded(state && vc_is_string(state, slen) ? state : "?", 9);
	printf("%-6s %7llu %10.1f %10llu %9llu  ", cpulist,
	       (unsigned long long)(vc_prop_u64_sum(fdt, g, "memory", 2) >> 20),
	       (double)vc_prop_u64_sum(fdt, g, "uptime-ms", 0) / 1000.0,
	       (unsigned long long)vc_exits_total(fdt, g),
	       (unsigned long long)vc_prop_u64_sum(fdt, g, "console-dropped", 0));
	vc_hex_prop(fdt, g, "image-sha256", 32);
	printf("  ");
	vc_hex_prop(fdt, g, "policy-sha256", 32);
	printf("\n");
}

/* A CPU as the watchdog sees it (docs/channel.md, INVENTORY: cpus). */
static void vc_cpu_row(const void *fdt, int c)
{
	const char *name = fdt_get_name(fdt, c, NULL);
	int glen, wlen, elen, slen;
	const char *guest = fdt_getprop(fdt, c, "guest", &glen);
	const char *wd = fdt_getprop(fdt, c, "watchdog", &wlen);
	const char *last = fdt_getprop(fdt, c, "last-exit", &elen);
	const void *stuck = fdt_getprop(fdt, c, "stuck-count", &slen);

	vc_put_padded(name && !strncmp(name, "cpu@", 4) ? name + 4 : "?", 4);
	vc_put_padded(guest && vc_is_string(guest, glen) && *guest ? guest : "-", 16);
	vc_put_padded(wd && vc_is_string(wd, wlen) ? wd : "?", 10);
	printf("%13llu %6u ", (unsigned long long)vc_prop_u64_sum(fdt, c, "answer-age-ms", 0),
	       stuck && slen == 4 ? (unsigned)vc_cell(stuck, 0) : 0);
	vc_put_padded(last && vc_is_string(last, elen) && *last ? last : "-", 0);
	printf("\n");
}

/* Packaged guests: what runs and who signed it; refused ones: why. */
static void vc_package_rows(const void *fdt, int guests)
{
	bool header = false;
	int g;

	fdt_for_each_subnode(g, fdt, guests) {
		int plen, klen;
		const char *pkg = fdt_getprop(fdt, g, "package", &plen);
		const uint8_t *ids = fdt_getprop(fdt, g, "publisher-key-ids", &klen);

		if (!pkg || !vc_is_string(pkg, plen))
			continue;
		if (!header)
			printf("\n%-16s %-16s %8s %8s  %-64s  %s\n", "GUEST", "PACKAGE", "VERSION", "SECVER",
			       "EFFECTIVE-POLICY-SHA256", "SIGNED-BY (key ids, first 8 bytes)");
		header = true;
		vc_put_padded(fdt_get_name(fdt, g, NULL), 16);
		vc_put_padded(pkg, 16);
		printf("%8llu %8llu  ", (unsigned long long)vc_prop_u64_sum(fdt, g, "package-version", 0),
		       (unsigned long long)vc_prop_u64_sum(fdt, g, "security-version", 0));
		vc_hex_prop(fdt, g, "effective-policy-sha256", 32);
		printf(" ");
		for (int i = 0; ids && i + 32 <= klen; i += 32) {
			printf(" ");
			vc_hex_print(ids + i, 8);
		}
		printf("\n");
	}
	header = false;
	fdt_for_each_subnode(g, fdt, guests) {
		int slen, rlen;
		const char *state = fdt_getprop(fdt, g, "state", &slen);
		const char *why = fdt_getprop(fdt, g, "stop-reason", &rlen);

		if (!state || !vc_is_string(state, slen) || strcmp(state, "refused"))
			continue;
		printf("%srefused: ", header ? "" : "\n");
		header = true;
		vc_put_escaped_str(stdout, fdt_get_name(fdt, g, NULL), false);
		printf(": ");
		vc_put_escaped_str(stdout, why && vc_is_string(why, rlen) ? why : "?", false);
		printf("\n");
	}
}

int vc_resp_inventory_table(const void *fdt, size_t len)
{
	int guests, cpus, g, status = vc_resp_status(fdt, len);

	if (status)
		return vc_resp_print(fdt, len, false);
	guests = fdt_subnode_offset(fdt, 0, "guests");
	printf("%-16s %-9s %-6s %7s %10s %10s %9s  %-64s  %s\n", "GUEST", "STATE", "CPUS", "MiB",
	       "UPTIME(s)", "EXITS", "CON-DROP", "IMAGE-SHA256", "POLICY-SHA256");
	fdt_for_each_subnode(g, fdt, guests)
		vc_guest_row(fdt, g);
	vc_package_rows(fdt, guests);
	cpus = fdt_subnode_offset(fdt, 0, "cpus");
	if (cpus < 0)
		return 0;
	printf("\n%-4s %-16s %-10s %13s %6s %s\n", "CPU", "GUEST", "WATCHDOG", "ANSWER-AGE-MS", "STUCK", "LAST-EXIT");
	fdt_for_each_subnode(g, fdt, cpus)
		vc_cpu_row(fdt, g);
	return 0;
}
