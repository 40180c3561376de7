#!/usr/bin/env python3
"""MSI-X of an assigned device, proven with a bare-metal NVMe driver.

Vigil boots under QEMU with an IOMMU (VT-d, then AMD-Vi) and QEMU's NVMe
controller at 00:07.0 on a raw image in the test's work directory; the
config gives it to the guest `nvme` (tests/guests/nvme-probe). The guest
programs MSI-X in the table the VMM emulates, brings the controller up,
reads its Identify data by interrupt, writes a block through an I/O queue
pair and reads it back, then tries what it may not have (docs/dma.md,
"Interrupts"). Every line of the guest is checked, then what the device
itself holds (through qtest: the VMM's remapped messages, its full table
size, MSI-X on), the inventory's counts, and that the VMM stays up.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_iommu as ti  # noqa: E402
vt = ti.vt
chan = ti.chan

NVME_BDF = (0, 7, 0)
WAIT = 120

CONFIG = """
/dts-v1/;

/ {
	compatible = "vigil,system-v1";

	channel {
		uart-port = <0x2f8>;
		irq = <3>;
	};

	guests {
		nvme {
			package = "packages/nvme-probe";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <1>;
			memory = <0x0 0x0 0x0 0x400000>;
			pci-devices = <0 0 7 0>;
		};
	};
};

/include/ "roles.dtsi"
"""

# What the guest must say, in order: (line, what it proves).
LINES = [
    (r"nvme at 00:07\.0 id [0-9a-f]{8}", "the guest finds its NVMe controller"),
    (r"BAR0 0x[0-9a-f]+, MSI-X table at BAR0\+0x[0-9a-f]+, PBA at BAR0\+0x[0-9a-f]+, 16 entries",
     "the guest sees the table at most 16 entries long (the device has 65)"),
    (r"ok   the controller has an MSI-X capability", "the capability is shown"),
    (r"ok   MSI-X enabled \(control 0x800f\)", "the guest enables MSI-X; the control reads back as written"),
    (r"ok   the controller is ready", "the controller comes up on the guest's admin queues"),
    (r"ok   Identify Controller completes \(status 0\)", "Identify Controller completes"),
    (r'model "QEMU NVMe Ctrl"', "the model number arrives in the guest's memory (DMA through its window)"),
    (r"interrupts at 0x61: 1", "the completion's interrupt arrives at the guest's vector (MSI-X entry 0)"),
    (r"ok   an I/O queue pair is created, its completions on entry 1 \(status 0\)", "an I/O queue pair"),
    (r"ok   a block of 512 bytes written and read back through the I/O queue pair: same \(status 0, 0\)",
     "a block written and read back"),
    (r"ok   the I/O completions arrive at vector 0x62 \(MSI-X entry 1\): 2 of 2",
     "the I/O completions arrive at entry 1's vector"),
    (r"ok   entry 0 as an NMI: nothing arrives", "the guest cannot make its device send an NMI"),
    (r"ok   entry 0 at APIC ID 7, which it does not have: nothing arrives",
     "an APIC ID the guest does not have reaches no one"),
    (r"ok   entry 0 at its own APIC ID again: the interrupt arrives", "programmed back, interrupts arrive"),
    (r"ok   entry 0 masked: the interrupt is held \(PBA 0x[0-9a-f]*[13579bdf]\)",
     "a masked entry holds its interrupt; the PBA reads through"),
    (r"ok   entry 0 unmasked: the held interrupt arrives", "unmasked, the held interrupt arrives"),
    (r"ok   a 2-byte write to entry 0's data: #GP", "a 2-byte table write is #GP"),
    (r"ok   a 1-byte read of the table: #GP", "a 1-byte table read is #GP"),
    (r"ok   an unaligned 4-byte read: #GP", "an unaligned dword is #GP"),
    (r"ok   an unaligned 8-byte read: #GP", "an unaligned qword is #GP"),
    (r"ok   a write of RSP into the table: #GP", "RSP as the operand is #GP"),
    (r"ok   an instruction fetch from the table: #GP", "a fetch from the table's page is #GP"),
    (r"ok   an aligned 8-byte write and read of entry 2's address", "aligned qwords reach the table"),
    (r"ok   an entry past the 16 it is shown reads 0 after a write", "entries past the shown table take nothing"),
    (r"ok   a write to the PBA changes nothing", "a PBA write is dropped"),
    (r"ok   one NVMe controller found \(1\)", "one controller"),
    (r"verdict: PASS", "the guest's verdict"),
]


def cfg(q, off):
    bus, dev, fn = NVME_BDF
    q.cmd("outl 0xcf8 0x%x" % (0x80000000 | bus << 16 | dev << 11 | fn << 8 | off))
    return q.value("inl 0xcfc")


def check_device(t, q, kind, bar):
    """What the device itself holds: MSI-X on, its own table size, and in
    entries 0 and 1 the VMM's remapped messages, not the guest's."""
    cap = cfg(q, 0x34) & 0xfc
    while cap and cfg(q, cap) & 0xff != 0x11:
        cap = (cfg(q, cap) >> 8) & 0xfc
    ctrl = cfg(q, cap) >> 16 if cap else 0
    table = bar + (cfg(q, cap + 4) & ~7) if cap else 0
    t.check("%s: the device's MSI-X is on, unmasked as a function, with its 65 entries (control 0x%x)"
            % (kind, ctrl), cap and ctrl == 0x8040, "capability at 0x%x" % cap)
    for n, vec in ((0, 0x61), (1, 0x62)):
        addr = q.value("readl 0x%x" % (table + 16 * n))
        data = q.value("readl 0x%x" % (table + 16 * n + 8))
        remapped = addr & 0x10 and data == 0 if kind == "vtd" else addr == 0xfee00000 and data != vec
        t.check("%s: the device's entry %d holds the VMM's remapped message (address 0x%x, data 0x%x)"
                % (kind, n, addr, data), remapped)
    last = q.value("readl 0x%x" % (table + 16 * 64 + 12))
    t.check("%s: an entry the guest is not shown stays masked on the device" % kind, last & 1)


def run(t, kind):
    qsock = os.path.join(vt.WORK, "qtest-nvme-%s.sock" % kind)
    csock = os.path.join(vt.WORK, "chan-nvme-%s.sock" % kind)
    disk = os.path.join(vt.WORK, "nvme-%s.img" % kind)
    for path in (qsock, csock, disk):
        if os.path.exists(path):
            os.unlink(path)
    subprocess.run(["truncate", "-s", "1M", disk], check=True)
    extra = ["-device", "intel-iommu,intremap=on" if kind == "vtd" else "amd-iommu,intremap=on",
             "-drive", "file=%s,if=none,id=nv,format=raw" % disk,
             "-device", "nvme,drive=nv,serial=vigil1,addr=0x%x" % NVME_BDF[1],
             "-qtest", "unix:%s,server=on,wait=off" % qsock,
             "-chardev", "socket,id=chan,path=%s,server=on,wait=off" % csock, "-serial", "chardev:chan"]
    with vt.EspVariant(vt.TEST_ESP) as esp:
        esp.package("nvme-probe")
        esp.config_text(CONFIG)
        with vt.Boot(esp.dir, name="nvme-%s" % kind, timeout=180, smp=2, extra=extra) as b:
            t.check("%s: the NVMe controller is assigned" % kind,
                    b.wait_for(r"^vigil: guest nvme: pci 0000:00:07\.0 \[1b36:0010\] assigned, DMA window onto "
                               r"its RAM$", timeout=WAIT))
            t.check("%s: its MSI-X entries get remapping entries" % kind,
                    b.wait_for(r"^vigil: guest nvme: pci 0000:00:07\.0 MSI-X: 16 of its 65 entries shown, each "
                               r"its own remapping entry$", timeout=WAIT))
            bar = None
            for rx, what in LINES:
                m = b.wait_for(r"^\[nvme\] (nvme-probe: )?%s" % rx, timeout=WAIT)
                t.check("%s: %s" % (kind, what), m, m.group(0) if m else "no line")
                bar = bar or (m and re.search(r"BAR0 (0x[0-9a-f]+)", m.group(0)))
            t.check("%s: no check of the guest failed" % kind, not b.has(r"^\[nvme\] nvme-probe: FAIL"))
            q = ti.Qtest(qsock)
            if bar:
                check_device(t, q, kind, int(bar.group(1), 16))
            q.close()
            inv = chan.query_json(csock, "inventory")
            g = inv.get("guests", {}).get("nvme", {})
            dev = g.get("pci", {}).get("device@0", {})
            u64 = lambda v: v[0] << 32 | v[1] if isinstance(v, list) else v
            got, dropped = u64(dev.get("msi-delivered", 0)), u64(dev.get("msi-dropped", 0))
            t.check("%s: the inventory counts the device's interrupts: %d delivered, %d dropped"
                    % (kind, got, dropped), got == 8 and dropped == 2, str(dev))
            refused = u64(g.get("irq", {}).get("mmio-refused", 0))
            t.check("%s: the inventory counts the refused table accesses (%d)" % (kind, refused), refused == 6,
                    str(g))
            t.check("%s: the VMM stays up" % kind, not b.has(r"TAMPERING|MISMATCH|^vigil: PANIC")
                    and chan.query_json(csock, "inventory").get("host") is not None)


def main():
    t = vt.Checks()
    for kind in sys.argv[1:] or ["vtd", "amdvi"]:
        run(t, kind)
    t.done()


if __name__ == "__main__":
    main()
