/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "vmm/vm.h"
#include "vmm/spec.h"
#include "vmm/loader.h"
#include "arch/x86/vendor.h"
#include "kernel/console.h"
#include "kernel/handoff.h"
#include "kernel/mm.h"
#include "vmm/bundle.h"
#include "kernel/percpu.h"
#include "kernel/rendezvous.h"
#include "kernel/time.h"
#include "arch/x86/cpu.h"

/* Guest-state MSRs: switched on every world switch (VMCB save area and
 * VMLOAD/VMSAVE), so a guest reading or writing them touches only itself. */
static const uint32_t guest_state_msrs[] = {
	0x174, 0x175, 0x176,				   /* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,	   /* STAR, LSTAR, CSTAR, SFMASK */
	0xc0000100, 0xc0000101, 0xc0000102,		   /* FS, GS, KERNEL_GS base */
};

struct vm vms[CONFIG_MAX_GUESTS];
unsigned vm_count;
struct vplat_clock vplat_clock;

static uint64_t vm_alloc_table(void *ctx)
{
	(void)ctx;
	return page_alloc(1, 0);
}

static int vm_create_memory(struct vm *vm)
{
	int err;

	vm->npt = (struct pt){ .fmt = vcpu_vendor_npt_format(),
			       .large_sizes = spec_nested_large_pages() ? PT_PAGE_2M : 0,
			       .phys_to_virt = phys_to_virt, .alloc_table = vm_alloc_table };
	err = pt_init(&vm->npt);
	for (unsigned i = 0; !err && i < vm->cfg->region_count; i++) {
		struct vm_region *r = &vm->regions[i];

		r->gpa = vm->cfg->regions[i].gpa;
		r->size = vm->cfg->regions[i].size;
		r->hpa = page_alloc_high(r->size / PT_PAGE_4K, PT_PAGE_2M);
		if (!r->hpa)
			return -ENOMEM;
		printk("vigil: guest %s: %lu KiB at guest 0x%lx, host 0x%lx\n", vm->name, r->size >> 10, r->gpa,
		       r->hpa);
		vm->region_count++;
		err = pt_map(&vm->npt, r->gpa, r->hpa, r->size, PT_R | PT_W | PT_X);
	}
	return err;
}

/* Clear the intercept bits of what vm->io and vm->msrs grant. */
static void vm_apply_allow_lists(struct vm *vm)
{
	for (unsigned i = 0; i < vm->io_count; i++)
		for (uint32_t p = 0; p < vm->io[i].count; p++)
			vm_vendor_allow_io(vm, (uint16_t)(vm->io[i].port + p));
	for (unsigned i = 0; i < vm->msr_count; i++)
		vm_vendor_allow_msr(vm, vm->msrs[i]);
	for (unsigned i = 0; i < sizeof(guest_state_msrs) / sizeof(guest_state_msrs[0]); i++)
		vm_vendor_allow_msr(vm, guest_state_msrs[i]);
}

/*
 * The bitmaps change while every other CPU waits at a safe point, outside
 * its guest: Intel requires that no CPU runs a guest with bitmaps being
 * changed, and a guest never sees a half-written policy.
 */
int vm_set_allow_lists(struct vm *vm, const struct config_io *io, unsigned io_count, const uint32_t *msrs,
		       unsigned msr_count)
{
	if (!vm_vendor_can_reset_bitmaps())
		return -EOPNOTSUPP;
	if (vm->stop_cause == VM_STOP_REFUSED)
		return -EPERM; /* never created: no bitmaps to change */
	if (io_count > CONFIG_MAX_IO || msr_count > CONFIG_MAX_MSRS)
		return -EINVAL;
	if (rendezvous_begin() < 0)
		return -ETIMEDOUT;
	spin_lock(&vm->lock);
	memcpy(vm->io, io, io_count * sizeof(*io));
	vm->io_count = io_count;
	memcpy(vm->msrs, msrs, msr_count * sizeof(*msrs));
	vm->msr_count = msr_count;
	vm_vendor_reset_bitmaps(vm);
	vm_apply_allow_lists(vm);
	spin_unlock(&vm->lock);
	rendezvous_end();
	return 0;
}

/* The policy in force: the config's entry with the current allow-lists. */
void vm_policy_digest(const struct vm *vm, uint8_t out[32])
{
	static struct config_guest g; /* the VMM's CPU only: keep it off the stack */

	g = *vm->cfg;
	g.io_count = vm->io_count;
	memcpy(g.io, vm->io, sizeof(g.io));
	g.msr_count = vm->msr_count;
	memcpy(g.msrs, vm->msrs, sizeof(g.msrs));
	bundle_policy_digest(&g, out);
}

const struct handoff_module *vm_file(const struct vm *vm, const char *path)
{
	for (unsigned i = 0; i < vm->files.count; i++)
		if (!strcmp(vm->files.mod[i].name, path))
			return &vm->files.mod[i];
	for (uint32_t i = 1; i < boot_handoff.module_count; i++)
		if (!strcmp(boot_handoff.modules[i].name, path))
			return &boot_handoff.modules[i];
	return NULL;
}

static const struct handoff_module *vm_find_file(const struct vm *vm, const char *what, const char *path)
{
	const struct handoff_module *m = vm_file(vm, path);

	if (m)
		return m;
	printk("vigil: guest %s: %s %s was not loaded\n", vm->name, what, path);
	return NULL;
}

/* The optional files (initrd, ACPI tables) and the command line. */
static int vm_find_extras(const struct vm *vm, struct loader_extras *x)
{
	const struct config_guest *cfg = vm->cfg;
	const struct handoff_module *m;

	x->cmdline = cfg->cmdline;
	if (cfg->initrd[0]) {
		if (!(m = vm_find_file(vm, "initrd", cfg->initrd)))
			return -ENOENT;
		x->initrd = phys_to_virt(m->base);
		x->initrd_size = m->size;
	}
	if (cfg->acpi[0]) {
		if (!(m = vm_find_file(vm, "acpi", cfg->acpi)))
			return -ENOENT;
		x->acpi = phys_to_virt(m->base);
		x->acpi_size = m->size;
	}
	return 0;
}

static int vm_load(struct vm *vm, uint32_t *entry, uint64_t *start_info)
{
	const struct handoff_module *m = vm_find_file(vm, "image", vm->cfg->image);
	struct loader_extras x = { 0 };
	int err;

	if (!m || vm_find_extras(vm, &x))
		return -ENOENT;
	err = loader_load_elf(vm, phys_to_virt(m->base), m->size, entry, &x.image_lo, &x.image_hi);
	if (err) {
		printk("vigil: guest %s: image %s refused (%d)\n", vm->name, vm->cfg->image, err);
		return err;
	}
	err = loader_write_start_info(vm, &x, start_info);
	if (err)
		printk("vigil: guest %s: initrd, ACPI tables or command line do not fit its memory (%d)\n",
		       vm->name, err);
	return err;
}

/* Load the image and put the boot vCPU in its start state (boot and
 * restart); the others wait for the guest's SIPI (vcpu_wait_sipi). */
static int vm_boot_state(struct vm *vm)
{
	uint32_t entry;
	uint64_t start_info;
	int err = vm_load(vm, &entry, &start_info);

	if (err)
		return err;
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = &vm->vcpus[i];

		memset(&v->regs, 0, sizeof(v->regs));
		gmem_memo_clear(&v->fetch);
		__atomic_store_n(&v->events, 0, __ATOMIC_RELEASE);
		memset(v->posted, 0, sizeof(v->posted));
		v->posted_words = 0;
	}
	err = virq_vm_reset(vm);
	if (err)
		return err;
	vm->boots++;
	vm->vcpus[0].boot_seen = vm->boots;
	vcpu_started(&vm->vcpus[0]);
	return vcpu_vendor_init(&vm->vcpus[0], entry, (uint32_t)start_info);
}

/* Left out, with its reason: the other guests start. */
static int vm_refuse(struct vm *vm)
{
	printk("vigil: guest %s refused: %s\n", vm->name, vm->stop_reason);
	vm->state = VM_STOPPED;
	vm->stop_cause = VM_STOP_REFUSED;
	return 0;
}

static int vm_create(struct vm *vm, const struct config_guest *cfg, unsigned cpu_count)
{
	int err;

	vm->cfg = vm->conf = cfg;
	vm->name = cfg->name;
	err = vm_package_admit(cfg, &vm->own_cfg, &vm->pkg, vm->stop_reason, sizeof(vm->stop_reason));
	if (err)
		return vm_refuse(vm);
	vm->cfg = cfg = &vm->own_cfg;
	if (!cfg->cpu_count || cfg->cpu_count > CONFIG_MAX_GUEST_CPUS)
		return -EINVAL; /* the config parser allows 1..CONFIG_MAX_GUEST_CPUS */
	for (unsigned i = 0; i < cfg->cpu_count; i++)
		if (cfg->cpus[i] >= cpu_count) {
			printk("vigil: guest %s: cpu %u does not exist (%u CPUs)\n", vm->name, cfg->cpus[i],
			       cpu_count);
			return -EINVAL;
		}
	err = vm_create_memory(vm);
	if (err)
		return err;
	/* A guest never runs without the devices it was given. */
	if (vpci_assign(vm, vm->stop_reason, sizeof(vm->stop_reason))) {
		vpci_quiesce(vm);
		return vm_refuse(vm);
	}
	err = vm_vendor_init(vm);
	if (err)
		return err;
	vm->io_count = cfg->io_count;
	memcpy(vm->io, cfg->io, sizeof(vm->io));
	vm->msr_count = cfg->msr_count;
	memcpy(vm->msrs, cfg->msrs, sizeof(vm->msrs));
	vm_apply_allow_lists(vm);
	vm->vcpu_count = cfg->cpu_count;
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->cpu = cfg->cpus[i];
		v->index = (uint8_t)i;
		/* The state area now, on this CPU; an AP's contents follow its SIPI. */
		if (i && (err = vcpu_vendor_init(v, 0, 0)))
			return err;
	}
	return vm_boot_state(vm);
}

int vms_create(const struct config *cfg, unsigned cpu_count)
{
	for (unsigned i = 0; i < cfg->guest_count; i++) {
		int err;

		vms[i].index = i; /* before: it names the guest's DMA domain */
		err = vm_create(&vms[i], &cfg->guests[i], cpu_count);
		if (err)
			return err;
		vm_count++;
	}
	return 0;
}

struct vcpu *vm_vcpu_for_cpu(unsigned cpu)
{
	for (unsigned i = 0; i < vm_count; i++)
		for (unsigned j = 0; j < vms[i].vcpu_count; j++)
			if (vms[i].vcpus[j].cpu == cpu)
				return &vms[i].vcpus[j];
	return NULL;
}

/*
 * On the guest's own CPU, the only one that queues into its console ring: a
 * VMM line about the guest, queued behind the guest's own lines so that the
 * VMM's CPU prints it after them. The ring keeps room for it; should it not
 * fit all the same, it is printed now, out of order rather than lost.
 */
void vm_log_queued(struct vm *vm, const char *fmt, ...)
{
	char line[CONRING_LINE_MAX];
	va_list ap;
	int n;

	int full;

	va_start(ap, fmt);
	n = vsnprintk(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	spin_lock(&vm->dev_lock);
	full = vuart_log(&vm->uart, line, (size_t)n);
	spin_unlock(&vm->dev_lock);
	if (full)
		console_write(line, (size_t)n);
}

/* Whether it stopped the guest (it was running). The caller says so. */
static bool vm_stop_locked(struct vm *vm, enum vm_stop_cause cause, const char *why)
{
	if (vm->state != VM_RUNNING)
		return false;
	vm->state = VM_STOPPED;
	vm->stop_cause = cause;
	snprintk(vm->stop_reason, sizeof(vm->stop_reason), "%s", why);
	return true;
}

/* On the guest's CPU: its partial line, then the stop, go into its ring. */
void vm_stop(struct vm *vm, const char *fmt, ...)
{
	char why[96];
	va_list ap;
	bool stopped;

	va_start(ap, fmt);
	vsnprintk(why, sizeof(why), fmt, ap);
	va_end(ap);
	spin_lock(&vm->lock);
	stopped = vm_stop_locked(vm, VM_STOP_GUEST, why);
	spin_unlock(&vm->lock);
	if (stopped) { /* vuart_log ends the guest's partial line first */
		vm_kick_siblings(vm);
		vm_log_queued(vm, "vigil: guest %s stopped: %s\n", vm->name, why);
	}
}

void vm_reset_by_guest(struct vm *vm, const char *why)
{
	bool stopped;

	spin_lock(&vm->lock);
	stopped = vm_stop_locked(vm, VM_STOP_GUEST, why);
	if (stopped)
		vm->restart_pending = 1;
	spin_unlock(&vm->lock);
	if (stopped) {
		vm_kick_siblings(vm);
		spin_lock(&vm->dev_lock);
		vuart_flush(&vm->uart);
		spin_unlock(&vm->dev_lock);
		vm_log_queued(vm, "vigil: guest %s resets itself: %s\n", vm->name, why);
	}
}

/* On the VMM's CPU, which prints directly: the guest's queued lines first. */
static void vm_stop_by_operator(struct vm *vm, const char *why)
{
	vm_console_flush(vm);
	printk("vigil: guest %s stopped: %s\n", vm->name, why);
}

struct vm *vm_find(const char *name)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (!strcmp(vms[i].name, name))
			return &vms[i];
	return NULL;
}

static void vm_kick(struct vm *vm)
{
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		cpu_kick(vm->vcpus[i].cpu);
}

void vm_kick_siblings(struct vm *vm)
{
	unsigned self = this_cpu()->index;

	for (unsigned i = 0; i < vm->vcpu_count; i++)
		if (vm->vcpus[i].cpu != self)
			cpu_kick(vm->vcpus[i].cpu);
}

/* Before a restart touches the guest's memory: every other vCPU out of its
 * guest (parked, or waiting for SIPI). They were kicked when the guest
 * stopped; a rendezvous meanwhile is served. -ETIMEDOUT if one never comes. */
#define VM_SIBLINGS_TIMEOUT_MS 2000

static int vm_wait_siblings(struct vm *vm, const struct vcpu *self)
{
	uint64_t end = cpu_rdtsc() + VM_SIBLINGS_TIMEOUT_MS * time_tsc_per_ms();

	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		const struct vcpu *s = &vm->vcpus[i];

		while (s != self && __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == VCPU_RUNNING) {
			if (cpu_rdtsc() > end)
				return -ETIMEDOUT;
			rendezvous_point();
			cpu_pause();
		}
	}
	return 0;
}

void vm_notify_input(struct vm *vm)
{
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		__atomic_store_n(&vm->vcpus[i].irq_dirty, true, __ATOMIC_RELEASE); /* the UART's line may move */
	vm_kick(vm);
}

int vm_control_stop(struct vm *vm)
{
	int err = 0;

	spin_lock(&vm->lock);
	if (!vm_stop_locked(vm, VM_STOP_OPERATOR, "operator request"))
		err = -EALREADY;
	spin_unlock(&vm->lock);
	if (!err) {
		vm_kick(vm);
		vm_stop_by_operator(vm, "operator request");
	}
	return err;
}

bool vm_stop_for_device(struct vm *vm, const char *why)
{
	bool stopped;

	spin_lock(&vm->lock);
	stopped = vm_stop_locked(vm, VM_STOP_GUEST, why);
	spin_unlock(&vm->lock);
	if (stopped) {
		vm_kick(vm);
		vm_stop_by_operator(vm, why);
	}
	return stopped;
}

int vm_control_start(struct vm *vm)
{
	int err = 0;

	spin_lock(&vm->lock);
	if (vm->state == VM_RUNNING || vm->restart_pending)
		err = -EALREADY;
	else if (vm->stop_cause != VM_STOP_OPERATOR)
		err = -EPERM; /* stopped by its own doing: only a restart */
	else
		vm->state = VM_RUNNING;
	spin_unlock(&vm->lock);
	if (!err) {
		vm_console_flush(vm);
		printk("vigil: guest %s resumed\n", vm->name);
		vm_kick(vm);
	}
	return err;
}

int vm_control_restart(struct vm *vm)
{
	bool stopped = false;
	int err = 0;

	spin_lock(&vm->lock);
	if (vm->stop_cause == VM_STOP_REFUSED)
		err = -EPERM; /* never created: its package was refused at boot */
	else if (vm->restart_pending)
		err = -EALREADY;
	else {
		stopped = vm_stop_locked(vm, VM_STOP_OPERATOR, "restart requested");
		vm->restart_pending = 1;
	}
	spin_unlock(&vm->lock);
	if (err)
		return err;
	vm_kick(vm);
	if (stopped)
		vm_stop_by_operator(vm, "restart requested");
	return 0;
}

int vm_control_update(struct vm *vm, const struct config_guest *cfg, const struct vm_files *files,
		      const struct vm_package_info *info, struct vm_files *old)
{
	bool stopped;

	if (!vm_vendor_can_reset_bitmaps())
		return -EOPNOTSUPP;
	spin_lock(&vm->lock);
	if (vm->stop_cause == VM_STOP_REFUSED) {
		spin_unlock(&vm->lock);
		return -EPERM;
	}
	if (vm->restart_pending) { /* its CPU may be loading the files now */
		spin_unlock(&vm->lock);
		return -EBUSY;
	}
	*old = vm->files;
	vm->files = *files;
	vm->own_cfg = *cfg;
	vm->pkg = *info;
	vm->lists_pending = true;
	stopped = vm_stop_locked(vm, VM_STOP_OPERATOR, "package update");
	vm->restart_pending = 1;
	spin_unlock(&vm->lock);
	vm_kick(vm);
	if (stopped)
		vm_stop_by_operator(vm, "package update");
	return 0;
}

/* After an update, on the guest's CPU with its vCPUs stopped: the new
 * package's ports and MSRs, and no others, as at boot. */
static void vm_lists_from_package(struct vm *vm)
{
	spin_lock(&vm->lock);
	if (vm->lists_pending) {
		vm->io_count = vm->cfg->io_count;
		memcpy(vm->io, vm->cfg->io, sizeof(vm->io));
		vm->msr_count = vm->cfg->msr_count;
		memcpy(vm->msrs, vm->cfg->msrs, sizeof(vm->msrs));
		vm_vendor_reset_bitmaps(vm);
		vm_apply_allow_lists(vm);
		vm->lists_pending = false;
	}
	spin_unlock(&vm->lock);
}

/* The guest's own CPU does the work: its state area is only ever touched
 * there (VMX requires it), and it is the CPU that sits idle meanwhile. */
void vm_restart_here(struct vcpu *v)
{
	struct vm *vm = v->vm;
	int err = vm_wait_siblings(vm, v);

	if (err) {
		spin_lock(&vm->lock);
		vm->restart_pending = 0;
		vm->stop_cause = VM_STOP_GUEST;
		snprintk(vm->stop_reason, sizeof(vm->stop_reason), "restart failed: a vCPU did not stop");
		spin_unlock(&vm->lock);
		vm_log_queued(vm, "vigil: guest %s restart failed: a vCPU did not stop\n", vm->name);
		return;
	}
	vpci_quiesce(vm); /* no DMA of the old run lands in the new one */
	for (unsigned i = 0; i < vm->region_count; i++)
		memset(phys_to_virt(vm->regions[i].hpa), 0, vm->regions[i].size);
	vuart_flush(&vm->uart); /* a line cut short by an operator stop */
	vuart_reset(&vm->uart);
	vplat_reset(&vm->plat);
	vm_lists_from_package(vm);
	err = vm_boot_state(vm);
	if (!err)
		vcpu_reset_cpu_state(v);
	spin_lock(&vm->lock);
	vm->restart_pending = 0;
	if (err) {
		vm->stop_cause = VM_STOP_GUEST;
		snprintk(vm->stop_reason, sizeof(vm->stop_reason), "restart failed (%d)", err);
		vm_log_queued(vm, "vigil: guest %s restart failed (%d)\n", vm->name, err);
	} else {
		vm->state = VM_RUNNING;
		vm->stop_cause = VM_STOP_NONE;
		vm->stop_reason[0] = '\0';
		vm->start_tsc = cpu_rdtsc();
		vm_log_queued(vm, "vigil: guest %s restarted on cpu %u (boot %lu)\n", vm->name, v->cpu,
			      vm->boots);
	}
	spin_unlock(&vm->lock);
}
