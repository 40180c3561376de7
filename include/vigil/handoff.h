/* SPDX-License-Identifier: MIT */
/*
 * The handoff: everything a boot entry (the UEFI stub, or the multiboot2 lab
 * entry) hands to the VMM. It is the only contract between them; it holds no
 * firmware types, so EFI headers never leave boot/.
 *
 * Machine state at VMM entry (vmm_entry, the ELF entry point):
 *   - long mode, interrupts disabled, firmware gone (ExitBootServices done);
 *   - CR3 = page tables built by the boot entry that map
 *       [0, max(4 GiB, top of RAM)) identity with 2 MiB pages, and
 *       the VMM's PT_LOAD segments at their link addresses (p_vaddr) onto
 *       vmm_phys_base + (p_vaddr - vmm_virt_base), 4 KiB pages;
 *   - RDI = physical (== identity-mapped) address of struct handoff;
 *   - with HANDOFF_F_BUS_MASTER_OFF: bus mastering off on every PCI function
 *     of segment 0 but the pci_seg0_bus_masters_kept that hold it on (and
 *     on every one the firmware listed), so no device writes memory until
 *     the VMM's IOMMU takes over;
 *   - RSP = undefined (the VMM switches to its own stack before any call).
 * The VMM replaces the page tables, GDT and IDT before it touches anything
 * else, then reaches the handoff only through its own mappings.
 */
#ifndef VIGIL_HANDOFF_H
#define VIGIL_HANDOFF_H

#include <stdint.h>

#define HANDOFF_MAGIC 0x46464f484c474956ull /* "VIGLHOFF" little-endian */
#define HANDOFF_VERSION 6

#define HANDOFF_MAX_MEM 512
#define HANDOFF_MAX_MODULES 64
#define HANDOFF_MAX_MEASUREMENTS 72
#define HANDOFF_NAME_LEN 64

/* The VMM image is loaded at a 2 MiB aligned physical base. */
#define HANDOFF_VMM_ALIGN 0x200000ull

enum handoff_mem_type {
	HANDOFF_MEM_USABLE = 1,	      /* free RAM, the VMM's to allocate */
	HANDOFF_MEM_RESERVED = 2,     /* firmware, MMIO, unusable: never touched */
	HANDOFF_MEM_ACPI_RECLAIM = 3, /* ACPI tables: read-only to the VMM */
	HANDOFF_MEM_ACPI_NVS = 4,
	HANDOFF_MEM_BOOT = 5,	      /* VMM image, modules, handoff, boot page tables, trampoline */
};

struct handoff_mem {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum handoff_mem_type */
	uint32_t reserved;
};

/* A file the boot entry loaded for the VMM: the config, then guest images. */
struct handoff_module {
	char name[HANDOFF_NAME_LEN]; /* path below vigil/ on the ESP, NUL-terminated */
	uint64_t base;		     /* physical, page aligned */
	uint64_t size;		     /* exact file size in bytes */
	uint8_t sha256[32];	     /* digest of exactly [base, base + size) */
};

#define HANDOFF_MEAS_TPM 1u /* also extended into the TPM (pcr is valid) */

struct handoff_measurement {
	char name[HANDOFF_NAME_LEN];
	uint8_t sha256[32];
	uint32_t pcr;
	uint32_t flags; /* HANDOFF_MEAS_* */
};

#define HANDOFF_F_TPM 1u	 /* a TPM 2.0 took the measurements */
#define HANDOFF_F_SECURE_BOOT 2u /* firmware reported Secure Boot enabled */
#define HANDOFF_F_MULTIBOOT 4u	 /* lab entry: digests computed, not extended */
#define HANDOFF_F_BUS_MASTER_OFF 8u /* PCI bus mastering turned off: the pci_* counts hold */
#define HANDOFF_F_FWLOG_PARTIAL 16u /* the firmware's log is handed over with events missing */

/* The most bytes of the firmware's event log the boot entry hands over. */
#define HANDOFF_FWLOG_MAX (4u << 20)

/* The most functions segment 0 can hold: 256 buses, 32 devices, 8 functions. */
#define HANDOFF_PCI_SEG0_MAX (256u * 32 * 8)

struct handoff {
	uint64_t magic;
	uint32_t version;
	uint32_t size; /* sizeof(struct handoff) as the boot entry knew it */
	uint32_t flags;
	uint32_t reserved0;

	uint64_t vmm_phys_base; /* 2 MiB aligned */
	uint64_t vmm_phys_size; /* multiple of 2 MiB, covers every PT_LOAD incl. bss */
	uint64_t vmm_virt_base; /* link address that vmm_phys_base backs */

	uint64_t acpi_rsdp;	  /* physical address of the RSDP, 0 if none */
	uint64_t trampoline_phys; /* 4 KiB below 1 MiB for AP start-up, 0 if none */
	uint64_t boot_cr3;	  /* the boot entry's page tables (inside MEM_BOOT) */
	/* A page (inside MEM_BOOT) the boot entry claims at the same address on
	 * every boot, before any other allocation, for the VMM's crash record
	 * (kernel/crash_record.h); its contents are the previous boot's and
	 * untrusted. 0 if none. */
	uint64_t crash_phys;

	uint32_t mem_count;
	uint32_t module_count; /* modules[0] is the config */
	uint32_t meas_count;
	uint32_t reserved1;

	/* PCI bus mastering the boot entry turned off, which closes the window
	 * between the firmware's DMA protection ending at ExitBootServices and
	 * the VMM's IOMMU (docs/boot.md, "DMA before the IOMMU"). All 0 unless
	 * HANDOFF_F_BUS_MASTER_OFF; no more turned off (and kept) than found. */
	uint32_t pci_functions;		       /* functions the firmware listed (PCI I/O protocol) */
	uint32_t pci_bus_masters_cleared;      /* of those, bus mastering on and turned off */
	uint32_t pci_seg0_functions;	       /* found on segment 0 after ExitBootServices */
	uint32_t pci_seg0_bus_masters_cleared; /* of those, bus mastering on (again) and turned off */
	uint32_t pci_seg0_bus_masters_kept;    /* of those, bus mastering on that the write left on */
	uint32_t reserved2;

	/* The firmware's TCG event log, crypto-agile format, as the stub
	 * copied it (GetEventLog after its own measurements, then the final
	 * events table's newer events after ExitBootServices): page aligned,
	 * inside MEM_BOOT, at most HANDOFF_FWLOG_MAX bytes. Untrusted bytes
	 * the VMM only serves (FWLOG, docs/channel.md); a verifier replays
	 * them against a quote. Both 0 when there is none. */
	uint64_t fwlog_phys;
	uint32_t fwlog_size;
	uint32_t reserved3;

	struct handoff_mem mem[HANDOFF_MAX_MEM]; /* sorted by base, non-overlapping */
	struct handoff_module modules[HANDOFF_MAX_MODULES];
	struct handoff_measurement meas[HANDOFF_MAX_MEASUREMENTS];
};

#endif
