/* SPDX-License-Identifier: MIT */
/*
 * The VMM's TPM (docs/tpm.md): the one the ACPI TPM2 table describes, its
 * register page mapped uncached into the VMM alone, opened at locality 0
 * once at boot and then used from the VMM's CPU only. Its waits are
 * bounded by the TSC.
 */
#include <errno.h>
#include <string.h>
#include "drivers/acpi.h"
#include "drivers/tpm2.h"
#include "drivers/tpm_vmm.h"
#include "arch/x86/cpu.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/time.h"
#include "kernel/init.h"
#include "kernel/panic.h"
#include "kernel/config.h"
#include "kernel/handoff.h"
#include "kernel/crypto/hash.h"
#include "vmm/mlog.h"

static struct tpm vmm_tpm;
static volatile uint8_t *regs;
static bool present;
static uint32_t ak_handle; /* 0: no attestation key */
static uint8_t ak_public[TPM2_AK_PUBLIC_LEN];

static uint32_t mmio_read(void *ctx, unsigned off, unsigned size)
{
	(void)ctx;
	if (size == 1)
		return *(volatile uint8_t *)(regs + off);
	return *(volatile uint32_t *)(regs + off);
}

static void mmio_write(void *ctx, unsigned off, unsigned size, uint32_t v)
{
	(void)ctx;
	if (size == 1)
		*(volatile uint8_t *)(regs + off) = (uint8_t)v;
	else
		*(volatile uint32_t *)(regs + off) = v;
}

static uint64_t now_us(void *ctx)
{
	uint64_t per_us = time_tsc_per_ms() / 1000;

	(void)ctx;
	return cpu_rdtsc() / (per_us ? per_us : 1);
}

struct tpm *tpm_vmm(void)
{
	return present ? &vmm_tpm : NULL;
}

const uint8_t *tpm_vmm_ak_public(void)
{
	return ak_handle ? ak_public : NULL;
}

int tpm_vmm_quote(const uint8_t *nonce, size_t nonce_len, struct tpm2_quote *q,
		  uint8_t pcrs[TPM_VMM_QUOTE_COUNT][32])
{
	unsigned k = 0;
	int err;

	if (!present || !ak_handle)
		return -ENODEV;
	err = tpm2_quote(&vmm_tpm, ak_handle, nonce, nonce_len, TPM_VMM_QUOTE_PCRS, q);
	for (unsigned pcr = 0; !err && pcr < TPM2_PCRS; pcr++)
		if (TPM_VMM_QUOTE_PCRS & (1u << pcr))
			err = tpm2_pcr_read(&vmm_tpm, pcr, pcrs[k++]);
	return err;
}

/* The attestation key, made once per boot: a primary key is derived, not
 * stored, so this is the same key every boot. */
static void tpm_make_ak(void)
{
	uint64_t t0 = cpu_rdtsc(), per_ms = time_tsc_per_ms();
	int err = tpm2_create_ak(&vmm_tpm, &ak_handle, ak_public);

	if (err) {
		ak_handle = 0;
		/* TPM_RC_AUTH_FAIL or TPM_RC_BAD_AUTH (format 1, any session) */
		if (err > 0 && (err & 0x80) && ((err & 0x3f) == 0x0e || (err & 0x3f) == 0x22))
			printk("vigil: TPM: no attestation key: the endorsement hierarchy has a password "
			       "(docs/tpm.md, \"Attestation\"); quotes are refused\n");
		else
			printk("vigil: TPM: no attestation key: CreatePrimary failed (%d); quotes are refused\n", err);
		return;
	}
	printk("vigil: TPM: attestation key ECC P-256 from the endorsement hierarchy, handle 0x%x, in %lu ms\n",
	       ak_handle, (cpu_rdtsc() - t0) / (per_ms ? per_ms : 1));
}

int tpm_vmm_extend(unsigned pcr, const uint8_t digest[32])
{
	return present ? tpm2_pcr_extend(&vmm_tpm, pcr, digest) : -ENODEV;
}

/* What the stub extended, replayed from zero, against what the TPM holds:
 * PCRs 10 and 15 start at zero and nothing else is meant to extend them
 * (docs/boot.md), and the runtime PCR must still be zero. A mismatch is
 * said plainly: a quote would show it to any verifier. */
static void tpm_check_boot_pcrs(const struct handoff *h)
{
	static const unsigned pcrs[] = { 10, 15, MLOG_PCR };

	for (unsigned k = 0; k < sizeof(pcrs) / sizeof(pcrs[0]); k++) {
		uint8_t want[32] = { 0 }, got[32], buf[64];
		unsigned events = 0;

		for (uint32_t i = 0; i < h->meas_count; i++) {
			if (h->meas[i].pcr != pcrs[k] || !(h->meas[i].flags & HANDOFF_MEAS_TPM))
				continue;
			memcpy(buf, want, 32);
			memcpy(buf + 32, h->meas[i].sha256, 32);
			crypto_sha256(buf, sizeof(buf), want);
			events++;
		}
		if (tpm2_pcr_read(&vmm_tpm, pcrs[k], got))
			printk("vigil: TPM: PCR %u cannot be read\n", pcrs[k]);
		else if (memcmp(want, got, 32))
			printk("vigil: TPM: PCR %u does NOT match the %u boot events for it: something else extended it\n",
			       pcrs[k], events);
		else
			printk("vigil: TPM: PCR %u matches the %u boot events for it\n", pcrs[k], events);
	}
}

void tpm_start(uint64_t rsdp_pa, const struct handoff *h)
{
	const char *why = "";
	char name[5] = "";
	uint32_t len, maker = 0;
	const uint8_t *table = acpi_table_find(rsdp_pa, "TPM2", &len);
	int err;

	if (!table) {
		why = "no ACPI TPM2 table";
		goto none;
	}
	err = tpm_acpi_parse(table, len, &vmm_tpm.iface, &vmm_tpm.base, &why);
	if (!err) {
		regs = mm_map_mmio(vmm_tpm.base, TPM_REGS_SIZE);
		if (!regs) {
			why = "its registers cannot be mapped";
			err = -1;
		}
	}
	if (!err) {
		vmm_tpm.io = (struct tpm_io){ mmio_read, mmio_write, now_us, NULL };
		err = tpm_open(&vmm_tpm, &why);
	}
	if (!err && tpm2_get_property(&vmm_tpm, TPM2_PT_MANUFACTURER, &maker)) {
		why = "it does not answer GetCapability";
		err = -1;
	}
	if (err)
		goto none;
	present = true;
	/* The manufacturer's four ASCII characters, padded with NULs or
	 * spaces; anything else the TPM says is not printed as it is. */
	for (unsigned i = 0; i < 4; i++) {
		char c = (char)(maker >> (24 - 8 * i));

		name[i] = c >= 0x21 && c <= 0x7e ? c : '\0';
		if (!name[i])
			break;
	}
	printk("vigil: TPM: TPM 2.0 by \"%s\" (%04x:%04x), %s at 0x%lx, locality 0\n", name, vmm_tpm.vendor,
	       vmm_tpm.device, vmm_tpm.iface == TPM_IFACE_TIS ? "FIFO (TIS)" : "CRB", vmm_tpm.base);
	tpm_check_boot_pcrs(h);
	if (h->fwlog_size)
		printk("vigil: TPM: the firmware's event log, %u bytes%s, served as FWLOG\n", h->fwlog_size,
		       (h->flags & HANDOFF_F_FWLOG_PARTIAL) ? " (partial: events are missing)" : "");
	else
		printk("vigil: TPM: no firmware event log was handed over\n");
	tpm_make_ak();
	return;
none:
	/* Hiding the TPM in the firmware must not silently drop what it
	 * protects: a config that requires one stops here. */
	if (system_config.tpm_required)
		panic("TPM: required by the signed config (tpm = \"required\"), and none is usable: %s", why);
	printk("vigil: TPM: none (%s): no runtime PCR, no quotes; changes are logged but not anchored\n", why);
}
