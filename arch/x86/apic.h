/* SPDX-License-Identifier: MIT */
/* The local APIC, just enough to start and signal other CPUs. In x2APIC
 * mode wherever the CPU has it (docs/vmm.md, "The local APIC"). */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include <stdbool.h>
#include <stdint.h>

/* The BSP's APIC: x2APIC when the firmware left it so or the CPU has it,
 * else xAPIC; says which on the console. */
int apic_init(void) __attribute__((warn_unused_result));
/* An AP's APIC into the BSP's mode, before anything on the AP uses it. */
void apic_cpu_init(void);
/* "x2APIC (enabled by the VMM)", "x2APIC (firmware)" or "xAPIC (CPU has no x2APIC)". */
const char *apic_mode_name(void);
/* The APICs are in x2APIC mode (32-bit IDs in interrupt messages). */
bool apic_is_x2apic(void);
uint32_t apic_id(void);
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, uint8_t vector_page);
void apic_send_nmi(uint32_t apic_id);
/* A fixed interrupt at vector on CPU apic_id (edge, physical destination). */
void apic_send_fixed(uint32_t apic_id, uint8_t vector);

/* A periodic timer on this CPU at vector IDT_VECTOR_TIMER, counts_per_ms
 * as calibrated (kernel/time.c); each interrupt increments apic_timer_ticks. */
int apic_timer_start(unsigned period_ms, uint64_t counts_per_ms) __attribute__((warn_unused_result));
/* The timer as a masked free-running counter, for its calibration. */
void apic_timer_count_start(void);
uint32_t apic_timer_count(void);
void apic_timer_tick(void);
/* A guest CPU's timer: set up once on that CPU (one-shot at
 * IDT_VECTOR_GUEST_TIMER, divide by 16), then each arming is one write:
 * it fires after count ticks; 0 stops it. */
void apic_timer_oneshot_setup(void);
void apic_timer_oneshot(uint32_t count);
void apic_eoi(void);
extern volatile uint64_t apic_timer_ticks;
/* Mask the legacy PIC: the VMM takes no device interrupts. */
void pic_mask_all(void);

/* The PIT's channel 2 as a one-shot of at most 50 ms: the time base that
 * calibrates the TSC and the APIC timer. */
void pit_oneshot_start(unsigned us);
bool pit_oneshot_done(void);

#endif
