/* SPDX-License-Identifier: MIT */
#ifndef KERNEL_HANDOFF_H
#define KERNEL_HANDOFF_H

#include "vigil/handoff.h"

/* Check every field of a handoff as untrusted input (the boot entry is
 * trusted, but a malformed handoff must stop boot with a reason rather than
 * corrupt memory). Returns 0 or a negative errno; *why names the problem. */
int handoff_validate(const struct handoff *h, const char **why) __attribute__((warn_unused_result));

/* The VMM's own copy, taken before anything else reads the handoff. */
extern struct handoff boot_handoff;

#endif
