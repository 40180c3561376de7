/* SPDX-License-Identifier: MIT */
/*
 * Live patches that persist (docs/tpm.md, "Persistent live patches"): the
 * patch-role bundles the stub found in vigil/patches, verified, checked
 * against the TPM's persisted-set digest, and applied again in sequence
 * order before any guest starts.
 */
#ifndef VMM_PERSIST_H
#define VMM_PERSIST_H

/* After tpm_marks_start, before guests_create. A set that is not the one
 * the TPM recorded (a patch or revert deleted, or one added below the
 * patch role's mark), or a file that is not a patch-role bundle for this
 * VMM under its own sequence, stops the boot with the reason. */
void persist_start(void);

#endif
