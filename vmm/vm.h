/* SPDX-License-Identifier: MIT */
/*
 * A VM: one guest of the config, its memory (host-physically contiguous
 * per declared region, allocated at boot), its nested page tables, and its
 * vCPUs, each pinned to the physical CPU the config names.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86/pt.h"
#include "arch/x86/vendor_types.h"
#include "kernel/config.h"
#include "kernel/rendezvous.h"
#include "kernel/spinlock.h"
#include "vigil/handoff.h"
#include "vmm/vcpu.h"
#include "vmm/vioapic.h"
#include "vmm/virq.h"
#include "vmm/vplatform.h"
#include "vmm/vpci.h"
#include "vmm/vuart.h"

struct vm_region {
	uint64_t gpa, size, hpa;
};

struct acpi_cpus;

enum vm_state { VM_RUNNING, VM_STOPPED };

/* Why a guest is stopped: it decides whether `start` may resume it. */
enum vm_stop_cause { VM_STOP_NONE, VM_STOP_GUEST, VM_STOP_OPERATOR, VM_STOP_REFUSED };

/* A guest's package, as verified at boot (vmm/vm_package.c) or updated. */
struct vm_package_info {
	char name[CONFIG_NAME_LEN];
	uint64_t version, security_version;
	uint8_t policy_digest[32]; /* the effective policy's (docs/formats.md) */
	uint32_t signers;	   /* bit k: the guest's publishers[k] signed it */
};

/* A guest's files after a channel update (vmm/vm_update.c): in
 * one allocation of pages; none (count 0) until the first update, and the
 * boot's, in the handoff, are found after these. */
#define VM_FILES 3
struct vm_files {
	unsigned count;
	struct handoff_module mod[VM_FILES];
	uint64_t base;
	size_t pages;
};

struct vm {
	const struct config_guest *cfg; /* own_cfg once admitted; the config's entry if refused */
	const struct config_guest *conf; /* the config's entry: its grants */
	const char *name;
	struct config_guest own_cfg;	/* its package's: the effective policy and files */
	struct vm_package_info pkg;
	struct vm_files files;
	bool lists_pending; /* an update's ports and MSRs, for its restart */
	unsigned index;
	volatile enum vm_state state; /* written by the VMM CPU, read by the guest's */
	enum vm_stop_cause stop_cause;
	char stop_reason[96];
	volatile int restart_pending; /* the guest's CPU reboots it from its image */
	uint64_t boots;		      /* 1 after boot, +1 per restart */
	uint64_t start_tsc;	      /* TSC when the guest last started */
	unsigned region_count;
	struct vm_region regions[CONFIG_MAX_REGIONS];
	struct pt npt;
	unsigned vcpu_count;
	struct vcpu vcpus[CONFIG_MAX_GUEST_CPUS];
	struct vuart uart;
	struct vplat plat; /* PIT channel 2, RTC, ACPI registers (vmm/vplatform.h) */
	struct vioapic ioapic;
	struct vpci pci; /* its assigned PCI functions (vmm/vpci.h) */
	bool uart_line;		/* the UART's interrupt line as the I/O APIC last saw it */
	uint64_t mmio_refused;	/* APIC-page and MSI-X table-page accesses refused (#GP) */
	/* The allow-lists in force: the config's at boot, tightened by policy bundles. */
	unsigned io_count;
	struct config_io io[CONFIG_MAX_IO];
	unsigned msr_count;
	uint32_t msrs[CONFIG_MAX_MSRS];
	struct vm_arch arch;
	struct spinlock lock;
	/* The devices its vCPUs share (console UART, platform ports, I/O APIC,
	 * the console ring's producer side): one vCPU in them at a time. */
	struct spinlock dev_lock;
};

extern struct vm vms[CONFIG_MAX_GUESTS];
extern unsigned vm_count;
/* The clocks behind every guest's PM timer, PIT channel 2 and RTC. */
extern struct vplat_clock vplat_clock;

/*
 * A guest's admission (vmm/vm_package.c): verify its package as
 * the stub handed it on (manifest, publisher signatures, every file, the
 * security floor) and grant its needs; *out becomes its own config entry.
 * Returns 0, or a negative errno with the reason in why.
 */
int vm_package_admit(const struct config_guest *g, struct config_guest *out, struct vm_package_info *info,
		     char *why, size_t len) __attribute__((warn_unused_result));

/* A file the guest boots from, by its path: an update's, else the boot's
 * (vmm/vm.c); NULL when neither has it. */
const struct handoff_module *vm_file(const struct vm *vm, const char *path);

/* Create every VM of the config: memory, NPT, image, vCPU state. */
int vms_create(const struct config *cfg, unsigned cpu_count) __attribute__((warn_unused_result));
/* The vCPU pinned to physical CPU cpu, or NULL. */
struct vcpu *vm_vcpu_for_cpu(unsigned cpu);
/* Host virtual address of [gpa, gpa+len) if it lies inside one region. */
void *vm_gpa_to_hva(const struct vm *vm, uint64_t gpa, uint64_t len);
/* Park a guest for a reason it caused; its other vCPUs stop at their next exit. */
void vm_stop(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct vm *vm_find(const char *name);
/* On the VMM's CPU: stop a guest for what its device did (its config's
 * dma-fault-stop); as after a fault of its own, only a restart resumes it.
 * Whether it stopped it (it was running). */
bool vm_stop_for_device(struct vm *vm, const char *why);
/* On the guest's CPU: the guest asked to be reset (its ACPI reset
 * register); it stops and boots again from its verified image. */
void vm_reset_by_guest(struct vm *vm, const char *why);

/*
 * Guest control (operator bundles), called on the VMM's CPU. stop pauses the
 * guest where it is; start resumes a guest the operator stopped (a guest
 * stopped by its own fault can only be restarted); restart scrubs the
 * guest's memory and boots it again from its verified image. Each returns 0
 * or a negative errno and changes nothing on error.
 */
int vm_control_stop(struct vm *vm) __attribute__((warn_unused_result));
int vm_control_start(struct vm *vm) __attribute__((warn_unused_result));
int vm_control_restart(struct vm *vm) __attribute__((warn_unused_result));
/*
 * A verified package update (vmm/vm_update.c): the guest's own entry, its
 * files and package become these, and it restarts from them (stopping
 * first if it runs); the allow-lists become the entry's at that restart.
 * *old: the files it had, for the caller to free. -EBUSY while a restart
 * is under way (its CPU may be reading the files), -EPERM for a guest
 * refused at boot; nothing changes then.
 */
int vm_control_update(struct vm *vm, const struct config_guest *cfg, const struct vm_files *files,
		      const struct vm_package_info *info, struct vm_files *old) __attribute__((warn_unused_result));
/* Replace the allow-lists in force (the caller checked that they tighten). */
int vm_set_allow_lists(struct vm *vm, const struct config_io *io, unsigned io_count, const uint32_t *msrs,
		       unsigned msr_count) __attribute__((warn_unused_result));
/* The policy digest of the guest as in force (docs/channel.md, "Policy digest"). */
void vm_policy_digest(const struct vm *vm, uint8_t out[32]);
/* On the guest's own CPU: carry out a pending restart. */
void vm_restart_here(struct vcpu *v);

/*
 * The guests' console lines (vmm/vm_console.c), on the VMM's CPU only:
 * drain prints from every guest's ring in turn, a bounded amount per call
 * (its main loop calls it after every wake-up); flush prints what one
 * guest has queued, before the VMM prints a line about that guest.
 */
void vm_console_drain(void);
void vm_console_flush(struct vm *vm);
/* Whether any guest has lines queued (the VMM's CPU then does not sleep). */
bool vm_console_pending(void);
/* Interrupts on: wait the few milliseconds until the focused guest's
 * unfinished line is due, if it is about to be. */
void vm_console_wait_focus(void);

/*
 * The operator's input (vmm/vm_input.c), on the VMM's CPU only. init takes
 * COM1's receive interrupt when a guest has console-input and gives that
 * guest the focus; poll (its main loop, interrupts off) passes what was
 * received to the guest with the focus, or moves the focus; focus is that
 * guest, NULL when none may take input.
 */
int vm_input_init(const struct acpi_cpus *madt, uint32_t this_apic_id) __attribute__((warn_unused_result));
void vm_input_poll(void);
struct vm *vm_input_focus(void);
/* Input was queued in the guest's UART: kick its vCPUs' CPUs, so that one
 * asleep (or in its guest) comes back to the VMM and sees it. */
void vm_notify_input(struct vm *vm);

/* The backend's loop calls this before every entry: a safe point, and the
 * place where a stopped guest's CPU waits (vcpu_park). Inline: it is on the
 * path of every exit. */
/*
 * Exits that cannot change the guest's interrupt state: no APIC, I/O APIC
 * or UART access, no timer or other interrupt behind them. After one of
 * these, when the last check left nothing pending and no timer expiry is
 * due yet, the check before entry is skipped (virq_before_entry costs some
 * hundred instructions). Anything from another CPU (console input) marks
 * the vCPU dirty before it kicks it.
 */
#define EXIT_IRQ_QUIET                                                                          \
	((1u << EXIT_CPUID) | (1u << EXIT_HYPERCALL) | (1u << EXIT_VIRT_INSN) | (1u << EXIT_XSETBV) | \
	 (1u << EXIT_ICEBP))
_Static_assert(EXIT_REASON_COUNT <= 32, "EXIT_IRQ_QUIET is a 32-bit mask");

/* On one of the guest's CPUs: a VMM line about the guest, queued behind the
 * guest's own console lines (vmm/vm.c). */
void vm_log_queued(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* INIT, SIPI or an NMI sent to the vCPU (vmm/vcpu.c), before an entry;
 * whether one should end its HLT. */
void vcpu_take_events(struct vcpu *v);
bool vcpu_events_wake(const struct vcpu *v);
/* An application processor's wait for its start-up IPI, then its start in
 * real mode at the SIPI's page (vmm/vcpu.c). */
void vcpu_wait_sipi(struct vcpu *v);
/* Kick every other vCPU of the guest out of its guest (a stop, a reset). */
void vm_kick_siblings(struct vm *vm);

static inline void vcpu_before_entry(struct vcpu *v)
{
	rendezvous_point();
	if (__builtin_expect(__atomic_load_n(&v->events, __ATOMIC_ACQUIRE) != 0, 0))
		vcpu_take_events(v);
	if (v->vm->state != VM_RUNNING)
		vcpu_park(v);
	if (v->lapic_on && (v->irq_dirty || !((1u << v->exit.reason) & EXIT_IRQ_QUIET) ||
			    cpu_rdtsc() >= v->irq_quiet_until))
		virq_before_entry(v);
}

#endif
