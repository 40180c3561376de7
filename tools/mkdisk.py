#!/usr/bin/env python3
# Make a GPT disk image with one FAT32 EFI system partition holding an ESP
# directory, without root: the partition table is written here, the file
# system by mtools (mformat, mcopy) at the partition's offset.
#
# usage: tools/mkdisk.py ESP_DIR OUT.img
# The ESP's top-level directories (EFI/, vigil/) are copied; dot files are not.
import os
import struct
import subprocess
import sys
import uuid
import zlib

SECTOR = 512
ALIGN = 2048  # first partition at 1 MiB, as partitioning tools do
ENTRIES = 128
ENTRY_SIZE = 128
ENTRY_SECTORS = ENTRIES * ENTRY_SIZE // SECTOR
ESP_TYPE = uuid.UUID("c12a7328-f81f-11d2-ba4b-00a0c93ec93b")
MIN_FAT32 = 64 << 20  # FAT32 needs 65525+ clusters; 64 MiB leaves room
# Fixed GUIDs keep the image reproducible for the same ESP size.
NAMESPACE = uuid.UUID("5b0a8f7e-6c1d-4a57-9b2e-7669676c0000")


def tree_size(top):
    total = 0
    for root, _, files in os.walk(top):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def header(disk_guid, current, backup, first, last, entries_lba, entries_crc):
    fields = [b"EFI PART", 0x00010000, 92, 0, 0, current, backup, first, last,
              disk_guid.bytes_le, entries_lba, ENTRIES, ENTRY_SIZE, entries_crc]
    fmt = "<8sIIII QQQQ 16sQIII"
    crc = zlib.crc32(struct.pack(fmt, *fields))
    fields[3] = crc
    return struct.pack(fmt, *fields).ljust(SECTOR, b"\0")


def protective_mbr(total):
    mbr = bytearray(SECTOR)
    size = min(total - 1, 0xFFFFFFFF)
    # status, CHS start, type 0xEE, CHS end, first LBA, sectors
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\x00\x02\x00", 0xEE, b"\xff\xff\xff", 1, size)
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)


def gpt_write(img, total, part_first, part_last):
    disk_guid = uuid.uuid5(NAMESPACE, "disk-%d" % total)
    part_guid = uuid.uuid5(NAMESPACE, "esp-%d" % total)
    name = "EFI system partition".encode("utf-16-le").ljust(72, b"\0")
    entry = struct.pack("<16s16sQQQ72s", ESP_TYPE.bytes_le, part_guid.bytes_le,
                        part_first, part_last, 0, name)
    entries = entry.ljust(ENTRIES * ENTRY_SIZE, b"\0")
    crc = zlib.crc32(entries)
    first_usable = 2 + ENTRY_SECTORS
    last_usable = total - 2 - ENTRY_SECTORS
    img.seek(0)
    img.write(protective_mbr(total))
    img.write(header(disk_guid, 1, total - 1, first_usable, last_usable, 2, crc))
    img.write(entries)
    img.seek((total - 1 - ENTRY_SECTORS) * SECTOR)
    img.write(entries)
    img.write(header(disk_guid, total - 1, 1, first_usable, last_usable,
                     total - 1 - ENTRY_SECTORS, crc))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkdisk.py ESP_DIR OUT.img")
    esp, out = sys.argv[1], sys.argv[2]
    content = tree_size(esp)
    part_bytes = max(MIN_FAT32, (content * 5 // 4 + (16 << 20)) // (1 << 20) * (1 << 20))
    part_sectors = part_bytes // SECTOR
    total = ALIGN + part_sectors + ALIGN  # 1 MiB tail covers the backup GPT
    tmp = out + ".tmp"
    with open(tmp, "wb") as img:
        img.truncate(total * SECTOR)
        gpt_write(img, total, ALIGN, ALIGN + part_sectors - 1)
    target = "%s@@%d" % (tmp, ALIGN * SECTOR)
    subprocess.run(["mformat", "-i", target, "-F", "-T", str(part_sectors),
                    "-v", "VIGIL", "::"], check=True)
    tops = sorted(os.path.join(esp, d) for d in os.listdir(esp) if not d.startswith("."))
    subprocess.run(["mcopy", "-s", "-Q", "-i", target] + tops + ["::/"], check=True)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
