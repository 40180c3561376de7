/* SPDX-License-Identifier: MIT */
/*
 * The TPM's FIFO interface (TCG PC Client Platform TPM Profile, locality
 * 0's register page): the registers and bits the VMM's driver
 * (drivers/tpm.c) and the boot tests' probe use.
 */
#ifndef VIGIL_TPM_TIS_H
#define VIGIL_TPM_TIS_H

#define TIS_BASE 0xfed40000ul /* the FIFO interface's fixed address */
#define TIS_ACCESS 0x00
#define TIS_STS 0x18
#define TIS_FIFO 0x24
#define TIS_DID_VID 0xf00
#define ACCESS_VALID 0x80
#define ACCESS_ACTIVE 0x20
#define ACCESS_REQUEST 0x02
#define STS_VALID 0x80
#define STS_READY 0x40
#define STS_GO 0x20
#define STS_DATA 0x10
#define STS_EXPECT 0x08
#define STS_FAMILY(s) (((s) >> 26) & 3)

#endif
