/* SPDX-License-Identifier: MIT */
/*
 * Signed guest packages (docs/formats.md, "Guest packages"): a guest's
 * files and the manifest that names them, their sizes and digests, its
 * versions and its own policy. Pure logic, built into vigilctl (which
 * never writes a manifest this decoder refuses) and the unit tests.
 *
 * Decode then act, as for bundles: package_decode() checks every byte of
 * the manifest and copies what it says into a struct package; nothing
 * points into the caller's buffer afterwards. package_sigs_check() and
 * package_file_check() then decide, and change nothing.
 */
#ifndef VMM_PACKAGE_H
#define VMM_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/config.h"
#include "kernel/crypto/hash.h"
#include "vmm/bundle.h"

/* The manifest's type: no bundle carries it (a bundle payload says
 * BUNDLE_COMPATIBLE), so neither is ever taken for the other. */
#define PACKAGE_COMPATIBLE "vigil,guest-package-v1"
#define PACKAGE_MAX_MANIFEST (64u * 1024)
#define PACKAGE_PATH_LEN 64	     /* a file's name inside the package */
#define PACKAGE_MAX_DEVICES 8
#define PACKAGE_MIN_MEMORY (1ull << 20)

/* The package's files, from one list: X(NAME, node, required). */
#define PACKAGE_FILES(X)                  \
	X(IMAGE, "image", true)           \
	X(INITRD, "initrd", false)        \
	X(ACPI, "acpi", false)

enum package_file {
#define PACKAGE_FILE_ENUM(NAME, node, required) PACKAGE_FILE_##NAME,
	PACKAGE_FILES(PACKAGE_FILE_ENUM)
#undef PACKAGE_FILE_ENUM
	PACKAGE_FILE_COUNT,
};

/* Device classes a package may ask for (PCI base classes by name). */
#define PACKAGE_DEVICE_CLASSES(X)   \
	X(STORAGE, "storage")       \
	X(NETWORK, "network")       \
	X(DISPLAY, "display")       \
	X(MULTIMEDIA, "multimedia") \
	X(SERIAL_BUS, "serial-bus") \
	X(ACCELERATOR, "accelerator")

enum package_device_class {
#define PACKAGE_DEVICE_ENUM(NAME, name) PACKAGE_DEVICE_##NAME,
	PACKAGE_DEVICE_CLASSES(PACKAGE_DEVICE_ENUM)
#undef PACKAGE_DEVICE_ENUM
	PACKAGE_DEVICE_COUNT,
};

/* What a guest refuses to run without, from one list: X(NAME, name). */
#define PACKAGE_REQUIREMENTS(X)            \
	X(SMT_ISOLATED, "smt-isolated")    \
	X(IOMMU, "iommu")                  \
	X(TPM, "tpm")

enum package_requirement {
#define PACKAGE_REQ_ENUM(NAME, name) PACKAGE_REQ_##NAME,
	PACKAGE_REQUIREMENTS(PACKAGE_REQ_ENUM)
#undef PACKAGE_REQ_ENUM
	PACKAGE_REQ_COUNT,
};

extern const char *const package_file_nodes[PACKAGE_FILE_COUNT];
extern const char *const package_device_names[PACKAGE_DEVICE_COUNT];
extern const char *const package_requirement_names[PACKAGE_REQ_COUNT];

struct package_file_ref {
	bool present;
	char path[PACKAGE_PATH_LEN]; /* [A-Za-z0-9._-], not starting with '.' */
	uint64_t size;
	uint8_t sha256[CRYPTO_SHA256_LEN]; /* what the stub measures */
	uint8_t sha384[CRYPTO_SHA384_LEN];
};

/* What the guest asks of the platform: every item must be granted. */
struct package_needs {
	uint64_t memory; /* bytes, a multiple of 4 KiB, at least 1 MiB */
	unsigned cpus;	 /* vCPUs, 1..CONFIG_MAX_GUEST_CPUS */
	unsigned io_count;
	struct config_io io[CONFIG_MAX_IO];
	unsigned msr_count;
	uint32_t msrs[CONFIG_MAX_MSRS];
	uint32_t devices; /* bit per enum package_device_class */
	bool console_input;
};

struct package {
	char name[CONFIG_NAME_LEN]; /* [a-z0-9-] */
	uint64_t version;	    /* >= 1 */
	uint64_t security_version;  /* the rollback floor it sets */
	struct package_file_ref files[PACKAGE_FILE_COUNT];
	char cmdline[CONFIG_CMDLINE_LEN]; /* "" when absent */
	struct package_needs needs;
	uint32_t requires; /* bit per enum package_requirement */
	uint8_t digest[CRYPTO_SHA384_LEN]; /* SHA-384 of the manifest's bytes */
};

/*
 * Decode and validate a manifest completely into *out (zeroed on failure).
 * The manifest must be 4-byte aligned. Returns 0 or a negative errno; *v
 * says why (code CHANNEL_E_MALFORMED, TRUNCATED, TRAILING or OVERSIZED).
 */
int package_decode(const void *manifest, size_t len, struct package *out, struct bundle_verdict *v)
	__attribute__((warn_unused_result));

/*
 * Signatures over the manifest: at least `threshold` distinct keys of
 * keys[0..count) (97-byte points) have a valid signature in sigfile. p
 * must have been decoded from exactly manifest[0..len) (checked by
 * digest). Returns 0 or a negative errno with *v filled.
 */
int package_sigs_check(const struct package *p, const void *manifest, size_t len, const void *sigfile,
		       size_t siglen, const uint8_t (*keys)[CONFIG_KEY_LEN], unsigned count, unsigned threshold,
		       struct bundle_verdict *v) __attribute__((warn_unused_result));

/*
 * The effective policy: the package's needs as the platform grants them
 * (config_guest g: its CPUs, memory regions, ports, MSRs and consents).
 * Every need must be granted, or the package is refused with a message
 * naming both; what is granted but not needed is not given: the first
 * `cpus` of the granted CPUs, the first `memory` bytes of the granted
 * regions in order, exactly the needed ports and MSRs. The digest covers
 * the needs as granted and nothing of the host (CPU numbers, where memory
 * is), so a package has the same digest on every host that grants it
 * (docs/formats.md, "Effective policy").
 */
struct package_effective {
	unsigned cpu_count;
	uint32_t cpus[CONFIG_MAX_GUEST_CPUS];
	unsigned region_count;
	struct config_region regions[CONFIG_MAX_REGIONS];
	unsigned io_count;
	struct config_io io[CONFIG_MAX_IO];
	unsigned msr_count;
	uint32_t msrs[CONFIG_MAX_MSRS];
	bool console_input;
	uint8_t digest[CRYPTO_SHA256_LEN];
};

int package_grant(const struct package *p, const struct config_guest *g, struct package_effective *out,
		  struct bundle_verdict *v) __attribute__((warn_unused_result));

/*
 * The guest's own config entry, what the VMM runs it with: g's identity
 * and consents, the effective policy, the package's command line and its
 * files as "<g->package>/<name>". -E2BIG when a path does not fit.
 */
int package_entry(const struct package *p, const struct config_guest *g, const struct package_effective *e,
		  struct config_guest *out, struct bundle_verdict *v) __attribute__((warn_unused_result));

/* One file's bytes against the manifest: its size and both digests. */
int package_file_check(const struct package *p, enum package_file f, const void *data, size_t len,
		       struct bundle_verdict *v) __attribute__((warn_unused_result));

#endif
