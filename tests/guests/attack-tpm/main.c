/* SPDX-License-Identifier: MIT */
/*
 * attack-tpm: reads the TPM's TIS interface (locality 0 access register),
 * the way to extend PCRs or read the measurement log's anchors. The TPM is
 * not mapped into any guest: the VMM must stop the guest.
 */
#include "attack.h"

#define TPM_TIS_LOC0 0xfed40000ull

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-tpm");
	attack_stop_read(TPM_TIS_LOC0, "TPM TIS locality 0");
}
