/* SPDX-License-Identifier: MIT */
/*
 * The TPM 2.0 as the VMM talks to it after the firmware is gone
 * (docs/tpm.md): the ACPI TPM2 table says where and how, the FIFO (TIS)
 * interface or the Command Response Buffer (CRB), locality 0, one command
 * at a time, on the VMM's CPU only. No guest maps its registers.
 *
 * Register reads and writes, and the clock that bounds every wait, go
 * through struct tpm_io, so that the unit tests can put a model of the
 * device, well-behaved or not, behind the same code.
 */
#ifndef DRIVERS_TPM_H
#define DRIVERS_TPM_H

#include <stddef.h>
#include <stdint.h>

enum tpm_iface { TPM_IFACE_NONE, TPM_IFACE_TIS, TPM_IFACE_CRB };

/* The registers of locality 0: one page. */
#define TPM_REGS_SIZE 0x1000u
/* The FIFO interface's fixed address (TCG PC Client PTP). */
#define TPM_TIS_BASE 0xfed40000ull
/* A command or response: TPM 2.0 implementations bound theirs to 4 KiB. */
#define TPM_BUF_MAX 4096u

struct tpm_io {
	uint32_t (*read)(void *ctx, unsigned off, unsigned size);
	void (*write)(void *ctx, unsigned off, unsigned size, uint32_t val);
	uint64_t (*now_us)(void *ctx); /* a clock that moves on while waited on */
	void *ctx;
};

struct tpm {
	enum tpm_iface iface;
	uint64_t base; /* locality 0's registers, physical */
	struct tpm_io io;
	uint16_t vendor, device;
	/* CRB: the command and response buffers, as offsets into the
	 * register page (refused anywhere else), and their sizes. */
	unsigned cmd_off, rsp_off;
	uint32_t cmd_size, rsp_size;
};

/*
 * The ACPI TPM2 table at t (len bytes, header already checked): 0 with the
 * interface and its registers' base; -EINVAL with *why for a table this
 * driver cannot use (too short, a start method that needs ACPI or a
 * firmware call, a base that is not a page of its own).
 */
int tpm_acpi_parse(const uint8_t *t, uint32_t len, enum tpm_iface *iface, uint64_t *base, const char **why);

/*
 * Take locality 0 and check that a TPM 2.0 answers on the interface t->iface
 * at t->base through t->io (t's other fields are filled). 0, or -ENODEV /
 * -ETIMEDOUT / -EIO with *why.
 */
int tpm_open(struct tpm *t, const char **why);

/*
 * One command (len bytes, its own header's size equal to len) and its
 * response into rsp (at most max bytes). The response's length, once its
 * header's size field agrees with what the interface delivered; or
 * -EINVAL (a malformed command), -EMSGSIZE (longer than the interface or
 * max takes), -ETIMEDOUT (the TPM did not answer within timeout_ms), -EIO
 * (the interface or the response broke its rules). On error the interface
 * is put back to idle as far as it lets itself be.
 */
int tpm_transmit(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max, unsigned timeout_ms);

#endif
