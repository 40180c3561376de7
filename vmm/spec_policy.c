/* SPDX-License-Identifier: MIT */
/*
 * The VMM's speculation policy as a pure function of what the CPU
 * enumerates (vmm/spec.h), so that host unit tests feed it every CPU the
 * emulators cannot be. docs/vmm.md, "Speculation policy", gives the
 * reasons and the costs.
 */
#include "vmm/spec.h"
#include <string.h>
#include "kernel/console.h"
#include "kernel/config.h"

static enum spec_ibrs spec_ibrs_mode(const struct spec_host *h)
{
	bool ibrs = (h->leaf7.edx & CPUID7_EDX_IBRS_IBPB) || (h->ext8.ebx & CPUID88_EBX_IBRS);

	if (!h->intel && (h->ext21.eax & CPUID821_EAX_AUTO_IBRS))
		return SPEC_IBRS_AUTO;
	if (h->intel && ibrs && (h->arch_caps & ARCH_CAP_IBRS_ALL))
		return SPEC_IBRS_ENHANCED;
	return ibrs ? SPEC_IBRS_LEGACY : SPEC_IBRS_NONE;
}

/* Intel's CPUs that do not say otherwise leak L1D contents to a guest
 * (L1TF) and buffer contents (MDS, MMIO stale data); AMD's do not. */
static bool spec_l1tf(const struct spec_host *h)
{
	return h->intel && !(h->arch_caps & (ARCH_CAP_RDCL_NO | ARCH_CAP_SKIP_L1DFL_VMENTRY));
}

static bool spec_buffers_leak(const struct spec_host *h)
{
	const uint64_t mmio_no = ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO;

	if (!h->intel)
		return false;
	return !(h->arch_caps & ARCH_CAP_MDS_NO) || !(h->arch_caps & ARCH_CAP_TAA_NO) ||
	       (h->arch_caps & mmio_no) != mmio_no;
}

struct spec_policy spec_policy_decide(const struct spec_host *h)
{
	struct spec_policy p;
	bool flush_cmd = h->leaf7.edx & CPUID7_EDX_L1D_FLUSH;

	memset(&p, 0, sizeof(p));
	p.ibrs = spec_ibrs_mode(h);
	p.ibpb = (h->leaf7.edx & CPUID7_EDX_IBRS_IBPB) || (h->ext8.ebx & CPUID88_EBX_IBPB);
	/* Only hardware that keeps guest-made return predictions from the
	 * VMM's returns (AutoIBRS; eIBRS without post-barrier RSB
	 * predictions) lets the VMM skip overwriting them. */
	p.rsb_fill = !(p.ibrs == SPEC_IBRS_AUTO ||
		       (p.ibrs == SPEC_IBRS_ENHANCED && (h->arch_caps & ARCH_CAP_PBRSB_NO)));
	p.l1d_flush = spec_l1tf(h) && flush_cmd;
	p.l1tf_unmitigated = spec_l1tf(h) && !flush_cmd;
	/* The L1D flush clears the buffers VERW would: one of the two. */
	p.verw = !p.l1d_flush && spec_buffers_leak(h) && (h->leaf7.edx & CPUID7_EDX_MD_CLEAR);
	p.ept_small = h->intel && !(h->arch_caps & ARCH_CAP_PSCHANGE_MC_NO);
	return p;
}

uint8_t spec_policy_flags(const struct spec_policy *p)
{
	uint8_t f = 0;

	if (p->ibrs == SPEC_IBRS_LEGACY)
		f |= SPEC_F_EXIT_IBRS | SPEC_F_ENTRY_IBRS;
	if (p->rsb_fill)
		f |= SPEC_F_EXIT_RSB;
	if (p->l1d_flush)
		f |= SPEC_F_ENTRY_L1D;
	if (p->verw)
		f |= SPEC_F_ENTRY_VERW;
	return f;
}

void spec_policy_describe(const struct spec_policy *p, char *buf, unsigned len)
{
	static const char *const ibrs[] = {
		[SPEC_IBRS_NONE] = "none (the VMM's indirect branches are unprotected)",
		[SPEC_IBRS_LEGACY] = "at every exit",
		[SPEC_IBRS_ENHANCED] = "enhanced, always on",
		[SPEC_IBRS_AUTO] = "automatic",
	};

	snprintk(buf, len, "IBRS %s; IBPB at guest start %s; RSB fill %s; L1D flush %s; VERW %s; "
		"nested pages %s",
		ibrs[p->ibrs], p->ibpb ? "on" : "unavailable", p->rsb_fill ? "on" : "off",
		p->l1d_flush ? "on" : p->l1tf_unmitigated ? "UNAVAILABLE (affected)" : "off",
		p->verw ? "on" : "off", p->ept_small ? "4 KiB (iTLB multihit)" : "2 MiB");
}

/* The guest and CPU index at position k of the config's CPU list. */
static bool spec_smt_at(const struct config *cfg, unsigned k, unsigned *g, unsigned *c)
{
	for (unsigned i = 0; i < cfg->guest_count; i++) {
		if (k < cfg->guests[i].cpu_count) {
			*g = i;
			*c = cfg->guests[i].cpus[k];
			return true;
		}
		k -= cfg->guests[i].cpu_count;
	}
	return false;
}

static bool spec_smt_siblings(const uint32_t *apic_ids, unsigned a, unsigned b, unsigned shift)
{
	return (apic_ids[a] >> shift) == (apic_ids[b] >> shift);
}

unsigned spec_smt_conflicts(const struct config *cfg, const uint32_t *apic_ids, unsigned cpu_count,
			    unsigned smt_shift, void (*report)(void *ctx, const char *line), void *ctx)
{
	unsigned n = 0, g, c, h, d;
	char line[160];

	for (unsigned k = 0; spec_smt_at(cfg, k, &g, &c); k++) {
		const struct config_guest *a = &cfg->guests[g];

		if (c >= cpu_count)
			continue;
		if (!a->smt_shared_ok && spec_smt_siblings(apic_ids, c, 0, smt_shift)) {
			snprintk(line, sizeof(line), "guest '%s' (cpu %u) shares a physical core with the VMM's cpu 0",
				 a->name, c);
			report(ctx, line);
			n++;
		}
		for (unsigned l = k + 1; spec_smt_at(cfg, l, &h, &d); l++) {
			const struct config_guest *b = &cfg->guests[h];

			if (h == g || d >= cpu_count || (a->smt_shared_ok && b->smt_shared_ok) ||
			    !spec_smt_siblings(apic_ids, c, d, smt_shift))
				continue;
			snprintk(line, sizeof(line), "guests '%s' (cpu %u) and '%s' (cpu %u) share a physical core",
				 a->name, c, b->name, d);
			report(ctx, line);
			n++;
		}
	}
	return n;
}
