// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the VMM's validator of the signed system config
 * (kernel/config.c, with the grant rules of vmm/policy.c), and the UEFI
 * stub's walk of the same blob (boot/dtb_scan.c) beside it.
 *
 * The input is the blob, in a buffer of exactly its size (ASan sees any
 * read past it in our code; Debian's libfdt is not instrumented, so its
 * own reads are checked only where they go through intercepted libc).
 * Checked on a refusal: -EINVAL, a message "config: <node>: ..." that ends
 * inside the buffer, and nothing left in the output. On an acceptance,
 * every rule docs/formats.md states holds for what was copied out (names,
 * paths, CPUs unique across guests, regions aligned, disjoint and clear of
 * the APIC window, no forbidden port or MSR, thresholds within the keys),
 * every guest is a package and names no file of its own, and the stub
 * finds exactly the packages the VMM read, in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/dtb_scan.h"
#include "kernel/config.h"
#include "vigil/guest_platform.h"
#include "vmm/policy.h"

#define FUZZ_MAX_FILES CONFIG_MAX_GUESTS

static struct config cfg;
static const struct config zero_cfg;

static bool fuzz_terminated(const char *s, size_t max)
{
	return memchr(s, 0, max) != NULL;
}

static void fuzz_check_cpus(unsigned gi)
{
	const struct config_guest *g = &cfg.guests[gi];

	if (!g->cpu_count || g->cpu_count > CONFIG_MAX_GUEST_CPUS)
		abort();
	for (unsigned i = 0; i < g->cpu_count; i++) {
		if (!g->cpus[i] || g->cpus[i] > CONFIG_MAX_CPU_INDEX)
			abort();
		for (unsigned oi = 0; oi <= gi; oi++)
			for (unsigned j = 0; j < (oi == gi ? i : cfg.guests[oi].cpu_count); j++)
				if (cfg.guests[oi].cpus[j] == g->cpus[i])
					abort();
	}
}

static void fuzz_check_regions(const struct config_guest *g)
{
	if (!g->region_count || g->region_count > CONFIG_MAX_REGIONS)
		abort();
	for (unsigned i = 0; i < g->region_count; i++) {
		const struct config_region *r = &g->regions[i];

		if (!r->size || (r->gpa | r->size) & 0x1fffff || r->gpa >= CONFIG_GPA_LIMIT ||
		    r->size > CONFIG_GPA_LIMIT - r->gpa)
			abort();
		if (r->gpa < GP_LAPIC_BASE + GP_LAPIC_SIZE && GP_IOAPIC_BASE < r->gpa + r->size)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (r->gpa < g->regions[j].gpa + g->regions[j].size &&
			    g->regions[j].gpa < r->gpa + r->size)
				abort();
	}
}

static void fuzz_check_grants(const struct config_guest *g)
{
	if (g->io_count > CONFIG_MAX_IO || g->msr_count > CONFIG_MAX_MSRS)
		abort();
	for (unsigned i = 0; i < g->io_count; i++)
		if (policy_io_forbidden(g->io[i].port, g->io[i].count))
			abort();
	for (unsigned i = 0; i < g->msr_count; i++)
		if (policy_msr_forbidden(g->msrs[i]))
			abort();
}

static void fuzz_check_guest(unsigned gi)
{
	const struct config_guest *g = &cfg.guests[gi];

	if (!fuzz_terminated(g->name, sizeof(g->name)) || !g->name[0] ||
	    strspn(g->name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(g->name))
		abort();
	for (unsigned j = 0; j < gi; j++)
		if (!strcmp(cfg.guests[j].name, g->name))
			abort();
	if (!fuzz_terminated(g->package, sizeof(g->package)) || !g->package[0] || g->package[0] == '/' ||
	    strstr(g->package, "..") || g->image[0] || g->initrd[0] || g->acpi[0] || g->cmdline[0])
		abort();
	if (!g->publisher_count || g->publisher_count > CONFIG_MAX_KEYS || !g->publisher_threshold ||
	    g->publisher_threshold > g->publisher_count)
		abort();
	fuzz_check_cpus(gi);
	fuzz_check_regions(g);
	fuzz_check_grants(g);
}

static void fuzz_check_roles(void)
{
	for (int r = 0; r < ROLE_COUNT; r++) {
		const struct config_role *role = &cfg.roles[r];

		if (!role->key_count || role->key_count > CONFIG_MAX_KEYS || !role->threshold ||
		    role->threshold > role->key_count)
			abort();
		for (unsigned i = 0; i < role->key_count; i++)
			if (role->keys[i][0] != 0x04)
				abort();
	}
}

/* One expected file of the stub's list: the next one must match it. */
static void fuzz_expect_file(const struct dtb_file *files, unsigned count, unsigned *k,
			     const struct config_guest *g, const char *prop, const char *path)
{
	if (!path[0])
		return;
	if (*k >= count || strcmp(files[*k].guest, g->name) || strcmp(files[*k].prop, prop) ||
	    strcmp(files[*k].path, path))
		abort();
	(*k)++;
}

/* The stub reads, measures and hands over exactly the packages the VMM
 * will look for, in the same order: no package the VMM would miss. */
static void fuzz_check_stub_agrees(const uint8_t *blob, size_t size)
{
	struct dtb_file files[FUZZ_MAX_FILES];
	unsigned count = 0, k = 0;

	if (dtb_files_collect(blob, size, files, FUZZ_MAX_FILES, &count))
		abort();
	for (unsigned gi = 0; gi < cfg.guest_count; gi++) {
		const struct config_guest *g = &cfg.guests[gi];

		fuzz_expect_file(files, count, &k, g, "package", g->package);
	}
	if (k != count)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blob = malloc(size ? size : 1);
	char err[128];
	int ret;

	if (size)
		memcpy(blob, data, size);
	memset(err, 0xaa, sizeof(err));
	ret = config_parse(blob, size, &cfg, err, sizeof(err));
	if (ret) {
		if (ret != -EINVAL || !fuzz_terminated(err, sizeof(err)) || strncmp(err, "config: ", 8) ||
		    memcmp(&cfg, &zero_cfg, sizeof(cfg)))
			abort();
	} else {
		if (!cfg.guest_count || cfg.guest_count > CONFIG_MAX_GUESTS)
			abort();
		for (unsigned gi = 0; gi < cfg.guest_count; gi++)
			fuzz_check_guest(gi);
		fuzz_check_roles();
		fuzz_check_stub_agrees(blob, size);
	}
	free(blob);
	return 0;
}
