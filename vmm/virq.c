/* SPDX-License-Identifier: MIT */
/*
 * The guest's interrupt controllers wired to its vCPUs (vmm/virq.h). The
 * APIC models are pure logic (vmm/vlapic.c, vmm/vioapic.c); this file
 * moves guest accesses into them and their interrupts into the guest.
 */
#include <string.h>
#include "vmm/virq.h"
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mmio_decode.h"
#include "arch/x86/vendor.h"
#include "kernel/percpu.h"
#include "kernel/rendezvous.h"
#include "kernel/time.h"
#include "vigil/guest_platform.h"

#define MSR_APIC_BASE 0x1bu
#define MSR_TSC_DEADLINE 0x6e0u
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_ENABLE (1ull << 11)
#define RFLAGS_IF (1ull << 9)
#define CRYSTAL_TARGET_HZ 25000000ull /* the APIC bus clock guests see: about 25 MHz */

struct virq_clock virq_clock __attribute__((section(".data.ro_after_init")));

/* The APIC timer's bus clock is the TSC divided by a whole number, so
 * that CPUID 0x15 states it exactly (TSC = crystal * ratio). */
void virq_clock_init(uint64_t tsc_hz)
{
	uint64_t ratio = tsc_hz / CRYSTAL_TARGET_HZ;

	virq_clock.tsc_per_tick = ratio ? ratio : 1;
	virq_clock.crystal_hz = tsc_hz / virq_clock.tsc_per_tick;
	virq_clock.min_period = tsc_hz / 20000 ? tsc_hz / 20000 : 1; /* 50 us */
}

/* ---- delivery inside the guest ----------------------------------------- */

/*
 * A fixed or lowest-priority interrupt for a vCPU on another CPU: posted
 * (atomic ORs, the level bit first), then its CPU is kicked out of its
 * guest or its HLT; that CPU moves it into its local APIC (virq_drain)
 * before its next entry. The sender never touches another vCPU's APIC.
 */
static void virq_post_bits(struct vcpu *t, uint8_t vector, bool level)
{
	uint32_t bit = 1u << (vector % 32);

	if (level)
		__atomic_fetch_or(&t->posted_level[vector / 32], bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&t->posted_level[vector / 32], ~bit, __ATOMIC_RELAXED);
	__atomic_fetch_or(&t->posted[vector / 32], bit, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&t->posted_words, 1u << (vector / 32), __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->irq_dirty, true, __ATOMIC_RELEASE);
}

static void virq_post(struct vcpu *t, uint8_t vector, bool level)
{
	virq_post_bits(t, vector, level);
	cpu_kick(t->cpu);
}

/* Before every entry with the local APIC on: one load when nothing was
 * posted. A word whose summary bit comes after this exchange is taken at
 * the next drain (its sender kicks after setting the bit). */
static void virq_drain(struct vcpu *v)
{
	uint32_t words;

	if (__builtin_expect(!__atomic_load_n(&v->posted_words, __ATOMIC_RELAXED), 1))
		return;
	words = __atomic_exchange_n(&v->posted_words, 0, __ATOMIC_ACQ_REL);
	for (; words; words &= words - 1) {
		unsigned w = (unsigned)__builtin_ctz(words);
		uint32_t bits, level;

		bits = __atomic_exchange_n(&v->posted[w], 0, __ATOMIC_ACQ_REL);
		level = __atomic_load_n(&v->posted_level[w], __ATOMIC_RELAXED);
		for (; bits; bits &= bits - 1) {
			unsigned b = (unsigned)__builtin_ctz(bits);

			(void)vlapic_accept(&v->lapic, (uint8_t)(w * 32 + b), level & (1u << b));
		}
	}
}

static bool virq_posted(const struct vcpu *v)
{
	return __atomic_load_n(&v->posted_words, __ATOMIC_RELAXED) != 0;
}

/* INIT and SIPI go to the vCPU's own event logic (vmm/vcpu.c). A SIPI
 * counts only for a vCPU waiting for one (or with an INIT not yet taken);
 * the first one's page wins. */
static bool virq_start_event(struct vcpu *t, const struct apic_msg *m)
{
	if (m->delivery_mode == APIC_DM_INIT) {
		__atomic_fetch_or(&t->events, VCPU_EV_INIT, __ATOMIC_SEQ_CST);
	} else {
		uint32_t ev = __atomic_load_n(&t->events, __ATOMIC_ACQUIRE);

		if (ev & VCPU_EV_SIPI)
			return true;
		if (!(ev & VCPU_EV_INIT) && __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != VCPU_WAIT_SIPI)
			return false;
		t->sipi_page = m->vector;
		__atomic_fetch_or(&t->events, VCPU_EV_SIPI, __ATOMIC_SEQ_CST);
	}
	cpu_kick(t->cpu);
	return true;
}

/* An NMI for a running vCPU (one waiting for SIPI takes none): pending
 * until its CPU injects it before an entry (vcpu_take_events). */
static bool virq_nmi(struct vcpu *t, unsigned self)
{
	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == VCPU_WAIT_SIPI)
		return false;
	__atomic_fetch_or(&t->events, VCPU_EV_NMI, __ATOMIC_SEQ_CST);
	if (t->cpu != self)
		cpu_kick(t->cpu);
	return true;
}

/* A message from the I/O APIC or an IPI, to the guest's own vCPUs only
 * (never `skip`: the sender of an "all but self" IPI). Fixed and
 * lowest-priority interrupts go into the matching local APICs: directly
 * for the vCPU on this CPU, posted for the others. INIT and SIPI go to the
 * vCPUs' start logic, NMIs to their pending events; SMI and ExtINT reach
 * nobody. Returns how many took it; the caller counts what reached none
 * (the I/O APIC in its stats, an IPI in the sender's). */
static int virq_route(struct vm *vm, const struct apic_msg *m, const struct vcpu *skip)
{
	unsigned self = this_cpu()->index;
	bool start = m->delivery_mode == APIC_DM_INIT || m->delivery_mode == APIC_DM_SIPI;
	bool nmi = m->delivery_mode == APIC_DM_NMI;
	int n = 0;

	if (m->delivery_mode != APIC_DM_FIXED && m->delivery_mode != APIC_DM_LOWEST && !start && !nmi)
		return 0;
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *t = &vm->vcpus[i];

		if (t == skip || !vlapic_match_dest(&t->lapic, m->dest, m->logical))
			continue;
		if (start) {
			n += t->cpu != self && virq_start_event(t, m); /* never to itself */
			continue;
		}
		if (nmi) {
			n += virq_nmi(t, self);
			continue;
		}
		if (t->cpu == self) {
			if (!vlapic_accept(&t->lapic, m->vector, m->level))
				continue;
		} else {
			virq_post(t, m->vector, m->level);
		}
		n++;
		if (m->delivery_mode == APIC_DM_LOWEST)
			break; /* one of them: the first is as good as any */
	}
	return n;
}

/* An assigned device's message (vmm/vpci.c), in an interrupt handler on
 * one of the guest's CPUs: fixed and lowest-priority interrupts only,
 * posted to the vCPUs it addresses (this CPU's own vCPU, which the
 * handler interrupted outside its guest, takes it before its next entry;
 * the others are kicked). */
int virq_msi(struct vm *vm, const struct apic_msg *m)
{
	unsigned self = this_cpu()->index;
	int n = 0;

	if ((m->delivery_mode != APIC_DM_FIXED && m->delivery_mode != APIC_DM_LOWEST) || m->vector < 16)
		return 0;
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *t = &vm->vcpus[i];

		if (!vlapic_match_dest(&t->lapic, m->dest, m->logical))
			continue;
		virq_post_bits(t, m->vector, false);
		if (t->cpu != self)
			cpu_kick(t->cpu);
		n++;
		if (m->delivery_mode == APIC_DM_LOWEST)
			break;
	}
	return n;
}

static int virq_deliver(void *ctx, const struct apic_msg *m)
{
	return virq_route(ctx, m, NULL);
}

/* An IPI the guest's ICR sent. Only this guest's APIC IDs are reachable;
 * a shorthand covers this guest's vCPUs and nothing else. One that reaches
 * none of them (another guest's or the VMM's APIC ID, "all but self" in a
 * guest of one vCPU, a mode not delivered) is dropped and counted. */
static void virq_ipi(struct vcpu *v, const struct vlapic_ipi *ipi)
{
	struct apic_msg m = ipi->msg;

	if (ipi->shorthand != VLAPIC_SH_NONE)
		m.dest = APIC_BROADCAST, m.logical = false;
	if (!virq_route(v->vm, &m, ipi->shorthand == VLAPIC_SH_OTHERS ? v : NULL))
		v->lapic.stats.dropped_ipis++;
}

static void virq_lapic_action(struct vcpu *v, const struct vlapic_action *act)
{
	if (act->kind == VLAPIC_ACT_EOI && act->eoi.level) {
		spin_lock(&v->vm->dev_lock);
		vioapic_eoi(&v->vm->ioapic, act->eoi.vector);
		spin_unlock(&v->vm->dev_lock);
	} else if (act->kind == VLAPIC_ACT_IPI) {
		virq_ipi(v, &act->ipi);
	}
}

/* The UART's interrupt line, sampled: a change is an edge on its pin. */
static void virq_uart_line(struct vm *vm)
{
	if (vuart_irq_line(&vm->uart) == vm->uart_line)
		return; /* the common case, without the lock */
	spin_lock(&vm->dev_lock);
	if (vuart_irq_line(&vm->uart) != vm->uart_line) {
		vm->uart_line = !vm->uart_line;
		/* GP_UART_GSI is a pin of every I/O APIC here: never -EINVAL. */
		(void)!vioapic_set_pin(&vm->ioapic, GP_UART_GSI, vm->uart_line);
	}
	spin_unlock(&vm->dev_lock);
}

/* ---- the APIC pages ---------------------------------------------------- */

/* The GPR an MMIO instruction names, by its encoding number. RSP lives in
 * the backend's state area: an APIC access through it is refused. */
static uint64_t *virq_gpr(struct vcpu *v, unsigned reg)
{
	struct guest_regs *r = &v->regs;
	uint64_t *const map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL,	&r->rbp, &r->rsi, &r->rdi,
				    &r->r8,  &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };

	return reg < 16 ? map[reg] : NULL;
}

/* Read the instruction at RIP once and decode it. The access itself is
 * the one the exit reported (its guest-physical address): whatever the
 * bytes say about addressing is never used, so a guest that rewrites them
 * meanwhile changes at most which register it gets. */
static int virq_decode(struct vcpu *v, struct mmio_op *op)
{
	uint8_t bytes[MMIO_INSN_MAX];
	const uint8_t *hit;
	struct guest_mode m;
	uint64_t rip = vcpu_vendor_rip(v), la;
	bool long64;
	size_t got;

	vcpu_vendor_mode(v, &m);
	long64 = (m.efer & EFER_LMA) && m.cs_l;
	la = long64 ? rip : (uint32_t)(m.cs_base + rip);
	/* The fetch memo (vmm/gmem.h) spares the page walk when it holds the
	 * page with room for the longest form; a stale hit could only pick
	 * another of the guest's own registers. */
	if (gmem_memo_at(&v->fetch, m.cr0, m.cr3, m.cr4, la, sizeof(bytes), &hit)) {
		memcpy(bytes, hit, sizeof(bytes));
		got = sizeof(bytes);
	} else {
		got = gmem_fetch(v->vm, &v->fetch, &m, la, bytes, sizeof(bytes));
	}
	if (mmio_decode(bytes, got, long64, long64 || m.cs_db, op))
		return -1;
	v->exit.insn_len = op->len;
	v->exit.next_rip = long64 ? rip + op->len : (uint32_t)(rip + op->len);
	return 0;
}

static void virq_lapic_access(struct vcpu *v, uint32_t off, bool write, uint64_t *reg, const struct mmio_op *op)
{
	uint64_t now = cpu_rdtsc();
	struct vlapic_action act;

	if (!write) {
		*reg = mmio_reg_merge(*reg, vlapic_read(&v->lapic, off, now), op);
		return;
	}
	vlapic_write(&v->lapic, off, (uint32_t)mmio_store_value(op, reg ? *reg : 0), now, &act);
	if (v->lapic.svr & VLAPIC_SVR_ENABLE)
		v->lapic_on = v->irq_dirty = true;
	virq_lapic_action(v, &act);
}

static void virq_ioapic_access(struct vcpu *v, uint32_t off, bool write, uint64_t *reg, const struct mmio_op *op)
{
	spin_lock(&v->vm->dev_lock);
	if (!write)
		*reg = mmio_reg_merge(*reg, vioapic_read(&v->vm->ioapic, off), op);
	else
		vioapic_write(&v->vm->ioapic, off, (uint32_t)mmio_store_value(op, reg ? *reg : 0));
	spin_unlock(&v->vm->dev_lock);
}

int virq_mmio_op(struct vcpu *v, uint64_t gpa, struct mmio_op *op, uint64_t **reg)
{
	*reg = NULL;
	if (v->exit.npf.fetch || virq_decode(v, op) || (gpa & (op->size - 1u)) || op->write != v->exit.npf.write ||
	    (!op->has_imm && !(*reg = virq_gpr(v, op->reg))))
		return -1;
	return 0;
}

/*
 * Both pages take aligned 32-bit MOVs only (what the architecture defines
 * and Linux uses). Anything else, an instruction that cannot be read or
 * decoded, one whose direction disagrees with the exit's, or RSP as the
 * operand, is the guest's #GP; nothing is accessed.
 */
int virq_mmio(struct vcpu *v, uint64_t gpa)
{
	bool lapic = gpa - GP_LAPIC_BASE < GP_LAPIC_SIZE, ioapic = gpa - GP_IOAPIC_BASE < GP_IOAPIC_SIZE;
	uint64_t *reg;
	struct mmio_op op;

	if (!lapic && !ioapic)
		return 0;
	if (virq_mmio_op(v, gpa, &op, &reg) || op.size != 4) {
		v->vm->mmio_refused++;
		vcpu_inject_gp(v);
		return 1;
	}
	if (lapic)
		virq_lapic_access(v, (uint32_t)(gpa - GP_LAPIC_BASE), op.write, reg, &op);
	else
		virq_ioapic_access(v, (uint32_t)(gpa - GP_IOAPIC_BASE), op.write, reg, &op);
	v->exit.skip = true;
	return 1;
}

/* ---- injection, the timer, HLT ---------------------------------------- */

/* The physical timer of this CPU, one-shot at the virtual timer's next
 * deadline (rounded up: an early wake-up would find nothing due). */
static void virq_arm(struct vcpu *v, uint64_t now)
{
	uint64_t deadline = vlapic_timer_deadline(&v->lapic), count;

	if (deadline == v->timer_armed)
		return;
	v->timer_armed = deadline;
	if (!deadline) {
		apic_timer_oneshot(0);
		return;
	}
	count = deadline > now ? time_tsc_to_apic(deadline - now) + 1 : 1;
	apic_timer_oneshot(count > 0xffffffffu ? 0xffffffffu : (uint32_t)count);
}

/* Timer and UART first, then the highest pending vector, if any. */
static int virq_update(struct vcpu *v, uint64_t now)
{
	virq_drain(v);
	vlapic_timer_fire(&v->lapic, now);
	virq_uart_line(v->vm);
	return vlapic_pending(&v->lapic);
}

void virq_before_entry(struct vcpu *v)
{
	uint64_t now = cpu_rdtsc();
	int vector = virq_update(v, now);

	if (vector >= 0 && vcpu_vendor_irq_ready(v)) {
		if (!vlapic_ack(&v->lapic, (uint8_t)vector))
			vcpu_vendor_irq_inject(v, (uint8_t)vector);
		vector = vlapic_pending(&v->lapic);
	}
	/* Still one waiting (or one behind the injected one): exit as soon as
	 * the guest can take it, and check again before every entry. */
	vcpu_vendor_irq_window(v, vector >= 0);
	virq_arm(v, now);
	v->irq_dirty = vector >= 0;
	v->irq_quiet_until = v->timer_armed ? v->timer_armed : ~0ull;
}

static bool virq_halt_over(void *arg)
{
	struct vcpu *v = arg;

	uint64_t deadline = vlapic_timer_deadline(&v->lapic);

	return vlapic_pending(&v->lapic) >= 0 || (deadline && deadline <= cpu_rdtsc()) || virq_posted(v) ||
	       vcpu_events_wake(v) ||
	       vuart_irq_line(&v->vm->uart) != v->vm->uart_line || v->vm->state != VM_RUNNING ||
	       v->vm->restart_pending || __atomic_load_n(&rendezvous_active, __ATOMIC_ACQUIRE);
}

/* Sleep with interrupts enabled: the physical timer's interrupt, or a kick
 * (console input, a stop, a rendezvous, the watchdog's), ends it; then
 * look again. A halted guest's CPU answers the watchdog here. */
void virq_halt(struct vcpu *v)
{
	for (;;) {
		uint64_t now = cpu_rdtsc();

		if (virq_update(v, now) >= 0 || virq_halt_over(v))
			return;
		virq_arm(v, now);
		cpu_sleep_until_irq(virq_halt_over, v);
		cpu_kick_answer();
		v->timer_armed = ~0ull; /* the interrupt consumed the one-shot: arm again */
	}
}

/* ---- MSRs and reset ---------------------------------------------------- */

int virq_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (msr == MSR_APIC_BASE) {
		*val = GP_LAPIC_BASE | APIC_BASE_ENABLE | (v == &v->vm->vcpus[0] ? APIC_BASE_BSP : 0);
		return 0;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = vlapic_read_tsc_deadline(&v->lapic, cpu_rdtsc());
		return 0;
	}
	return -1;
}

/* The APIC stays where it is, enabled, in xAPIC mode: writing back what
 * IA32_APIC_BASE reads is accepted, any change is #GP. */
int virq_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t cur;

	if (msr == MSR_APIC_BASE)
		return virq_msr_read(v, msr, &cur) || val != cur ? -1 : 0;
	if (msr == MSR_TSC_DEADLINE) {
		vlapic_write_tsc_deadline(&v->lapic, val, cpu_rdtsc());
		return 0;
	}
	return -1;
}

int virq_vm_reset(struct vm *vm)
{
	vioapic_init(&vm->ioapic, virq_deliver, vm);
	vm->uart_line = false;
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = &vm->vcpus[i];
		int err = vlapic_init(&v->lapic, (uint8_t)i, virq_clock.tsc_per_tick, virq_clock.min_period);

		if (err)
			return err;
		v->lapic_on = false;
		v->irq_dirty = true;
		v->timer_armed = ~0ull; /* unknown: the first entry programs it */
	}
	return 0;
}
