#!/usr/bin/env python3
"""Secure Boot: with OVMF's Secure Boot firmware and the snakeoil keys
enrolled, the firmware refuses the unsigned stub and starts the one signed
with the snakeoil db key, which then reports Secure Boot on.

One boot covers both (Secure Boot firmware is slow under TCG): disk 1
carries the unsigned stub, disk 2 the signed one, and their ESPs differ in
one guest file, so the digest the stub prints tells which disk it came
from. If the firmware accepted the unsigned stub, disk 1 would boot; if it
refused the signed one too, no stub would run. The run is without a TPM,
which also covers the stub's no-TPM path.
"""
import shutil

import vigiltest as vt

SIGNED_STUB = vt.BUILD + "/test/secboot/BOOTX64.EFI"
t = vt.Checks()

with vt.EspVariant() as unsigned, vt.EspVariant() as signed:
    unsigned.tamper("vigil/packages/alpha/alpha.elf")
    shutil.copy(SIGNED_STUB, signed.path("EFI/BOOT/BOOTX64.EFI"))
    second = ["-drive", "if=none,id=esp2,format=raw,readonly=on,file=fat:" + signed.dir,
              "-device", "virtio-blk-pci,drive=esp2,bootindex=2"]
    with vt.Boot(unsigned.dir, name="secureboot", timeout=240, secboot=True, tpm=False,
                 extra=second) as b:
        b.wait_for(r"^vigil: probe (handoff ok|FAIL)|^BdsDxe: No bootable option")
    digest_unsigned = vt.sha256_file(unsigned.path("vigil/packages/alpha/alpha.elf"))
    digest_signed = vt.sha256_file(signed.path("vigil/packages/alpha/alpha.elf"))

denied = b.has(r"^BdsDxe: failed to load Boot0001 .*: Access Denied")
t.check("firmware refuses the unsigned stub (disk 1)", denied)
ran = b.has(r"^vigil-stub: measured packages/alpha/alpha\.elf sha256:([0-9a-f]{64})")
t.check("the unsigned stub never ran", not ran or ran.group(1) != digest_unsigned)
t.check("firmware starts the signed stub (disk 2)", ran and ran.group(1) == digest_signed,
        "no stub output" if not ran else "")
t.check("the stub reports Secure Boot on and no TPM",
        b.has(r"^vigil-stub: secure boot on, no TPM$"))
t.check("probe VMM accepts the handoff", b.has(r"^vigil: probe handoff ok$"))
flags = b.has(r"^vigil: probe flags (\d+)$")
# HANDOFF_F_TPM 1 clear, HANDOFF_F_SECURE_BOOT 2 set (the others are not this test's)
t.check("handoff flags: Secure Boot, no TPM", flags and int(flags.group(1)) & 3 == 2,
        flags.group(0) if flags else "no flags line")
meas = b.has(r"^vigil: probe meas vmm\.elf pcr \d+ flags (\d+)")
t.check("without a TPM, measurements are recorded, not extended", meas and meas.group(1) == "0")
t.done()
