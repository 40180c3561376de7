/* SPDX-License-Identifier: MIT */
/*
 * Freestanding code has no abort(): assert() is compiled out (as with
 * NDEBUG) but still type-checks its argument. Checks that must hold at run
 * time are written as explicit error paths, never as assert().
 */
#ifndef VIGIL_LIBC_ASSERT_H
#define VIGIL_LIBC_ASSERT_H

#define assert(expr) ((void)sizeof((expr) ? 1 : 0))
#define static_assert _Static_assert

#endif
