/* SPDX-License-Identifier: MIT */
/* The read-only queries: what runs, what was measured, what was asked. */
#include <errno.h>
#include <string.h>
#include "vmm/channel.h"
#include "vmm/audit.h"
#include "vmm/bundle.h"
#include "vmm/mlog.h"
#include "vmm/vm.h"
#include "vmm/spec.h"
#include "vmm/watchdog.h"
#include "arch/x86/apic.h"
#include "arch/x86/mce.h"
#include "arch/x86/trap.h"
#include "drivers/iommu.h"
#include "drivers/tpm2.h"
#include "drivers/tpm_marks.h"
#include "drivers/tpm_vmm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vendor.h"
#include "kernel/console.h"
#include "kernel/crash.h"
#include "kernel/crypto/sig.h"
#include "kernel/handoff.h"
#include "kernel/init.h"
#include "kernel/mm.h"
#include "kernel/selfcheck.h"
#include "kernel/time.h"

void query_version(struct reply *r)
{
	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, "ok");
	reply_str(r, "version", "vigil " VIGIL_VERSION);
	reply_bytes(r, "build-id", vmm_build_id(), BUNDLE_BUILD_ID_LEN);
	reply_str(r, "vendor", strcmp(vcpu_vendor_name(), "svm") ? "intel-vmx" : "amd-svm");
	reply_u32(r, "guests", vm_count);
}

/* What the guest's interrupt controllers refused or could not deliver
 * (docs/guest-platform.md): attack tests read these. */
/* The guest's counters: its local APICs' summed over its vCPUs. */
static void query_irq_counters(struct reply *r, const struct vm *vm)
{
	struct vlapic_stats s = { 0 };

	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		const struct vlapic_stats *t = &vm->vcpus[i].lapic.stats;

		s.illegal_vectors += t->illegal_vectors;
		s.refused_ipis += t->refused_ipis;
		s.dropped_ipis += t->dropped_ipis;
		s.odd_accesses += t->odd_accesses;
		s.timer_clamps += t->timer_clamps;
	}
	reply_node(r, "irq");
	reply_u64(r, "mmio-refused", vm->mmio_refused);
	reply_u64(r, "ioapic-undeliverable", vm->ioapic.stats.undeliverable);
	reply_u64(r, "ioapic-illegal", vm->ioapic.stats.illegal);
	reply_u64(r, "lapic-illegal-vectors", s.illegal_vectors);
	reply_u64(r, "lapic-refused-ipis", s.refused_ipis);
	reply_u64(r, "lapic-dropped-ipis", s.dropped_ipis);
	reply_u64(r, "lapic-odd-accesses", s.odd_accesses);
	reply_u64(r, "timer-clamps", s.timer_clamps);
	reply_end_node(r);
}

/* The exits of one vCPU, or (v NULL) of all the guest's summed. */
static void query_exits(struct reply *r, const struct vm *vm, const struct vcpu *v)
{
	reply_node(r, "exits");
	for (unsigned e = 0; e < EXIT_REASON_COUNT; e++) {
		uint64_t n = 0;

		for (unsigned i = 0; i < vm->vcpu_count; i++)
			if (!v || v == &vm->vcpus[i])
				n += vm->vcpus[i].exits[e];
		reply_u64(r, exit_reason_names[e], n);
	}
	reply_end_node(r);
}

/* Each vCPU: its physical CPU, where it is, its exits. */
static void query_vcpus(struct reply *r, const struct vm *vm)
{
	static const char *const states[] = { [VCPU_RUNNING] = "running", [VCPU_PARKED] = "parked",
					      [VCPU_WAIT_SIPI] = "waiting-for-sipi" };
	char name[16];

	reply_node(r, "vcpus");
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		unsigned st = __atomic_load_n(&v->state, __ATOMIC_ACQUIRE);

		snprintk(name, sizeof(name), "vcpu@%u", i);
		reply_node(r, name);
		reply_u32(r, "cpu", v->cpu);
		reply_str(r, "state", st < sizeof(states) / sizeof(states[0]) ? states[st] : "");
		reply_u64(r, "nmis", v->nmis);
		query_exits(r, vm, v);
		reply_end_node(r);
	}
	reply_end_node(r);
}

/* A guest with a CPU the watchdog found stuck shows it in its state: it
 * does not run, whatever the VMM asked of it (docs/vmm.md, "The watchdog"). */
static bool query_guest_stuck(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		if (watchdog_stuck(vm->vcpus[i].cpu))
			return true;
	return false;
}

/* The key ids (docs/keys.md) of the publishers whose signatures admitted
 * a guest, one after another. */
static void query_publishers(struct reply *r, const struct vm *vm)
{
	uint8_t ids[CONFIG_MAX_KEYS][SIG_KEYID_LEN];
	unsigned n = 0;

	for (unsigned k = 0; k < vm->cfg->publisher_count && k < CONFIG_MAX_KEYS; k++)
		if (vm->pkg.signers & (1u << k))
			sig_key_id(vm->cfg->publishers[k], ids[n++]);
	reply_bytes(r, "publisher-key-ids", ids, n * SIG_KEYID_LEN);
}

/* Its assigned PCI functions, as the config names them, and the DMA
 * requests of each the IOMMU blocked. */
static void query_guest_pci(struct reply *r, const struct vm *vm)
{
	char name[16], text[16];

	if (!vm->conf->pci_count)
		return;
	reply_node(r, "pci");
	for (unsigned i = 0; i < vm->conf->pci_count; i++) {
		const struct config_pci *c = &vm->conf->pci[i];
		const struct vpci_dev *d = i < vm->pci.count ? &vm->pci.dev[i] : NULL;

		snprintk(name, sizeof(name), "device@%u", i);
		reply_node(r, name);
		snprintk(text, sizeof(text), "%04x:%02x:%02x.%u", c->segment, c->bus, c->dev, c->fn);
		reply_str(r, "address", text);
		if (d && d->vendor) {
			snprintk(text, sizeof(text), "%04x:%04x", d->vendor, d->device);
			reply_str(r, "id", text);
		}
		reply_u64(r, "dma-faults", d ? d->dma_faults : 0);
		reply_u64(r, "msi-delivered", d ? d->msi_delivered : 0);
		reply_u64(r, "msi-dropped", d ? d->msi_dropped : 0);
		reply_end_node(r);
	}
	reply_end_node(r);
}

static void query_guest(struct reply *r, const struct vm *vm)
{
	const struct handoff_module *img = vm_file(vm, vm->cfg->image);
	uint32_t cpus[CONFIG_MAX_GUEST_CPUS];
	uint64_t mem[2 * CONFIG_MAX_REGIONS];
	uint8_t policy[32];

	reply_node(r, vm->name);
	reply_str(r, "state", query_guest_stuck(vm)		  ? "stuck"
			      : vm->state == VM_RUNNING		  ? "running"
			      : vm->restart_pending		  ? "starting"
			      : vm->stop_cause == VM_STOP_OPERATOR ? "stopped"
			      : vm->stop_cause == VM_STOP_REFUSED  ? "refused"
								  : "parked");
	if (vm->state != VM_RUNNING)
		reply_str(r, "stop-reason", vm->stop_reason);
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		cpus[i] = __builtin_bswap32(vm->vcpus[i].cpu);
	reply_bytes(r, "cpus", cpus, vm->vcpu_count * sizeof(cpus[0]));
	for (unsigned i = 0; i < vm->region_count; i++) {
		mem[2 * i] = __builtin_bswap64(vm->regions[i].gpa);
		mem[2 * i + 1] = __builtin_bswap64(vm->regions[i].size);
	}
	reply_bytes(r, "memory", mem, vm->region_count * 2 * sizeof(mem[0]));
	reply_str(r, "image", vm->cfg->image);
	if (img)
		reply_bytes(r, "image-sha256", img->sha256, sizeof(img->sha256));
	if (vm->stop_cause != VM_STOP_REFUSED) { /* admitted: its package */
		reply_str(r, "package", vm->pkg.name);
		reply_u64(r, "package-version", vm->pkg.version);
		reply_u64(r, "security-version", vm->pkg.security_version);
		reply_bytes(r, "effective-policy-sha256", vm->pkg.policy_digest, sizeof(vm->pkg.policy_digest));
		query_publishers(r, vm);
	}
	vm_policy_digest(vm, policy);
	reply_bytes(r, "policy-sha256", policy, sizeof(policy));
	reply_u64(r, "boots", vm->boots);
	reply_u64(r, "uptime-ms", vm->state == VM_RUNNING ? time_tsc_to_ms(cpu_rdtsc() - vm->start_tsc) : 0);
	reply_u64(r, "start-tsc", vm->start_tsc);
	reply_u64(r, "console-dropped", conring_dropped(&vm->uart.out));
	reply_u32(r, "console-input", vm->cfg->console_input);
	reply_u64(r, "console-input-dropped", vuart_rx_dropped(&vm->uart));
	query_guest_pci(r, vm);
	query_irq_counters(r, vm);
	query_exits(r, vm, NULL);
	query_vcpus(r, vm);
	reply_end_node(r);
}

/* Every CPU that runs a guest, as the watchdog sees it (the parked ones
 * are counted in the host node). */
static void query_cpus(struct reply *r)
{
	uint64_t now = cpu_rdtsc();
	char name[16];

	reply_node(r, "cpus");
	for (unsigned i = 1; i < cpus_used; i++) {
		const struct watchdog_cpu *w = watchdog_cpu(i);
		const struct vcpu *v = vm_vcpu_for_cpu(i);

		if (!cpu_pc_online(i) || !v)
			continue;
		snprintk(name, sizeof(name), "cpu@%u", i);
		reply_node(r, name);
		reply_str(r, "guest", v->vm->name);
		reply_u32(r, "vcpu", v->index);
		reply_str(r, "watchdog", watchdog_stuck(i) ? "stuck" : "answering");
		reply_u64(r, "answer-age-ms", w->answer_tsc ? time_tsc_to_ms(now - w->answer_tsc) : 0);
		reply_u32(r, "stuck-count", w->stuck_count);
		reply_str(r, "last-exit", v->exit.reason < EXIT_REASON_COUNT ? exit_reason_names[v->exit.reason] : "");
		reply_end_node(r);
	}
	reply_end_node(r);
}

/* The processors: how many the firmware lists, how many the VMM took
 * (its own included), how many of those run no guest and sleep, and how
 * many did not start. */
static void query_host_cpus(struct reply *r)
{
	unsigned online = 0, parked = 0;

	for (unsigned i = 0; i < cpus_used; i++)
		if (cpu_pc_online(i)) {
			online++;
			parked += i && !vm_vcpu_for_cpu(i);
		}
	reply_u32(r, "cpus-firmware", cpus_listed);
	reply_u32(r, "cpus-used", cpus_used);
	reply_u32(r, "cpus-parked", parked);
	reply_u32(r, "cpus-not-started", cpus_used - online);
}

/* The machine as the VMM found and keeps it. */
static void query_host(struct reply *r)
{
	reply_node(r, "host");
	reply_str(r, "speculation", spec_policy_line());
	query_host_cpus(r);
	reply_str(r, "local-apic", apic_mode_name());
	reply_u64(r, "mce-corrected", __atomic_load_n(&mce_corrected, __ATOMIC_RELAXED));
	reply_u64(r, "mce-polled-uncorrected", __atomic_load_n(&mce_polled_uncorrected, __ATOMIC_RELAXED));
	reply_u64(r, "channel-interrupts", channel_interrupts());
	reply_u64(r, "dma-faults", iommu_fault_total());
	reply_u64(r, "stray-interrupts", __atomic_load_n(&trap_stray_interrupts, __ATOMIC_RELAXED));
	reply_end_node(r);
}

void query_inventory(struct reply *r)
{
	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, "ok");
	reply_node(r, "guests");
	for (unsigned i = 0; i < vm_count; i++)
		query_guest(r, &vms[i]);
	reply_end_node(r);
	query_cpus(r);
	query_host(r);
}

/* The newest this many runtime records are listed by MEASUREMENTS; the
 * EVENTS request pages through all of them. */
#define QUERY_RUNTIME_NEWEST 64u

static void query_tpm(struct reply *r)
{
	static const unsigned pcrs[] = { 10, MLOG_PCR, 15 };
	struct tpm *t = tpm_vmm();
	char name[16];

	reply_node(r, "tpm");
	reply_u32(r, "present", t != NULL);
	reply_u32(r, "runtime-pcr", MLOG_PCR);
	reply_u32(r, "failed", (uint32_t)mlog_tpm_failed());
	if (t) {
		reply_str(r, "interface", t->iface == TPM_IFACE_TIS ? "tis" : "crb");
		for (unsigned i = 0; i < sizeof(pcrs) / sizeof(pcrs[0]); i++) {
			uint8_t d[32];

			snprintk(name, sizeof(name), "pcr%u", pcrs[i]);
			if (!tpm2_pcr_read(t, pcrs[i], d))
				reply_bytes(r, name, d, sizeof(d));
		}
	}
	if (tpm_marks()) {
		const struct marks *m = tpm_marks();
		const char *why;

		reply_node(r, "marks");
		reply_u32(r, "index", system_config.marks.index);
		reply_u64(r, "generation", m->generation);
		reply_u64(r, "config-version", m->config_version);
		for (unsigned i = 0; i < ROLE_COUNT; i++) {
			snprintk(name, sizeof(name), "seq-%s", config_role_names[i]);
			reply_u64(r, name, m->role_seq[i]);
		}
		reply_u32(r, "writable", tpm_marks_writable(&why));
		if (why)
			reply_str(r, "read-only", why);
		reply_end_node(r);
	}
	reply_end_node(r);
}

void query_measurements(struct reply *r)
{
	uint64_t n = mlog_count(), first = n > QUERY_RUNTIME_NEWEST ? n - QUERY_RUNTIME_NEWEST : 0;
	char name[24];

	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, "ok");
	reply_u64(r, "runtime-count", n); /* properties before nodes */
	reply_node(r, "boot");
	for (uint32_t i = 0; i < boot_handoff.meas_count; i++) {
		const struct handoff_measurement *m = &boot_handoff.meas[i];

		snprintk(name, sizeof(name), "entry@%u", i);
		reply_node(r, name);
		reply_str(r, "label", m->name);
		reply_bytes(r, "sha256", m->sha256, sizeof(m->sha256));
		reply_u32(r, "pcr", m->pcr);
		reply_u32(r, "flags", m->flags);
		reply_end_node(r);
	}
	reply_end_node(r);
	reply_node(r, "runtime");
	for (uint64_t i = first; i < n; i++) {
		const struct mlog_data *e = &mlog_record(i)->data;

		snprintk(name, sizeof(name), "entry@%lu", i);
		reply_node(r, name);
		reply_u64(r, "index", e->index);
		reply_u64(r, "sequence", e->sequence);
		reply_str(r, "role", e->role < ROLE_COUNT ? config_role_names[e->role] : "?");
		if (e->kind == MLOG_KIND_PACKAGE)
			reply_str(r, "kind", "guest-package");
		else
			reply_str(r, "kind", e->kind < BUNDLE_KIND_COUNT ? bundle_kind_names[e->kind] : "?");
		if (e->guest[0])
			reply_str(r, "guest", e->guest);
		reply_bytes(r, "payload-sha384", e->payload_sha384, sizeof(e->payload_sha384));
		reply_bytes(r, "text-sha256", e->text_sha256, sizeof(e->text_sha256));
		reply_bytes(r, "digest", mlog_record(i)->digest, 32);
		reply_end_node(r);
	}
	reply_end_node(r);
	query_tpm(r);
}

/* EVENTS: the runtime records from the payload's index (u64, 0-based) on,
 * at most MLOG_PAGE_RECORDS, as the bytes of a TCG log. */
void channel_events(struct reply *r, const uint8_t *payload, size_t len)
{
	static uint8_t page[MLOG_PAGE_RECORDS * sizeof(struct mlog_record)];
	uint64_t first, n = mlog_count();
	unsigned count = 0;

	if (len != 8) {
		reply_begin(r, r->buf, r->cap, -EINVAL, CHANNEL_E_BAD_REQUEST, "EVENTS carries the first index, 8 bytes");
		audit_record(CHANNEL_REQ_EVENTS, -EINVAL, CHANNEL_E_BAD_REQUEST, "EVENTS carries the first index, 8 bytes");
		return;
	}
	memcpy(&first, payload, 8);
	for (uint64_t i = first; i < n && count < MLOG_PAGE_RECORDS; i++)
		memcpy(page + count++ * sizeof(struct mlog_record), mlog_record(i), sizeof(struct mlog_record));
	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, "ok");
	reply_u64(r, "first", first);
	reply_u32(r, "count", count);
	reply_u64(r, "total", n);
	reply_u32(r, "pcr", MLOG_PCR);
	reply_bytes(r, "events", page, count * sizeof(struct mlog_record));
	audit_record(CHANNEL_REQ_EVENTS, 0, CHANNEL_OK, "ok");
}

/* FWLOG: the firmware's log from the payload's byte offset (u64) on, at
 * most CHANNEL_FWLOG_PAGE bytes. The VMM does not parse it: what it holds
 * is the firmware's word, which the verifier replays against a quote. */
void channel_fwlog(struct reply *r, const uint8_t *payload, size_t len)
{
	static const char why[] = "FWLOG carries the byte offset, 8 bytes";
	uint64_t at, total = boot_handoff.fwlog_size, n = 0;

	if (len != sizeof(at)) {
		reply_begin(r, r->buf, r->cap, -EINVAL, CHANNEL_E_BAD_REQUEST, why);
		audit_record(CHANNEL_REQ_FWLOG, -EINVAL, CHANNEL_E_BAD_REQUEST, why);
		return;
	}
	memcpy(&at, payload, 8);
	if (at < total)
		n = total - at < CHANNEL_FWLOG_PAGE ? total - at : CHANNEL_FWLOG_PAGE;
	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, "ok");
	reply_u64(r, "offset", at);
	reply_u32(r, "total", (uint32_t)total);
	reply_u32(r, "partial", !!(boot_handoff.flags & HANDOFF_F_FWLOG_PARTIAL));
	reply_bytes(r, "bytes", n ? (const uint8_t *)phys_to_virt(boot_handoff.fwlog_phys) + at : NULL, (uint32_t)n);
	audit_record(CHANNEL_REQ_FWLOG, 0, CHANNEL_OK, "ok");
}

static void quote_refuse(struct reply *r, int err, uint32_t code, const char *why)
{
	reply_begin(r, r->buf, r->cap, err, code, why);
	audit_record(CHANNEL_REQ_QUOTE, err, code, why);
}

/* QUOTE: the TPM signs PCRs 0-7, 10, 11 and 15 with the verifier's nonce.
 * The reply also says how many runtime records PCR 11 covers then (no
 * change can come between: changes arrive on this channel only). */
void channel_quote(struct reply *r, const uint8_t *payload, size_t len)
{
	static struct tpm2_quote q;
	static uint8_t pcrs[TPM_VMM_QUOTE_COUNT][32];
	char why[64];
	int err;

	if (len < 1 || len > TPM2_NONCE_MAX) {
		quote_refuse(r, -EINVAL, CHANNEL_E_BAD_REQUEST, "QUOTE carries a nonce of 1 to 64 bytes");
		return;
	}
	if (!tpm_vmm_ak_public()) {
		quote_refuse(r, -ENODEV, CHANNEL_E_NO_TPM, tpm_vmm() ? "the TPM has no attestation key" : "no TPM in use");
		return;
	}
	err = tpm_vmm_quote(payload, len, &q, pcrs);
	if (err) {
		snprintk(why, sizeof(why), "the TPM failed the quote (%d)", err);
		quote_refuse(r, -EIO, CHANNEL_E_TPM, why);
		return;
	}
	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, "ok");
	reply_u64(r, "runtime-count", mlog_count());
	reply_u32(r, "pcr-mask", TPM_VMM_QUOTE_PCRS);
	reply_bytes(r, "pcrs", pcrs, sizeof(pcrs));
	reply_bytes(r, "attest", q.attest, q.attest_len);
	reply_bytes(r, "signature", q.sig, q.sig_len);
	reply_bytes(r, "ak-public", tpm_vmm_ak_public(), TPM2_AK_PUBLIC_LEN);
	audit_record(CHANNEL_REQ_QUOTE, 0, CHANNEL_OK, "ok");
}

void query_audit(struct reply *r)
{
	char name[24];

	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, "ok");
	reply_u32(r, "dropped", audit_dropped());
	reply_node(r, "audit");
	for (unsigned i = 0; i < audit_count(); i++) {
		const struct audit_entry *e = audit_entry(i);

		if (!e)
			break;

		snprintk(name, sizeof(name), "entry@%lu", e->index - 1);
		reply_node(r, name);
		reply_u64(r, "sequence", e->index - 1);
		reply_u64(r, "time", e->tsc);
		reply_u32(r, "request", e->request == CHANNEL_TYPE_ERROR ? 0 : e->request);
		reply_u32(r, "status", (uint32_t)e->status);
		reply_u32(r, "error", e->code);
		reply_str(r, "reason", e->reason);
		reply_u32(r, "repeats", e->repeats);
		reply_u64(r, "last-time", e->last_tsc);
		reply_end_node(r);
	}
	reply_end_node(r);
}

void query_selfcheck(struct reply *r)
{
	const struct selfcheck_state *s = selfcheck_state();

	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, s->mismatches ? "TAMPERING detected" : "ok");
	reply_bytes(r, "expected-sha256", s->expected, sizeof(s->expected));
	reply_bytes(r, "last-sha256", s->last, sizeof(s->last));
	reply_u64(r, "runs", s->runs);
	reply_u64(r, "mismatches", s->mismatches);
}

static void query_crash_context(struct reply *r, const struct crash_record *c)
{
	static const char *const reg_names[] = {
#define CRASH_REG_NAME(reg) #reg,
		CRASH_REGS(CRASH_REG_NAME)
#undef CRASH_REG_NAME
	};
	const uint64_t *regs = (const uint64_t *)&c->regs;

	_Static_assert(sizeof(c->regs) == sizeof(reg_names) / sizeof(reg_names[0]) * 8, "one name per register");

	reply_node(r, "registers");
	for (unsigned i = 0; i < sizeof(reg_names) / sizeof(reg_names[0]); i++)
		reply_u64(r, reg_names[i], regs[i]);
	reply_end_node(r);
	if (c->context == CRASH_FROM_PANIC)
		reply_bytes(r, "stack", c->stack, sizeof(c->stack));
	if (!c->mce.bank_valid)
		return;
	reply_node(r, "machine-check");
	reply_u32(r, "bank", c->mce.bank);
	reply_u64(r, "bank-status", c->mce.status);
	reply_u64(r, "addr", c->mce.addr);
	reply_u64(r, "misc", c->mce.misc);
	reply_u64(r, "mcg-status", c->mce.mcg_status);
	reply_end_node(r);
}

/* The previous boot's crash record, as crash_init() checked it. */
void query_crash(struct reply *r)
{
	const struct crash_record *c = crash_previous();
	char name[24];

	reply_begin(r, r->buf, r->cap, 0, CHANNEL_OK, c ? "the previous boot panicked" : "no crash record");
	reply_u32(r, "crashed", c != NULL);
	if (!c)
		return;
	reply_u64(r, "boot", c->boot);
	reply_u32(r, "cpu", c->cpu);
	reply_u64(r, "uptime-ms", c->uptime_ms);
	reply_u64(r, "unix-time", c->unix_time);
	reply_str(r, "reason", c->reason);
	reply_str(r, "context", c->context == CRASH_FROM_PANIC ? "panic" : "exception");
	if (c->context == CRASH_FROM_EXCEPTION) {
		reply_u32(r, "vector", c->vector);
		reply_u64(r, "error-code", c->error_code);
	}
	query_crash_context(r, c);
	reply_node(r, "audit");
	for (uint32_t i = 0; i < c->audit_count; i++) {
		const struct crash_audit *e = &c->audit[i];

		snprintk(name, sizeof(name), "entry@%lu", e->sequence);
		reply_node(r, name);
		reply_u64(r, "sequence", e->sequence);
		reply_u64(r, "time", e->tsc);
		reply_u32(r, "request", e->request == CHANNEL_TYPE_ERROR ? 0 : e->request);
		reply_u32(r, "status", (uint32_t)e->status);
		reply_u32(r, "error", e->error);
		reply_str(r, "reason", e->reason);
		reply_u32(r, "repeats", e->repeats);
		reply_end_node(r);
	}
	reply_end_node(r);
}
