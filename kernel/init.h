/* SPDX-License-Identifier: MIT */
#ifndef KERNEL_INIT_H
#define KERNEL_INIT_H

#include <stdint.h>

struct percpu;

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.1"
#endif
#define VIGIL_VERSION_CODE 0x000100u /* 0.1, patch level 0 */

struct config;
/* The validated system config: read-only after boot. */
extern struct config system_config;
uint64_t vmm_version_code(void);

__attribute__((noreturn)) void kmain(uint64_t handoff_pa);
__attribute__((noreturn)) void ap_main(struct percpu *pc);
__attribute__((noreturn)) void vmm_cpu_idle(void);

#endif
