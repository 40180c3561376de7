/* SPDX-License-Identifier: MIT */
/*
 * DMA remapping: the platform's IOMMUs, owned by the VMM (docs/dma.md).
 * Intel VT-d units come from the ACPI DMAR table, AMD-Vi units from IVRS.
 * iommu_init() runs first thing at boot and leaves every unit blocking
 * all DMA from every requester; nothing else in the VMM grants a device
 * access to memory.
 */
#ifndef DRIVERS_IOMMU_H
#define DRIVERS_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#define IOMMU_MAX_UNITS 8
#define IOMMU_MAX_IOAPICS 8

enum iommu_kind { IOMMU_VTD = 1, IOMMU_AMDVI = 2 };

/* One remapping unit: what the firmware's table says, then the driver's
 * state once iommu_init() has programmed it. */
struct iommu_unit {
	enum iommu_kind kind;
	uint64_t regs_pa;  /* its register block */
	uint16_t segment;  /* PCI segment it serves */
	uint16_t devid;	   /* AMD-Vi: its own requester ID */
	bool pci_all;	   /* VT-d: every device no other unit of the segment lists */
	/* Driver state. */
	volatile uint8_t *regs;
	uint64_t root_pa;   /* VT-d root table; AMD-Vi device table */
	uint64_t queue_pa;  /* VT-d invalidation queue; AMD-Vi command buffer */
	uint64_t log_pa;    /* AMD-Vi event log */
	uint64_t status_pa; /* where the hardware writes "done" for a wait */
	uint32_t queue_tail;
	uint32_t fault_regs; /* VT-d: fault recording registers' offset */
	uint32_t fault_count; /* VT-d: how many */
	uint64_t irt_pa;      /* VT-d: the interrupt remapping table */
	uint32_t irt_used;    /* VT-d: its entries handed out */
	bool intremap;        /* interrupt remapping on */
};

/* An I/O APIC the firmware ties to a unit: its interrupt messages carry
 * this requester ID, which remapping checks (VT-d) or which selects its
 * remapping table (AMD-Vi). */
struct iommu_ioapic {
	uint8_t id;   /* its I/O APIC ID (the MADT's) */
	uint16_t rid; /* bus << 8 | device << 3 | function */
	uint8_t unit; /* index in the set */
	uint64_t table_pa; /* AMD-Vi: its interrupt remapping table */
};

/* A range of memory the firmware says devices keep using (VT-d RMRR, AMD-Vi
 * IVMD: a USB controller's legacy emulation, a GPU's stolen memory): the
 * requester IDs it names, first..last. */
#define IOMMU_MAX_RESERVED 16
struct iommu_reserved {
	uint16_t segment, first, last;
	uint64_t base, limit;
};

struct iommu_set {
	unsigned count;
	struct iommu_unit unit[IOMMU_MAX_UNITS];
	unsigned ioapic_count;
	struct iommu_ioapic ioapic[IOMMU_MAX_IOAPICS];
	bool intremap_fw; /* DMAR: the firmware says interrupt remapping is supported */
	unsigned reserved_count;
	struct iommu_reserved reserved[IOMMU_MAX_RESERVED];
	/* An IVMD for every device, or more ranges than the VMM keeps: no
	 * device is assigned. */
	bool reserved_all;
};

/* A blocked request, as a unit reported it. */
struct iommu_fault {
	uint16_t segment, rid; /* requester: bus << 8 | device << 3 | function */
	uint64_t addr;	       /* the page it asked for */
	bool write;
	const char *reason;
};

/*
 * Parse the firmware's tables into *set (appending): DMAR for VT-d, IVRS
 * for AMD-Vi, each of len bytes, checksummed already. Each unit is taken
 * once (IVRS describes one IOMMU in several blocks). -EINVAL with *why for
 * a table that cannot be trusted to describe the hardware: a structure
 * past its table's end, shorter than its type's layout, or more units
 * than IOMMU_MAX_UNITS.
 */
int iommu_dmar_parse(const uint8_t *t, uint32_t len, struct iommu_set *set, const char **why)
	__attribute__((warn_unused_result));
int iommu_ivrs_parse(const uint8_t *t, uint32_t len, struct iommu_set *set, const char **why)
	__attribute__((warn_unused_result));

/*
 * Find every IOMMU the ACPI tables describe and make each block all DMA:
 * returns the number of units, 0 when there are none (DMA is then not
 * confined, and it says so). A unit that cannot be made to block is fatal:
 * the VMM does not run with DMA it believes blocked but is not.
 */
unsigned iommu_init(uint64_t rsdp_pa);

/* Log (rate-limited) and count the faults every unit has recorded since
 * the last call. The VMM's CPU calls it on each timer tick. */
void iommu_poll(void);

/*
 * Turn interrupt remapping on wherever the firmware ties the I/O APICs to
 * their units (x2apic: the local APICs are in x2APIC mode, so destinations
 * are 32-bit IDs). From then on a device's interrupt message reaches a CPU
 * only through an entry the VMM wrote. Returns how many units remap; a
 * unit that refuses is fatal.
 */
unsigned iommu_intremap_start(bool x2apic);

/*
 * The redirection entry for I/O APIC ioapic_id to send vector to apic_id
 * (fixed, physical; lo_flags: the entry's trigger and polarity bits),
 * through an interrupt remapping entry written for it: 0 with *rte, or
 * -ENODEV when that I/O APIC's interrupts are not remapped (the caller
 * writes the classic format), or another negative errno (no entry left).
 */
int iommu_ioapic_rte(uint8_t ioapic_id, uint8_t vector, uint32_t apic_id, uint32_t lo_flags, uint64_t *rte)
	__attribute__((warn_unused_result));

/* The units iommu_init() set up. */
unsigned iommu_unit_count(void);

/* Faults reported since boot. */
uint64_t iommu_fault_total(void);

struct pt;
struct pt_format;

/*
 * A device's DMA window (vmm/vpci.c builds it): the entry format of the
 * tables the unit serving segment walks, and the leaf sizes it takes (in
 * *large_sizes). NULL with *why when no unit can confine a device there
 * (no IOMMU, or several units whose device scopes the VMM does not read).
 */
const struct pt_format *iommu_window_format(uint16_t segment, uint64_t *large_sizes, const char **why);

/*
 * Open requester rid's window: from now on its DMA reaches what win maps
 * (addresses below top), tagged with domain (1..255: one per guest), and
 * nothing else. The window's tables must stay as they are while it is
 * open. -EEXIST when rid has a window already; other errors with *why.
 */
int iommu_window_open(uint16_t segment, uint16_t rid, uint16_t domain, const struct pt *win, uint64_t top,
		      const char **why) __attribute__((warn_unused_result));

/* Whether rid is a function of the IOMMU itself or of an I/O APIC the
 * IOMMU tables name: never a guest's. */
bool iommu_owns_rid(uint16_t segment, uint16_t rid);

/*
 * An interrupt remapping entry for requester rid's MSI: fixed delivery of
 * vector to apic_id, accepted from rid only; *addr and *data are what the
 * device's MSI capability must send to use it. -ENODEV when its unit does
 * not remap interrupts (the device then gets no MSI), other negative
 * errnos when no entry is left. Boot only, on the VMM's CPU.
 */
int iommu_msi_route(uint16_t segment, uint16_t rid, uint8_t vector, uint32_t apic_id, uint64_t *addr,
		    uint32_t *data) __attribute__((warn_unused_result));

/* Whether the firmware reserves a DMA range for requester rid (RMRR,
 * IVMD): such a device is not assigned (its window would have to hold
 * the range, which is not the guest's memory). */
bool iommu_rid_reserved(uint16_t segment, uint16_t rid);

/* Whether [b, e) overlaps an IOMMU's registers. */
bool iommu_regs_overlap(uint64_t b, uint64_t e);

/* The VMM's count of blocked requests per device (vmm/vpci.c), told of
 * each fault as iommu_poll() reads it. */
void vpci_dma_fault(uint16_t segment, uint16_t rid);

/* The vendor drivers (drivers/vtd.c, drivers/amdvi.c). */
struct iommu_ops {
	const char *name;
	int (*block_all)(struct iommu_unit *u, const char **why);
	bool (*fault_next)(struct iommu_unit *u, struct iommu_fault *f);
	int (*intremap_on)(struct iommu_unit *u, struct iommu_set *set, bool x2apic, const char **why);
	int (*ioapic_entry)(struct iommu_unit *u, struct iommu_ioapic *io, uint8_t vector, uint32_t apic_id,
			    uint32_t lo_flags, uint64_t *rte);
	int (*msi_entry)(struct iommu_unit *u, uint16_t rid, uint8_t vector, uint32_t apic_id, uint64_t *addr,
			 uint32_t *data);
	const struct pt_format *(*window_format)(struct iommu_unit *u, uint64_t *large_sizes);
	int (*window_open)(struct iommu_unit *u, uint16_t rid, uint16_t domain, const struct pt *win, uint64_t top,
			   const char **why);
};
extern const struct iommu_ops iommu_vtd_ops, iommu_amdvi_ops;

#endif
