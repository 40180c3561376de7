/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <libfdt.h>
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/fdt_guard.h"
#include "vigil/guest_platform.h"
#include "vmm/policy.h"

const char *const config_role_names[ROLE_COUNT] = { "patch", "operator", "publisher" };

struct cfg_ctx {
	const void *fdt;
	struct config *out;
	char *err;
	size_t errlen;
	char node[80]; /* path of the node being read, for messages */
};

__attribute__((format(printf, 2, 3))) static int cfg_fail(struct cfg_ctx *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintk(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintk(c->err, c->errlen, "config: %s: %s", c->node[0] ? c->node : "/", msg);
	return -EINVAL;
}

static void cfg_enter(struct cfg_ctx *c, const char *parent, const char *name)
{
	snprintk(c->node, sizeof(c->node), "%s/%s", parent, name);
}

/* Index of name in the allowed list, or -1. Lists have at most 31 names. */
static int cfg_allowed_index(const char *name, const char *const *allowed)
{
	for (int i = 0; name && allowed && allowed[i]; i++)
		if (!strcmp(name, allowed[i]))
			return i;
	return -1;
}

/* Every property of the node must be in the allowed list, once: libfdt
 * reads the first of two, another reader (the stub's walker, a reviewer's
 * tool) may read the second. */
static int cfg_only(struct cfg_ctx *c, int node, const char *const *allowed)
{
	uint32_t seen = 0;
	int prop;

	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;
		int i;

		if (!fdt_getprop_by_offset(c->fdt, prop, &name, NULL))
			return cfg_fail(c, "unreadable property");
		i = cfg_allowed_index(name, allowed);
		if (i < 0)
			return cfg_fail(c, "unknown property '%s'", name);
		if (seen & (1u << i))
			return cfg_fail(c, "property '%s' given twice", name);
		seen |= 1u << i;
	}
	return 0;
}

/* Every subnode must be in the allowed list (NULL list: no subnodes), once:
 * the VMM reads the first /roles/patch or /guests, the stub walks every
 * /guests node. */
static int cfg_only_nodes(struct cfg_ctx *c, int node, const char *const *allowed)
{
	uint32_t seen = 0;
	int sub;

	fdt_for_each_subnode(sub, c->fdt, node) {
		const char *name = fdt_get_name(c->fdt, sub, NULL);
		int i = cfg_allowed_index(name, allowed);

		if (i < 0)
			return cfg_fail(c, "unknown node '%s'", name ? name : "?");
		if (seen & (1u << i))
			return cfg_fail(c, "node '%s' given twice", name);
		seen |= 1u << i;
	}
	return 0;
}

static uint32_t cfg_cell(const void *p, int i)
{
	return fdt32_to_cpu(((const fdt32_t *)p)[i]);
}

static uint64_t cfg_cell64(const void *p, int i)
{
	return ((uint64_t)cfg_cell(p, i) << 32) | cfg_cell(p, i + 1);
}

static int cfg_u32(struct cfg_ctx *c, int node, const char *name, uint32_t *out)
{
	int len;
	const void *p = fdt_getprop(c->fdt, node, name, &len);

	if (!p)
		return cfg_fail(c, "property '%s' missing", name);
	if (len != 4)
		return cfg_fail(c, "property '%s' must be one cell", name);
	*out = cfg_cell(p, 0);
	return 0;
}

static int cfg_string(struct cfg_ctx *c, int node, const char *name, char *out, size_t max)
{
	int len;
	const char *p = fdt_getprop(c->fdt, node, name, &len);

	if (!p)
		return cfg_fail(c, "property '%s' missing", name);
	if (len < 2 || (size_t)len > max || p[len - 1] || strlen(p) != (size_t)len - 1)
		return cfg_fail(c, "property '%s' must be one string shorter than %zu bytes", name, max);
	memcpy(out, p, (size_t)len);
	return 0;
}

/* An optional boolean property: present (with no value) or absent. */
static int cfg_flag(struct cfg_ctx *c, int node, const char *name, bool *out)
{
	int len;

	*out = fdt_getprop(c->fdt, node, name, &len) != NULL;
	if (*out && len != 0)
		return cfg_fail(c, "property '%s' takes no value", name);
	return 0;
}

/* Cells of an optional or required list property: len/4 cells, a multiple of group. */
static const void *cfg_cells(struct cfg_ctx *c, int node, const char *name, int group, int max_groups,
			     int required, int *groups, int *err)
{
	int len;
	const void *p = fdt_getprop(c->fdt, node, name, &len);

	*groups = 0;
	*err = 0;
	if (!p) {
		if (required)
			*err = cfg_fail(c, "property '%s' missing", name);
		return NULL;
	}
	if (len <= 0 || len % (4 * group) || len / (4 * group) > max_groups) {
		*err = cfg_fail(c, "property '%s' must hold 1..%d groups of %d cells", name, max_groups, group);
		return NULL;
	}
	*groups = len / (4 * group);
	return p;
}

static int cfg_role(struct cfg_ctx *c, int roles, enum config_role_id id)
{
	static const char *const allowed[] = { "threshold", "keys", NULL };
	struct config_role *r = &c->out->roles[id];
	int node = fdt_subnode_offset(c->fdt, roles, config_role_names[id]);
	const uint8_t *keys;
	uint32_t threshold = 0;
	int len, err;

	cfg_enter(c, "/roles", config_role_names[id]);
	if (node < 0)
		return cfg_fail(c, "role missing");
	err = cfg_only(c, node, allowed);
	if (!err)
		err = cfg_only_nodes(c, node, NULL);
	if (!err)
		err = cfg_u32(c, node, "threshold", &threshold);
	if (err)
		return err;
	keys = fdt_getprop(c->fdt, node, "keys", &len);
	if (!keys || len <= 0 || len % CONFIG_KEY_LEN || len / CONFIG_KEY_LEN > CONFIG_MAX_KEYS)
		return cfg_fail(c, "'keys' must hold 1..%d keys of %d bytes", CONFIG_MAX_KEYS, CONFIG_KEY_LEN);
	r->key_count = (unsigned)(len / CONFIG_KEY_LEN);
	memcpy(r->keys, keys, (size_t)len);
	for (unsigned i = 0; i < r->key_count; i++) {
		if (r->keys[i][0] != 0x04)
			return cfg_fail(c, "key %u is not an uncompressed P-384 point", i);
		for (unsigned j = 0; j < i; j++)
			if (!memcmp(r->keys[i], r->keys[j], CONFIG_KEY_LEN))
				return cfg_fail(c, "key %u repeats key %u", i, j);
	}
	if (threshold < 1 || threshold > r->key_count)
		return cfg_fail(c, "threshold %u outside 1..%u", threshold, r->key_count);
	r->threshold = threshold;
	return 0;
}

static int cfg_roles(struct cfg_ctx *c)
{
	int roles = fdt_subnode_offset(c->fdt, 0, "roles");
	int err;

	cfg_enter(c, "", "roles");
	if (roles < 0)
		return cfg_fail(c, "node missing");
	err = cfg_only(c, roles, (const char *const[]){ NULL });
	if (!err)
		err = cfg_only_nodes(c, roles, (const char *const[]){ "patch", "operator", "publisher", NULL });
	for (int id = 0; !err && id < ROLE_COUNT; id++)
		err = cfg_role(c, roles, (enum config_role_id)id);
	return err;
}


static int cfg_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= CONFIG_NAME_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return 0;
	return 1;
}

static int cfg_path_ok(const char *path)
{
	if (path[0] == '/')
		return 0;
	for (const char *p = path; *p; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '\\' || (p[0] == '.' && p[1] == '.'))
			return 0;
	return 1;
}

static int cfg_guest_cpus(struct cfg_ctx *c, int node, struct config_guest *g)
{
	int n, err;
	const void *p = cfg_cells(c, node, "cpus", 1, CONFIG_MAX_GUEST_CPUS, 1, &n, &err);

	if (!p)
		return err;
	for (int i = 0; i < n; i++) {
		uint32_t cpu = cfg_cell(p, i);

		if (cpu == 0 || cpu > CONFIG_MAX_CPU_INDEX)
			return cfg_fail(c, "cpu %u: CPU 0 is the VMM's, others must be 1..%d", cpu,
					CONFIG_MAX_CPU_INDEX);
		for (unsigned gi = 0; gi <= c->out->guest_count; gi++) {
			const struct config_guest *o = &c->out->guests[gi];
			for (unsigned j = 0; j < o->cpu_count; j++)
				if (o->cpus[j] == cpu)
					return cfg_fail(c, "cpu %u already belongs to guest '%s'", cpu,
							o == g ? g->name : o->name);
		}
		g->cpus[g->cpu_count++] = cpu;
	}
	return 0;
}

/* Two functions of one device assigned to two guests could reach each
 * other by peer-to-peer DMA that never crosses the IOMMU: a device's
 * functions go to one guest, or stay with none. */
static int cfg_pci_owner(struct cfg_ctx *c, const struct config_guest *g, const struct config_pci *d)
{
	for (unsigned gi = 0; gi <= c->out->guest_count; gi++) {
		const struct config_guest *o = &c->out->guests[gi];

		for (unsigned j = 0; j < o->pci_count; j++) {
			const struct config_pci *e = &o->pci[j];

			if (e->segment != d->segment || e->bus != d->bus || e->dev != d->dev)
				continue;
			if (e->fn == d->fn)
				return cfg_fail(c, "pci %04x:%02x:%02x.%u already belongs to guest '%s'", d->segment,
						d->bus, d->dev, d->fn, o == g ? g->name : o->name);
			if (o != g)
				return cfg_fail(c, "pci %04x:%02x:%02x.%u: another function of the device belongs to "
						"guest '%s' (peer DMA between them would bypass the IOMMU)",
						d->segment, d->bus, d->dev, d->fn, o->name);
		}
	}
	return 0;
}

static int cfg_guest_pci(struct cfg_ctx *c, int node, struct config_guest *g)
{
	int n, err;
	const void *p;

	if (!fdt_getprop(c->fdt, node, "pci-devices", NULL))
		return 0;
	p = cfg_cells(c, node, "pci-devices", 4, CONFIG_MAX_PCI, 1, &n, &err);
	if (!p)
		return err;
	for (int i = 0; i < n; i++) {
		uint32_t seg = cfg_cell(p, 4 * i), bus = cfg_cell(p, 4 * i + 1);
		uint32_t dev = cfg_cell(p, 4 * i + 2), fn = cfg_cell(p, 4 * i + 3);
		struct config_pci d;

		if (seg > 0xffff || bus > 255 || dev > 31 || fn > 7)
			return cfg_fail(c, "pci-devices: <segment bus device function> with segment 0..65535, bus "
					   "0..255, device 0..31, function 0..7");
		d = (struct config_pci){ (uint16_t)seg, (uint8_t)bus, (uint8_t)dev, (uint8_t)fn };
		err = cfg_pci_owner(c, g, &d);
		if (err)
			return err;
		g->pci[g->pci_count++] = d;
	}
	return 0;
}

static int cfg_guest_memory(struct cfg_ctx *c, int node, struct config_guest *g)
{
	int n, err;
	const void *p = cfg_cells(c, node, "memory", 4, CONFIG_MAX_REGIONS, 1, &n, &err);

	if (!p)
		return err;
	for (int i = 0; i < n; i++) {
		struct config_region r = { cfg_cell64(p, 4 * i), cfg_cell64(p, 4 * i + 2) };

		if (!r.size || (r.gpa | r.size) & 0x1fffff)
			return cfg_fail(c, "memory region %d: base and size must be 2 MiB multiples, size > 0", i);
		if (r.gpa + r.size < r.gpa || r.gpa + r.size > CONFIG_GPA_LIMIT)
			return cfg_fail(c, "memory region %d ends beyond guest-physical 512 GiB", i);
		/* The APIC pages are emulated: never memory (include/vigil/guest_platform.h). */
		if (r.gpa < GP_LAPIC_BASE + GP_LAPIC_SIZE && GP_IOAPIC_BASE < r.gpa + r.size)
			return cfg_fail(c, "memory region %d covers the APIC window 0x%x-0x%x", i, GP_IOAPIC_BASE,
					GP_LAPIC_BASE + GP_LAPIC_SIZE - 1);
		for (unsigned j = 0; j < g->region_count; j++)
			if (r.gpa < g->regions[j].gpa + g->regions[j].size && g->regions[j].gpa < r.gpa + r.size)
				return cfg_fail(c, "memory region %d overlaps region %u", i, j);
		g->regions[g->region_count++] = r;
	}
	return 0;
}

static int cfg_guest_io(struct cfg_ctx *c, int node, struct config_guest *g)
{
	int n, err;
	const void *p = cfg_cells(c, node, "io-allow", 2, CONFIG_MAX_IO, 0, &n, &err);

	for (int i = 0; !err && i < n; i++) {
		struct config_io io = { cfg_cell(p, 2 * i), cfg_cell(p, 2 * i + 1) };
		const char *why = policy_io_forbidden(io.port, io.count);

		if (why)
			return cfg_fail(c, "io-allow 0x%x+%u refused: %s", io.port, io.count, why);
		g->io[g->io_count++] = io;
	}
	return err;
}

static int cfg_guest_msrs(struct cfg_ctx *c, int node, struct config_guest *g)
{
	int n, err;
	const void *p = cfg_cells(c, node, "msr-allow", 1, CONFIG_MAX_MSRS, 0, &n, &err);

	for (int i = 0; !err && i < n; i++) {
		uint32_t msr = cfg_cell(p, i);
		const char *why = policy_msr_forbidden(msr);

		if (why)
			return cfg_fail(c, "msr-allow 0x%x refused: %s", msr, why);
		g->msrs[g->msr_count++] = msr;
	}
	return err;
}

static int cfg_file(struct cfg_ctx *c, int node, const char *name, char *out)
{
	int err = cfg_string(c, node, name, out, CONFIG_PATH_LEN);

	if (!err && !cfg_path_ok(out))
		err = cfg_fail(c, "%s path must be relative, printable, without '..'", name);
	return err;
}

/* The keys of roles/publisher that may sign this guest's package, by their
 * index there (the config is signed whole, so an index names one key), and
 * how many of them must. */
static int cfg_guest_publishers(struct cfg_ctx *c, int node, struct config_guest *g)
{
	const struct config_role *pub = &c->out->roles[ROLE_PUBLISHER];
	int n, err;
	const void *p = cfg_cells(c, node, "publishers", 1, CONFIG_MAX_KEYS, 1, &n, &err);
	uint32_t threshold = 0, seen = 0;

	if (!p)
		return err;
	for (int i = 0; i < n; i++) {
		uint32_t k = cfg_cell(p, i);

		if (k >= pub->key_count)
			return cfg_fail(c, "publisher %u: roles/publisher has %u keys", k, pub->key_count);
		if (seen & (1u << k))
			return cfg_fail(c, "publisher %u named twice", k);
		seen |= 1u << k;
		memcpy(g->publishers[g->publisher_count++], pub->keys[k], CONFIG_KEY_LEN);
	}
	err = cfg_u32(c, node, "publisher-threshold", &threshold);
	if (!err && (threshold < 1 || threshold > g->publisher_count))
		err = cfg_fail(c, "publisher-threshold %u outside 1..%u", threshold, g->publisher_count);
	g->publisher_threshold = threshold;
	if (!err && fdt_getprop(c->fdt, node, "min-security-version", NULL)) {
		int len;
		const void *v = fdt_getprop(c->fdt, node, "min-security-version", &len);

		if (len != 8)
			return cfg_fail(c, "'min-security-version' must be one 64-bit value (two cells)");
		g->min_security_version = cfg_cell64(v, 0);
	}
	return err;
}

/*
 * A guest is a signed package: the config names its package and who may
 * sign it; the package's manifest names its files and command line
 * (docs/formats.md, "Guest packages"). The older form that named the
 * files here (image, initrd, acpi, cmdline), unverified, is withdrawn:
 * refused by name, before anything else, so the message says why.
 */
#define CFG_PACKAGE_ONLY "a guest is a signed package (package = ...)"

static int cfg_guest_withdrawn(struct cfg_ctx *c, int node)
{
	static const char *const withdrawn[] = { "image", "initrd", "acpi", "cmdline", NULL };

	for (int i = 0; withdrawn[i]; i++)
		if (fdt_getprop(c->fdt, node, withdrawn[i], NULL))
			return cfg_fail(c, "'%s' is no longer accepted: " CFG_PACKAGE_ONLY, withdrawn[i]);
	return 0;
}

static int cfg_guest_package(struct cfg_ctx *c, int node, struct config_guest *g)
{
	int err;

	if (!fdt_getprop(c->fdt, node, "package", NULL))
		return cfg_fail(c, "'package' missing: " CFG_PACKAGE_ONLY);
	err = cfg_file(c, node, "package", g->package);
	/* vigil/patches holds the persisted live patches (docs/tpm.md). */
	if (!err && !strncmp(g->package, "patches/", 8))
		err = cfg_fail(c, "package '%s': patches/ holds the persisted live patches", g->package);
	return err ? err : cfg_guest_publishers(c, node, g);
}

static int cfg_guest(struct cfg_ctx *c, int node, struct config_guest *g)
{
	static const char *const allowed[] = { "package", "publishers", "publisher-threshold",
						"min-security-version", "cpus", "memory", "io-allow",
						"msr-allow", "console-input", "smt-shared-ok", "pci-devices",
						"dma-fault-stop", NULL };
	const char *name = fdt_get_name(c->fdt, node, NULL);
	int err;

	cfg_enter(c, "/guests", name ? name : "?");
	if (!name || !cfg_name_ok(name))
		return cfg_fail(c, "guest names are 1..%d characters of [a-z0-9-]", CONFIG_NAME_LEN - 1);
	/* The blob format allows twin nodes; a name must say which guest it is. */
	for (unsigned i = 0; i < c->out->guest_count; i++)
		if (!strcmp(c->out->guests[i].name, name))
			return cfg_fail(c, "guest name used twice");
	memcpy(g->name, name, strlen(name) + 1);
	err = cfg_guest_withdrawn(c, node);
	if (!err)
		err = cfg_only(c, node, allowed);
	if (!err)
		err = cfg_only_nodes(c, node, NULL);
	if (!err)
		err = cfg_guest_package(c, node, g);
	if (!err)
		err = cfg_guest_cpus(c, node, g);
	if (!err)
		err = cfg_guest_memory(c, node, g);
	if (!err)
		err = cfg_guest_io(c, node, g);
	if (!err)
		err = cfg_guest_pci(c, node, g);
	if (!err)
		err = cfg_flag(c, node, "console-input", &g->console_input);
	if (!err)
		err = cfg_flag(c, node, "smt-shared-ok", &g->smt_shared_ok);
	if (!err)
		err = cfg_flag(c, node, "dma-fault-stop", &g->dma_fault_stop);
	if (!err && g->dma_fault_stop && !g->pci_count)
		err = cfg_fail(c, "'dma-fault-stop' without 'pci-devices': the guest has no device to fault");
	return err ? err : cfg_guest_msrs(c, node, g);
}

static int cfg_guests(struct cfg_ctx *c)
{
	int guests = fdt_subnode_offset(c->fdt, 0, "guests");
	int node, err;

	cfg_enter(c, "", "guests");
	if (guests < 0)
		return cfg_fail(c, "node missing");
	err = cfg_only(c, guests, (const char *const[]){ NULL });
	if (err)
		return err;
	fdt_for_each_subnode(node, c->fdt, guests) {
		if (c->out->guest_count == CONFIG_MAX_GUESTS) {
			cfg_enter(c, "", "guests"); /* not the last guest's node */
			return cfg_fail(c, "more than %d guests", CONFIG_MAX_GUESTS);
		}
		err = cfg_guest(c, node, &c->out->guests[c->out->guest_count]);
		if (err)
			return err;
		c->out->guest_count++;
	}
	if (!c->out->guest_count)
		return cfg_fail(c, "no guests declared");
	return 0;
}

/* An optional one-cell property within [lo, hi]; *out keeps its default when absent. */
static int cfg_u32_opt(struct cfg_ctx *c, int node, const char *name, uint32_t lo, uint32_t hi, uint32_t *out)
{
	int err;

	if (!fdt_getprop(c->fdt, node, name, NULL))
		return 0;
	err = cfg_u32(c, node, name, out);
	if (!err && (*out < lo || *out > hi))
		err = cfg_fail(c, "'%s' %u outside %u..%u", name, *out, lo, hi);
	return err;
}

/* Which one of the names the node has: its index, or -1 when none or several. */
static int cfg_one_of(struct cfg_ctx *c, int node, const char *const *names)
{
	int found = -1;

	for (int i = 0; names[i]; i++)
		if (fdt_getprop(c->fdt, node, names[i], NULL)) {
			if (found >= 0)
				return -1;
			found = i;
		}
	return found;
}

static int cfg_channel_where(struct cfg_ctx *c, int node, struct config_channel *ch)
{
	static const char *const kinds[] = { "uart-port", "uart-mmio", "uart-pci", NULL };
	int kind = cfg_one_of(c, node, kinds), n, err;
	const void *p;

	if (kind < 0)
		return cfg_fail(c, "name the channel's UART with one of uart-port, uart-mmio or uart-pci");
	ch->kind = (enum config_uart_kind)(kind + 1);
	p = cfg_cells(c, node, kinds[kind], kind == 0 ? 1 : kind == 1 ? 2 : 4, 1, 1, &n, &err);
	if (!p)
		return err;
	if (ch->kind == CONFIG_UART_PORT) {
		ch->base = cfg_cell(p, 0);
		if (!ch->base || ch->base > 0x10000 - 8)
			return cfg_fail(c, "uart-port 0x%lx: 8 ports within 0x1-0xffff", (unsigned long)ch->base);
		if (ch->base < 0x400 && ch->base + 8 > 0x3f8)
			return cfg_fail(c, "uart-port 0x%lx is COM1's: the console's when no SPCR names another",
					(unsigned long)ch->base);
		if (ch->base < 0xd00 && ch->base + 8 > 0xcf8)
			return cfg_fail(c, "uart-port 0x%lx is PCI configuration space", (unsigned long)ch->base);
	} else if (ch->kind == CONFIG_UART_MMIO) {
		ch->base = cfg_cell64(p, 0);
		if (!ch->base || ch->base >= (1ull << 52) - 0x100)
			return cfg_fail(c, "uart-mmio: a physical address, not 0, below 2^52");
	} else {
		if (cfg_cell(p, 0))
			return cfg_fail(c, "uart-pci: PCI segment %u: only segment 0 is reachable", cfg_cell(p, 0));
		if (cfg_cell(p, 1) > 255 || cfg_cell(p, 2) > 31 || cfg_cell(p, 3) > 7)
			return cfg_fail(c, "uart-pci: <segment bus device function> with bus 0..255, device 0..31, "
					   "function 0..7");
		ch->pci_bus = (uint8_t)cfg_cell(p, 1);
		ch->pci_dev = (uint8_t)cfg_cell(p, 2);
		ch->pci_fn = (uint8_t)cfg_cell(p, 3);
	}
	return 0;
}

static int cfg_channel_regs(struct cfg_ctx *c, int node, struct config_channel *ch)
{
	uint32_t shift = 0, width = 1;
	int err;

	if (ch->kind == CONFIG_UART_PORT && (fdt_getprop(c->fdt, node, "reg-shift", NULL) ||
					     fdt_getprop(c->fdt, node, "reg-io-width", NULL)))
		return cfg_fail(c, "reg-shift and reg-io-width are for uart-mmio and uart-pci only");
	err = cfg_u32_opt(c, node, "reg-shift", 0, 2, &shift);
	if (!err)
		err = cfg_u32_opt(c, node, "reg-io-width", 1, 4, &width);
	if (!err && (shift == 1 || (width != 1 && width != 4)))
		err = cfg_fail(c, "reg-shift must be 0 or 2, reg-io-width 1 or 4");
	if (!err && ch->kind == CONFIG_UART_MMIO && (ch->base & (width - 1)))
		err = cfg_fail(c, "uart-mmio must be aligned to reg-io-width");
	ch->shift = (uint8_t)shift;
	ch->width = (uint8_t)width;
	return err;
}

static int cfg_channel_irq(struct cfg_ctx *c, int node, struct config_channel *ch)
{
	static const char *const kinds[] = { "irq", "gsi", NULL };
	uint32_t v = 0;
	int kind = cfg_one_of(c, node, kinds);
	int err;

	ch->isa_irq = ch->gsi = -1;
	if (kind < 0)
		return cfg_fail(c, "name the channel UART's interrupt with one of irq (ISA) or gsi");
	err = cfg_u32(c, node, kinds[kind], &v);
	if (err)
		return err;
	if (kind == 0 && (v == 0 || v == 2 || v == 4 || v > 15))
		return cfg_fail(c, "irq %u: an ISA IRQ 1..15, not 2 (the cascade) nor 4 (COM1's)", v);
	if (kind == 1 && v > 1023)
		return cfg_fail(c, "gsi %u above 1023", v);
	*(kind ? &ch->gsi : &ch->isa_irq) = (int32_t)v;
	return 0;
}

/* No guest may be granted the channel's ports (a policy update only
 * narrows a grant, so this holds for good). */
static int cfg_channel_guests(struct cfg_ctx *c, const struct config_channel *ch)
{
	for (unsigned gi = 0; ch->kind == CONFIG_UART_PCI && gi < c->out->guest_count; gi++) {
		const struct config_guest *g = &c->out->guests[gi];

		for (unsigned i = 0; i < g->pci_count; i++)
			if (!g->pci[i].segment && g->pci[i].bus == ch->pci_bus && g->pci[i].dev == ch->pci_dev)
				return cfg_fail(c, "uart-pci 00:%02x.%u: its device is assigned to guest '%s'",
						ch->pci_dev, ch->pci_fn, g->name);
	}
	for (unsigned gi = 0; ch->kind == CONFIG_UART_PORT && gi < c->out->guest_count; gi++) {
		const struct config_guest *g = &c->out->guests[gi];

		for (unsigned i = 0; i < g->io_count; i++)
			if (g->io[i].port < ch->base + 8 && ch->base < g->io[i].port + g->io[i].count)
				return cfg_fail(c, "uart-port 0x%lx is granted to guest '%s' (io-allow 0x%x+%u)",
						(unsigned long)ch->base, g->name, g->io[i].port, g->io[i].count);
	}
	return 0;
}

static int cfg_channel(struct cfg_ctx *c)
{
	static const char *const allowed[] = { "uart-port", "uart-mmio", "uart-pci", "reg-shift", "reg-io-width",
						"irq", "gsi", NULL };
	struct config_channel *ch = &c->out->channel;
	int node = fdt_subnode_offset(c->fdt, 0, "channel");
	int err;

	cfg_enter(c, "", "channel");
	if (node < 0)
		return cfg_fail(c, "node missing: the management channel's UART is never guessed");
	err = cfg_only(c, node, allowed);
	if (!err)
		err = cfg_only_nodes(c, node, NULL);
	if (!err)
		err = cfg_channel_where(c, node, ch);
	if (!err)
		err = cfg_channel_regs(c, node, ch);
	if (!err)
		err = cfg_channel_irq(c, node, ch);
	return err ? err : cfg_channel_guests(c, ch);
}

/* A fixed-length byte string. */
static int cfg_bytes(struct cfg_ctx *c, int node, const char *name, uint8_t *out, int want)
{
	int len;
	const void *p = fdt_getprop(c->fdt, node, name, &len);

	if (!p)
		return cfg_fail(c, "property '%s' missing", name);
	if (len != want)
		return cfg_fail(c, "property '%s' must be %d bytes", name, want);
	memcpy(out, p, (size_t)want);
	return 0;
}

/* NV indices of the owner's range of the TCG handle registry. */
#define MARKS_INDEX_FIRST 0x01800000u
#define MARKS_INDEX_LAST 0x01bfffffu

/* tpm-marks (docs/tpm.md): only with tpm = "required", so that hiding the
 * TPM cannot turn anti-rollback off. The key's point is checked where it
 * is used (the TPM refuses a point off the curve). */
static int cfg_marks(struct cfg_ctx *c)
{
	static const char *const allowed[] = { "index", "policy-key", "storage-key-name", "persisted-set", NULL };
	struct config_marks *m = &c->out->marks;
	int node = fdt_subnode_offset(c->fdt, 0, "tpm-marks"), err;

	if (node < 0)
		return 0;
	cfg_enter(c, "", "tpm-marks");
	err = cfg_only(c, node, allowed);
	if (!err)
		err = cfg_only_nodes(c, node, NULL);
	if (!err)
		err = cfg_u32(c, node, "index", &m->index);
	if (!err && (m->index < MARKS_INDEX_FIRST || m->index > MARKS_INDEX_LAST))
		err = cfg_fail(c, "index 0x%x is not an owner NV index (0x%x-0x%x)", m->index, MARKS_INDEX_FIRST,
			       MARKS_INDEX_LAST);
	if (!err)
		err = cfg_bytes(c, node, "policy-key", m->policy_key, CONFIG_KEY_LEN);
	if (!err && m->policy_key[0] != 0x04)
		err = cfg_fail(c, "policy-key must be an uncompressed point (04 || X || Y)");
	if (!err)
		err = cfg_bytes(c, node, "storage-key-name", m->srk_name, CONFIG_SRK_NAME_LEN);
	if (!err && (m->srk_name[0] != 0x00 || m->srk_name[1] != 0x0b))
		err = cfg_fail(c, "storage-key-name must be a SHA-256 name (000b and 32 bytes)");
	if (!err && fdt_getprop(c->fdt, node, "persisted-set", NULL)) {
		m->persisted_set = true;
		err = cfg_bytes(c, node, "persisted-set", m->persisted, 32);
	}
	if (!err && !c->out->tpm_required)
		err = cfg_fail(c, "needs tpm = \"required\": hiding the TPM must not turn anti-rollback off");
	m->present = !err;
	return err;
}

int config_parse(const void *blob, size_t size, struct config *out, char *err, size_t errlen)
{
	static const char *const root_props[] = { "compatible", "tpm", "version", NULL };
	static const char *const root_nodes[] = { "roles", "guests", "channel", "tpm-marks", NULL };
	struct cfg_ctx c = { blob, out, err, errlen, "" };
	char compat[32], tpm[16];
	int rc;

	memset(out, 0, sizeof(*out));
	if (size < sizeof(struct fdt_header) || fdt_check_header(blob) || fdt_totalsize(blob) > size)
		return cfg_fail(&c, "not a valid device tree blob");
	/* Before libfdt walks the structure: Debian's libfdt 1.6.1 reads
	 * through a NULL pointer in fdt_check_full() on a blob whose version
	 * is below 16. 17 is what dtc writes and all the stub's walker reads. */
	if (fdt_version(blob) < 17)
		return cfg_fail(&c, "device tree version %u: only 17 is read", fdt_version(blob));
	if (!fdt_guard_lengths_ok(blob, fdt_totalsize(blob)) || fdt_check_full(blob, fdt_totalsize(blob)))
		return cfg_fail(&c, "not a valid device tree blob");
	if (fdt_totalsize(blob) != size)
		return cfg_fail(&c, "%zu trailing bytes after the device tree", size - fdt_totalsize(blob));
	rc = cfg_only(&c, 0, root_props);
	if (!rc)
		rc = cfg_only_nodes(&c, 0, root_nodes);
	if (!rc)
		rc = cfg_string(&c, 0, "compatible", compat, sizeof(compat));
	if (!rc && strcmp(compat, "vigil,system-v1"))
		rc = cfg_fail(&c, "compatible must be \"vigil,system-v1\"");
	if (!rc && fdt_getprop(blob, 0, "tpm", NULL)) {
		rc = cfg_string(&c, 0, "tpm", tpm, sizeof(tpm));
		if (!rc && strcmp(tpm, "required") && strcmp(tpm, "optional"))
			rc = cfg_fail(&c, "tpm must be \"required\" or \"optional\"");
		out->tpm_required = !rc && !strcmp(tpm, "required");
	}
	if (!rc && fdt_getprop(blob, 0, "version", NULL)) {
		int n;
		const void *v = cfg_cells(&c, 0, "version", 2, 1, 1, &n, &rc);

		if (v)
			out->version = cfg_cell64(v, 0);
	}
	if (!rc)
		rc = cfg_marks(&c);
	if (!rc)
		rc = cfg_roles(&c);
	if (!rc)
		rc = cfg_guests(&c);
	if (!rc)
		rc = cfg_channel(&c);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}
