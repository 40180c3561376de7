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
#include "arch/x86/pt.h"
#include "drivers/pci.h"
#include "kernel/config.h"

enum vpci_bar_kind { VPCI_BAR_NONE, VPCI_BAR_MEM32, VPCI_BAR_MEM64, VPCI_BAR_MEM64_HI, VPCI_BAR_IO };

struct vpci_bar {
	enum vpci_bar_kind kind;
	uint64_t base, size; /* MEM64_HI: its lower half's */
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
	uint64_t msi_addr;
	uint32_t msi_data;
	uint64_t msi_phys_addr;
	uint32_t msi_phys_data;
	uint64_t msi_delivered, msi_dropped;
};

struct vpci {
	unsigned count;
	struct vpci_dev dev[CONFIG_MAX_PCI];
	uint32_t addr;	 /* the guest's configuration address register (0xcf8) */
	struct pt window; /* the devices' DMA window: the guest's RAM, as the IOMMU walks it */
};

struct vm;

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
 * function's MSI gets its remapping entry. */
void vpci_interrupts_init(void);

/* An assigned device's interrupt at IDT_VECTOR_DEVICE_FIRST + slot, on a
 * guest's CPU: acknowledged, then delivered as the guest programmed it. */
void vpci_irq(unsigned slot);

/* Devices with a DMA window, over every guest. */
unsigned vpci_windows_open(void);

#endif
