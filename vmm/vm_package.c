/* SPDX-License-Identifier: MIT */
/*
 * Packaged guests at boot (docs/formats.md, "Guest packages"): before a
 * packaged guest is created, its manifest, signatures and files as the
 * stub measured them are verified against the config's publishers and
 * floor, and its needs are granted; what the guest then gets is a config
 * entry of its own, made of the effective policy and the package's files
 * and command line. Any refusal leaves the guest out, with its reason;
 * the other guests start.
 */
#include <errno.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/handoff.h"
#include "kernel/mm.h"
#include "vmm/package.h"
#include "vmm/vm.h"

static struct package vm_pkg; /* boot, on the BSP, one guest at a time */

static const struct handoff_module *vm_pkg_module(const char *dir, const char *name)
{
	char path[HANDOFF_NAME_LEN];
	int n = snprintk(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || n >= (int)sizeof(path))
		return NULL;
	for (uint32_t i = 1; i < boot_handoff.module_count; i++)
		if (!strcmp(boot_handoff.modules[i].name, path))
			return &boot_handoff.modules[i];
	return NULL;
}

/* The manifest, its signatures and every file it names. */
static int vm_pkg_verify(const struct config_guest *g, uint32_t *signers, char *why, size_t len)
{
	const struct handoff_module *m = vm_pkg_module(g->package, "manifest.dtb");
	const struct handoff_module *sig = vm_pkg_module(g->package, "manifest.dtb.sig");
	struct bundle_verdict v;

	if (!m) {
		snprintk(why, len, "package %s has no manifest", g->package);
		return -ENOENT;
	}
	if (package_decode(phys_to_virt(m->base), m->size, &vm_pkg, &v) ||
	    package_sigs_check(&vm_pkg, phys_to_virt(m->base), m->size, sig ? phys_to_virt(sig->base) : NULL,
			       sig ? sig->size : 0, (const uint8_t(*)[CONFIG_KEY_LEN])g->publishers,
			       g->publisher_count, g->publisher_threshold, &v)) {
		snprintk(why, len, "%s", v.message);
		return v.err;
	}
	*signers = v.signers;
	for (int f = 0; f < PACKAGE_FILE_COUNT; f++) {
		const struct handoff_module *fm;

		if (!vm_pkg.files[f].present)
			continue;
		fm = vm_pkg_module(g->package, vm_pkg.files[f].path);
		if (!fm) {
			snprintk(why, len, "package %s: %s '%s' was not loaded", vm_pkg.name, package_file_nodes[f],
				 vm_pkg.files[f].path);
			return -ENOENT;
		}
		if (package_file_check(&vm_pkg, (enum package_file)f, phys_to_virt(fm->base), fm->size, &v)) {
			snprintk(why, len, "%s", v.message);
			return v.err;
		}
	}
	if (vm_pkg.security_version < g->min_security_version) {
		snprintk(why, len, "package %s security version %lu is below the minimum %lu", vm_pkg.name,
			 (unsigned long)vm_pkg.security_version, (unsigned long)g->min_security_version);
		return -ESTALE;
	}
	return 0;
}

int vm_package_admit(const struct config_guest *g, struct config_guest *out, struct vm_package_info *info,
		     char *why, size_t len)
{
	static struct package_effective e;
	struct bundle_verdict v;
	uint32_t signers = 0;
	int err = vm_pkg_verify(g, &signers, why, len);

	if (err)
		return err;
	if ((err = package_grant(&vm_pkg, g, &e, &v))) {
		snprintk(why, len, "%s", v.message);
		return err;
	}
	if ((err = package_entry(&vm_pkg, g, &e, out, &v))) {
		snprintk(why, len, "%s", v.message);
		return err;
	}
	memcpy(info->name, vm_pkg.name, sizeof(info->name));
	info->version = vm_pkg.version;
	info->security_version = vm_pkg.security_version;
	memcpy(info->policy_digest, e.digest, sizeof(info->policy_digest));
	info->signers = signers;
	return 0;
}
