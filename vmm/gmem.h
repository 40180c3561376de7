/* SPDX-License-Identifier: MIT */
/* Reading guest memory through the guest's own page tables. */
#ifndef VMM_GMEM_H
#define VMM_GMEM_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86/vendor.h"

struct vm;

/* Translate a guest linear address with the guest's paging mode (none,
 * 32-bit, PAE, 4-level). Returns 0 or -EFAULT (not mapped or outside the
 * guest's memory); the guest's tables are read only through vm memory. */
int gmem_translate(const struct vm *vm, const struct guest_mode *m, uint64_t la, uint64_t *gpa);
/* Copy up to len bytes at linear address la; returns how many were read. */
size_t gmem_read_linear(const struct vm *vm, const struct guest_mode *m, uint64_t la, void *buf, size_t len);

#endif
