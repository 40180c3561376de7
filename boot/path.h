/* SPDX-License-Identifier: MIT */
/*
 * Paths the signed config names (guest images, below vigil/ on the ESP).
 * The config is verified before any path is used, but a path still must not
 * escape vigil/ or overflow a handoff name, whoever signed it.
 */
#ifndef BOOT_PATH_H
#define BOOT_PATH_H

/* 0 when p is relative, at most HANDOFF_NAME_LEN - 1 bytes, made of
 * [A-Za-z0-9._-] components separated by single '/', none of them "." or
 * ".."; -EINVAL otherwise. */
__attribute__((warn_unused_result)) int path_check(const char *p);

#endif
