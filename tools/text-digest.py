#!/usr/bin/env python3
"""Write the SHA-256 of a VMM image's .text section into the image.

    tools/text-digest.py VMM.ELF

The VMM's runtime self-check (kernel/selfcheck.c) compares its code with
`selfcheck_text_sha256`, a 32-byte read-only array that the link leaves
zero. This step, run on the linked image, fills it with the digest of the
.text section's bytes, the bytes the VMM runs: the expected value then comes
from the image that the platform keys sign, not from memory at boot.
Idempotent (the array is outside .text).
"""
import hashlib
import struct
import sys

SYMBOL = b"selfcheck_text_sha256"


def sections(data):
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    out = []
    for i in range(shnum):
        name, stype, _flags, addr, offset, size, link, _info, _align, entsize = \
            struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        out.append(dict(name=name, type=stype, addr=addr, offset=offset, size=size, link=link,
                        entsize=entsize))
    strtab = out[shstrndx]
    for s in out:
        end = data.index(b"\0", strtab["offset"] + s["name"])
        s["name"] = data[strtab["offset"] + s["name"]:end]
    return out


def symbol(data, secs, name):
    for s in secs:
        if s["type"] != 2:  # SHT_SYMTAB
            continue
        strtab = secs[s["link"]]
        for off in range(s["offset"], s["offset"] + s["size"], s["entsize"]):
            st_name, _info, _other, shndx, value, size = struct.unpack_from("<IBBHQQ", data, off)
            end = data.index(b"\0", strtab["offset"] + st_name)
            if data[strtab["offset"] + st_name:end] == name:
                return shndx, value, size
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    path = sys.argv[1]
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if data[:4] != b"\x7fELF" or data[4] != 2:
        sys.exit("text-digest: %s is not an ELF64 file" % path)
    secs = sections(data)
    text = [s for s in secs if s["name"] == b".text"]
    sym = symbol(data, secs, SYMBOL)
    if not text or not sym:
        sys.exit("text-digest: %s has no .text or no %s" % (path, SYMBOL.decode()))
    shndx, value, size = sym
    home = secs[shndx]
    # in the file (not SHT_NOBITS), outside .text (.rodata is SHT_NOTE here:
    # the build-id note opens it)
    if size != 32 or home["name"] == b".text" or home["type"] == 8:
        sys.exit("text-digest: %s is not a 32-byte array outside .text" % SYMBOL.decode())
    digest = hashlib.sha256(data[text[0]["offset"]:text[0]["offset"] + text[0]["size"]]).digest()
    at = home["offset"] + value - home["addr"]
    data[at:at + 32] = digest
    with open(path, "wb") as f:
        f.write(data)
    print("  DIGEST  %s .text sha256:%s" % (path, digest.hex()))


if __name__ == "__main__":
    main()
