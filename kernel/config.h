/* SPDX-License-Identifier: MIT */
/*
 * The system config: a flattened device tree (docs/formats.md), verified by
 * the boot entry, then parsed and validated here into the VMM's own structs.
 * Nothing reads the blob after config_parse(); the structs are copied into
 * read-only-after-init memory by the caller. Pure logic: also built for the
 * host (vigilctl config build, unit tests).
 */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_GUESTS 16
#define CONFIG_MAX_GUEST_CPUS 4
#define CONFIG_MAX_REGIONS 4
#define CONFIG_MAX_IO 16
#define CONFIG_MAX_MSRS 16
#define CONFIG_MAX_PCI 8 /* PCI functions assigned to one guest */
#define CONFIG_MAX_KEYS 8
#define CONFIG_NAME_LEN 32
#define CONFIG_PATH_LEN 64
#define CONFIG_CMDLINE_LEN 512
#define CONFIG_KEY_LEN 97
#define CONFIG_MAX_CPU_INDEX 767 /* VIGIL_MAX_CPUS - 1 */
#define CONFIG_GPA_LIMIT (1ull << 39) /* guest-physical space: 512 GiB */

enum config_role_id { ROLE_PATCH, ROLE_OPERATOR, ROLE_PUBLISHER, ROLE_COUNT };

struct config_role {
	unsigned threshold;
	unsigned key_count;
	uint8_t keys[CONFIG_MAX_KEYS][CONFIG_KEY_LEN];
};

struct config_region {
	uint64_t gpa, size;
};

struct config_io {
	uint32_t port, count;
};

/* A PCI function assigned to a guest (docs/dma.md). */
struct config_pci {
	uint16_t segment;
	uint8_t bus, dev, fn;
};

struct config_guest {
	char name[CONFIG_NAME_LEN];
	/* The guest's files and command line, from its package's manifest:
	 * never in the config (config_parse refuses them there and leaves
	 * them ""); the VMM fills them into a packaged guest's own entry
	 * (package_entry, vmm/package.h). image is the kernel; optional (a
	 * Linux guest): initramfs (PVH module 0), ACPI tables (copied to
	 * GP_ACPI_GPA), kernel command line; "" when absent. */
	char image[CONFIG_PATH_LEN];
	char initrd[CONFIG_PATH_LEN];
	char acpi[CONFIG_PATH_LEN];
	char cmdline[CONFIG_CMDLINE_LEN];
	unsigned cpu_count;
	uint32_t cpus[CONFIG_MAX_GUEST_CPUS];
	unsigned region_count;
	struct config_region regions[CONFIG_MAX_REGIONS];
	unsigned io_count;
	struct config_io io[CONFIG_MAX_IO];
	unsigned msr_count;
	uint32_t msrs[CONFIG_MAX_MSRS];
	unsigned pci_count;
	struct config_pci pci[CONFIG_MAX_PCI]; /* pci-devices: assigned functions */
	bool dma_fault_stop; /* a blocked DMA of one of its functions stops it */
	bool console_input; /* may receive the operator's input on the console */
	bool smt_shared_ok; /* may share a physical core with the VMM and other such guests */
	/* Every guest is a package (docs/formats.md, "Guest packages"): the
	 * package's directory below vigil/, the keys of roles/publisher that
	 * may sign it (named by index in the config, copied here) with their
	 * threshold, and the lowest security version it accepts. */
	char package[CONFIG_PATH_LEN];
	unsigned publisher_count;
	unsigned publisher_threshold;
	uint8_t publishers[CONFIG_MAX_KEYS][CONFIG_KEY_LEN];
	uint64_t min_security_version;
};

/*
 * The management channel's UART, as the config names it (docs/formats.md,
 * "The management channel"): a 16550 at I/O ports, at a physical address,
 * or behind BAR 0 of a PCI function (read at boot); its interrupt an ISA
 * IRQ (edge, through the MADT's overrides) or a GSI (level, active low).
 */
enum config_uart_kind { CONFIG_UART_PORT = 1, CONFIG_UART_MMIO, CONFIG_UART_PCI };

struct config_channel {
	enum config_uart_kind kind;
	uint64_t base;	      /* the port (PORT) or physical address (MMIO) */
	uint8_t shift, width; /* registers 1 << shift apart, accessed width bytes (memory) */
	uint8_t pci_bus, pci_dev, pci_fn; /* PCI (segment 0) */
	int32_t isa_irq;      /* 1..15, or -1 */
	int32_t gsi;	      /* or a GSI, or -1 */
};

/* The NV index of anti-rollback marks (docs/tpm.md, "Anti-rollback across
 * reboots"): where it is, the platform key whose signature its write
 * policy names, and the name of the TPM's storage root key that first
 * marks are tied to. */
#define CONFIG_SRK_NAME_LEN 34 /* TPM2B_NAME contents: SHA-256 nameAlg, digest */
struct config_marks {
	bool present;
	uint32_t index;
	uint8_t policy_key[CONFIG_KEY_LEN];
	uint8_t srk_name[CONFIG_SRK_NAME_LEN];
	/* Recovery: the persisted live patches' digest this config's first
	 * boot adopts (docs/tpm.md, "Persistent live patches"). */
	bool persisted_set;
	uint8_t persisted[32];
};

struct config {
	/* tpm = "required": refuse to run without a usable TPM (docs/tpm.md) */
	bool tpm_required;
	/* version: orders the signed configs of a host; with marks, one below
	 * the highest this host has run is refused (docs/formats.md). */
	uint64_t version;
	struct config_marks marks;
	struct config_channel channel;
	unsigned guest_count;
	struct config_guest guests[CONFIG_MAX_GUESTS];
	struct config_role roles[ROLE_COUNT];
};

extern const char *const config_role_names[ROLE_COUNT];

/* Parse and validate; on error returns a negative errno and writes a message
 * naming the node and property into err. out is fully written on success. */
int config_parse(const void *blob, size_t size, struct config *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
