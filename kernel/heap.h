/* SPDX-License-Identifier: MIT */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H

#include <stddef.h>

void heap_init(void);
size_t heap_peak_bytes(void);

#endif
