// SPDX-License-Identifier: MIT
/*
 * Unit tests of the TPM transport (drivers/tpm.c) against models of the
 * FIFO (TIS) and CRB interfaces written here from the TCG PC Client
 * Platform TPM Profile: commands go in, responses come out whole, and a
 * device that breaks the rules (a response longer or shorter than its
 * header says, a size field past the buffer, a buffer outside the
 * register page, a TPM that never answers, a FIFO that wants more bytes
 * than the command has) gets an error and never a byte copied past the
 * caller's buffer. The clock advances on every reading, so every wait
 * ends.
 */
#define CHECK_SUITE "tpm"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "drivers/tpm.h"

enum fault {
	OK,
	RSP_SIZE_HUGE,	/* the size field says 64 KiB */
	RSP_SIZE_SMALL, /* the size field says 6 */
	RSP_EXTRA,	/* 4 bytes more than the size field */
	RSP_SHORT,	/* 4 bytes fewer than the size field */
	NEVER_DONE,	/* the command never completes */
	EXPECT_STUCK,	/* the FIFO wants more after the last byte */
	BURST_ZERO,	/* the FIFO never takes a byte */
	NO_REGS,	/* nothing answers: all ones */
	FAMILY_12,	/* a TPM 1.2 */
	CMD_OUTSIDE,	/* CRB: the command buffer in RAM */
	RSP_PAST_PAGE,	/* CRB: the response buffer runs past the page */
	FATAL,		/* CRB: the TPM's fatal-error status */
};

static struct model {
	enum tpm_iface iface;
	enum fault fault;
	uint8_t page[TPM_REGS_SIZE]; /* CRB: registers and buffer */
	/* TIS */
	int active, ready, done;
	uint8_t in[TPM_BUF_MAX];
	unsigned in_len, out_len, out_pos;
	uint8_t out[TPM_BUF_MAX + 8];
	uint64_t clock;
	unsigned commands;
	uint32_t crb_start;
} m;

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The TPM's answer to a command: success, then the command's body
 * reversed, so that the test sees that every byte went both ways. */
static unsigned respond(const uint8_t *cmd, unsigned len, uint8_t *out)
{
	unsigned n = len, body = len - 10;

	m.commands++;
	out[0] = 0x80;
	out[1] = 0x01;
	for (unsigned i = 0; i < body; i++)
		out[10 + i] = cmd[len - 1 - i];
	put32be(out + 6, 0);
	if (m.fault == RSP_EXTRA)
		n += 4;
	put32be(out + 2, m.fault == RSP_SIZE_HUGE ? 0x10000 : m.fault == RSP_SIZE_SMALL ? 6 :
			 m.fault == RSP_EXTRA ? len : m.fault == RSP_SHORT ? len : n);
	if (m.fault == RSP_SHORT)
		n -= 4;
	return n;
}

/* --- the FIFO model -------------------------------------------------- */

static uint32_t tis_sts(void)
{
	uint32_t s = 0x80u | 1u << 26; /* valid, TPM 2.0 */
	unsigned burst = m.fault == BURST_ZERO ? 0 : 7; /* small: several bursts per command */

	if (m.fault == FAMILY_12)
		s = 0x80u;
	if (m.ready)
		s |= 0x40;
	if (m.done && m.out_pos < m.out_len)
		s |= 0x10;
	if (!m.done && (m.in_len < 6 || m.in_len < get32be(m.in + 2) || m.fault == EXPECT_STUCK))
		s |= 0x08;
	return s | burst << 8;
}

static uint32_t tis_read(void *ctx, unsigned off, unsigned size)
{
	(void)ctx;
	(void)size;
	m.clock += 10;
	if (m.fault == NO_REGS) /* nothing there: all ones */
		return size == 1 ? 0xff : 0xffffffffu;
	switch (off) {
	case 0x00:
		return 0x80u | (m.active ? 0x20u : 0);
	case 0x18:
		return tis_sts();
	case 0x24:
		return m.done && m.out_pos < m.out_len ? m.out[m.out_pos++] : 0xff;
	case 0xf00:
		return 0x00011014u;
	}
	return 0;
}

static void tis_write(void *ctx, unsigned off, unsigned size, uint32_t v)
{
	(void)ctx;
	(void)size;
	if (off == 0x00 && v == 0x02)
		m.active = 1;
	else if (off == 0x18 && v == 0x40) {
		m.ready = 1;
		m.done = 0;
		m.in_len = m.out_len = m.out_pos = 0;
	} else if (off == 0x18 && v == 0x20 && m.ready && m.in_len >= 10) {
		m.ready = 0;
		if (m.fault != NEVER_DONE) {
			m.out_len = respond(m.in, m.in_len, m.out);
			m.done = 1;
		}
	} else if (off == 0x24 && m.ready && m.in_len < sizeof(m.in))
		m.in[m.in_len++] = (uint8_t)v;
}

/* --- the CRB model ----------------------------------------------------- */

static uint32_t crb_read(void *ctx, unsigned off, unsigned size)
{
	uint32_t v = 0;

	(void)ctx;
	m.clock += 10;
	if (m.fault == NO_REGS)
		return size == 1 ? 0xff : 0xffffffffu;
	if (off == 0x4c)
		return m.crb_start;
	memcpy(&v, m.page + off, size);
	return v;
}

static void crb_write(void *ctx, unsigned off, unsigned size, uint32_t v)
{
	(void)ctx;
	if (off == 0x08 && v == 1) {
		m.page[0x0c] = 1;    /* granted */
		m.page[0x00] = 0x82; /* valid, assigned, locality 0 */
	} else if (off == 0x40)
		;		     /* ready / idle: done at once (the register reads 0) */
	else if (off == 0x4c && v == 1) {
		if (m.fault == NEVER_DONE) {
			m.crb_start = 1;
			return;
		}
		uint8_t out[TPM_BUF_MAX + 8];
		unsigned len = get32be(m.page + 0x80 + 2), n;

		if (len < 10 || len > TPM_REGS_SIZE - 0x80)
			len = 10;
		n = respond(m.page + 0x80, len, out);
		memcpy(m.page + 0x80, out, n < TPM_REGS_SIZE - 0x80 ? n : TPM_REGS_SIZE - 0x80);
	} else if (off >= 0x80)
		memcpy(m.page + off, &v, size);
}

static uint64_t now(void *ctx)
{
	(void)ctx;
	return m.clock;
}

static void crb_layout(uint64_t base)
{
	uint64_t cmd = base + 0x80, rsp = base + 0x80;
	uint32_t size = TPM_REGS_SIZE - 0x80, rsize = size;

	if (m.fault == CMD_OUTSIDE)
		cmd = 0x100000;
	if (m.fault == RSP_PAST_PAGE)
		rsize = size + 0x100;
	memcpy(m.page + 0x58, &size, 4);
	memcpy(m.page + 0x5c, &cmd, 8); /* LADDR, HADDR */
	memcpy(m.page + 0x64, &rsize, 4);
	memcpy(m.page + 0x68, &rsp, 8);
	m.page[0x00] = 0x80; /* registers valid, no locality yet */
	m.page[0x44] = m.fault == FATAL ? 1 : 0;
	put32be(m.page + 0x34, 0);
	memcpy(m.page + 0x34, &(uint32_t){ 0x00011014u }, 4);
}

static struct tpm dev(enum tpm_iface iface, enum fault fault)
{
	struct tpm t = { .iface = iface, .base = 0xfed40000 };

	memset(&m, 0, sizeof(m));
	m.iface = iface;
	m.fault = fault;
	t.io.now_us = now;
	if (iface == TPM_IFACE_TIS) {
		t.io.read = tis_read;
		t.io.write = tis_write;
	} else {
		t.io.read = crb_read;
		t.io.write = crb_write;
		crb_layout(t.base);
	}
	return t;
}

/* A command of len bytes (a header and a counting body). */
static unsigned command(uint8_t *c, unsigned len)
{
	c[0] = 0x80;
	c[1] = 0x01;
	put32be(c + 2, len);
	put32be(c + 6, 0x17b); /* TPM2_GetRandom, as good as any */
	for (unsigned i = 10; i < len; i++)
		c[i] = (uint8_t)(i * 7);
	return len;
}

static int round_trip(struct tpm *t, unsigned len, uint8_t *rsp, size_t max)
{
	uint8_t cmd[TPM_BUF_MAX];

	command(cmd, len);
	return tpm_transmit(t, cmd, len, rsp, max, 100);
}

static int reversed_body(const uint8_t *rsp, unsigned len)
{
	uint8_t cmd[TPM_BUF_MAX];

	command(cmd, len);
	for (unsigned i = 10; i < len; i++)
		if (rsp[i] != cmd[len - 1 - (i - 10)])
			return 0;
	return get32be(rsp + 2) == len;
}

static void tis_commands_round_trip(void)
{
	struct tpm t = dev(TPM_IFACE_TIS, OK);
	const char *why = "";
	uint8_t rsp[TPM_BUF_MAX];

	CHECK_EQ(tpm_open(&t, &why), 0);
	CHECK_EQ(t.vendor, 0x1014);
	CHECK_EQ(t.device, 0x0001);
	for (unsigned len = 10; len <= 1200; len += 119) {
		memset(rsp, 0, sizeof(rsp));
		CHECK_EQ(round_trip(&t, len, rsp, sizeof(rsp)), (int)len);
		CHECK(reversed_body(rsp, len));
	}
}

static void crb_commands_round_trip(void)
{
	struct tpm t = dev(TPM_IFACE_CRB, OK);
	const char *why = "";
	uint8_t rsp[TPM_BUF_MAX];

	CHECK_EQ(tpm_open(&t, &why), 0);
	CHECK_EQ(t.cmd_off, 0x80);
	CHECK_EQ(t.cmd_size, TPM_REGS_SIZE - 0x80);
	CHECK_EQ(t.vendor, 0x1014);
	for (unsigned len = 10; len <= 1200; len += 119) {
		memset(rsp, 0, sizeof(rsp));
		CHECK_EQ(round_trip(&t, len, rsp, sizeof(rsp)), (int)len);
		CHECK(reversed_body(rsp, len));
	}
}

/* Each broken device: the error, no byte written past max, and (where the
 * interface lets itself be reset) the next good command goes through. */
static void broken(enum tpm_iface iface, enum fault fault, int want)
{
	struct tpm t = dev(iface, fault);
	const char *why = "";
	uint8_t rsp[64 + 16];

	memset(rsp, 0xa5, sizeof(rsp));
	CHECK_EQ(tpm_open(&t, &why), 0);
	CHECK_EQ(round_trip(&t, 40, rsp, 64), want);
	for (unsigned i = 64; i < sizeof(rsp); i++)
		CHECK_EQ(rsp[i], 0xa5);
	m.fault = OK;
	m.crb_start = 0;
	CHECK_EQ(round_trip(&t, 40, rsp, 64), 40);
	CHECK(reversed_body(rsp, 40));
}

static void tis_response_size_past_buffer(void)
{
	broken(TPM_IFACE_TIS, RSP_SIZE_HUGE, -EMSGSIZE);
}

static void tis_response_size_below_header(void)
{
	broken(TPM_IFACE_TIS, RSP_SIZE_SMALL, -EIO);
}

static void tis_response_longer_than_its_size(void)
{
	broken(TPM_IFACE_TIS, RSP_EXTRA, -EIO);
}

static void tis_response_shorter_than_its_size(void)
{
	broken(TPM_IFACE_TIS, RSP_SHORT, -EIO);
}

static void tis_never_answers(void)
{
	broken(TPM_IFACE_TIS, NEVER_DONE, -ETIMEDOUT);
}

static void tis_expects_more_than_sent(void)
{
	broken(TPM_IFACE_TIS, EXPECT_STUCK, -EIO);
}

static void tis_takes_no_bytes(void)
{
	broken(TPM_IFACE_TIS, BURST_ZERO, -ETIMEDOUT);
}

static void tis_absent_or_old(void)
{
	struct tpm t = dev(TPM_IFACE_TIS, NO_REGS);
	const char *why = "";

	CHECK_EQ(tpm_open(&t, &why), -ENODEV);
	CHECK(strstr(why, "no TPM registers") != NULL);
	t = dev(TPM_IFACE_TIS, FAMILY_12);
	CHECK_EQ(tpm_open(&t, &why), -ENODEV);
	CHECK(strstr(why, "not a TPM 2.0") != NULL);
}

static void crb_response_size_past_buffer(void)
{
	broken(TPM_IFACE_CRB, RSP_SIZE_HUGE, -EIO);
}

static void crb_response_size_past_max(void)
{
	struct tpm t = dev(TPM_IFACE_CRB, OK);
	const char *why = "";
	uint8_t rsp[64 + 16];

	memset(rsp, 0xa5, sizeof(rsp));
	CHECK_EQ(tpm_open(&t, &why), 0);
	CHECK_EQ(round_trip(&t, 100, rsp, 64), -EMSGSIZE);
	for (unsigned i = 64; i < sizeof(rsp); i++)
		CHECK_EQ(rsp[i], 0xa5);
}

static void crb_response_size_below_header(void)
{
	broken(TPM_IFACE_CRB, RSP_SIZE_SMALL, -EIO);
}

static void crb_never_answers(void)
{
	broken(TPM_IFACE_CRB, NEVER_DONE, -ETIMEDOUT);
}

static void crb_buffers_elsewhere_refused(void)
{
	struct tpm t = dev(TPM_IFACE_CRB, CMD_OUTSIDE);
	const char *why = "";

	CHECK_EQ(tpm_open(&t, &why), -EIO);
	CHECK(strstr(why, "outside its register page") != NULL);
	t = dev(TPM_IFACE_CRB, RSP_PAST_PAGE);
	CHECK_EQ(tpm_open(&t, &why), -EIO);
}

static void crb_fatal_status(void)
{
	struct tpm t = dev(TPM_IFACE_CRB, FATAL);
	const char *why = "";
	uint8_t rsp[64];

	CHECK_EQ(tpm_open(&t, &why), 0);
	CHECK_EQ(round_trip(&t, 40, rsp, sizeof(rsp)), -EIO);
	CHECK_EQ(m.commands, 0);
}

static void malformed_commands_refused(void)
{
	struct tpm t = dev(TPM_IFACE_TIS, OK);
	const char *why = "";
	uint8_t cmd[TPM_BUF_MAX + 1], rsp[64];

	CHECK_EQ(tpm_open(&t, &why), 0);
	command(cmd, 40);
	CHECK_EQ(tpm_transmit(&t, cmd, 39, rsp, sizeof(rsp), 100), -EINVAL); /* header says 40 */
	CHECK_EQ(tpm_transmit(&t, cmd, 9, rsp, sizeof(rsp), 100), -EINVAL);
	command(cmd, TPM_BUF_MAX + 1);
	CHECK_EQ(tpm_transmit(&t, cmd, TPM_BUF_MAX + 1, rsp, sizeof(rsp), 100), -EINVAL);
	CHECK_EQ(m.commands, 0);
}

/* The ACPI TPM2 table: start method and address. */
static void acpi_table(void)
{
	uint8_t tb[76] = { 'T', 'P', 'M', '2' };
	enum tpm_iface iface;
	uint64_t base, addr;
	uint32_t start;
	const char *why = "";

#define SET(a, s) (addr = (a), start = (s), memcpy(tb + 40, &addr, 8), memcpy(tb + 48, &start, 4))
	SET(0, 6);
	CHECK_EQ(tpm_acpi_parse(tb, sizeof(tb), &iface, &base, &why), 0);
	CHECK(iface == TPM_IFACE_TIS && base == 0xfed40000);
	SET(0xfed40000, 6);
	CHECK_EQ(tpm_acpi_parse(tb, sizeof(tb), &iface, &base, &why), 0);
	SET(0xfed50000, 6);
	CHECK_EQ(tpm_acpi_parse(tb, sizeof(tb), &iface, &base, &why), -EINVAL);
	SET(0xfed40040, 7);
	CHECK_EQ(tpm_acpi_parse(tb, sizeof(tb), &iface, &base, &why), 0);
	CHECK(iface == TPM_IFACE_CRB && base == 0xfed40000);
	SET(0xfed40080, 7);
	CHECK_EQ(tpm_acpi_parse(tb, sizeof(tb), &iface, &base, &why), -EINVAL);
	SET(0x20, 7);
	CHECK_EQ(tpm_acpi_parse(tb, sizeof(tb), &iface, &base, &why), -EINVAL);
	SET(0xfed40040, 8); /* CRB started through ACPI: not driven */
	CHECK_EQ(tpm_acpi_parse(tb, sizeof(tb), &iface, &base, &why), -EINVAL);
	SET(0xfed40040, 2);
	CHECK_EQ(tpm_acpi_parse(tb, sizeof(tb), &iface, &base, &why), -EINVAL);
	CHECK(iface == TPM_IFACE_NONE);
	SET(0xfed40040, 7);
	CHECK_EQ(tpm_acpi_parse(tb, 51, &iface, &base, &why), -EINVAL);
#undef SET
}

int main(void)
{
	CHECK_RUN(tis_commands_round_trip);
	CHECK_RUN(crb_commands_round_trip);
	CHECK_RUN(tis_response_size_past_buffer);
	CHECK_RUN(tis_response_size_below_header);
	CHECK_RUN(tis_response_longer_than_its_size);
	CHECK_RUN(tis_response_shorter_than_its_size);
	CHECK_RUN(tis_never_answers);
	CHECK_RUN(tis_expects_more_than_sent);
	CHECK_RUN(tis_takes_no_bytes);
	CHECK_RUN(tis_absent_or_old);
	CHECK_RUN(crb_response_size_past_buffer);
	CHECK_RUN(crb_response_size_past_max);
	CHECK_RUN(crb_response_size_below_header);
	CHECK_RUN(crb_never_answers);
	CHECK_RUN(crb_buffers_elsewhere_refused);
	CHECK_RUN(crb_fatal_status);
	CHECK_RUN(malformed_commands_refused);
	CHECK_RUN(acpi_table);
	return check_done();
}
