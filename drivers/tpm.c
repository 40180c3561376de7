/* SPDX-License-Identifier: MIT */
/*
 * TPM 2.0 transport: the FIFO (TIS) and CRB interfaces of the TCG PC Client
 * Platform TPM Profile, locality 0, polled. Every wait is bounded by the
 * caller's clock; every length the device reports is checked against what
 * was asked for and what the buffers hold before a byte is copied.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "drivers/tpm.h"

#include "vigil/tpm_tis.h"
#define STS_FAMILY_20 1
#define STS_BURST(s) (((s) >> 8) & 0xffff)

/* CRB registers and bits. */
#define CRB_LOC_STATE 0x00
#define CRB_LOC_CTRL 0x08
#define CRB_LOC_STS 0x0c
#define CRB_INTF_ID 0x30
#define CRB_CTRL_REQ 0x40
#define CRB_CTRL_STS 0x44
#define CRB_CTRL_START 0x4c
#define CRB_CMD_SIZE 0x58
#define CRB_CMD_LADDR 0x5c
#define CRB_CMD_HADDR 0x60
#define CRB_RSP_SIZE 0x64
#define CRB_RSP_ADDR 0x68
#define CRB_DATA 0x80
#define LOC_STATE_VALID 0x80
#define LOC_STATE_ASSIGNED 0x02
#define LOC_STATE_ACTIVE(s) (((s) >> 2) & 7)
#define LOC_CTRL_REQUEST 0x01
#define LOC_STS_GRANTED 0x01
#define REQ_READY 0x01
#define REQ_IDLE 0x02
#define CTRL_STS_FATAL 0x01

/* TPM2 table (ACPI): where the start method and the address are. */
#define TPM2_ADDR 40
#define TPM2_START 48
#define TPM2_MIN_LEN 52
#define START_TIS 6
#define START_CRB 7

/* The profile's short timeouts (TIMEOUT_A..C are at most 750 ms, 2 s and
 * 200 ms): one bound for every register handshake. */
#define HANDSHAKE_MS 2000u

#define HDR 10 /* tag, size, code */

static uint32_t rd(const struct tpm *t, unsigned off, unsigned size)
{
	return t->io.read(t->io.ctx, off, size);
}

static void wr(const struct tpm *t, unsigned off, unsigned size, uint32_t v)
{
	t->io.write(t->io.ctx, off, size, v);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Wait until (register & mask) == want; false when ms passed first. */
static bool wait_reg(const struct tpm *t, unsigned off, unsigned size, uint32_t mask, uint32_t want, unsigned ms)
{
	uint64_t end = t->io.now_us(t->io.ctx) + (uint64_t)ms * 1000;

	for (;;) {
		if ((rd(t, off, size) & mask) == want)
			return true;
		if (t->io.now_us(t->io.ctx) > end)
			return false;
	}
}

int tpm_acpi_parse(const uint8_t *t, uint32_t len, enum tpm_iface *iface, uint64_t *base, const char **why)
{
	uint64_t addr;
	uint32_t start;

	*iface = TPM_IFACE_NONE;
	*base = 0;
	if (len < TPM2_MIN_LEN) {
		*why = "TPM2 table too short";
		return -EINVAL;
	}
	memcpy(&addr, t + TPM2_ADDR, 8);
	memcpy(&start, t + TPM2_START, 4);
	if (start == START_TIS) {
		/* The FIFO interface is at its fixed address; the field is 0 or that. */
		if (addr && addr != TPM_TIS_BASE) {
			*why = "TPM2 table: a FIFO interface away from 0xfed40000";
			return -EINVAL;
		}
		*iface = TPM_IFACE_TIS;
		*base = TPM_TIS_BASE;
		return 0;
	}
	if (start == START_CRB) {
		/* The field points at the control area, 0x40 into the page. */
		if (addr < CRB_CTRL_REQ || ((addr - CRB_CTRL_REQ) & (TPM_REGS_SIZE - 1))) {
			*why = "TPM2 table: a CRB control area that is not at 0x40 in a page";
			return -EINVAL;
		}
		*iface = TPM_IFACE_CRB;
		*base = addr - CRB_CTRL_REQ;
		return 0;
	}
	*why = "TPM2 table: a start method other than FIFO (6) or CRB (7)";
	return -EINVAL;
}

/* --- FIFO (TIS) ------------------------------------------------------ */

static int tis_open(struct tpm *t, const char **why)
{
	uint32_t id, access = rd(t, TIS_ACCESS, 1);

	/* Nothing there reads as all ones. */
	if (access == 0xff || !(access & ACCESS_VALID)) {
		*why = "no TPM registers at 0xfed40000";
		return -ENODEV;
	}
	wr(t, TIS_ACCESS, 1, ACCESS_REQUEST);
	if (!wait_reg(t, TIS_ACCESS, 1, ACCESS_VALID | ACCESS_ACTIVE, ACCESS_VALID | ACCESS_ACTIVE, HANDSHAKE_MS)) {
		*why = "locality 0 not granted";
		return -ETIMEDOUT;
	}
	if (STS_FAMILY(rd(t, TIS_STS, 4)) != STS_FAMILY_20) {
		*why = "not a TPM 2.0";
		return -ENODEV;
	}
	id = rd(t, TIS_DID_VID, 4);
	t->vendor = (uint16_t)id;
	t->device = (uint16_t)(id >> 16);
	return 0;
}

/* The FIFO's burst count once it is non-zero, or 0 on time-out. */
static unsigned tis_burst(const struct tpm *t)
{
	uint64_t end = t->io.now_us(t->io.ctx) + (uint64_t)HANDSHAKE_MS * 1000;

	for (;;) {
		unsigned n = STS_BURST(rd(t, TIS_STS, 4));

		if (n)
			return n;
		if (t->io.now_us(t->io.ctx) > end)
			return 0;
	}
}

/* Read n bytes of the response from the FIFO into p. */
static int tis_read(const struct tpm *t, uint8_t *p, size_t n)
{
	while (n) {
		unsigned burst = tis_burst(t);

		if (!burst)
			return -ETIMEDOUT;
		for (; burst && n; burst--, n--) {
			if (!(rd(t, TIS_STS, 1) & STS_DATA))
				return -EIO; /* shorter than its header said */
			*p++ = (uint8_t)rd(t, TIS_FIFO, 1);
		}
	}
	return 0;
}

static int tis_transmit(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max, unsigned ms)
{
	size_t i = 0, size;
	int err;

	wr(t, TIS_STS, 1, STS_READY);
	if (!wait_reg(t, TIS_STS, 1, STS_READY, STS_READY, HANDSHAKE_MS))
		return -ETIMEDOUT;
	while (i < len) {
		unsigned burst = tis_burst(t);

		if (!burst)
			return -ETIMEDOUT;
		for (; burst && i < len; burst--)
			wr(t, TIS_FIFO, 1, cmd[i++]);
		/* It must want more until the last byte, and no more after it. */
		if (!wait_reg(t, TIS_STS, 1, STS_VALID, STS_VALID, HANDSHAKE_MS))
			return -ETIMEDOUT;
		if (!!(rd(t, TIS_STS, 1) & STS_EXPECT) != (i < len))
			return -EIO;
	}
	wr(t, TIS_STS, 1, STS_GO);
	if (!wait_reg(t, TIS_STS, 1, STS_VALID | STS_DATA, STS_VALID | STS_DATA, ms))
		return -ETIMEDOUT;
	err = tis_read(t, rsp, HDR);
	if (err)
		return err;
	size = be32(rsp + 2);
	if (size < HDR)
		return -EIO;
	if (size > max)
		return -EMSGSIZE;
	err = tis_read(t, rsp + HDR, size - HDR);
	if (err)
		return err;
	if (!wait_reg(t, TIS_STS, 1, STS_VALID, STS_VALID, HANDSHAKE_MS))
		return -ETIMEDOUT;
	if (rd(t, TIS_STS, 1) & STS_DATA)
		return -EIO; /* longer than its header said */
	wr(t, TIS_STS, 1, STS_READY);
	return (int)size;
}

/* --- CRB ------------------------------------------------------------- */

/* A buffer the device names: inside the register page, after the
 * registers; its offset, or 0 when it lies anywhere else. */
static unsigned crb_buffer(const struct tpm *t, uint64_t pa, uint32_t size)
{
	if (pa < t->base + CRB_DATA || size < HDR || size > TPM_REGS_SIZE - CRB_DATA ||
	    pa - t->base > TPM_REGS_SIZE - size)
		return 0;
	return (unsigned)(pa - t->base);
}

static int crb_open(struct tpm *t, const char **why)
{
	uint64_t cmd, rsp;
	uint32_t id, state = rd(t, CRB_LOC_STATE, 4);

	if (state == 0xffffffffu || !(state & LOC_STATE_VALID)) {
		*why = "no TPM registers at the CRB's address";
		return -ENODEV;
	}
	wr(t, CRB_LOC_CTRL, 4, LOC_CTRL_REQUEST);
	if (!wait_reg(t, CRB_LOC_STS, 4, LOC_STS_GRANTED, LOC_STS_GRANTED, HANDSHAKE_MS) ||
	    (rd(t, CRB_LOC_STATE, 4) & (LOC_STATE_ASSIGNED | 7u << 2)) != LOC_STATE_ASSIGNED) {
		*why = "locality 0 not granted";
		return -ETIMEDOUT;
	}
	cmd = (uint64_t)rd(t, CRB_CMD_HADDR, 4) << 32 | rd(t, CRB_CMD_LADDR, 4);
	rsp = (uint64_t)rd(t, CRB_RSP_ADDR + 4, 4) << 32 | rd(t, CRB_RSP_ADDR, 4);
	t->cmd_size = rd(t, CRB_CMD_SIZE, 4);
	t->rsp_size = rd(t, CRB_RSP_SIZE, 4);
	t->cmd_off = crb_buffer(t, cmd, t->cmd_size);
	t->rsp_off = crb_buffer(t, rsp, t->rsp_size);
	if (!t->cmd_off || !t->rsp_off) {
		*why = "CRB buffers outside its register page";
		return -EIO;
	}
	id = rd(t, CRB_INTF_ID + 4, 4);
	t->vendor = (uint16_t)id;
	t->device = (uint16_t)(id >> 16);
	return 0;
}

static void crb_idle(const struct tpm *t)
{
	wr(t, CRB_CTRL_REQ, 4, REQ_IDLE);
	(void)wait_reg(t, CRB_CTRL_REQ, 4, REQ_IDLE, 0, HANDSHAKE_MS);
}

static int crb_transmit(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max, unsigned ms)
{
	size_t size;
	int err = 0;

	if (len > t->cmd_size)
		return -EMSGSIZE;
	wr(t, CRB_CTRL_REQ, 4, REQ_READY);
	if (!wait_reg(t, CRB_CTRL_REQ, 4, REQ_READY, 0, HANDSHAKE_MS))
		return -ETIMEDOUT;
	if (rd(t, CRB_CTRL_STS, 4) & CTRL_STS_FATAL)
		return -EIO;
	for (size_t i = 0; i < len; i++)
		wr(t, t->cmd_off + (unsigned)i, 1, cmd[i]);
	wr(t, CRB_CTRL_START, 4, 1);
	if (!wait_reg(t, CRB_CTRL_START, 4, 1, 0, ms)) {
		err = -ETIMEDOUT;
		goto out;
	}
	for (unsigned i = 0; i < HDR; i++)
		rsp[i] = (uint8_t)rd(t, t->rsp_off + i, 1);
	size = be32(rsp + 2);
	if (size < HDR || size > t->rsp_size)
		err = -EIO;
	else if (size > max)
		err = -EMSGSIZE;
	else
		for (size_t i = HDR; i < size; i++)
			rsp[i] = (uint8_t)rd(t, t->rsp_off + (unsigned)i, 1);
out:
	crb_idle(t);
	return err ? err : (int)size;
}

int tpm_open(struct tpm *t, const char **why)
{
	t->vendor = t->device = 0;
	t->cmd_off = t->rsp_off = 0;
	t->cmd_size = t->rsp_size = 0;
	if (t->iface == TPM_IFACE_TIS)
		return tis_open(t, why);
	if (t->iface == TPM_IFACE_CRB)
		return crb_open(t, why);
	*why = "no TPM interface";
	return -ENODEV;
}

int tpm_transmit(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max, unsigned timeout_ms)
{
	int n;

	if (len < HDR || len > TPM_BUF_MAX || be32(cmd + 2) != len || max < HDR)
		return -EINVAL;
	if (t->iface == TPM_IFACE_TIS) {
		n = tis_transmit(t, cmd, len, rsp, max, timeout_ms);
		if (n < 0)
			wr(t, TIS_STS, 1, STS_READY); /* abort: back to idle */
		return n;
	}
	if (t->iface == TPM_IFACE_CRB)
		return crb_transmit(t, cmd, len, rsp, max, timeout_ms);
	return -ENODEV;
}
