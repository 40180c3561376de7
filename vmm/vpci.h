/* SPDX-License-Identifier: MIT */
/*
 * PCI functions assigned to a guest (docs/dma.md, "Device assignment"):
 * each found and quiesced at boot, its memory BARs mapped at their own
 * addresses into the guest's nested page tables, its DMA confined by the
 * IOMMU to a window onto the guest's RAM. The guest sees a configuration
 * space (ports 0xcf8/0xcfc) with these functions only; the VMM mediates
 * its command register and BARs and drops every other write.
 */
#ifndef VMM_VPCI_H
#define VMM_VPCI_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/gdt.h"
#include "arch/x86/pt.h"
#include "drivers/pci.h"
#include "kernel/config.h"

enum vpci_bar_kind { VPCI_BAR_NONE, VPCI_BAR_MEM32, VPCI_BAR_MEM64, VPCI_BAR_MEM64_HI, VPCI_BAR_IO };

struct vpci_bar {
	enum vpci_bar_kind kind;
	uint64_t base, size; /* MEM64_HI: its lower half's */
};

/* An interrupt message: what the guest programs, or what the device is
 * given (an interrupt remapping entry's). */
struct vpci_msg {
	uint64_t addr;
	uint32_t data;
};

#define VPCI_MSIX_MAX 16 /* MSI-X table entries a guest sees, at most */

/* A page range of a BAR that the guest's nested tables leave out (MSI-X
 * table, PBA): its accesses are emulated, through the VMM's mapping va. */
struct vpci_trap {
	uint64_t gpa, size;
	volatile uint8_t *va;
};

/* MSI-X (capability 0x11) as the guest programs it. The device's own
 * table holds only its remapping entries' messages, each masked unless
 * the guest's enable, function mask and entry mask all let it through. */
struct vpci_msix {
	uint8_t off;		   /* the capability (0: none) */
	uint16_t count, dev_count; /* entries the guest sees; the device has */
	uint64_t table, pba;	   /* their guest-physical (= host) addresses */
	bool enabled, fmask;
	uint16_t masked, pending, ready; /* bit n: entry n masked, held while masked, has its remapping entry */
	struct vpci_msg guest[VPCI_MSIX_MAX], phys[VPCI_MSIX_MAX];
	struct vpci_trap trap[2];
};

struct vpci_dev {
	struct pci_addr addr;
	uint16_t rid; /* bus << 8 | device << 3 | function */
	uint16_t vendor, device;
	struct vpci_bar bar[6];
	uint8_t sizing; /* bit n: the guest wrote all ones to BAR n, and reads its size */
	uint64_t dma_faults;
	/* Its MSI capability (0: none), as the guest programs it, and what
	 * the device itself sends: an interrupt remapping entry's message,
	 * to a vector of the VMM's on the CPU of the guest's first vCPU. */
	uint8_t msi_off;
	bool msi_64, msi_ready, msi_enabled;
	struct vpci_msg msi, msi_phys;
	struct vpci_msix msix;
	uint64_t msi_delivered, msi_dropped; /* MSI and MSI-X */
};

#define VPCI_ENTRY_MSI 0xff

struct vpci {
	unsigned count;
	struct vpci_dev dev[CONFIG_MAX_PCI];
	uint32_t addr;	 /* the guest's configuration address register (0xcf8) */
	struct pt window; /* the devices' DMA window: the guest's RAM, as the IOMMU walks it */
	/* The guest's pool of the VMM's device vectors (on its first vCPU's
	 * CPU): IDT_VECTOR_DEVICE_FIRST + n is function vec[n].dev's MSI
	 * (entry VPCI_ENTRY_MSI) or MSI-X entry vec[n].entry. */
	struct {
		uint8_t dev, entry;
	} vec[IDT_VECTOR_DEVICE_COUNT];
	unsigned vec_used;
};

struct vm;
struct vcpu;

/* At boot, on the VMM's CPU, before the guest first runs: take the
 * config's functions for vm. Returns 0, or a negative errno with the
 * reason in why; a guest refused this way never runs. */
int vpci_assign(struct vm *vm, char *why, size_t len) __attribute__((warn_unused_result));

/* Configuration-space ports, when port is 0xcf8 (size 4) or 0xcfc..0xcff:
 * whether it took the access. On the guest's CPU, under the VM's dev_lock. */
bool vpci_io_read(struct vm *vm, uint16_t port, unsigned size, uint32_t *val);
bool vpci_io_write(struct vm *vm, uint16_t port, unsigned size, uint32_t val);

/* Before the guest's memory is scrubbed (restart): bus mastering and MSI
 * off on each of its functions, so no DMA or interrupt of the old run
 * lands in the new one. */
void vpci_quiesce(struct vm *vm);

/* Once interrupt remapping is on (boot, the VMM's CPU): each assigned
 * function's MSI and each of its guest-visible MSI-X entries gets a vector
 * of its guest's pool and a remapping entry; the device's MSI-X table is
 * masked and filled. */
void vpci_interrupts_init(void);

/* An assigned device's interrupt at IDT_VECTOR_DEVICE_FIRST + slot, on a
 * guest's CPU: acknowledged, then delivered as the guest programmed it. */
void vpci_irq(unsigned slot);

/* A nested page fault at gpa on a page of an MSI-X table or PBA: 1 when
 * it was one (emulated, or the guest's #GP), 0 when not. On the vCPU's
 * CPU; takes the VM's dev_lock. */
int vpci_mmio(struct vcpu *v, uint64_t gpa);

/* Between vpci.c and vpci_irq.c: the capabilities' dwords as the guest
 * sees them (*hit false: off is in neither) and its writes into them;
 * the MSI-X capability read from the device (0, or -EINVAL for a table
 * or PBA outside its memory BARs); interrupts off for a restart. */
uint32_t vpci_cap_read(const struct vpci_dev *d, uint16_t off, bool *hit);
bool vpci_cap_write(struct vm *vm, struct vpci_dev *d, uint16_t off, unsigned first, unsigned size, uint32_t val);
int vpci_msix_probe(struct vpci_dev *d) __attribute__((warn_unused_result));
void vpci_irq_quiesce(struct vpci_dev *d);

/* Devices with a DMA window, over every guest. */
unsigned vpci_windows_open(void);

#endif
