// SPDX-License-Identifier: MIT
/*
 * Unit tests of the VMM's speculation policy (vmm/spec_policy.c): CPUs
 * described by their enumeration in, the measures out. The bits are
 * written out here from the vendors' documentation, not taken from
 * spec.h, so a wrong constant fails a case as well as a wrong rule.
 */
#define CHECK_SUITE "spec"
#include "tests/unit/check.h"

#include <stdint.h>
#include <string.h>
#include "vmm/spec.h"
#include "arch/x86/topology.h"
#include "kernel/config.h"

#define B(n) (1u << (n))
#define B64(n) (1ull << (n))

/* leaf 7 EDX: MD_CLEAR 10, IBRS/IBPB 26, STIBP 27, L1D_FLUSH 28, ARCH_CAP 29, SSBD 31 */
#define INTEL_LEAF7_EDX (B(10) | B(26) | B(27) | B(28) | B(29) | B(31))
/* ARCH_CAPABILITIES of a current Intel server core that is affected by
 * nothing: RDCL_NO 0, IBRS_ALL 1, SKIP_L1DFL 3, MDS_NO 5, PSCHANGE_MC_NO 6,
 * TAA_NO 8, SBDR_SSDP_NO 13, FBSDP_NO 14, PSDP_NO 15, PBRSB_NO 24. */
#define ARCH_CAP_CLEAN                                                                             \
	(B64(0) | B64(1) | B64(3) | B64(5) | B64(6) | B64(8) | B64(13) | B64(14) | B64(15) | B64(24))

static struct spec_host intel(uint32_t leaf7_edx, uint64_t arch_caps)
{
	struct spec_host h;

	memset(&h, 0, sizeof(h));
	h.intel = true;
	h.leaf7.edx = leaf7_edx;
	h.arch_caps = arch_caps;
	return h;
}

static struct spec_host amd(uint32_t ext8_ebx, uint32_t ext21_eax)
{
	struct spec_host h;

	memset(&h, 0, sizeof(h));
	h.ext8.ebx = ext8_ebx;
	h.ext21.eax = ext21_eax;
	return h;
}

/* QEMU's qemu64 under TCG: AMD's vendor string, no controls at all. */
static void cpu_without_controls_fills_rsb_only(void)
{
	struct spec_host h = amd(0, 0);
	struct spec_policy p = spec_policy_decide(&h);

	CHECK_EQ(p.ibrs, SPEC_IBRS_NONE);
	CHECK(!p.ibpb && p.rsb_fill && !p.l1d_flush && !p.verw && !p.ept_small);
	CHECK_EQ(spec_policy_flags(&p), SPEC_F_EXIT_RSB);
}

/* Zen 4: Automatic IBRS (0x80000021 EAX 8) and IBPB (0x80000008 EBX 12):
 * no IBRS writes, no RSB fill, IBPB at guest start. */
static void amd_auto_ibrs(void)
{
	struct spec_host h = amd(B(12) | B(14), B(8));
	struct spec_policy p = spec_policy_decide(&h);

	CHECK_EQ(p.ibrs, SPEC_IBRS_AUTO);
	CHECK(p.ibpb && !p.rsb_fill && !p.l1d_flush && !p.verw && !p.ept_small);
	CHECK_EQ(spec_policy_flags(&p), 0);
}

/* Zen 2/3: IBRS in 0x80000008 EBX 14 but no AutoIBRS: legacy IBRS. An
 * Intel-only leaf-7 bit does not make an AMD CPU need Intel's flushes. */
static void amd_legacy_ibrs(void)
{
	struct spec_host h = amd(B(12) | B(14), 0);
	struct spec_policy p;

	h.leaf7.edx = B(10) | B(28); /* MD_CLEAR, L1D_FLUSH */
	p = spec_policy_decide(&h);
	CHECK_EQ(p.ibrs, SPEC_IBRS_LEGACY);
	CHECK(p.ibpb && p.rsb_fill && !p.l1d_flush && !p.verw && !p.ept_small);
	CHECK_EQ(spec_policy_flags(&p), SPEC_F_EXIT_IBRS | SPEC_F_ENTRY_IBRS | SPEC_F_EXIT_RSB);
}

/* The AutoIBRS bit on an Intel CPU means nothing. */
static void auto_ibrs_is_amds(void)
{
	struct spec_host h = intel(INTEL_LEAF7_EDX, ARCH_CAP_CLEAN);
	struct spec_policy p;

	h.ext21.eax = B(8);
	p = spec_policy_decide(&h);
	CHECK_EQ(p.ibrs, SPEC_IBRS_ENHANCED);
}

/* Skylake without ARCH_CAPABILITIES: everything that can be on is. The
 * L1D flush replaces VERW (it clears the same buffers). */
static void intel_old_affected_by_everything(void)
{
	struct spec_host h = intel(B(10) | B(26) | B(27) | B(28) | B(31), 0);
	struct spec_policy p = spec_policy_decide(&h);

	CHECK_EQ(p.ibrs, SPEC_IBRS_LEGACY);
	CHECK(p.ibpb && p.rsb_fill && p.l1d_flush && !p.verw && p.ept_small && !p.l1tf_unmitigated);
	CHECK_EQ(spec_policy_flags(&p),
		 SPEC_F_EXIT_IBRS | SPEC_F_EXIT_RSB | SPEC_F_ENTRY_IBRS | SPEC_F_ENTRY_L1D);
}

/* An Intel CPU with no controls at all (microcode never updated): L1TF
 * without a flush command is reported, not hidden. */
static void intel_without_microcode(void)
{
	struct spec_host h = intel(0, 0);
	struct spec_policy p = spec_policy_decide(&h);

	CHECK_EQ(p.ibrs, SPEC_IBRS_NONE);
	CHECK(!p.ibpb && p.rsb_fill && !p.l1d_flush && p.l1tf_unmitigated && !p.verw && p.ept_small);
}

/* A current server core unaffected by everything: eIBRS kept on, IBPB at
 * guest start, nothing at every exit or entry, 2 MiB nested pages. */
static void intel_clean(void)
{
	struct spec_host h = intel(INTEL_LEAF7_EDX, ARCH_CAP_CLEAN);
	struct spec_policy p = spec_policy_decide(&h);

	CHECK_EQ(p.ibrs, SPEC_IBRS_ENHANCED);
	CHECK(p.ibpb && !p.rsb_fill && !p.l1d_flush && !p.verw && !p.ept_small);
	CHECK_EQ(spec_policy_flags(&p), 0);
}

/* Each "not affected" bit taken away turns its one measure on. */
static void intel_each_bit_its_measure(void)
{
	struct {
		uint64_t bit;
		const char *what;
	} cases[] = {
		{ B64(24), "PBRSB_NO" }, { B64(6), "PSCHANGE_MC_NO" }, { B64(5), "MDS_NO" },
		{ B64(8), "TAA_NO" },	 { B64(13), "SBDR_SSDP_NO" },  { B64(14), "FBSDP_NO" },
		{ B64(15), "PSDP_NO" },	 { B64(1), "IBRS_ALL" },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spec_host h = intel(INTEL_LEAF7_EDX, ARCH_CAP_CLEAN & ~cases[i].bit);
		struct spec_policy p = spec_policy_decide(&h);
		bool rsb = cases[i].bit == B64(24) || cases[i].bit == B64(1);
		bool small = cases[i].bit == B64(6);
		bool verw = cases[i].bit == B64(5) || cases[i].bit == B64(8) || (cases[i].bit >= B64(13) && cases[i].bit <= B64(15));

		if (!CHECK(p.rsb_fill == rsb && p.ept_small == small && p.verw == verw && !p.l1d_flush))
			printf("    without %s\n", cases[i].what);
		CHECK_EQ(p.ibrs, cases[i].bit == B64(1) ? SPEC_IBRS_LEGACY : SPEC_IBRS_ENHANCED);
	}
}

/* L1TF: RDCL_NO or SKIP_L1DFL_VMENTRY each make the flush unnecessary;
 * without either it is done. VERW needs MD_CLEAR to do anything. */
static void intel_l1tf_and_verw(void)
{
	struct spec_host h = intel(INTEL_LEAF7_EDX, ARCH_CAP_CLEAN & ~(B64(0) | B64(3)));
	struct spec_policy p = spec_policy_decide(&h);

	CHECK(p.l1d_flush && !p.verw);
	h.arch_caps |= B64(3);
	p = spec_policy_decide(&h);
	CHECK(!p.l1d_flush);
	h = intel(INTEL_LEAF7_EDX & ~B(10), ARCH_CAP_CLEAN & ~B64(5)); /* MDS, no MD_CLEAR */
	p = spec_policy_decide(&h);
	CHECK(!p.verw);
}

static void describe_names_every_measure(void)
{
	struct spec_host h = intel(B(10) | B(26) | B(28), 0);
	struct spec_policy p = spec_policy_decide(&h);
	char line[240];

	spec_policy_describe(&p, line, sizeof(line));
	CHECK(strstr(line, "IBRS at every exit") != NULL);
	CHECK(strstr(line, "IBPB at guest start on") != NULL);
	CHECK(strstr(line, "RSB fill on") != NULL);
	CHECK(strstr(line, "L1D flush on") != NULL);
	CHECK(strstr(line, "nested pages 4 KiB") != NULL);
	h = intel(0, 0);
	p = spec_policy_decide(&h);
	spec_policy_describe(&p, line, sizeof(line));
	CHECK(strstr(line, "IBRS none") != NULL);
	CHECK(strstr(line, "L1D flush UNAVAILABLE") != NULL);
}

/* ---- SMT siblings ---------------------------------------------------- */

static void topology_from_leaf_b(void)
{
	struct topo_leaves t;

	memset(&t, 0, sizeof(t));
	t.leafb = (struct cpuid_regs){ 1, 2, 0x100, 0 }; /* SMT level, 2 threads, shift 1 */
	CHECK_EQ(topo_smt_shift(&t), 1);
	t.leafb = (struct cpuid_regs){ 0, 1, 0x100, 0 }; /* SMT level, one thread */
	CHECK_EQ(topo_smt_shift(&t), 0);
	t.leafb = (struct cpuid_regs){ 4, 8, 0x200, 0 }; /* sub-leaf 0 is the core level */
	CHECK_EQ(topo_smt_shift(&t), 0);
	t.leaf1.edx = B(28); /* leaf 0xb decides over the legacy counts */
	t.leaf1.ebx = 16u << 16;
	CHECK_EQ(topo_smt_shift(&t), 0);
}

static void topology_amd_topoext(void)
{
	struct topo_leaves t;

	memset(&t, 0, sizeof(t));
	t.amd = true;
	t.ext1.ecx = B(22);
	t.ext1e.ebx = 1u << 8; /* two threads per compute unit */
	CHECK_EQ(topo_smt_shift(&t), 1);
	t.ext1.ecx = 0; /* without TOPOEXT, 0x8000001e means nothing */
	CHECK_EQ(topo_smt_shift(&t), 0);
}

/* Old CPUs without leaf 0xb: logical CPUs per package over cores. */
static void topology_legacy_counts(void)
{
	struct topo_leaves t;

	memset(&t, 0, sizeof(t));
	t.leaf1.edx = B(28);
	t.leaf1.ebx = 8u << 16;	 /* 8 logical CPUs per package */
	t.leaf4.eax = 3u << 26;	 /* 4 cores */
	CHECK_EQ(topo_smt_shift(&t), 1);
	t.leaf4.eax = 7u << 26;	 /* 8 cores: no SMT */
	CHECK_EQ(topo_smt_shift(&t), 0);
	t.leaf1.edx = 0;	 /* no HTT: the count field is not valid */
	t.leaf4.eax = 0;
	CHECK_EQ(topo_smt_shift(&t), 0);
	t.leaf1.edx = B(28);	 /* 6 logical on 2 cores: 3 threads, 2 bits */
	t.leaf1.ebx = 6u << 16;
	t.leaf4.eax = 1u << 26;
	CHECK_EQ(topo_smt_shift(&t), 2);
}

static struct {
	unsigned n;
	char lines[8][160];
} smt_said;

static void smt_collect(void *ctx, const char *line)
{
	(void)ctx;
	if (smt_said.n < 8)
		snprintf(smt_said.lines[smt_said.n], sizeof(smt_said.lines[0]), "%s", line);
	smt_said.n++;
}

static void smt_guest(struct config *cfg, const char *name, uint32_t cpu, bool ok)
{
	struct config_guest *g = &cfg->guests[cfg->guest_count++];

	snprintf(g->name, sizeof(g->name), "%s", name);
	g->cpu_count = 1;
	g->cpus[0] = cpu;
	g->smt_shared_ok = ok;
}

static unsigned smt_check(const struct config *cfg, unsigned shift)
{
	/* Two threads per core: CPUs 0,1 on core 0, 2,3 on core 1, 4,5 on core 2. */
	static const uint32_t apic[] = { 0, 1, 2, 3, 4, 5 };

	memset(&smt_said, 0, sizeof(smt_said));
	return spec_smt_conflicts(cfg, apic, 6, shift, smt_collect, NULL);
}

static void smt_siblings_refused_without_consent(void)
{
	static struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	smt_guest(&cfg, "a", 1, false); /* beside the VMM */
	smt_guest(&cfg, "b", 2, false);
	smt_guest(&cfg, "c", 3, true); /* b has not consented */
	smt_guest(&cfg, "d", 4, false); /* alone on core 2 */
	CHECK_EQ(smt_check(&cfg, 1), 2);
	CHECK(!strcmp(smt_said.lines[0], "guest 'a' (cpu 1) shares a physical core with the VMM's cpu 0"));
	CHECK(!strcmp(smt_said.lines[1], "guests 'b' (cpu 2) and 'c' (cpu 3) share a physical core"));
	CHECK_EQ(smt_check(&cfg, 0), 0); /* no SMT: no siblings */
}

static void smt_consent_of_all_concerned(void)
{
	static struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	smt_guest(&cfg, "a", 1, true);
	smt_guest(&cfg, "b", 2, true);
	smt_guest(&cfg, "c", 3, true);
	CHECK_EQ(smt_check(&cfg, 1), 0);
	/* Four threads per core: a, b and c all on the VMM's core; each pair
	 * consents, and so does each guest for the VMM. */
	CHECK_EQ(smt_check(&cfg, 2), 0);
	cfg.guests[1].smt_shared_ok = false;
	CHECK_EQ(smt_check(&cfg, 2), 3); /* b with the VMM, with a, with c */
}

/* A CPU the machine lacks is the guest set-up's error, not a sibling. */
static void smt_missing_cpus_skipped(void)
{
	static struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	smt_guest(&cfg, "a", 7, false);
	smt_guest(&cfg, "b", 6, false);
	CHECK_EQ(smt_check(&cfg, 1), 0);
}

int main(void)
{
	CHECK_RUN(cpu_without_controls_fills_rsb_only);
	CHECK_RUN(amd_auto_ibrs);
	CHECK_RUN(amd_legacy_ibrs);
	CHECK_RUN(auto_ibrs_is_amds);
	CHECK_RUN(intel_old_affected_by_everything);
	CHECK_RUN(intel_without_microcode);
	CHECK_RUN(intel_clean);
	CHECK_RUN(intel_each_bit_its_measure);
	CHECK_RUN(intel_l1tf_and_verw);
	CHECK_RUN(describe_names_every_measure);
	CHECK_RUN(topology_from_leaf_b);
	CHECK_RUN(topology_amd_topoext);
	CHECK_RUN(topology_legacy_counts);
	CHECK_RUN(smt_siblings_refused_without_consent);
	CHECK_RUN(smt_consent_of_all_concerned);
	CHECK_RUN(smt_missing_cpus_skipped);
	return check_done();
}
