#!/usr/bin/env python3
"""The runtime self-check covers the unused part of the live-patch area.

The live-patch area (include/vigil/patch.h: PATCH_AREA_BASE, PATCH_AREA_SIZE)
is executable; its unused bytes are int3. Code written into it outside a
verified patch, where no redirect points yet, is still code an attacker
could reach later: the self-check must report it. As t_selfcheck.py does
for a byte of .text, this writes one byte (0x90, a NOP, over an int3) at
the area's last byte through QEMU's gdbstub in physical-memory mode, at
the area's backing page in the VMM image (symbol patch_backing; the image's
physical base is what the VMM logs). No patch is applied in this boot, so
the whole area is unused. The VMM must report TAMPERING; before the write
nothing of the kind.

Usage: t_selfcheck_patch.py (SVM, the boot tier)
"""
import os
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import vigiltest as vt  # noqa: E402
import t_selfcheck as sc  # noqa: E402

PATCH_H = os.path.join(vt.ROOT, "include", "vigil", "patch.h")
NOP = 0x90


def patch_area_size():
    with open(PATCH_H) as f:
        m = re.search(r"^#define PATCH_AREA_SIZE (0x[0-9a-fA-F]+|\d+)", f.read(), re.M)
    return int(m.group(1), 0)


def main():
    t = vt.Checks()
    size = patch_area_size()
    backing = sc.symbol("patch_backing") - sc.symbol("__image_start")
    end = sc.symbol("__patch_backing_end") - sc.symbol("__image_start")
    t.check("the patch area's backing is PATCH_AREA_SIZE bytes", end - backing == size,
            "backing 0x%x..0x%x, PATCH_AREA_SIZE 0x%x" % (backing, end, size))
    first, clean_before, wrote, why, caught, beats = sc.run_svm(backing + size - 1, NOP, patch=False)[:6]
    t.check("first self-check passes", first)
    t.check("no tampering reported before the write", clean_before)
    t.check("the debug port wrote a NOP at the patch area's last byte", wrote, "" if wrote else why)
    t.check("the self-check reports code in the unused patch area", caught)
    t.check("guests ran on", beats)
    t.done()


if __name__ == "__main__":
    main()
