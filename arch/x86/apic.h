/* SPDX-License-Identifier: MIT */
/* The local APIC, just enough to start and signal other CPUs. */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include <stdint.h>

int apic_init(void) __attribute__((warn_unused_result));
uint32_t apic_id(void);
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, uint8_t vector_page);
void apic_send_nmi(uint32_t apic_id);
uint64_t apic_base_pa(void);

/* A periodic timer on this CPU at vector IDT_VECTOR_TIMER (calibrated
 * against the PIT); each interrupt increments apic_timer_ticks. */
int apic_timer_start(unsigned period_ms) __attribute__((warn_unused_result));
void apic_timer_tick(void);
void apic_eoi(void);
extern volatile uint64_t apic_timer_ticks;
/* Mask the legacy PIC: the VMM takes no device interrupts. */
void pic_mask_all(void);

/* Busy-wait using the PIT (no interrupts needed). */
void delay_us(unsigned us);

#endif
