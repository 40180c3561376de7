#!/usr/bin/env python3
"""Refusals: on any failed check the stub prints `vigil-stub: refused <file>:
<reason>`, returns to the firmware, and nothing of the VMM or a guest runs.

Each case boots a copy of the probe ESP with one thing wrong. The probe VMM
prints `vigil: ...` lines the moment it is entered, so their absence shows
it never ran; the firmware's "failed to start" line shows the stub returned
instead of hanging. Without the check under test, the probe would run and
the case would fail.
"""
import os
import subprocess

import vigiltest as vt

PLATFORM_KEY = vt.BUILD + "/keys/platform.key"
OTHER_KEY = vt.BUILD + "/test/keys/other.key"
t = vt.Checks()


def config(v, guests):
    """Replace system.dtb with one naming guests {name: node body}, signed
    by the platform key: only the stub's own checks stand in the way."""
    nodes = "".join('\t\t%s { %s };\n' % g for g in guests.items())
    src = ('/dts-v1/;\n/ {\n\tcompatible = "vigil,system-v1";\n'
           '\tchannel { uart-port = <0x2f8>; irq = <3>; };\n\tguests {\n%s\t};\n};\n' % nodes)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", v.path("vigil/system.dtb")],
                   input=src.encode(), check=True)
    v.sign("vigil/system.dtb", PLATFORM_KEY)


def sign_garbage_vmm(v):
    v.write("vigil/vmm.elf", b"\x7fELF" + bytes(range(256)) * 16)
    v.sign("vigil/vmm.elf", PLATFORM_KEY)


CASES = [
    ("tampered vmm.elf", lambda v: v.tamper("vigil/vmm.elf"),
     r"refused vmm\.elf: .*\(0 of 1 platform keys\)"),
    ("tampered system.dtb", lambda v: v.tamper("vigil/system.dtb"),
     r"refused system\.dtb: .*\(0 of 1 platform keys\)"),
    ("vmm.elf signed by a key outside the platform set",
     lambda v: v.sign("vigil/vmm.elf", OTHER_KEY), r"refused vmm\.elf: .*\(0 of 1 platform keys\)"),
    ("vmm.elf.sig missing", lambda v: v.remove("vigil/vmm.elf.sig"),
     r"refused vmm\.elf\.sig: missing"),
    ("system.dtb.sig missing", lambda v: v.remove("vigil/system.dtb.sig"),
     r"refused system\.dtb\.sig: missing"),
    ("signed vmm.elf that is no valid ELF", sign_garbage_vmm, r"refused vmm\.elf: \S"),
    ("signed config with a path leaving vigil/",
     lambda v: config(v, {"evil": 'package = "../EFI/BOOT";'}),
     r"refused system\.dtb: guest evil: bad package path"),
    ("signed config with an absolute path",
     lambda v: config(v, {"evil": 'package = "/vigil/packages/alpha";'}),
     r"refused system\.dtb: guest evil: bad package path"),
    # The withdrawn form: a guest naming its own files, even beside a
    # well-formed packaged guest, refuses the whole config.
    ("signed config with a guest naming its image",
     lambda v: config(v, {"alpha": 'package = "packages/alpha";', "old": 'image = "packages/alpha/alpha.elf";'}),
     r"refused system\.dtb: a guest names image, initrd, acpi or cmdline: no longer accepted, "
     r"a guest is a signed package$"),
    ("signed config with a package and a command line beside it",
     lambda v: config(v, {"alpha": 'package = "packages/alpha"; cmdline = "console=ttyS0";'}),
     r"refused system\.dtb: a guest names image, initrd, acpi or cmdline"),
]

for i, (name, change, refusal) in enumerate(CASES):
    with vt.EspVariant() as v:
        change(v)
        with vt.Boot(v.dir, name="refuse%d" % i, timeout=60, tpm=False) as b:
            b.wait_for(r"^BdsDxe: failed to start Boot0001|^vigil: ")
    line = b.has(r"^vigil-stub: refused .*$")
    ok = b.has(r"^vigil-stub: " + refusal)
    t.check("%s: refused" % name, ok, line.group(0) if line else "no refusal line")
    t.check("%s: the stub returned to the firmware" % name,
            b.has(r"^BdsDxe: failed to start Boot0001 .*: Security Violation|"
                  r"^BdsDxe: failed to start Boot0001 .*: (Not Found|Load Error|"
                  r"Invalid Parameter)"))
    vmm = b.has(r"^(vigil: |vigil-stub: starting|\[[a-z0-9-]+\] ).*$")
    t.check("%s: no VMM or guest output" % name, not vmm, vmm.group(0) if vmm else "")
t.done()
