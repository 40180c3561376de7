/* SPDX-License-Identifier: MIT */
/*
 * The UEFI stub's story: read, verify, measure, load, hand over. Nothing the
 * ESP holds is trusted before its platform signature has been checked, and
 * nothing is started unless every step succeeded.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/dtb_scan.h"
#include "boot/elf_load.h"
#include "boot/measure.h"
#include "boot/paging.h"
#include "boot/path.h"
#include "boot/pci_scan.h"
#include "boot/print.h"
#include "boot/tcglog.h"
#include "kernel/crypto/hash.h"
#include "kernel/crypto/sig.h"

#define FILES_MAX (HANDOFF_MAX_MODULES - 3) /* modules[0] is the config, the last two the TPM policy */
#define PACKAGE_FILES_MAX 3		     /* image, initrd, acpi (vmm/package.h) */
#define TRAMPOLINE_BELOW 0x9f000ull	     /* under the EBDA, below 1 MiB */
#define CR4_LA57 (1ull << 12)
#define IDENTITY_MIN 0x100000000ull	     /* handoff.h: at least 4 GiB */
/* The VMM starts its APs through a trampoline that runs in 32-bit mode
 * before it reaches the VMM: the image must lie below 4 GiB. */
#define VMM_BELOW 0x100000000ull
/* Room after the firmware's log for what it logs at ExitBootServices
 * (two events on EDK2: some 200 bytes). */
#define FWLOG_ROOM 0x4000u

/* The platform key set and threshold built into this stub
 * (build/gen/platform_keys.c, generated from the platform public keys). */
extern const struct sig_keyset platform_keyset;

struct file {
	const char *name; /* below vigil/ */
	void *buf;
	size_t len;
	char own[HANDOFF_NAME_LEN]; /* the name, when it is made here (a package's files) */
};

struct stub {
	struct handoff *h;
	uint64_t crash_phys;
	struct file vmm, vmm_sig, cfg, cfg_sig;
	struct file pol, pol_sig; /* the approved TPM policy, when the ESP has one */
	struct file gfile[FILES_MAX]; /* every package's manifest, its .sig and files */
	unsigned gfiles;
	struct elf_image img;
	void *tables;
	size_t tables_size;
	/* The firmware's log: its copy's room, digest sizes, final events. */
	size_t fwlog_cap;
	struct tcglog_algs fwlog_algs;
	const struct boot_final_events *fwlog_final;
	uint64_t fwlog_skip; /* final events the copy already holds */
};

static const char *err_text(int err)
{
	switch (err) {
	case -ENOENT: return "missing";
	case -E2BIG: return "too large";
	case -ENOMEM: return "out of memory";
	case -ENOEXEC: return "not an x86-64 executable";
	case -EINVAL: return "malformed";
	default: return "read error";
	}
}

/* A missing file is the caller's to report when missing_ok. */
static int file_load(struct file *f, const char *name, bool missing_ok)
{
	char path[HANDOFF_NAME_LEN + 8] = "vigil/";
	int err;

	f->name = name;
	memcpy(path + 6, name, strlen(name) + 1);
	err = boot_file_read(path, &f->buf, &f->len);
	if (err && !(missing_ok && err == -ENOENT))
		stub_printf("vigil-stub: refused %s: %s\n", name, err_text(err));
	return err;
}

static void file_drop(struct file *f)
{
	boot_pages_free(f->buf, f->len ? f->len : 1);
	f->buf = NULL;
}

/* First of all allocations: the page the previous boot's VMM may have left
 * a crash record in. Its contents are the VMM's to judge. */
static int crash_page_claim(struct stub *s)
{
	static const char *const how[] = { "a new page, its address not recorded", "a new page",
					   "kept from the last boot" };
	int kept, err = boot_crash_page(&s->crash_phys, &kept);

	if (err)
		stub_printf("vigil-stub: no crash record page (out of memory)\n");
	else if (s->crash_phys)
		stub_printf("vigil-stub: crash record page at 0x%lx (%s)\n",
			    (unsigned long)s->crash_phys, how[kept + 1]);
	return 0;
}

static int handoff_alloc(struct stub *s)
{
	int err = boot_pages_alloc(sizeof(*s->h), PAGE_SIZE, 0, (void **)&s->h);

	if (err)
		return err;
	memset(s->h, 0, sizeof(*s->h));
	s->h->magic = HANDOFF_MAGIC;
	s->h->version = HANDOFF_VERSION;
	s->h->size = sizeof(*s->h);
	s->h->crash_phys = s->crash_phys;
	if (boot_tpm_present())
		s->h->flags |= HANDOFF_F_TPM;
	if (boot_secure_boot())
		s->h->flags |= HANDOFF_F_SECURE_BOOT;
	stub_printf("vigil-stub: secure boot %s, %s\n",
		    (s->h->flags & HANDOFF_F_SECURE_BOOT) ? "on" : "off",
		    (s->h->flags & HANDOFF_F_TPM) ? "TPM 2.0 present" : "no TPM");
	return 0;
}

static int signed_read(struct stub *s)
{
	return file_load(&s->vmm, "vmm.elf", false)
	    ?: file_load(&s->vmm_sig, "vmm.elf.sig", false)
	    ?: file_load(&s->cfg, "system.dtb", false)
	    ?: file_load(&s->cfg_sig, "system.dtb.sig", false);
}

static int file_verify(const struct file *f, const struct file *sig)
{
	struct sig_verdict v;
	int err = sig_verify_set(f->buf, f->len, sig->buf, sig->len, &platform_keyset, &v);

	if (err) {
		stub_printf("vigil-stub: refused %s: %s (%u of %u platform keys)\n", f->name,
			    v.why ? v.why : sig_strerror(err), v.valid, v.needed);
		return err;
	}
	stub_printf("vigil-stub: verified %s (%u of %u platform keys)\n", f->name, v.valid,
		    v.needed);
	return 0;
}

static int signed_verify(struct stub *s)
{
	return file_verify(&s->vmm, &s->vmm_sig) ?: file_verify(&s->cfg, &s->cfg_sig);
}

/*
 * The write policy of the TPM's anti-rollback marks as the platform
 * approved it (docs/tpm.md, "Anti-rollback across reboots"): optional, but
 * when it is there it is signed like the config, or the boot is refused.
 * The VMM shows the TPM one of its signatures; the threshold is checked
 * here.
 */
static int policy_read(struct stub *s)
{
	int err = file_load(&s->pol, "tpm-policy.bin", true);

	if (err == -ENOENT) {
		s->pol.buf = NULL;
		return 0;
	}
	return err ?: file_load(&s->pol_sig, "tpm-policy.bin.sig", false) ?: file_verify(&s->pol, &s->pol_sig);
}

/* The next guest file slot, or NULL (and a message) when all are taken. */
static struct file *gfile_next(struct stub *s)
{
	if (s->gfiles == FILES_MAX) {
		stub_printf("vigil-stub: refused system.dtb: more than %d guest files\n", FILES_MAX);
		return NULL;
	}
	return &s->gfile[s->gfiles++];
}

/* <dir>/<name> into the file's own name; -EINVAL when it is no path. A
 * missing file takes no slot: it is said, and its guest is the VMM's to
 * refuse (the other guests still start). */
static int gfile_load_in(struct stub *s, const char *dir, const char *name)
{
	struct file *f = gfile_next(s);
	size_t d = strlen(dir), n = strlen(name);
	int err;

	if (!f)
		return -E2BIG;
	if (d + 1 + n >= sizeof(f->own) || strchr(name, '/')) {
		stub_printf("vigil-stub: package %s: bad file name\n", dir);
		return -EINVAL;
	}
	memcpy(f->own, dir, d);
	f->own[d] = '/';
	memcpy(f->own + d + 1, name, n + 1);
	if (path_check(f->own)) {
		stub_printf("vigil-stub: package %s: bad file name\n", dir);
		return -EINVAL;
	}
	err = file_load(f, f->own, true);
	if (err == -ENOENT) {
		s->gfiles--;
		stub_printf("vigil-stub: package %s: no %s; its guest will be refused\n", dir, name);
	}
	return err;
}

/*
 * A package: its manifest and signature file, then the files the manifest
 * names. The stub verifies none of it (the VMM does, guest by guest,
 * docs/formats.md "Who verifies"): it reads the names from the manifest
 * with the same defensive walk as the config's, measures what it reads
 * and hands it on. A manifest it cannot read for names is handed on too:
 * the VMM refuses that guest and says why; the others start.
 */
static int package_read(struct stub *s, const char *dir)
{
	struct dtb_file files[PACKAGE_FILES_MAX];
	const struct file *manifest;
	unsigned n = 0;
	int err;

	err = gfile_load_in(s, dir, "manifest.dtb");
	if (err)
		return err == -ENOENT ? 0 : err;
	manifest = &s->gfile[s->gfiles - 1];
	err = gfile_load_in(s, dir, "manifest.dtb.sig");
	if (err && err != -ENOENT)
		return err;
	if (dtb_manifest_files(manifest->buf, manifest->len, files, PACKAGE_FILES_MAX, &n)) {
		stub_printf("vigil-stub: package %s: no file names in its manifest\n", dir);
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		err = gfile_load_in(s, dir, files[i].path);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

/* Only called once the config verified: its package paths are now the
 * platform's word, still checked so a signing mistake cannot escape vigil/.
 * Every guest is a package; a config naming a guest's files directly (the
 * withdrawn form) is refused whole, as the VMM's parser would. */
static int guests_read(struct stub *s)
{
	struct dtb_file pkg[FILES_MAX];
	unsigned i, count;
	int err;

	err = dtb_files_collect(s->cfg.buf, s->cfg.len, pkg, FILES_MAX, &count);
	if (err == -EPERM) {
		stub_printf("vigil-stub: refused system.dtb: a guest names image, initrd, acpi or cmdline: "
			    "no longer accepted, a guest is a signed package\n");
		return err;
	}
	if (err) {
		stub_printf("vigil-stub: refused system.dtb: bad /guests (%s)\n", err_text(err));
		return err;
	}
	for (i = 0; i < count && !err; i++) {
		if (path_check(pkg[i].path)) {
			stub_printf("vigil-stub: refused system.dtb: guest %s: bad %s path\n",
				    pkg[i].guest, pkg[i].prop);
			return -EINVAL;
		}
		err = package_read(s, pkg[i].path);
	}
	return err;
}

/* Live patches and reverts applied at run time and placed on the ESP
 * (docs/tpm.md, "Persistent live patches"): vigil/patches/<sequence, 16
 * lowercase hex digits>.bundle. The stub hands them over in sequence order
 * and measures them; the VMM verifies each and checks the set against the
 * TPM's marks, so a file missing here is its to refuse. */
#define PATCHES_MAX 32
#define PATCH_NAME_LEN 23 /* 16 hex digits and ".bundle" */

struct patch_names {
	char name[PATCHES_MAX][PATCH_NAME_LEN + 1];
	unsigned count, skipped;
};

static void patch_name(const char *name, void *ctx)
{
	struct patch_names *pn = ctx;
	bool ok = strlen(name) == PATCH_NAME_LEN && !strcmp(name + 16, ".bundle");

	for (unsigned i = 0; ok && i < 16; i++)
		ok = (name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f');
	if (!ok || pn->count == PATCHES_MAX) {
		stub_printf("vigil-stub: patches/%s: %s, not handed over\n", name,
			    ok ? "more than 32 persisted patches" : "not a <sequence>.bundle name");
		pn->skipped++;
		return;
	}
	memcpy(pn->name[pn->count++], name, PATCH_NAME_LEN + 1);
}

static int patches_read(struct stub *s)
{
	static struct patch_names pn;
	int err = boot_dir_list("vigil/patches", patch_name, &pn);

	if (err == -ENOENT)
		return 0;
	if (err)
		stub_printf("vigil-stub: vigil/patches cannot be listed (%s)\n", err_text(err));
	/* Fixed-width hex: their order as strings is their sequences'. */
	for (unsigned i = 1; i < pn.count; i++)
		for (unsigned j = i; j && strcmp(pn.name[j - 1], pn.name[j]) > 0; j--) {
			char t[PATCH_NAME_LEN + 1];

			memcpy(t, pn.name[j], sizeof(t));
			memcpy(pn.name[j], pn.name[j - 1], sizeof(t));
			memcpy(pn.name[j - 1], t, sizeof(t));
		}
	for (unsigned i = 0; i < pn.count; i++) {
		err = gfile_load_in(s, "patches", pn.name[i]);
		if (err && err != -ENOENT)
			return err;
	}
	stub_printf("vigil-stub: %u persisted live patches and reverts\n", pn.count);
	return 0;
}

/* The platform key set as built in: its points, then the threshold as a
 * little-endian 32-bit number. docs/boot.md gives the recipe. */
static int keys_measure(struct stub *s)
{
	uint8_t buf[SIG_MAX_KEYS * SIG_POINT_LEN + 4];
	const struct sig_keyset *k = &platform_keyset;
	size_t n = (size_t)k->count * SIG_POINT_LEN;
	unsigned i;

	if (k->count == 0 || k->count > SIG_MAX_KEYS)
		return -EINVAL;
	memcpy(buf, k->points, n);
	for (i = 0; i < 4; i++)
		buf[n + i] = (uint8_t)(k->threshold >> (8 * i));
	return measure_buffer(s->h, "platform-keys", buf, n + 4, MEASURE_PCR_TCB, NULL);
}

static int measure_all(struct stub *s)
{
	struct handoff_module *m = s->h->modules;
	unsigned i;
	int err;

	err = keys_measure(s)
	   ?: measure_buffer(s->h, "vmm.elf", s->vmm.buf, s->vmm.len, MEASURE_PCR_TCB, NULL)
	   ?: measure_buffer(s->h, "system.dtb", s->cfg.buf, s->cfg.len, MEASURE_PCR_WORKLOAD,
			     m[0].sha256);
	for (i = 0; !err && i < s->gfiles; i++)
		err = measure_buffer(s->h, s->gfile[i].name, s->gfile[i].buf, s->gfile[i].len,
				     MEASURE_PCR_WORKLOAD, m[i + 1].sha256);
	if (!err && s->pol.buf)
		err = measure_buffer(s->h, s->pol.name, s->pol.buf, s->pol.len, MEASURE_PCR_WORKLOAD,
				     m[s->gfiles + 1].sha256);
	return err;
}

static int vmm_load(struct stub *s)
{
	void *dest;
	int err = elf_check(s->vmm.buf, s->vmm.len, &s->img);

	if (err) {
		stub_printf("vigil-stub: refused vmm.elf: %s\n", err_text(err));
		return err;
	}
	err = boot_pages_alloc(s->img.span, HANDOFF_VMM_ALIGN, VMM_BELOW, &dest);
	if (err)
		return err;
	elf_copy(s->vmm.buf, &s->img, dest);
	s->h->vmm_phys_base = (uint64_t)(uintptr_t)dest;
	s->h->vmm_phys_size = s->img.span;
	s->h->vmm_virt_base = s->img.virt_base;
	return 0;
}

/* The config and the packages' files stay in the page-aligned buffers they
 * were read, verified and measured in: what the VMM gets is what was
 * measured, byte for byte. Their digests were filled in by measure_all. */
static int modules_record(struct stub *s)
{
	struct handoff_module *m = s->h->modules;
	unsigned i;

	for (i = 0; i <= s->gfiles; i++) {
		const struct file *f = i ? &s->gfile[i - 1] : &s->cfg;

		memcpy(m[i].name, f->name, strlen(f->name) + 1);
		m[i].base = (uint64_t)(uintptr_t)f->buf;
		m[i].size = f->len;
	}
	s->h->module_count = s->gfiles + 1;
	for (i = 0; s->pol.buf && i < 2; i++) { /* the policy, then its signatures */
		const struct file *f = i ? &s->pol_sig : &s->pol;
		struct handoff_module *p = &m[s->h->module_count++];

		memcpy(p->name, f->name, strlen(f->name) + 1);
		p->base = (uint64_t)(uintptr_t)f->buf;
		p->size = f->len;
		if (i)
			crypto_sha256(f->buf, f->len, p->sha256);
	}
	return 0;
}

static int platform_record(struct stub *s)
{
	void *t;

	if (boot_pages_alloc(PAGE_SIZE, PAGE_SIZE, TRAMPOLINE_BELOW, &t) == 0)
		s->h->trampoline_phys = (uint64_t)(uintptr_t)t;
	else
		stub_printf("vigil-stub: no free page below 1 MiB for AP start-up\n");
	s->h->acpi_rsdp = boot_rsdp();
	if (!s->h->acpi_rsdp)
		stub_printf("vigil-stub: no ACPI 2.0 RSDP\n");
	return 0;
}

static int tables_build(struct stub *s)
{
	struct paging_pool pool;
	uint64_t top;
	int err;

	if (boot_cr4_read() & CR4_LA57) {
		stub_printf("vigil-stub: refused: firmware runs 5-level paging\n");
		return -EOPNOTSUPP;
	}
	err = boot_memmap_probe(s->h, &top);
	if (err) {
		stub_printf("vigil-stub: unusable firmware memory map\n");
		return err;
	}
	top = top > IDENTITY_MIN ? top : IDENTITY_MIN;
	s->tables_size = paging_pool_pages(top, &s->img) * PAGE_SIZE;
	err = boot_pages_alloc(s->tables_size, PAGE_SIZE, 0, &s->tables);
	if (err)
		return err;
	pool = (struct paging_pool){ .next = s->tables,
				     .end = (uint64_t *)((uint8_t *)s->tables + s->tables_size) };
	err = paging_build(&pool, top, &s->img, s->h->vmm_phys_base, &s->h->boot_cr3);
	if (err)
		stub_printf("vigil-stub: refused vmm.elf: cannot map its segments\n");
	return err;
}

/* Everything the VMM does not get goes back to the firmware, so the
 * memory map hands over as little HANDOFF_MEM_BOOT as possible. */
static int buffers_release(struct stub *s)
{
	file_drop(&s->vmm);
	file_drop(&s->vmm_sig);
	file_drop(&s->cfg_sig);
	return 0;
}

/*
 * From here no PCI device may write memory until the VMM's IOMMU is set
 * up (docs/boot.md, "DMA before the IOMMU"). The last step that can
 * refuse, so a refused boot hands the firmware its devices back as they
 * were; when it cannot list them, nothing was changed.
 */
static int bus_masters_off(struct stub *s)
{
	struct pci_count c;
	int err = boot_pci_bus_masters_off(&c);

	if (err) {
		stub_printf("vigil-stub: refused: cannot list the PCI functions (%s)\n", err_text(err));
		return err;
	}
	stub_printf("vigil-stub: bus mastering off on %u of %u PCI functions\n", c.cleared, c.functions);
	if (c.kept)
		stub_printf("vigil-stub: %u PCI functions keep bus mastering on\n", c.kept);
	s->h->flags |= HANDOFF_F_BUS_MASTER_OFF;
	s->h->pci_functions = c.functions;
	s->h->pci_bus_masters_cleared = c.cleared;
	return 0;
}

/* The firmware is gone, and with it its ExitBootServices callbacks, some
 * of which turn bus mastering back on: segment 0 once more, through the
 * ports. The counts go to the VMM only; there is no console any more. */
static void bus_masters_off_late(struct handoff *h)
{
	struct pci_count c;

	pci_bus_masters_off(&c);
	h->pci_seg0_functions = c.functions;
	h->pci_seg0_bus_masters_cleared = c.cleared;
	h->pci_seg0_bus_masters_kept = c.kept;
}

static void fwlog_skip(const char *why)
{
	stub_printf("vigil-stub: firmware event log not handed over: %s\n", why);
}

/*
 * The firmware's own log (docs/tpm.md, "The firmware's log"), copied once
 * the stub's measurements are in it, so a verifier can replay the whole
 * boot: PCRs 0-7 from the firmware's events, 10 and 15 from the stub's.
 * What the firmware logs after this call goes to its final events table,
 * which fwlog_final reads after ExitBootServices. Never a refusal: the
 * VMM runs the same without it; a verifier then lacks the firmware's part.
 */
static int fwlog_copy(struct stub *s)
{
	const uint8_t *log;
	size_t last, len;
	void *copy;
	int cut, err;

	if (!(s->h->flags & HANDOFF_F_TPM))
		return 0;
	err = boot_tpm_event_log(&log, &last, &cut);
	if (err) {
		fwlog_skip(err == -ENOENT ? "the firmware keeps none" : "GetEventLog failed");
		return 0;
	}
	s->fwlog_final = boot_tpm_final_events();
	s->fwlog_skip = s->fwlog_final ? s->fwlog_final->count : 0;
	/* The firmware's memory is read only as far as its own lengths say,
	 * and never more than the handoff could carry. */
	if (tcglog_measure(log, HANDOFF_FWLOG_MAX - FWLOG_ROOM, last, &s->fwlog_algs, &len)) {
		fwlog_skip("malformed, or larger than the handoff's 4 MiB");
		return 0;
	}
	s->fwlog_cap = (len + FWLOG_ROOM + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	if (boot_pages_alloc(s->fwlog_cap, PAGE_SIZE, 0, &copy)) {
		s->fwlog_cap = 0;
		fwlog_skip("out of memory");
		return 0;
	}
	memcpy(copy, log, len);
	s->h->fwlog_phys = (uint64_t)(uintptr_t)copy;
	s->h->fwlog_size = (uint32_t)len;
	if (cut || !s->fwlog_final)
		s->h->flags |= HANDOFF_F_FWLOG_PARTIAL;
	stub_printf("vigil-stub: firmware event log: %lu bytes%s\n", (unsigned long)len,
		    cut ? ", truncated by the firmware" :
		    !s->fwlog_final ? ", without a final events table" : "");
	return 0;
}

/*
 * After ExitBootServices: the final events table's events newer than the
 * copy (those the firmware logged during the exit, into PCR 5) go after
 * it. Whatever cannot be appended whole marks the log partial. The
 * firmware is gone: nothing to report to but the handoff.
 */
static void fwlog_final(struct stub *s)
{
	const struct boot_final_events *f = s->fwlog_final;
	uint8_t *copy = (uint8_t *)(uintptr_t)s->h->fwlog_phys;
	size_t skip, more, room = s->fwlog_cap - s->h->fwlog_size;

	if (!copy || !f)
		return;
	if (f->count < s->fwlog_skip ||
	    tcglog_events(f->events, HANDOFF_FWLOG_MAX, s->fwlog_skip, &s->fwlog_algs, &skip) ||
	    tcglog_events(f->events + skip, room, f->count - s->fwlog_skip, &s->fwlog_algs, &more)) {
		s->h->flags |= HANDOFF_F_FWLOG_PARTIAL;
		return;
	}
	memcpy(copy + s->h->fwlog_size, f->events + skip, more);
	s->h->fwlog_size += (uint32_t)more;
}

static void stub_unwind(struct stub *s)
{
	unsigned i;

	buffers_release(s);
	file_drop(&s->cfg);
	file_drop(&s->pol);
	file_drop(&s->pol_sig);
	for (i = 0; i < s->gfiles; i++)
		file_drop(&s->gfile[i]);
	if (s->h && s->h->vmm_phys_base)
		boot_pages_free((void *)(uintptr_t)s->h->vmm_phys_base, s->h->vmm_phys_size);
	if (s->h && s->h->trampoline_phys)
		boot_pages_free((void *)(uintptr_t)s->h->trampoline_phys, PAGE_SIZE);
	boot_pages_free(s->tables, s->tables_size);
	if (s->h && s->h->fwlog_phys)
		boot_pages_free((void *)(uintptr_t)s->h->fwlog_phys, s->fwlog_cap);
	boot_pages_free(s->h, sizeof(*s->h));
	boot_pages_free((void *)(uintptr_t)s->crash_phys, PAGE_SIZE);
}

int stub_main(void)
{
	struct stub s = { 0 };
	int err;

	err = crash_page_claim(&s)	/* before any allocation: last boot's crash page */
	   ?: handoff_alloc(&s)		/* zeroed handoff; TPM and Secure Boot state */
	   ?: signed_read(&s)		/* vmm.elf, system.dtb and their .sig files */
	   ?: signed_verify(&s)		/* platform key set + threshold, else refuse */
	   ?: policy_read(&s)		/* tpm-policy.bin, when there: signed the same */
	   ?: guests_read(&s)		/* the packages the now-trusted config names */
	   ?: patches_read(&s)		/* vigil/patches: live patches that persist */
	   ?: measure_all(&s)		/* SHA-256 into the handoff, PCRs if a TPM */
	   ?: vmm_load(&s)		/* check the ELF, copy it to a 2 MiB base */
	   ?: modules_record(&s)	/* config first, then the packages' files */
	   ?: platform_record(&s)	/* AP trampoline page, ACPI RSDP */
	   ?: tables_build(&s)		/* the boot page tables of handoff.h */
	   ?: buffers_release(&s)	/* hand back what the VMM does not need */
	   ?: bus_masters_off(&s)	/* every PCI function the firmware lists */
	   ?: fwlog_copy(&s);		/* the firmware's log, ours in it; never refuses */
	if (err) {
		stub_unwind(&s);
		return err;
	}
	stub_printf("vigil-stub: starting vmm.elf at 0x%lx\n", (unsigned long)s.img.entry);
	err = boot_exit(s.h);		/* final memory map, ExitBootServices */
	if (err) {
		stub_printf("vigil-stub: ExitBootServices failed\n");
		return err;
	}
	fwlog_final(&s);		/* what the firmware logged during the exit */
	bus_masters_off_late(s.h);	/* segment 0 again, after the exit callbacks */
	boot_enter(s.h->boot_cr3, s.img.entry, (uint64_t)(uintptr_t)s.h);
}
