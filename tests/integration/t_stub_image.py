#!/usr/bin/env python3
"""The shipped artifacts: build/vigil.img (GPT + FAT32 ESP, what goes on a
USB disk) boots through the stub into the real VMM with the build's config,
and the stub measures exactly the files of build/esp: all but the platform
signatures it verified (a package's signature file is handed on to the
VMM, so it is measured like the package's other files)."""
import os
import re

import vigiltest as vt

t = vt.Checks()
with vt.Boot(vt.IMAGE, name="image", timeout=120) as b:
    b.wait_for(r"^vigil: ")

files = {}
for root, _, names in os.walk(vt.ESP + "/vigil"):
    for n in names:
        path = os.path.join(root, n)
        if os.path.relpath(path, vt.ESP + "/vigil") not in ("vmm.elf.sig", "system.dtb.sig"):
            files[os.path.relpath(path, vt.ESP + "/vigil")] = vt.sha256_file(path)
measured = dict(re.findall(r"^vigil-stub: measured (\S+) sha256:([0-9a-f]{64})$", b.text(), re.M))
measured.pop("platform-keys", None)

t.check("firmware boots the disk image's stub", b.has(r"^vigil-stub: verified system\.dtb"))
t.check("the stub measures every file of build/esp and nothing else", measured == files,
        "measured %s, ESP %s" % (sorted(measured), sorted(files)))
t.check("the VMM starts", b.has(r"^vigil-stub: starting vmm\.elf") and b.has(r"^vigil: "))
t.done()
