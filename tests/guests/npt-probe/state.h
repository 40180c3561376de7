/* SPDX-License-Identifier: MIT */
#ifndef NPT_PROBE_STATE_H
#define NPT_PROBE_STATE_H

/* Print "<who>: cpu state at start: clean" (or DIRTY and what), then
 * change every item checked. */
void state_check_and_dirty(const char *who);

#endif
