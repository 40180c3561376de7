/* SPDX-License-Identifier: MIT */
/*
 * The guest GDT (crt0.S), shared by assembly and C. The TSS descriptor is
 * filled in by user.c, which needs the TSS's address split into pieces.
 */
#ifndef GUEST_SELECTORS_H
#define GUEST_SELECTORS_H

#define SEL_KCODE 0x08	    /* 64-bit code, DPL 0 */
#define SEL_KDATA 0x10	    /* flat data, DPL 0 */
#define SEL_UDATA (0x18 | 3) /* flat data, DPL 3 */
#define SEL_UCODE (0x20 | 3) /* 64-bit code, DPL 3 */
#define SEL_TSS 0x28	    /* 16-byte 64-bit TSS descriptor */
#define GDT_ENTRIES 7	    /* 8-byte slots, the TSS taking two */

/* The software interrupt that ends guest_user_run(): a DPL 3 gate. */
#define USER_RETURN_VECTOR 0x80

#ifdef __ASSEMBLY__
/* Just in long mode (crt0.S, smp.S): the flat kernel data selector in DS,
 * ES and SS, FS and GS null. Clobbers EAX. */
.macro load_kernel_data_segments
	mov	$SEL_KDATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
.endm
#endif

#endif
