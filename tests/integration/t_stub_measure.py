#!/usr/bin/env python3
"""Measured boot: what the stub prints, records in the handoff and extends
into the TPM agrees with the ESP's files, and changes when they change.

The PCRs are read by the probe VMM from the TPM itself (TPM2_PCR_Read over
the TIS) after the firmware is gone; the expected values are a replay of the
stub's printed events from a reset PCR. That the replay matches shows the
firmware hashed exactly the buffers the stub hashed, and that nothing else
extended PCRs 10 and 15 (docs/boot.md).
"""
import hashlib
import re

import vigiltest as vt

PCR_TCB, PCR_WORKLOAD = 10, 15
# Each guest is a package: its manifest, the manifest's signature, then the
# files the manifest names (here an image each).
GUEST_FILES = ["packages/%s/%s" % (g, f) for g in ("alpha", "beta")
               for f in ("manifest.dtb", "manifest.dtb.sig", g + ".elf")]
FILES = ["vmm.elf", "system.dtb"] + GUEST_FILES
t = vt.Checks()


def platform_keys_digest():
    """SHA-256 of the built-in key set as docs/boot.md defines it: the
    97-byte points in order, then the threshold as a little-endian u32,
    read back from the generated C file the stub was built from."""
    with open(vt.BUILD + "/gen/platform_keys.c") as f:
        src = f.read()
    points = re.search(r"_points\[\d+\]\[SIG_POINT_LEN\] = \{(.*?)\n\};", src, re.S).group(1)
    raw = bytes(int(h, 16) for h in re.findall(r"0x([0-9a-f]{2})", points))
    threshold = int(re.search(r"\.threshold = (\d+)", src).group(1))
    return hashlib.sha256(raw + threshold.to_bytes(4, "little")).hexdigest()


def boot(esp, name, mem="1G"):
    """Boot esp once; return the run and what the stub and the probe said."""
    with vt.Boot(esp, name=name, timeout=90, mem=mem) as b:
        b.wait_for(r"^vigil: probe (handoff ok|FAIL)")
    text = b.text()
    stub = re.findall(r"^vigil-stub: measured (\S+) sha256:([0-9a-f]{64})$", text, re.M)
    probe = re.findall(r"^vigil: probe meas (\S+) pcr (\d+) flags (\d+) sha256:([0-9a-f]{64})$",
                       text, re.M)
    mods = re.findall(r"^vigil: probe module (\S+) size (\d+) sha256:([0-9a-f]{64})$", text, re.M)
    pcrs = dict(re.findall(r"^vigil: probe pcr (\d+) sha256:([0-9a-f]{64})$", text, re.M))
    return b, stub, probe, mods, pcrs


def expected_pcrs(stub):
    tcb = [d for n, d in stub if n in ("platform-keys", "vmm.elf")]
    work = [d for n, d in stub if n not in ("platform-keys", "vmm.elf")]
    return {str(PCR_TCB): vt.pcr_replay(tcb), str(PCR_WORKLOAD): vt.pcr_replay(work)}


# A private copy: digests are compared with the very files that booted,
# whatever a concurrent build does to the probe ESP meanwhile.
base_esp = vt.EspVariant()
# 6 GiB: RAM above 4 GiB, so the identity map must reach past it while the
# VMM image stays below 4 GiB (both checked by the probe).
b, stub, probe, mods, pcrs = boot(base_esp.dir, "measure", mem="6G")
t.check("probe VMM accepts the handoff", b.has(r"^vigil: probe handoff ok$"),
        (b.has(r"^vigil: probe FAIL.*") or [""])[0] or "probe did not finish")
top = b.has(r"^vigil: probe memmap .* top 0x([0-9a-f]+)$")
t.check("the handoff's memory map reaches above 4 GiB", top and int(top.group(1), 16) > 1 << 32)
t.check("stub verified both signed files",
        b.has(r"^vigil-stub: verified vmm\.elf") and b.has(r"^vigil-stub: verified system\.dtb"))
names = [n for n, _ in stub]
t.check("measurement order", names == ["platform-keys"] + FILES, "got %s" % names)
esp_digests = {f: vt.sha256_file(base_esp.path("vigil/" + f)) for f in FILES}
printed = dict(stub)
for f in FILES:
    t.check("printed digest of %s equals sha256sum" % f, printed.get(f) == esp_digests[f],
            "%s != %s" % (printed.get(f), esp_digests[f]))
t.check("platform-keys digest is the built-in key set", printed.get("platform-keys") ==
        platform_keys_digest())
t.check("handoff measurements equal the printed ones, extended into the TPM",
        [(n, d) for n, _, _, d in probe] == stub and all(fl == "1" for _, _, fl, _ in probe))
t.check("PCR assignment: keys and VMM in 10, config and guests in 15",
        [(n, int(p)) for n, p, _, _ in probe] ==
        [("platform-keys", 10), ("vmm.elf", 10), ("system.dtb", 15)] + [(f, 15) for f in GUEST_FILES])
t.check("modules: config first, then guests, contents hash to the measured digests",
        [(n, d) for n, _, d in mods] == [(f, esp_digests[f]) for f in FILES[1:]])
base = expected_pcrs(stub)
t.check("TPM PCRs 10 and 15 equal the replayed events", pcrs == base,
        "TPM %s, replay %s" % (pcrs, base))


def variant_pcrs(name, change):
    """PCRs after one change to a copy of the ESP (re-signed as needed)."""
    with vt.EspVariant(base_esp.dir) as v:
        change(v)
        _, stub2, _, _, pcrs2 = boot(v.dir, name)
    ok = pcrs2 == expected_pcrs(stub2) and len(pcrs2) == 2
    t.check("%s: TPM PCRs still equal the replay" % name, ok, str(pcrs2))
    return pcrs2


def new_vmm(v):
    v.append("vigil/vmm.elf")  # trailing bytes: same segments, other digest
    v.sign("vigil/vmm.elf", vt.BUILD + "/keys/platform.key")


def new_config(v):
    v.append("vigil/system.dtb")
    v.sign("vigil/system.dtb", vt.BUILD + "/keys/platform.key")


p = variant_pcrs("vmm changed", new_vmm)
t.check("a changed vmm.elf changes PCR 10 only", p.get("10") != base["10"] and
        p.get("15") == base["15"])
p = variant_pcrs("config changed", new_config)
t.check("a changed system.dtb changes PCR 15 only", p.get("15") != base["15"] and
        p.get("10") == base["10"])
p = variant_pcrs("guest changed", lambda v: v.tamper("vigil/packages/beta/beta.elf"))
t.check("a changed guest image changes PCR 15 only", p.get("15") != base["15"] and
        p.get("10") == base["10"])
base_esp.cleanup()
t.done()
