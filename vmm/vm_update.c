/* SPDX-License-Identifier: MIT */
/*
 * Guest updates through the channel (docs/channel.md, "Guest updates"): a
 * publisher-signed package replaces the one a guest runs. PKG_BEGIN
 * carries the manifest and its signature file, verified completely before
 * a byte is staged: the guest's own publishers and threshold, the same
 * package, a version above the running one, a security version at least
 * the guest's floor, needs within the config's grants and the guest's
 * shape kept (its vCPUs and memory are partitioned at boot). The files
 * then arrive in PKG_CHUNKs, each file in order, into pages allocated for
 * this upload alone and hashed as they come; a file whose digests differ
 * from the manifest's discards the upload. PKG_COMMIT, with every file
 * complete, installs them and restarts the guest; PKG_ABORT discards.
 * A BEGIN with the manifest of the upload under way resumes it (the reply
 * says how far each file got). One upload at a time; any refusal leaves
 * what the guest runs as it was.
 */
#include <errno.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/selfcheck.h"
#include "vmm/audit.h"
#include "vmm/bundle_priv.h"
#include "vmm/channel.h"
#include "vmm/loader.h"
#include "vmm/mlog.h"
#include "vmm/package.h"
#include "vmm/vm.h"
#include "drivers/tpm_marks.h"

_Static_assert(PACKAGE_FILE_COUNT == VM_FILES, "a VM keeps a package's files");
_Static_assert(CHANNEL_PKG_NAME_LEN == CONFIG_NAME_LEN, "the request carries a guest name");

static struct upload {
	bool active;
	struct vm *vm;
	struct package pkg;
	struct vm_package_info info;
	struct config_guest cfg; /* the guest's own entry with this package */
	struct vm_files files;	 /* the staged files; mod[slot[f]] is file f */
	int slot[PACKAGE_FILE_COUNT];
	uint64_t got[PACKAGE_FILE_COUNT];
	struct crypto_hash_stream hash[PACKAGE_FILE_COUNT];
} up;

/* BEGIN decodes and grants into these, so a refusal leaves `up` alone. */
static struct package cand;
static struct package_effective cand_eff;
static struct config_guest cand_cfg;
static uint8_t manifest[PACKAGE_MAX_MANIFEST] __attribute__((aligned(8)));

static void upd_discard(const char *why)
{
	if (!up.active)
		return;
	printk("vigil: guest %s: update to %s version %lu %s\n", up.vm->name, up.pkg.name,
	       (unsigned long)up.pkg.version, why);
	page_free(up.files.base, up.files.pages);
	memset(&up, 0, sizeof(up));
}

static uint64_t upd_memory(unsigned count, const struct config_region *r)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < count; i++)
		total += r[i].size;
	return total;
}

/* The guest's vCPUs and memory stay what boot partitioned. */
static int upd_shape(const struct vm *vm, struct bundle_verdict *v)
{
	const struct config_guest *now = vm->cfg;
	bool same = cand_eff.cpu_count == now->cpu_count && cand_eff.region_count == now->region_count &&
		    !memcmp(cand_eff.cpus, now->cpus, now->cpu_count * sizeof(now->cpus[0])) &&
		    !memcmp(cand_eff.regions, now->regions, now->region_count * sizeof(now->regions[0]));

	if (same)
		return 0;
	return bnd_refuse(v, -EPERM, CHANNEL_E_PKG_GRANT,
			  "package %s needs %u vCPU(s) and %lu KiB; guest %s runs %u and %lu KiB: another shape "
			  "takes a reboot",
			  cand.name, cand_eff.cpu_count,
			  (unsigned long)(upd_memory(cand_eff.region_count, cand_eff.regions) >> 10), vm->name,
			  now->cpu_count, (unsigned long)(upd_memory(now->region_count, now->regions) >> 10));
}

/* The candidate against what the guest runs and is granted. */
static int upd_admit(struct vm *vm, struct bundle_verdict *v)
{
	const struct config_guest *g = vm->conf;
	uint64_t floor = g->min_security_version > vm->pkg.security_version ? g->min_security_version
									      : vm->pkg.security_version;
	int err;

	if (tpm_marks() && marks_guest(tpm_marks(), vm->name) > floor)
		floor = marks_guest(tpm_marks(), vm->name);

	if (strcmp(cand.name, vm->pkg.name))
		return bnd_refuse(v, -EPERM, CHANNEL_E_PKG_NAME, "package %s is not guest %s's package %s", cand.name,
				  vm->name, vm->pkg.name);
	if (cand.version <= vm->pkg.version)
		return bnd_refuse(v, -ESTALE, CHANNEL_E_PKG_VERSION,
				  "package %s version %lu is not above the running %lu", cand.name,
				  (unsigned long)cand.version, (unsigned long)vm->pkg.version);
	if (cand.security_version < floor)
		return bnd_refuse(v, -ESTALE, CHANNEL_E_PKG_SECURITY,
				  "package %s security version %lu is below guest %s's floor %lu", cand.name,
				  (unsigned long)cand.security_version, vm->name, (unsigned long)floor);
	err = package_grant(&cand, g, &cand_eff, v);
	if (!err)
		err = upd_shape(vm, v);
	if (!err)
		err = package_entry(&cand, g, &cand_eff, &cand_cfg, v);
	if (err)
		v->code = CHANNEL_E_PKG_GRANT;
	return err;
}

/* Pages for every file, each from a page boundary; the upload made of the candidate. */
static int upd_stage(struct vm *vm, uint32_t signers, struct bundle_verdict *v)
{
	const char *const paths[PACKAGE_FILE_COUNT] = { cand_cfg.image, cand_cfg.initrd, cand_cfg.acpi };
	uint64_t memory = upd_memory(vm->cfg->region_count, vm->cfg->regions), pages = 0, base;

	for (int f = 0; f < PACKAGE_FILE_COUNT; f++) {
		if (!cand.files[f].present)
			continue;
		if (cand.files[f].size > memory) /* also keeps the sum below from wrapping */
			return bnd_refuse(v, -E2BIG, CHANNEL_E_PKG_NOMEM,
					  "package %s's %s (%lu bytes) exceeds guest %s's memory", cand.name,
					  package_file_nodes[f], (unsigned long)cand.files[f].size, vm->name);
		pages += (cand.files[f].size + 4095) >> 12;
	}
	if (pages << 12 > memory)
		return bnd_refuse(v, -E2BIG, CHANNEL_E_PKG_NOMEM,
				  "package %s's files (%lu KiB) exceed guest %s's memory", cand.name,
				  (unsigned long)(pages << 2), vm->name);
	upd_discard("abandoned for another");
	base = pages ? page_alloc_high(pages, 4096) : 0;
	if (pages && !base)
		return bnd_refuse(v, -ENOMEM, CHANNEL_E_PKG_NOMEM, "no room to stage %lu KiB",
				  (unsigned long)(pages << 2));
	up = (struct upload){ .active = true, .vm = vm, .pkg = cand, .cfg = cand_cfg };
	up.files = (struct vm_files){ .base = base, .pages = pages };
	memcpy(up.info.name, cand.name, sizeof(up.info.name));
	up.info.version = cand.version;
	up.info.security_version = cand.security_version;
	memcpy(up.info.policy_digest, cand_eff.digest, sizeof(up.info.policy_digest));
	up.info.signers = signers;
	for (int f = 0; f < PACKAGE_FILE_COUNT; f++) {
		struct handoff_module *m = &up.files.mod[up.files.count];

		up.slot[f] = -1;
		if (!cand.files[f].present)
			continue;
		up.slot[f] = (int)up.files.count++;
		snprintk(m->name, sizeof(m->name), "%s", paths[f]);
		m->base = base;
		m->size = cand.files[f].size;
		memcpy(m->sha256, cand.files[f].sha256, sizeof(m->sha256));
		base += (m->size + 4095) & ~4095ull;
		crypto_stream_start(&up.hash[f]);
	}
	return 0;
}

static int upd_begin(const uint8_t *p, size_t len, struct bundle_verdict *v)
{
	char name[CHANNEL_PKG_NAME_LEN];
	uint32_t mlen, slen, signers;
	uint64_t need;
	struct vm *vm;
	int err;

	if (len < CHANNEL_PKG_BEGIN_HEADER)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_TRUNCATED, "update of %zu bytes, below its header", len);
	memcpy(name, p, sizeof(name));
	memcpy(&mlen, p + CHANNEL_PKG_NAME_LEN, 4);
	memcpy(&slen, p + CHANNEL_PKG_NAME_LEN + 4, 4);
	if (!memchr(name, 0, sizeof(name)))
		return bnd_refuse(v, -EINVAL, CHANNEL_E_MALFORMED, "the guest's name has no end");
	if (mlen > PACKAGE_MAX_MANIFEST)
		return bnd_refuse(v, -E2BIG, CHANNEL_E_OVERSIZED, "manifest of %u bytes, above %u", mlen,
				  PACKAGE_MAX_MANIFEST);
	need = CHANNEL_PKG_BEGIN_HEADER + ((mlen + 7ull) & ~7ull) + slen;
	if (need > len)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_TRUNCATED, "update of %zu bytes, its lengths say %lu", len,
				  (unsigned long)need);
	if (need < len)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_TRAILING, "%lu bytes after the signature file",
				  (unsigned long)(len - need));
	vm = vm_find(name);
	if (!vm)
		return bnd_refuse(v, -ENOENT, CHANNEL_E_PKG_GUEST, "no guest %s", name);
	if (vm->stop_cause == VM_STOP_REFUSED)
		return bnd_refuse(v, -EPERM, CHANNEL_E_PKG_GUEST, "guest %s runs no package: it was refused at boot",
				  name);
	memcpy(manifest, p + CHANNEL_PKG_BEGIN_HEADER, mlen);
	err = package_decode(manifest, mlen, &cand, v);
	if (!err)
		err = package_sigs_check(&cand, manifest, mlen, p + need - slen, slen,
					 (const uint8_t(*)[CONFIG_KEY_LEN])vm->conf->publishers,
					 vm->conf->publisher_count, vm->conf->publisher_threshold, v);
	if (err)
		return err;
	if (up.active && up.vm == vm && !memcmp(up.pkg.digest, cand.digest, sizeof(cand.digest))) {
		snprintk(v->message, sizeof(v->message), "guest %s: update to %s version %lu resumed", vm->name,
			 cand.name, (unsigned long)cand.version);
		return 0;
	}
	signers = v->signers; /* the grant's verdict starts afresh */
	err = upd_admit(vm, v);
	if (!err)
		err = upd_stage(vm, signers, v);
	if (!err)
		snprintk(v->message, sizeof(v->message), "guest %s: update to %s version %lu: %lu KiB to stage",
			 vm->name, cand.name, (unsigned long)cand.version, (unsigned long)(up.files.pages << 2));
	return err;
}

/* A file's last byte arrived: its digests against the manifest's. */
static int upd_file_done(int f, struct bundle_verdict *v)
{
	uint8_t d256[CRYPTO_SHA256_LEN], d384[CRYPTO_SHA384_LEN];

	crypto_stream_end(&up.hash[f], d256, d384);
	if (!memcmp(d256, up.pkg.files[f].sha256, sizeof(d256)) && !memcmp(d384, up.pkg.files[f].sha384, sizeof(d384)))
		return 0;
	bnd_refuse(v, -EBADMSG, CHANNEL_E_PKG_FILE, "package %s: %s '%s' does not match the manifest: upload discarded",
		   up.pkg.name, package_file_nodes[f], up.pkg.files[f].path);
	upd_discard("discarded");
	return v->err;
}

static int upd_id(const uint8_t *p, size_t len, size_t header, struct bundle_verdict *v)
{
	if (len < header)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_TRUNCATED, "request of %zu bytes, below its %zu", len, header);
	if (!up.active || memcmp(p, up.pkg.digest, CHANNEL_PKG_ID_LEN))
		return bnd_refuse(v, -ENOENT, CHANNEL_E_PKG_UPLOAD, "no such upload");
	return 0;
}

static int upd_chunk(const uint8_t *p, size_t len, struct bundle_verdict *v)
{
	uint32_t f, zero;
	uint64_t off;
	size_t n = len - CHANNEL_PKG_CHUNK_HEADER;
	int err = upd_id(p, len, CHANNEL_PKG_CHUNK_HEADER, v);

	if (err)
		return err;
	memcpy(&f, p + 16, 4);
	memcpy(&zero, p + 20, 4);
	memcpy(&off, p + 24, 8);
	if (f >= PACKAGE_FILE_COUNT || up.slot[f] < 0 || zero)
		return bnd_refuse(v, -EINVAL, CHANNEL_E_PKG_UPLOAD, "no file %u in package %s", f, up.pkg.name);
	if (off != up.got[f])
		return bnd_refuse(v, -ERANGE, CHANNEL_E_PKG_UPLOAD, "%s: offset %lu, expected %lu",
				  package_file_nodes[f], (unsigned long)off, (unsigned long)up.got[f]);
	if (!n || n > up.pkg.files[f].size - off)
		return bnd_refuse(v, -ERANGE, CHANNEL_E_PKG_UPLOAD, "%s: %zu bytes at %lu, the file has %lu",
				  package_file_nodes[f], n, (unsigned long)off, (unsigned long)up.pkg.files[f].size);
	memcpy((uint8_t *)phys_to_virt(up.files.mod[up.slot[f]].base) + off, p + CHANNEL_PKG_CHUNK_HEADER, n);
	crypto_stream_add(&up.hash[f], p + CHANNEL_PKG_CHUNK_HEADER, n);
	up.got[f] += n;
	if (up.got[f] < up.pkg.files[f].size)
		return 0;
	err = upd_file_done((int)f, v);
	if (!err)
		snprintk(v->message, sizeof(v->message), "package %s: %s complete, %lu bytes as the manifest says",
			 up.pkg.name, package_file_nodes[f], (unsigned long)up.got[f]);
	return err;
}

static void upd_record(const struct upload *u)
{
	mlog_append(&(struct mlog_change){ .sequence = u->pkg.version, .kind = MLOG_KIND_PACKAGE,
					   .role = ROLE_PUBLISHER, .guest = u->vm->name,
					   .payload_sha384 = u->pkg.digest,
					   .text_sha256 = selfcheck_state()->expected });
}

static int upd_commit(const uint8_t *p, size_t len, struct bundle_verdict *v)
{
	const struct handoff_module *img;
	struct vm_files old;
	const char *why;
	uint64_t was;
	int err = upd_id(p, len, CHANNEL_PKG_ID_LEN, v);

	if (err)
		return err;
	if (len != CHANNEL_PKG_ID_LEN)
		return bnd_refuse(v, -EBADMSG, CHANNEL_E_TRAILING, "%zu bytes after the upload's id",
				  len - CHANNEL_PKG_ID_LEN);
	for (int f = 0; f < PACKAGE_FILE_COUNT; f++)
		if (up.slot[f] >= 0 && up.got[f] != up.pkg.files[f].size)
			return bnd_refuse(v, -EAGAIN, CHANNEL_E_PKG_UPLOAD, "%s: %lu of %lu bytes received",
					  package_file_nodes[f], (unsigned long)up.got[f],
					  (unsigned long)up.pkg.files[f].size);
	err = mlog_ready(&why);
	if (err)
		return bnd_refuse(v, err, CHANNEL_E_APPLY, "%s", why);
	img = &up.files.mod[up.slot[PACKAGE_FILE_IMAGE]];
	err = loader_check_elf(up.vm, phys_to_virt(img->base), img->size);
	if (err)
		return bnd_refuse(v, err, CHANNEL_E_APPLY, "package %s: its image does not load into guest %s (%d)",
				  up.pkg.name, up.vm->name, err);
	err = tpm_marks_raise_guest(up.vm->name, up.pkg.security_version, up.pkg.version, &why);
	if (err)
		return bnd_refuse(v, err < 0 ? err : -EIO, CHANNEL_E_MARKS,
				  "package %s: version %lu not recorded in the TPM: %s", up.pkg.name,
				  (unsigned long)up.pkg.version, why);
	was = up.vm->pkg.version;
	err = vm_control_update(up.vm, &up.cfg, &up.files, &up.info, &old);
	if (err)
		return bnd_refuse(v, err, err == -EBUSY ? CHANNEL_E_PKG_BUSY : CHANNEL_E_PKG_GUEST,
				  "guest %s cannot take the update now (%d)", up.vm->name, err);
	upd_record(&up);
	page_free(old.base, old.pages);
	snprintk(v->message, sizeof(v->message), "guest %s restarting with package %s version %lu (was %lu)",
		 up.vm->name, up.pkg.name, (unsigned long)up.pkg.version, (unsigned long)was);
	memset(&up, 0, sizeof(up)); /* the files are the guest's now */
	return 0;
}

static void upd_reply(struct reply *r, int err, const struct bundle_verdict *v)
{
	uint64_t sizes[PACKAGE_FILE_COUNT], got[PACKAGE_FILE_COUNT];

	reply_begin(r, r->buf, r->cap, err, v->code, v->message);
	if (err || !up.active)
		return;
	for (int f = 0; f < PACKAGE_FILE_COUNT; f++) {
		sizes[f] = __builtin_bswap64(up.slot[f] >= 0 ? up.pkg.files[f].size : 0);
		got[f] = __builtin_bswap64(up.got[f]);
	}
	reply_bytes(r, "upload", up.pkg.digest, CHANNEL_PKG_ID_LEN);
	reply_str(r, "guest", up.vm->name);
	reply_str(r, "package", up.pkg.name);
	reply_u64(r, "package-version", up.pkg.version);
	reply_bytes(r, "sizes", sizes, sizeof(sizes));
	reply_bytes(r, "received", got, sizeof(got));
}

void channel_package(struct reply *r, uint8_t type, const uint8_t *payload, size_t len)
{
	struct bundle_verdict v;
	int err;

	memset(&v, 0, sizeof(v));
	if (type == CHANNEL_REQ_PKG_BEGIN) {
		err = upd_begin(payload, len, &v);
	} else if (type == CHANNEL_REQ_PKG_CHUNK) {
		err = upd_chunk(payload, len, &v);
	} else if (type == CHANNEL_REQ_PKG_COMMIT) {
		err = upd_commit(payload, len, &v);
	} else {
		err = upd_id(payload, len, CHANNEL_PKG_ID_LEN, &v);
		if (!err)
			upd_discard("aborted by the operator");
	}
	if (!v.message[0])
		snprintk(v.message, sizeof(v.message), "ok");
	if (type != CHANNEL_REQ_PKG_CHUNK || err || strcmp(v.message, "ok"))
		printk("vigil: guest update %s: %s\n", err ? "refused" : "accepted", v.message);
	upd_reply(r, err, &v);
	audit_record(type, err, v.code, v.message);
}
