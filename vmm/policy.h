/* SPDX-License-Identifier: MIT */
/*
 * What no guest may ever be granted, whatever its config says: ports and
 * MSRs whose direct access would let a guest reset or reconfigure the
 * machine or reach the VMM. The config validator refuses them, and the
 * vendor backends never clear their intercept bits.
 */
#ifndef VMM_POLICY_H
#define VMM_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* Why [port, port+count) may not be passed through, or NULL if it may. */
const char *policy_io_forbidden(uint32_t port, uint32_t count);
/* Why msr may not be passed through, or NULL if it may. */
const char *policy_msr_forbidden(uint32_t msr);

#endif
