/* SPDX-License-Identifier: MIT */
#ifndef KERNEL_INIT_H
#define KERNEL_INIT_H

#include <stdint.h>

struct percpu;

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.1"
#endif

__attribute__((noreturn)) void kmain(uint64_t handoff_pa);
__attribute__((noreturn)) void ap_main(struct percpu *pc);
__attribute__((noreturn)) void vmm_cpu_idle(void);

#endif
