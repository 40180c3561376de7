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
#include "drivers/tpm_marks.h"
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

/*
 * A loaded file against the manifest: its size, and the SHA-256 the stub
 * measured it with (the digest the boot's measurement log and the TPM
 * hold), which the signed manifest must name. The bytes are not hashed
 * again: the VMM takes the stub's digests as it takes the rest of the
 * handoff, and 53 MB of Linux cost seconds per hash under emulation.
 */
static int vm_pkg_file(const struct handoff_module *fm, int f, char *why, size_t len)
{
	const struct package_file_ref *r = &vm_pkg.files[f];

	if (fm->size != r->size)
		snprintk(why, len, "package %s: %s '%s' is %lu bytes, the manifest says %lu", vm_pkg.name,
			 package_file_nodes[f], r->path, (unsigned long)fm->size, (unsigned long)r->size);
	else if (memcmp(fm->sha256, r->sha256, sizeof(r->sha256)))
		snprintk(why, len, "package %s: %s '%s' does not match the manifest's digests", vm_pkg.name,
			 package_file_nodes[f], r->path);
	else
		return 0;
	return -EBADMSG;
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
		if (vm_pkg_file(fm, f, why, len))
			return -EBADMSG;
	}
	if (vm_pkg.security_version < g->min_security_version) {
		snprintk(why, len, "package %s security version %lu is below the minimum %lu", vm_pkg.name,
			 (unsigned long)vm_pkg.security_version, (unsigned long)g->min_security_version);
		return -ESTALE;
	}
	if (tpm_marks() && vm_pkg.security_version < marks_guest(tpm_marks(), g->name)) {
		snprintk(why, len, "package %s security version %lu is below %lu, the TPM's mark for guest %s",
			 vm_pkg.name, (unsigned long)vm_pkg.security_version,
			 (unsigned long)marks_guest(tpm_marks(), g->name), g->name);
		return -ESTALE;
	}
	if (tpm_marks() && vm_pkg.version < marks_guest_version(tpm_marks(), g->name)) {
		snprintk(why, len, "package %s version %lu is below %lu, the TPM's mark for guest %s",
			 vm_pkg.name, (unsigned long)vm_pkg.version,
			 (unsigned long)marks_guest_version(tpm_marks(), g->name), g->name);
		return -ESTALE;
	}
	return 0;
}

int vm_package_admit(const struct config_guest *g, struct config_guest *out, struct vm_package_info *info,
		     char *why, size_t len)
{
	static struct package_effective e;
	struct bundle_verdict v;
	const char *mwhy;
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
	/* Its security version is this host's floor from now on, across reboots. */
	if (tpm_marks_raise_guest(g->name, vm_pkg.security_version, vm_pkg.version, &mwhy))
		printk("vigil: guest %s: package version %lu (security version %lu) not recorded in the TPM: %s\n",
		       g->name, (unsigned long)vm_pkg.version, (unsigned long)vm_pkg.security_version, mwhy);
	memcpy(info->name, vm_pkg.name, sizeof(info->name));
	info->version = vm_pkg.version;
	info->security_version = vm_pkg.security_version;
	memcpy(info->policy_digest, e.digest, sizeof(info->policy_digest));
	info->signers = signers;
	return 0;
}
