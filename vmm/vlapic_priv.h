/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the virtual local APIC's files (vlapic.c: registers,
 * priority, IPIs; vlapic_timer.c: the timer). Not an interface: use
 * vmm/vlapic.h.
 */
#ifndef VMM_VLAPIC_PRIV_H
#define VMM_VLAPIC_PRIV_H

#include "vmm/vlapic.h"

/* Raise an LVT's vector as a fixed, edge-triggered interrupt unless the
 * entry is masked; returns whether it was accepted. */
bool vlapic_lvt_raise(struct vlapic *l, enum vlapic_lvt idx);

void vlapic_timer_reset(struct vlapic *l);
uint32_t vlapic_timer_current(const struct vlapic *l, uint64_t now);
/* val: already limited to the LVT's writable bits (and masked if the APIC
 * is software-disabled). */
void vlapic_timer_write_lvt(struct vlapic *l, uint32_t val);
void vlapic_timer_write_init(struct vlapic *l, uint32_t val, uint64_t now);
void vlapic_timer_write_dcr(struct vlapic *l, uint32_t val, uint64_t now);

#endif
