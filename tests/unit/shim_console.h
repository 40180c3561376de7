/* SPDX-License-Identifier: MIT */
/* What tests/unit/shim_console.c records, for test_vm_console.c. */
#ifndef TESTS_UNIT_SHIM_CONSOLE_H
#define TESTS_UNIT_SHIM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include "vmm/vm.h"

#define SHIM_TTY_MAX (1u << 20)

extern char shim_tty[SHIM_TTY_MAX]; /* every byte written to COM1 */
extern size_t shim_tty_len;
extern const uint8_t *shim_rx;	    /* bytes COM1 will receive */
extern size_t shim_rx_len;
extern unsigned shim_wakes, shim_routes, shim_eois;
extern unsigned shim_kicks[CONFIG_MAX_GUESTS];
extern void (*shim_irq_handler)(void);
extern uint64_t shim_ms; /* what time_ms() returns */

#endif
