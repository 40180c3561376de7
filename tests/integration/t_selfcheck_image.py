#!/usr/bin/env python3
"""The self-check's expected digest is the one signed into the image.

The attack: text that differs from the digest the build wrote into the
image (tools/text-digest.py), reaching the VMM's memory before its first
self-check, as a change made after the build or between the stub's load
and the first check would. Here the ESP's vmm.elf gets one byte of its text
changed (in the padding at the end of the section, so the VMM still runs)
and is signed again with the platform key, so the stub accepts it: only
the comparison with the digest inside the image can notice. The first
check must report MISMATCH and TAMPERING, and the guests must run on. Were
the expected digest taken from memory at boot, the first check would pass.
"""
import re
import subprocess

import vigiltest as vt

PLATFORM_KEY = vt.BUILD + "/keys/platform.key"
MISMATCH = r"^vigil: text self-check every \d+ s: MISMATCH$"
TAMPERING = r"^vigil: TAMPERING: VMM text changed outside a verified patch"
BEAT = r"^\[ticker\] beat \d+$"


def text_end_offset(elf):
    """File offset of the last byte of .text."""
    out = subprocess.run(["readelf", "-SW", elf], capture_output=True, text=True, check=True).stdout
    m = re.search(r"\]\s+\.text\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", out)
    return int(m.group(1), 16) + int(m.group(2), 16) - 1


def main():
    t = vt.Checks()
    v = vt.EspVariant(vt.TEST_ESP)
    try:
        elf = bytearray(v.read("vigil/vmm.elf"))
        at = text_end_offset(v.path("vigil/vmm.elf"))
        elf[at] ^= 0xff
        v.write("vigil/vmm.elf", bytes(elf))
        v.sign("vigil/vmm.elf", PLATFORM_KEY)
        with vt.Boot(v.dir, name="selfcheck-image", timeout=150) as b:
            started = b.wait_for(r"^vigil: guest ticker started", timeout=90)
            mismatch = b.wait_for(MISMATCH, timeout=60)
            tampering = b.has(TAMPERING)
            beats = b.wait_for(BEAT, timeout=30)
        t.check("the stub accepts the re-signed image; guests start", started)
        t.check("the first self-check reports MISMATCH against the image's digest", mismatch)
        t.check("and TAMPERING", tampering)
        t.check("guests ran on", beats)
    finally:
        v.cleanup()
    t.done()


if __name__ == "__main__":
    main()
