/* SPDX-License-Identifier: MIT */
/*
 * The firmware, as the rest of the stub sees it. Everything that touches
 * UEFI sits behind these functions in boot/efi.c; no other file includes an
 * EFI header. All functions are boot-services-time only unless noted.
 */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <vigil/handoff.h>

#include "boot/pci_scan.h"

#define BOOT_FILE_MAX (256u << 20) /* largest file the stub reads: 256 MiB */

/* Write a NUL-terminated ASCII string to the firmware console. */
void boot_puts(const char *s);

/* Read vigil-relative ESP path `path` ("vigil/vmm.elf", '/' separated) of
 * the volume the stub was loaded from into fresh pages (EfiLoaderData).
 * Returns 0, -ENOENT (absent), -E2BIG (over BOOT_FILE_MAX), -EIO, -ENOMEM.
 * *buf holds *len bytes; zero padded to the page end. */
__attribute__((warn_unused_result)) int boot_file_read(const char *path, void **buf,
						       size_t *len);

/* Every plain file of the directory at vigil-relative path, by name
 * (printable ASCII, shorter than HANDOFF_NAME_LEN; others are skipped),
 * in the order the firmware gives. Returns 0, -ENOENT (no directory),
 * -EIO. */
__attribute__((warn_unused_result)) int boot_dir_list(const char *path,
						      void (*each)(const char *name, void *ctx), void *ctx);

/* Allocate whole pages of EfiLoaderData. align is a power of two >= 4 KiB;
 * below, when non-zero, is the exclusive upper bound of the allocation.
 * The pages are not zeroed. */
__attribute__((warn_unused_result)) int boot_pages_alloc(size_t bytes, uint64_t align,
							 uint64_t below, void **out);
void boot_pages_free(void *p, size_t bytes);

/*
 * The crash page (handoff crash_phys): claim the page whose address the
 * firmware variable VigilCrashPage holds, so the previous boot's crash
 * record is found where it was left; call it before any other allocation,
 * so nothing of this boot lands on it first. When the variable is missing,
 * or its page is not free, take a new page below 4 GiB and record its
 * address. *kept: 1 the same page as last boot, 0 a new one, -1 a new one
 * whose address could not be recorded. Returns 0 or -ENOMEM.
 */
__attribute__((warn_unused_result)) int boot_crash_page(uint64_t *pa, int *kept);

/* True when the firmware offers a TPM 2.0 through EFI_TCG2_PROTOCOL. */
int boot_tpm_present(void);

/* Extend PCR `pcr` with len bytes at data through HashLogExtendEvent: the
 * firmware hashes the buffer for every active bank and logs an EV_EVENT_TAG
 * event carrying tag and name. Returns 0, -ENODEV (no TPM), -EIO. */
__attribute__((warn_unused_result)) int boot_tpm_extend(uint32_t pcr, const void *data,
							size_t len, uint32_t tag,
							const char *name);

/*
 * The firmware's event log, crypto-agile format (GetEventLog): it starts
 * at *log, its last event starts *last bytes in (0: the header alone), and
 * *truncated says the firmware dropped events for want of room. Returns 0,
 * -ENODEV (no TPM), -ENOENT (no log), -EIO.
 */
__attribute__((warn_unused_result)) int boot_tpm_event_log(const uint8_t **log, size_t *last,
							   int *truncated);

/* EFI_TCG2_FINAL_EVENTS_TABLE: every event the firmware logged after the
 * first GetEventLog call, in the log's format. It stays where it is after
 * ExitBootServices (runtime memory). */
struct boot_final_events {
	uint64_t version;
	uint64_t count;
	uint8_t events[];
};

/* The final events table, or NULL when the firmware has none. */
const struct boot_final_events *boot_tpm_final_events(void);

/* True when the SecureBoot variable says the firmware enforces it. */
int boot_secure_boot(void);

/* Physical address of a checksummed ACPI 2.0+ RSDP, or 0. */
uint64_t boot_rsdp(void);

/*
 * Bus mastering off on every PCI function the firmware lists (every
 * EFI_PCI_IO_PROTOCOL handle, every segment), through the PCI bus driver;
 * *c counts them as boot/pci_scan.h does. The firmware's own drivers lose
 * their DMA with it, the disk the stub was read from included: call it
 * last before boot_exit. Returns 0, or -ENOMEM or -EIO when the firmware
 * cannot list the functions (then nothing was changed).
 */
__attribute__((warn_unused_result)) int boot_pci_bus_masters_off(struct pci_count *c);

/* Convert the current memory map into h->mem (a dry run of boot_exit: proves
 * the map fits) and report the end of the highest RAM range. */
__attribute__((warn_unused_result)) int boot_memmap_probe(struct handoff *h,
							  uint64_t *ram_top);

/* Final memory map into h->mem, then ExitBootServices. On success the
 * firmware is gone: no boot_* function but boot_enter may be called. */
__attribute__((warn_unused_result)) int boot_exit(struct handoff *h);

/* Interrupts off, CR3 = cr3, jump to entry with RDI = handoff (enter.S). */
__attribute__((noreturn)) void boot_enter(uint64_t cr3, uint64_t entry, uint64_t handoff);

/* CR4, for the paging-mode check before boot_enter (enter.S). */
uint64_t boot_cr4_read(void);

/* The stub's story (stub.c), called by the firmware entry point. Returns a
 * negative errno when it refused to boot; does not return on success. */
int stub_main(void);

#endif
