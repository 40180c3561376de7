/* SPDX-License-Identifier: MIT */
/*
 * The boot story of the VMM. kmain runs on the boot processor, which stays
 * the VMM's own CPU; every other CPU runs exactly one guest vCPU.
 */
#include <errno.h>
#include <string.h>
#include "kernel/init.h"
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/crash.h"
#include "kernel/handoff.h"
#include "kernel/heap.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/rendezvous.h"
#include "kernel/selfcheck.h"
#include "kernel/patch.h"
#include "kernel/time.h"
#include "vmm/audit.h"
#include "vmm/channel.h"
#include "vmm/exits.h"
#include "vmm/spec.h"
#include "arch/x86/apic.h"
#include "drivers/cmos_rtc.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/pt_audit.h"
#include "arch/x86/trap.h"
#include "arch/x86/smp.h"
#include "arch/x86/topology.h"
#include "arch/x86/vendor.h"
#include "drivers/acpi.h"
#include "drivers/ioapic.h"
#include "drivers/iommu.h"
#include "drivers/tpm_marks.h"
#include "vmm/persist.h"
#include "drivers/tpm_vmm.h"
#include "vmm/vm.h"
#include "vmm/vpci.h"
#include "vmm/watchdog.h"

struct cpu_area cpu0_area __attribute__((aligned(4096))); /* the boot CPU's, before any allocation */
struct cpu_area *cpu_areas[VIGIL_MAX_CPUS] __attribute__((section(".data.ro_after_init"))) = { &cpu0_area };
unsigned cpus_used __attribute__((section(".data.ro_after_init"))) = 1;
unsigned cpus_listed __attribute__((section(".data.ro_after_init"))) = 1;
_Static_assert(ACPI_MAX_CPUS == VIGIL_MAX_CPUS, "the MADT lists as many CPUs as the VMM takes");
struct handoff boot_handoff __attribute__((section(".data.ro_after_init")));
struct config system_config __attribute__((section(".data.ro_after_init")));
static struct acpi_cpus machine_cpus;
static volatile int cpus_released; /* set once the VMM is locked: APs may run guests */

static void handoff_take(uint64_t pa)
{
	const struct handoff *h = (const struct handoff *)(uintptr_t)pa; /* boot tables: identity */
	const char *why = "";

	if (h->magic != HANDOFF_MAGIC || h->size != sizeof(*h))
		panic("no valid handoff at 0x%lx", pa);
	memcpy(&boot_handoff, h, sizeof(boot_handoff));
	if (handoff_validate(&boot_handoff, &why))
		panic("handoff refused: %s", why);
}

static void memory_init(void)
{
	int err = mm_build_address_space(&boot_handoff);

	if (err)
		panic("cannot build the VMM's page tables (%d)", err);
	err = mm_init(&boot_handoff);
	if (err)
		panic("no usable memory in the handoff (%d)", err);
	printk("vigil: image at phys 0x%lx (%lu KiB reserved)\n", boot_handoff.vmm_phys_base,
	       boot_handoff.vmm_phys_size / 1024);
}

/* What the boot entry did about DMA before the VMM's IOMMU is up: the
 * firmware's own protection ended at ExitBootServices (docs/boot.md, "DMA
 * before the IOMMU"). */
static void dma_report(void)
{
	const struct handoff *h = &boot_handoff;

	if (!(h->flags & HANDOFF_F_BUS_MASTER_OFF)) {
		printk("vigil: DMA: the boot entry left PCI bus mastering as the firmware set it\n");
		return;
	}
	printk("vigil: DMA: the stub turned bus mastering off on %u of %u PCI functions, and on %u of %u "
	       "on segment 0 once the firmware was gone\n",
	       h->pci_bus_masters_cleared, h->pci_functions, h->pci_seg0_bus_masters_cleared, h->pci_seg0_functions);
	if (h->pci_seg0_bus_masters_kept)
		printk("vigil: DMA: %u PCI functions of segment 0 keep bus mastering on (the bit did not clear)\n",
		       h->pci_seg0_bus_masters_kept);
}

/* Every IOMMU blocks all DMA before anything else is set up: from here
 * on no device reaches the VMM's memory (docs/dma.md). */
static void dma_block(void)
{
	iommu_init(boot_handoff.acpi_rsdp);
}

static void config_load(void)
{
	const struct handoff_module *m = &boot_handoff.modules[0];
	char err[200];

	if (config_parse(phys_to_virt(m->base), m->size, &system_config, err, sizeof(err)))
		panic("%s", err);
	printk("vigil: config %s: %u guests\n", m->name, system_config.guest_count);
}

/* CPU index 0 is the boot processor, whatever its place in the MADT. Every
 * other CPU gets its per-CPU area now, up to VIGIL_MAX_CPUS. */
static void cpus_discover(void)
{
	uint32_t bsp;
	unsigned n;
	int err;

	if (apic_init())
		panic("local APIC unavailable");
	bsp = apic_id();
	err = acpi_find_cpus(boot_handoff.acpi_rsdp, bsp, &machine_cpus);
	if (err == -ENXIO)
		panic("the ACPI MADT does not list the boot CPU (apic %u)", bsp);
	if (err)
		panic("no processors found in the ACPI MADT");
	n = mm_percpu_alloc(cpu_areas, machine_cpus.count);
	if (n < machine_cpus.count)
		panic("no memory for the per-CPU areas of %u CPUs (%u allocated)", machine_cpus.count, n);
	cpus_used = n;
	cpus_listed = machine_cpus.listed;
	cpu_areas[0]->pc.apic_id = bsp;
	for (unsigned i = 1; i < n; i++) /* known before the APs start: interrupts are routed to them */
		cpu_areas[i]->pc.apic_id = machine_cpus.apic_id[i];
	cpu_areas[0]->pc.online = 1;
	printk("vigil: %u CPUs (cpu 0 is the VMM's)\n", cpus_used);
	if (machine_cpus.listed > machine_cpus.count)
		printk("vigil: the MADT lists %u enabled CPUs; the VMM takes at most %u (VIGIL_MAX_CPUS): "
		       "%u stay with the firmware, unused\n",
		       machine_cpus.listed, VIGIL_MAX_CPUS, machine_cpus.listed - machine_cpus.count);
}

static void smt_report(void *ctx, const char *line)
{
	(void)ctx;
	printk("vigil: config refused: %s (without smt-shared-ok)\n", line);
}

/* No guest shares a physical core with the VMM or another guest unless
 * the config says so (docs/vmm.md, "Speculation policy"). */
static void smt_check(void)
{
	unsigned shift = topo_smt_shift_host();

	if (shift)
		printk("vigil: SMT: up to %u threads per core\n", 1u << shift);
	if (spec_smt_conflicts(&system_config, machine_cpus.apic_id, cpus_used, shift, smt_report, NULL))
		panic("config refused: guests on SMT siblings");
}

/* The TSC's rate and the time of day behind every guest's clocks. A
 * machine whose RTC cannot be read gives its guests 1970. */
static void clocks_calibrate(void)
{
	struct rtc_date d;
	struct acpi_timers timers;

	acpi_find_timers(boot_handoff.acpi_rsdp, &timers);
	if (time_init(&timers))
		panic("no clock source gives a plausible TSC rate: no guest can be given time");
	vplat_clock.tsc_hz = time_tsc_per_ms() * 1000;
	virq_clock_init(vplat_clock.tsc_hz);
	vplat_clock.boot_tsc = vplat_clock.rtc_tsc = cpu_rdtsc();
	if (cmos_rtc_read(&d) == 0)
		vplat_clock.rtc_epoch = (uint64_t)vplat_days_from_civil(d.year, d.month, d.day) * 86400 +
					d.hour * 3600 + d.minute * 60 + d.second;
	else
		printk("vigil: the RTC cannot be read: guests' clocks start at 1970\n");
	crash_set_clock(vplat_clock.rtc_epoch, vplat_clock.rtc_tsc);
}

static void virt_probe(void)
{
	const char *why = "";

	if (vendor_select(&why))
		panic("cannot virtualize: %s", why);
	printk("vigil: virtualization: %s\n", vcpu_vendor_name());
}

static void guests_create(void)
{
	int err = vms_create(&system_config, cpus_used);

	if (err)
		panic("guest set-up failed (%d)", err);
	if (iommu_unit_count())
		printk("vigil: DMA: %u device%s with a DMA window onto its guest; every other device blocked\n",
		       vpci_windows_open(), vpci_windows_open() == 1 ? "" : "s");
}

/* Every CPU the VMM took is started, the parked ones too: a CPU never
 * started has CR4.MCE clear, and a broadcast machine check would shut the
 * machine down (docs/boot.md, "CPUs"). */
static void cpus_start(void)
{
	unsigned up = 1, guests = 0;

	cpu_park_init();
	if (smp_start_aps(boot_handoff.trampoline_phys, machine_cpus.apic_id, cpus_used))
		printk("vigil: not every CPU started; guests on missing CPUs do not run\n");
	for (unsigned i = 1; i < cpus_used; i++)
		if (cpu_pc_online(i)) {
			up++;
			guests += vm_vcpu_for_cpu(i) != NULL;
		}
	printk("vigil: %u of %u CPUs up: cpu 0 the VMM's, %u run guests, %u parked\n", up, cpus_used, guests,
	       up - 1 - guests);
}

static void code_digest_load(void)
{
	if (selfcheck_init())
		panic("the image carries no text digest (tools/text-digest.py)");
}

static void patch_area_init(void)
{
	if (patch_init())
		panic("cannot map the live-patch area");
}

/* Every I/O APIC input masked, then interrupt remapping on where the
 * firmware allows it; the UARTs' inputs are routed to this CPU below. */
static void ioapics_init(void)
{
	if (ioapic_init(&machine_cpus))
		panic("no usable I/O APIC in the MADT");
	iommu_intremap_start(apic_is_x2apic());
	vpci_interrupts_init(); /* the assigned devices' MSIs, remapped */
	trap_set_device_handler(vpci_irq);
}

static void channel_start(void)
{
	if (channel_init(&system_config, &machine_cpus, cpu_areas[0]->pc.apic_id))
		panic("cannot set up the management channel");
	crash_set_audit_source(audit_crash_fill);
}

static void console_input_start(void)
{
	if (vm_input_init(&machine_cpus, cpu_areas[0]->pc.apic_id))
		panic("cannot route the console's input interrupt");
}

static void vmm_lock(void)
{
	struct pt_audit a;

	mm_lock();
	mm_audit(&a);
	printk("vigil: page-table audit: %lu mappings (%lu KiB), %lu executable, %lu writable, "
	       "%lu writable+executable, %lu of %lu table pages writable\n",
	       a.mappings, a.pages_4k * 4, a.executable, a.writable, a.wx, a.tables_writable, a.tables);
	if (a.wx || a.tables_writable)
		panic("page-table audit failed");
}

/* APs wait here until the BSP has locked the VMM, then drop stale TLB entries. */
static __attribute__((noreturn)) void vmm_cpu_main(void);

static void cpus_release(void)
{
	__atomic_store_n(&cpus_released, 1, __ATOMIC_RELEASE);
}

void kmain(uint64_t handoff_pa)
{
	console_init();				/* COM1 until the SPCR is read */
	printk("vigil: Vigil %s starting\n", VIGIL_VERSION);
	handoff_take(handoff_pa);		/* copy and check what the boot entry left */
	gdt_init_cpu(cpu_areas[0]);		/* own GDT, TSS and IST stacks */
	idt_init();				/* exceptions: dump and stop */
	idt_load();
	memory_init();				/* own page tables (W^X), page allocator */
	console_select();			/* the SPCR's UART, else COM1 */
	dma_report();				/* the PCI bus mastering the stub turned off */
	dma_block();				/* every IOMMU: all DMA blocked */
	crash_init(boot_handoff.crash_phys);	/* the previous boot's crash record, if any */
	patch_area_init();			/* the live-patch area: mapped RX, all int3 */
	code_digest_load();			/* the text's digest, signed in the image */
	heap_init();				/* for signature checks (mbedtls) */
	config_load();				/* validate system.dtb into read-only structs */
	cpus_discover();			/* MADT: which CPUs exist */
	smt_check();				/* no guest on another's core, nor on the VMM's */
	clocks_calibrate();			/* TSC and APIC timer: CPUID, PM timer, HPET, PIT */
	tpm_start(boot_handoff.acpi_rsdp, &boot_handoff);	/* the TPM: ACPI TPM2 table, locality 0 */
	tpm_marks_start(&boot_handoff);		/* anti-rollback marks: checked, or no boot */
	persist_start();			/* persisted live patches: checked, applied again */
	virt_probe();				/* SVM+NPT or VMX+EPT, present and allowed */
	cpuid_init();				/* the guests' static CPUID answers */
	spec_init();				/* speculation: the guests' controls, the VMM's policy */
	spec_cpu_init();			/* this CPU's part of the policy (IBRS) */
	guests_create();			/* memory, NPT, images, vCPU state */
	ioapics_init();				/* device interrupts: all masked */
	channel_start();			/* the config's UART and interrupt, for the operator */
	console_input_start();			/* console input, for guests granted it */
	cpus_start();				/* APs come up and wait in ap_main */
	vmm_lock();				/* tables and config read-only, then audited */
	cpus_release();				/* each AP enters its guest */
	vmm_cpu_main();				/* the VMM's CPU: periodic self-check */
}

void ap_main(struct percpu *pc)
{
	struct cpu_area *area = cpu_areas[pc->index];
	struct vcpu *v;

	gdt_init_cpu(area);
	idt_load();
	apic_cpu_init();
	mm_switch_cpu();
	spec_cpu_init();
	pc->online = 1;
	while (!__atomic_load_n(&cpus_released, __ATOMIC_ACQUIRE))
		cpu_pause();
	cpu_flush_tlb();
	v = vm_vcpu_for_cpu(pc->index);
	if (!v)
		vmm_cpu_idle();
	if (vcpu_vendor_cpu_init())
		panic("cannot enable %s on cpu %u", vcpu_vendor_name(), pc->index);
	vcpu_loop(v);
}

/* The VMM's own CPU: sleeps; serves the management channel when its UART
 * interrupts, passes the operator's input to the guest with the console
 * focus, prints the guests' queued console output, kicks the other CPUs
 * for the watchdog every WATCHDOG_PERIOD_MS, and re-hashes the VMM's code
 * every SELFCHECK_PERIOD_S seconds. */
#define SELFCHECK_PERIOD_S 5
#define TIMER_PERIOD_MS 100

static void vmm_cpu_main(void)
{
	uint64_t next = 1; /* the first check at the first tick: the guests start first */
	bool first = true;

	pic_mask_all();
	if (apic_timer_start(TIMER_PERIOD_MS, time_apic_per_ms()))
		panic("the VMM CPU's APIC timer does not count");
	for (;;) {
		bool ok;

		/* Sleep unless guest output is due; a guest's CPU wakes this one
		 * at the end of a line it waits for (vuart_wake_console), the
		 * UARTs' interrupts for input. */
		if (!vm_console_pending())
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		channel_poll();
		vm_input_poll();
		/* Interrupts on while the console lines go out (up to a tick on
		 * a real UART): the UARTs' bytes are taken as they arrive. */
		__asm__ volatile("sti" ::: "memory");
		vm_console_drain();
		vm_console_wait_focus();
		__asm__ volatile("cli" ::: "memory");
		watchdog_poll(cpu_rdtsc());
		iommu_poll();			/* blocked DMA, logged */
		if (apic_timer_ticks < next)
			continue;
		next = apic_timer_ticks + SELFCHECK_PERIOD_S * 1000 / TIMER_PERIOD_MS;
		mce_poll(); /* errors logged without a machine check */
		ok = selfcheck_run();
		if (first)
			printk("vigil: text self-check every %u s: %s\n", SELFCHECK_PERIOD_S, ok ? "ok" : "MISMATCH");
		first = false;
	}
}

static bool vmm_idle_over(void *arg)
{
	(void)arg;
	return __atomic_load_n(&rendezvous_active, __ATOMIC_ACQUIRE);
}

/* A CPU no guest owns: parked in its deepest wait, answering rendezvous. */
void vmm_cpu_idle(void)
{
	for (;;) {
		cpu_park_until(vmm_idle_over, NULL);
		rendezvous_point();
	}
}
