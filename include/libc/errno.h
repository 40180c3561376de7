/* SPDX-License-Identifier: MIT */
/*
 * Error numbers for the project's negative-errno returns. The values are
 * Linux's, so host builds of the same code (which see the C library's
 * <errno.h>) return identical numbers.
 */
#ifndef VIGIL_LIBC_ERRNO_H
#define VIGIL_LIBC_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define ENXIO 6
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENODATA 61
#define EPROTO 71
#define EBADMSG 74
#define EOVERFLOW 75
#define EMSGSIZE 90
#define EOPNOTSUPP 95
#define ETIMEDOUT 110
#define EALREADY 114
#define ESTALE 116
#define ECANCELED 125
#define EKEYREJECTED 129

#endif
