/* SPDX-License-Identifier: MIT */
/*
 * Physical memory and the VMM's address space.
 *
 * Layout: the image at its link address (text RX, rodata R, data/bss RW,
 * guard pages unmapped); every RAM range of the handoff except the image
 * itself at PHYSMAP_BASE + pa (RW, never executable); MMIO at MMIO_BASE.
 * The image is left out of the physmap so that no writable alias of the
 * VMM's code exists.
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86/pt.h"

#define PHYSMAP_BASE 0xffff888000000000ull
#define MMIO_BASE 0xffffc90000000000ull
#define PERCPU_BASE 0xffffca0000000000ull /* the APs' cpu_areas, guard pages unmapped */

struct handoff;

/* Page allocator over the handoff's usable RAM; pages come back zeroed. */
int mm_init(const struct handoff *h) __attribute__((warn_unused_result));
uint64_t page_alloc(size_t pages, uint64_t align);
/* The same from the top of RAM down (guest memory). */
uint64_t page_alloc_high(size_t pages, uint64_t align);
/* Give back pages that page_alloc*() returned (a guest update's staging). */
void page_free(uint64_t pa, size_t pages);
uint64_t mm_reserved_bytes(void);

/* Build the VMM's own page tables and switch to them. */
int mm_build_address_space(const struct handoff *h) __attribute__((warn_unused_result));
/* Allocate and map the cpu_area of CPUs 1..count-1 (areas[0] is the boot
 * CPU's, in the image); returns how many CPUs have one, 0 included. */
struct cpu_area;
unsigned mm_percpu_alloc(struct cpu_area **areas, unsigned count);
/* Map device registers uncached; returns their virtual address or NULL. */
void *mm_map_mmio(uint64_t pa, size_t size);
/* The VMM's own page tables (read by the page-table audit). */
const struct pt *mm_vmm_pt(void);

void *phys_to_virt(uint64_t pa);
uint64_t virt_to_phys(const void *va);

/* Linker symbols (linker.ld). */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __ro_after_init_start[], __ro_after_init_end[];
extern char __data_start[], __bss_end[];



/* Map into the VMM's own tables (boot only: they are read-only after mm_lock). */
int pt_map_vmm(uint64_t va, uint64_t pa, size_t size, unsigned flags) __attribute__((warn_unused_result));
/* Used only while APs start (arch/x86/smp.c). */
int mm_map_identity_exec(uint64_t pa, size_t size) __attribute__((warn_unused_result));
void mm_unmap_identity(uint64_t pa, size_t size);
void mm_switch_cpu(void);
/* End of boot: ro-after-init data and the VMM's page tables read-only. */
void mm_lock(void);
struct pt_audit;
/* Audit the VMM's own page tables (arch/x86/pt_audit.h). */
void mm_audit(struct pt_audit *a);
#endif
