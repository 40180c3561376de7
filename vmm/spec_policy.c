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
