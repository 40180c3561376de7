/* SPDX-License-Identifier: MIT */
/*
 * CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320), as zlib's crc32():
 * start with 0, feed pieces in order, the return is the CRC of everything
 * fed so far. crc32_update(0, "123456789", 9) == 0xCBF43926.
 */
#ifndef KERNEL_CRC32_H
#define KERNEL_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *p, size_t n);

#endif
