/* SPDX-License-Identifier: MIT */
/*
 * Just enough of the TPM FIFO interface (TCG PC Client PTP, locality 0) to
 * send TPM2_PCR_Read after the firmware is gone, so the test reads the PCRs
 * from the TPM itself rather than trusting anything the stub said.
 */
#include "probe.h"

#include <vigil/tpm_tis.h>

#define SPIN 10000000

static volatile uint8_t *reg(unsigned off)
{
	return (volatile uint8_t *)(TIS_BASE + off);
}

static int wait_bits(unsigned off, uint8_t bits)
{
	for (long i = 0; i < SPIN; i++)
		if ((*reg(off) & bits) == bits)
			return 0;
	return -1;
}

static int transmit(const uint8_t *cmd, unsigned n, uint8_t *rsp, unsigned max)
{
	unsigned i, len;

	*reg(TIS_STS) = STS_READY;
	if (wait_bits(TIS_STS, STS_READY))
		return -1;
	for (i = 0; i < n; i++)
		*reg(TIS_FIFO) = cmd[i];
	*reg(TIS_STS) = STS_GO;
	if (wait_bits(TIS_STS, STS_VALID | STS_DATA))
		return -1;
	for (i = 0; i < 10; i++)
		rsp[i] = *reg(TIS_FIFO);
	len = (unsigned)rsp[2] << 24 | (unsigned)rsp[3] << 16 | (unsigned)rsp[4] << 8 | rsp[5];
	if (len < 10 || len > max)
		return -1;
	for (; i < len; i++)
		rsp[i] = *reg(TIS_FIFO);
	*reg(TIS_STS) = STS_READY;
	return (int)len;
}

int tpm_pcrs_read(uint8_t pcr10[32], uint8_t pcr15[32])
{
	/* TPM2_PCR_Read, no sessions: one selection, SHA-256, PCRs 10 and 15. */
	static const uint8_t cmd[] = {
		0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e,
		0, 0, 0, 1, 0x00, 0x0b, 3, 0x00, 0x84, 0x00,
	};
	uint8_t rsp[128];
	int n, i;

	if (*reg(TIS_ACCESS) == 0xff)
		return -1; /* nothing decodes the TIS window */
	*reg(TIS_ACCESS) = ACCESS_REQUEST;
	if (wait_bits(TIS_ACCESS, ACCESS_VALID | ACCESS_ACTIVE))
		return -1;
	n = transmit(cmd, sizeof(cmd), rsp, sizeof(rsp));
	/* header 10, update counter 4, selection 10, digest count 4, 2 x (2 + 32) */
	if (n != 10 + 4 + 10 + 4 + 2 * 34 || rsp[6] | rsp[7] | rsp[8] | rsp[9])
		return -1;
	for (i = 0; i < 32; i++) {
		pcr10[i] = rsp[28 + 2 + i];
		pcr15[i] = rsp[28 + 34 + 2 + i];
	}
	return 0;
}
