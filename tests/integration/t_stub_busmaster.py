#!/usr/bin/env python3
"""DMA before the IOMMU: no PCI function has bus mastering on when the VMM
is entered, and the handoff says what the stub turned off (docs/boot.md,
"DMA before the IOMMU").

The probe VMM reads segment 0's configuration space through ports
0xcf8/0xcfc on entry, names every function with bus mastering still on and
prints the handoff's counts. OVMF leaves bus mastering on for every
function (measured: a stub that turns nothing off leaves all of them on),
the ESP's virtio disk among them. The machine also gets:
- a PCIe root port with a virtio RNG behind it: a bridge, and a bus other
  than 0 for both of the stub's passes to reach;
- a USB controller (qemu-xhci): OVMF's XHCI driver restores the PCI
  attributes it found, bus mastering on, in its ExitBootServices callback,
  after the stub's firmware pass. Only the pass through the ports after
  ExitBootServices turns it off again (without it, the probe finds it on).
"""
import re

import vigiltest as vt

EXTRA = ["-device", "pcie-root-port,id=vigil-rp,bus=pcie.0,chassis=1,slot=1",
         "-device", "virtio-rng-pci,bus=vigil-rp", "-device", "qemu-xhci"]
t = vt.Checks()

with vt.EspVariant() as esp:
    with vt.Boot(esp.dir, name="busmaster", timeout=90, tpm=False, extra=EXTRA) as b:
        b.wait_for(r"^vigil: probe (handoff ok|FAIL)")

t.check("probe VMM accepts the handoff", b.has(r"^vigil: probe handoff ok$"),
        (b.has(r"^vigil: probe FAIL.*") or [""])[0] or "probe did not finish")
probe = b.has(r"^vigil: probe pci bus mastering on:(.*); (\d+) functions on segment 0$")
t.check("the probe scanned segment 0", probe and int(probe.group(2)) > 0,
        "no probe pci line" if not probe else probe.group(0))
t.check("no PCI function has bus mastering on at VMM entry", probe and probe.group(1) == " none",
        "on at" + probe.group(1) if probe else "")
stub = b.has(r"^vigil-stub: bus mastering off on (\d+) of (\d+) PCI functions$")
t.check("the stub says what it turned off before ExitBootServices", stub)
kept = b.has(r"^vigil-stub: .*keep bus mastering on$")
t.check("the firmware turned every function's bus mastering off when asked", not kept,
        kept.group(0) if kept else "")
counts = b.has(r"^vigil: probe handoff pci listed (\d+) cleared (\d+), segment 0 (\d+) cleared (\d+) kept (\d+)$")
t.check("the probe printed the handoff's counts", counts)
if stub and counts and probe:
    listed, cleared, seg0, seg0_cleared, seg0_kept = (int(g) for g in counts.groups())
    t.check("the handoff holds the counts the stub printed",
            (cleared, listed) == (int(stub.group(1)), int(stub.group(2))),
            "printed %s of %s, handoff %d of %d" % (stub.group(1), stub.group(2), cleared, listed))
    # At least the virtio disk and RNG and the root port the RNG is behind.
    t.check("the firmware pass turned bus mastering off where it was on (3 or more)", cleared >= 3,
            "cleared %d of %d" % (cleared, listed))
    found = int(probe.group(2))
    t.check("the pass after ExitBootServices found every function of segment 0, bus 1's too",
            seg0 == found == listed, "stub %d, probe %d, firmware %d" % (seg0, found, listed))
    t.check("the pass after ExitBootServices turned off what the XHCI driver turned back on",
            seg0_cleared >= 1 and seg0_kept == 0,
            "%d turned off, %d kept after ExitBootServices" % (seg0_cleared, seg0_kept))
t.done()
