#!/usr/bin/env python3
"""A device assigned to a guest reaches that guest's memory and nothing else.

Vigil boots under QEMU with an IOMMU (VT-d, then AMD-Vi) and two `edu`
devices: 00:05.0, assigned to no one, and 00:06.0, which the config gives
the guest `dma` (tests/guests/dma-edu). The guest `nodev` runs the same
image without a device; the ticker is the victim.

The `dma` guest finds its device in the configuration space the VMM shows
it (its function alone), sizes its BAR and cannot move it, and has the
device copy a page of its own memory: the data must arrive. Then the
harness puts orders in the guest's mailbox (through qtest) and the guest
programs its device to
  - write into the VMM's text, the ticker's code, the `nodev` guest's
    memory, the page after its own RAM, the IOMMU's own tables, the I/O
    APIC, the other edu's registers (peer to peer), and the interrupt
    address 0xfee00000 (a forged MSI at the ticker's CPU);
  - read the VMM's text and the ticker's code into itself.
Every write must leave the memory as it was, under VT-d each is reported as
a `vigil: dma fault` of 00:06.0, and no read brings the target's bytes
back. The `nodev` guest reading the `dma` guest's BAR is stopped (the BAR
is not in its nested page tables). After the attacks the device still
copies the guest's own memory, the inventory lists the guest's device with
its fault count, the ticker keeps beating with no stray interrupt, and the
VMM's text self-check stays clean.

Guests whose devices cannot be given are refused with the reason, the
others run: a function that does not exist, the host bridge, and under
AMD-Vi the IOMMU's own PCI function.

Under VT-d (QEMU's AMD-Vi reports no faults) a third edu, 00:08.0, belongs
to the guest `halt`, configured `dma-fault-stop`: its one DMA into the
VMM's text is blocked and stops it, its device's bus mastering off, while
the others run on; an operator's restart brings it back with its device.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import t_iommu as ti  # noqa: E402
vt = ti.vt
chan = ti.chan

DMA_BDF = (0, 6, 0)
FREE_BDF = (0, 5, 0)
HALT_BDF = (0, 8, 0)
AMDVI_SLOT = 3  # where QEMU 7.2 puts its AMD-Vi function on this machine (checked by its class)
TICKER_APIC = 1  # the ticker runs on CPU 1 here; QEMU's APIC IDs are the CPU indexes
MAILBOX_WAIT = 120
ORDER_WAIT = 30

CONFIG = """
/dts-v1/;

/ {
	compatible = "vigil,system-v1";

	channel {
		uart-port = <0x2f8>;
		irq = <3>;
	};

	guests {
		ticker {
			package = "packages/ticker";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <1>;
			memory = <0x0 0x0 0x0 0x400000>;
		};

		dma {
			package = "packages/dma-edu";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <2>;
			memory = <0x0 0x0 0x0 0x400000>;
			pci-devices = <0 0 6 0>;
		};

		nodev {
			package = "packages/dma-edu";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <3>;
			memory = <0x0 0x0 0x0 0x400000>;
		};

		absent {
			package = "packages/hello";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <4>;
			memory = <0x0 0x0 0x0 0x400000>;
			pci-devices = <0 0 9 0>;
		};

		bridge {
			package = "packages/hello";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <5>;
			memory = <0x0 0x0 0x0 0x400000>;
			pci-devices = <0 0 0 0>;
		};
		%s
	};
};

/include/ "roles.dtsi"
"""

IOMMU_THIEF = """
		thief {
			package = "packages/hello";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <6>;
			memory = <0x0 0x0 0x0 0x400000>;
			pci-devices = <0 0 %d 0>;
		};
""" % AMDVI_SLOT

HALT = """
		halt {
			package = "packages/dma-edu";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <6>;
			memory = <0x0 0x0 0x0 0x400000>;
			pci-devices = <0 0 %d 0>;
			dma-fault-stop;
		};
""" % HALT_BDF[1]


def boot_args(kind, qsock, csock):
    extra = ["-device", "edu,dma_mask=0xffffffffffffffff,addr=0x%x" % FREE_BDF[1],
             "-device", "edu,dma_mask=0xffffffffffffffff,addr=0x%x" % DMA_BDF[1],
             "-qtest", "unix:%s,server=on,wait=off" % qsock,
             "-chardev", "socket,id=chan,path=%s,server=on,wait=off" % csock, "-serial", "chardev:chan"]
    if kind == "vtd":
        return ["-device", "intel-iommu,intremap=on",
                "-device", "edu,dma_mask=0xffffffffffffffff,addr=0x%x" % HALT_BDF[1]] + extra
    return ["-device", "amd-iommu,intremap=on"] + extra


class Device:
    """Configuration reads of one function through qtest."""

    def __init__(self, q, bdf):
        self.q, self.bdf = q, bdf

    def read(self, off):
        bus, dev, fn = self.bdf
        self.q.cmd("outl 0xcf8 0x%x" % (0x80000000 | bus << 16 | dev << 11 | fn << 8 | off))
        return self.q.value("inl 0xcfc")


def mailbox_of(b, guest):
    m = b.wait_for(r"^\[%s\] mailbox at (0x[0-9a-f]+)$" % guest, timeout=MAILBOX_WAIT)
    return int(m.group(1), 16) if m else None


def send(q, host_mailbox, orders, last=False):
    """Orders (op, addr) after those already there; the count goes last."""
    n = q.value("readq 0x%x" % host_mailbox)
    for i, (op, addr) in enumerate(orders):
        q.cmd("writeq 0x%x 0x%x" % (host_mailbox + 8 * (1 + 2 * (n + i)), op))
        q.cmd("writeq 0x%x 0x%x" % (host_mailbox + 8 * (2 + 2 * (n + i)), addr))
    if last:
        q.cmd("writeq 0x%x 0x1" % (host_mailbox + 8 * 63))
    q.cmd("writeq 0x%x 0x%x" % (host_mailbox, n + len(orders)))


def check_boot(t, b, kind):
    lines = b.lines()
    first = lambda rx: next((i for i, l in enumerate(lines) if re.match(rx, l)), None)
    blocked = first(r"vigil: DMA: (vt-d|amd-vi) unit 0 at .*: all DMA blocked")
    assigned = first(r"vigil: guest dma: pci 0000:00:06\.0 \[1234:11e8\] assigned, DMA window onto its RAM$")
    t.check("%s: the IOMMU blocks all DMA before the device is assigned" % kind,
            blocked is not None and assigned is not None and blocked < assigned,
            "lines %s and %s" % (blocked, assigned))
    t.check("%s: the boot log counts the devices with a DMA window" % kind,
            b.has(r"^vigil: DMA: %s with a DMA window onto its guest; every other device blocked$"
                  % ("2 devices" if kind == "vtd" else "1 device")))
    t.check("%s: a function that does not exist is refused, the guest left out" % kind,
            b.has(r"^vigil: guest absent refused: pci 0000:00:09\.0: no function there$"))
    t.check("%s: the host bridge is refused" % kind,
            b.has(r"^vigil: guest bridge refused: pci 0000:00:00\.0: not an endpoint \(a bridge\)$"))
    if kind == "amdvi":
        t.check("amdvi: the IOMMU's own function is refused",
                b.has(r"^vigil: guest thief refused: pci 0000:00:%02x\.0: the IOMMU's own function" % AMDVI_SLOT))


def check_view(t, b, kind):
    """What the guests see of PCI, and the device on their own memory."""
    ok = b.wait_for(r"^\[dma\] edu ident 0x[0-9a-f]+; dma own memory: (\w+)$", timeout=MAILBOX_WAIT)
    t.check("%s: the guest's device copies its own memory (DMA through its window)" % kind,
            ok and ok.group(1) == "ok", ok.group(0) if ok else "no line")
    t.check("%s: the guest sees its function and no other" % kind,
            b.has(r"^\[dma\] pci 00:06\.0 id 11e81234$") and b.has(r"^\[dma\] pci: 1 functions$"))
    t.check("%s: a guest without devices sees none" % kind, b.has(r"^\[nodev\] pci: 0 functions$"))
    m = b.has(r"^\[dma\] edu BAR0 (0x[0-9a-f]+) size (0x[0-9a-f]+), after a move to 0x10000000 (0x[0-9a-f]+), "
              r"ROM (0x[0-9a-f]+)$")
    t.check("%s: the guest sizes its BAR (1 MiB), cannot move it, and sees no ROM" % kind,
            m and int(m.group(2), 16) == 0x100000 and int(m.group(3), 16) & ~0xf == int(m.group(1), 16)
            and int(m.group(4), 16) == 0, m.group(0) if m else "no line")
    cmd = b.has(r"^\[dma\] edu command (0x[0-9a-f]+)$")
    t.check("%s: the guest turns on memory decoding and bus mastering, not I/O decoding" % kind,
            cmd and int(cmd.group(1), 16) & 0x7 == 0x6, cmd.group(0) if cmd else "no line")
    return m and int(m.group(1), 16)


GUEST_RAM = 0x400000  # each guest's, at guest-physical 0


def table_targets(kind, log):
    m = re.search(r"all DMA blocked \(tables at (0x[0-9a-f]+), queue at (0x[0-9a-f]+)\)", log)
    tables, queue = int(m.group(1), 16), int(m.group(2), 16)
    if kind == "amdvi":
        return [("the IOMMU's device table", tables)]
    return [("the IOMMU's queue", queue), ("the IOMMU's root table", tables)]


def check_msi(t, b, q, kind):
    """The device's interrupts reach the guest as it programmed them, and
    only so: the device itself sends the VMM's remapped message."""
    want = [(r"msi: (\d+) of 16 interrupts at vector 0x60", 16, "16 interrupts the device raises arrive at the "
             "guest's vector (MSI through interrupt remapping)"),
            (r"msi at the end of a DMA: (\d+)", 1, "the interrupt at the end of a DMA arrives"),
            (r"msi as an NMI: (\d+) of 4 arrived", 0, "the guest cannot make its device send NMIs"),
            (r"msi at apic \d+: (\d+) of 4 arrived", 0, "a message aimed at an APIC ID the guest does not have "
             "reaches no one"),
            (r"msi disabled: (\d+) of 4 arrived", 0, "with MSI disabled nothing arrives"),
            (r"msi enabled again: (\d+) of 4 arrived", 4, "enabled again, the interrupts arrive")]
    for rx, n, what in want:
        m = b.wait_for(r"^\[dma\] %s$" % rx, timeout=MAILBOX_WAIT)
        t.check("%s: %s" % (kind, what), m and int(m.group(1)) == n, m.group(0) if m else "no line")
    dev = Device(q, DMA_BDF)
    cap = next((o for o in [dev.read(0x34) & 0xfc] if o), 0)
    while cap and dev.read(cap) & 0xff != 0x05:
        cap = (dev.read(cap) >> 8) & 0xfc
    ctrl = dev.read(cap) >> 16 if cap else 0
    addr = dev.read(cap + 4) if cap else 0
    data = dev.read(cap + (0xc if ctrl & 0x80 else 0x8)) & 0xffff if cap else 0
    t.check("%s: the device sends the VMM's remapped message, not the guest's (address 0x%x, data 0x%x)"
            % (kind, addr, data), cap and ctrl & 1 and data & 0xff != 0x60 and
            (kind != "vtd" or addr & 0x10), "capability at 0x%x" % cap)


def write_targets(kind, log, free_bar):
    targets = [("the VMM's text", ti.image_text_phys(log)),
               ("the ticker's code", ti.guest_host_base(log, "ticker") + 0x100000),
               ("the nodev guest's memory", ti.guest_host_base(log, "nodev") + 0x100000),
               ("the page after its own RAM", ti.guest_host_base(log, "dma") + GUEST_RAM)]
    # Tables at host addresses the guest's own RAM also has are read below.
    targets += [x for x in table_targets(kind, log) if x[1] >= GUEST_RAM]
    return targets + [("the I/O APIC", ti.IOAPIC), ("the free edu's registers", free_bar + 0x80)]


def check_attacks(t, b, q, kind, mailbox, free_bar):
    log = "\n".join(b.lines())
    own = ti.guest_host_base(log, "dma")
    q.cmd("writeq 0x%x 0x40000" % (free_bar + 0x80))
    for what, addr in write_targets(kind, log, free_bar):
        ram = addr < 0xfe000000 and addr != free_bar + 0x80
        before = q.read(addr, ti.DMA_LEN) if ram else None
        send(q, mailbox, [(1, addr)])
        done = b.wait_for(r"^\[dma\] dma write 0x%x: (\w+ ?\w*)$" % addr, timeout=ORDER_WAIT)
        t.check("%s: the guest's device writes at %s (0x%x)" % (kind, what, addr),
                done and done.group(1) == "done", done.group(0) if done else "no line")
        if ram:
            t.check("%s: DMA into %s is blocked: memory unchanged" % (kind, what),
                    before == q.read(addr, ti.DMA_LEN))
        elif addr == free_bar + 0x80:
            t.check("%s: peer-to-peer DMA into the free edu's registers is blocked" % kind,
                    q.value("readq 0x%x" % addr) == 0x40000)
        if kind == "vtd":
            t.check("%s: DMA into %s is reported against 00:06.0" % (kind, what),
                    b.wait_for(r"^vigil: dma fault: 0000:00:06\.0 write 0x%x blocked \(" % (addr & ~0xfff),
                               timeout=10))
    reads = write_targets(kind, log, free_bar)[:2] + table_targets(kind, log)
    for what, addr in reads:
        real = q.read(addr, 8)
        send(q, mailbox, [(2, addr)])
        got = b.wait_for(r"^\[dma\] dma read 0x%x: (\w+ ?\w*) first ([0-9a-f]{16})$" % addr, timeout=ORDER_WAIT)
        first = bytes.fromhex(got.group(2))[::-1] if got else None
        ok = got and got.group(1) != "timed out" and first != real
        if addr < GUEST_RAM:
            # The device address is the guest's own: it is translated there.
            mine = q.read(own + addr, 8)
            t.check("%s: the device address of %s (0x%x) reaches the guest's own memory, not the table"
                    % (kind, what, addr), ok and first == mine and real != mine,
                    "%s; table %s, guest %s" % (got.group(0) if got else "no line", real.hex(), mine.hex()))
        else:
            t.check("%s: the guest's device cannot read %s" % (kind, what), ok, got.group(0) if got else "no line")


def check_forge(t, b, q, kind, mailbox, csock):
    """The device's DMA write to the interrupt address: 64 messages at the
    ticker's CPU, vector 0x80. AMD-Vi refuses them (the device's entry
    aborts its interrupts); QEMU 7.2's VT-d passes the compatibility
    format (docs/dma.md): there the VMM must acknowledge and count them."""
    c1 = ti.host_counts(csock)
    addr = 0xfee00000 | TICKER_APIC << 12
    send(q, mailbox, [(5, addr)])
    done = b.wait_for(r"^\[dma\] dma forge 0x%x: (\w+ ?\w*)$" % addr, timeout=ORDER_WAIT)
    time.sleep(1)
    c2 = ti.host_counts(csock)
    stray = c2["stray-interrupts"] - c1["stray-interrupts"]
    if kind == "amdvi":
        t.check("amdvi: a guest's device forging interrupts at another guest's CPU gets none delivered "
                "(%d stray)" % stray, done and done.group(1) == "done" and stray == 0, str(c2))
    else:
        t.check("vtd: compatibility-format messages from a guest's device, which QEMU 7.2's VT-d lets through, "
                "are acknowledged and counted (%d stray), the VMM running on" % stray,
                done and done.group(1) == "done" and stray >= 1, str(c2))


def check_other_guest(t, b, q, kind, bar):
    mailbox = mailbox_of(b, "nodev")
    host = ti.guest_host_base("\n".join(b.lines()), "nodev") + mailbox
    send(q, host, [(3, bar)])
    stopped = b.wait_for(r"^vigil: guest nodev stopped: NPT violation at gpa 0x%x \(read, not mapped\)" % bar,
                         timeout=ORDER_WAIT)
    t.check("%s: another guest cannot reach the device's BAR (stopped at it)" % kind,
            stopped and not b.has(r"^\[nodev\] mmio read 0x%x: [0-9a-f]{8}$" % bar),
            "no stop line" if not stopped else "the read returned")


def operator_restart(csock, name, seq):
    """A guest-control bundle signed with the build's operator key."""
    base = os.path.join(vt.WORK, "assign-restart-%s-%d" % (name, seq))
    key = os.path.join(vt.BUILD, "keys", "operator.key")
    for cmd in ([vt.VIGILCTL, "bundle", "build", "--kind", "guest-control", "--seq", str(seq), "--guest", name,
                 "--action", "restart", "--vmm", ti.VMM_ELF, "-o", base + ".dtb"],
                [vt.VIGILCTL, "bundle", "sign", "--key", key, base + ".dtb", "-o", base + ".sig"],
                [vt.VIGILCTL, "bundle", "pack", base + ".dtb", base + ".sig", "-o", base + ".bundle"]):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return chan.send(csock, base + ".bundle")[0]


def check_halt(t, b, q, csock):
    """dma-fault-stop: the first blocked DMA of the guest's device stops
    the guest and silences the device; only the guest stops."""
    own = b.wait_for(r"^\[halt\] edu ident 0x[0-9a-f]+; dma own memory: ok$", timeout=MAILBOX_WAIT)
    mailbox = mailbox_of(b, "halt")
    if not own or mailbox is None:
        t.check("vtd: the dma-fault-stop guest drives its device", False, "no DMA line or no mailbox")
        return
    log = "\n".join(b.lines())
    target = ti.image_text_phys(log)
    before = q.read(target, ti.DMA_LEN)
    beats = len(re.findall(ti.BEAT, log, re.M))
    send(q, mailbox + ti.guest_host_base(log, "halt"), [(1, target)])
    stopped = b.wait_for(r"^vigil: guest halt stopped: DMA fault by pci 0000:00:08\.0 \(dma-fault-stop\)$",
                         timeout=ORDER_WAIT)
    t.check("vtd: a blocked DMA of a dma-fault-stop guest's device stops that guest", stopped)
    t.check("vtd: its DMA into the VMM's text is blocked: memory unchanged", before == q.read(target, ti.DMA_LEN))
    t.check("vtd: its device's bus mastering is off", not Device(q, HALT_BDF).read(0x04) & 0x4,
            "command 0x%x" % (Device(q, HALT_BDF).read(0x04) & 0xffff))
    g = chan.query_json(csock, "inventory").get("guests", {})
    # "parked": stopped by what it did, so only a restart brings it back.
    t.check("vtd: the inventory shows it parked for the fault, the others running",
            g.get("halt", {}).get("state") == "parked" and "DMA fault" in g.get("halt", {}).get("stop-reason", "")
            and g.get("dma", {}).get("state") == "running" and g.get("ticker", {}).get("state") == "running",
            repr({k: (v.get("state"), v.get("stop-reason")) for k, v in g.items()}))
    t.check("vtd: the ticker beats on", b.wait_for(r"^\[ticker\] beat %d$" % (beats + 1), timeout=30))
    mark = len(b.lines())
    rc = operator_restart(csock, "halt", 1)
    back = rc == 0 and b.wait_after(mark, r"^vigil: guest halt restarted on cpu", ORDER_WAIT) and \
        b.wait_after(mark, r"^\[halt\] edu ident 0x[0-9a-f]+; dma own memory: ok$", MAILBOX_WAIT)
    t.check("vtd: an operator's restart brings it back, its device copying its memory again", back, "rc %s" % rc)


def check_inventory(t, kind, csock):
    inv = chan.query_json(csock, "inventory")
    dev = inv.get("guests", {}).get("dma", {}).get("pci", {}).get("device@0", {})
    faults = dev.get("dma-faults", 0)
    faults = faults[0] << 32 | faults[1] if isinstance(faults, list) else faults
    t.check("%s: the inventory lists the guest's device" % kind,
            dev.get("address") == "0000:00:06.0" and dev.get("id") == "1234:11e8", str(dev))
    if kind == "vtd":
        t.check("vtd: the inventory counts the device's blocked DMA (%d)" % faults, faults >= 6, str(dev))
    u64 = lambda v: v[0] << 32 | v[1] if isinstance(v, list) else v
    got, dropped = u64(dev.get("msi-delivered", 0)), u64(dev.get("msi-dropped", 0))
    t.check("%s: the inventory counts the device's interrupts: %d delivered, %d dropped" % (kind, got, dropped),
            got >= 21 and dropped >= 8, str(dev))


def run(t, kind):
    qsock = os.path.join(vt.WORK, "qtest-assign-%s.sock" % kind)
    csock = os.path.join(vt.WORK, "chan-assign-%s.sock" % kind)
    for path in (qsock, csock):
        if os.path.exists(path):
            os.unlink(path)
    with vt.EspVariant(vt.TEST_ESP) as esp:
        esp.package("dma-edu")
        esp.config_text(CONFIG % (IOMMU_THIEF if kind == "amdvi" else HALT))
        with vt.Boot(esp.dir, name="assign-%s" % kind, timeout=240, smp=7,
                     extra=boot_args(kind, qsock, csock)) as b:
            started = b.wait_for(ti.BEAT) and b.wait_for(r"^vigil: management channel on ")
            t.check("%s: the guests and the channel run" % kind, started, "no ticker beat or no channel")
            if not started:
                return
            q = ti.Qtest(qsock)
            if kind == "amdvi":
                slots = [d for d in range(32) if Device(q, (0, d, 0)).read(0x08) >> 16 == 0x0806]
                t.check("amdvi: QEMU's IOMMU function is where the config names it", slots == [AMDVI_SLOT],
                        "IOMMU functions at %s" % slots)
            check_boot(t, b, kind)
            bar = check_view(t, b, kind)
            check_msi(t, b, q, kind)
            mailbox = mailbox_of(b, "dma")
            if not bar or mailbox is None:
                t.check("%s: the guest drives its device" % kind, False, "no BAR or no mailbox")
                return
            mailbox += ti.guest_host_base("\n".join(b.lines()), "dma")
            free_bar = Device(q, FREE_BDF).read(0x10) & ~0xf
            check_attacks(t, b, q, kind, mailbox, free_bar)
            check_forge(t, b, q, kind, mailbox, csock)
            check_other_guest(t, b, q, kind, bar)
            if kind == "vtd":
                check_halt(t, b, q, csock)
            send(q, mailbox, [(4, 0)], last=True)
            again = b.wait_for(r"^\[dma\] dma own memory again: (\w+)$", timeout=ORDER_WAIT)
            t.check("%s: after the attacks the device still copies the guest's own memory" % kind,
                    again and again.group(1) == "ok", again.group(0) if again else "no line")
            t.check("%s: the guest's verdict" % kind, b.wait_for(r"^\[dma\] verdict: PASS", timeout=ORDER_WAIT))
            check_inventory(t, kind, csock)
            q.close()
            beats = len(re.findall(ti.BEAT, "\n".join(b.lines()), re.M))
            t.check("%s: the ticker keeps beating, with no stray interrupt" % kind,
                    b.wait_for(r"^\[ticker\] beat %d$" % (beats + 1), timeout=30)
                    and not b.has(r"^\[ticker\] stray interrupts"))
            t.check("%s: the VMM's text self-check stays clean and the VMM up" % kind,
                    b.has(ti.SELFCHECK_OK) and not b.has(r"TAMPERING|MISMATCH|^vigil: PANIC"))


def main():
    t = vt.Checks()
    for kind in sys.argv[1:] or ["vtd", "amdvi"]:
        run(t, kind)
    t.done()


if __name__ == "__main__":
    main()
