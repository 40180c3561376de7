#!/usr/bin/env python3
"""No device assigned to no guest reaches memory: every IOMMU blocks all DMA.

Vigil boots the test guests' ESP under QEMU with an IOMMU (VT-d, then
AMD-Vi) and QEMU's `edu` device, which does DMA on command. No guest owns
the device. The harness drives it from outside the guests, through QEMU's
qtest protocol (beside TCG): it turns on the device's memory decoding and
bus mastering in its PCI configuration space, then has it write 256 bytes
of its buffer into
  - the VMM's image (its text),
  - the ticker guest's memory (its code, while it runs),
  - the IOMMU's own structures (AMD-Vi: the device table; VT-d: the
    invalidation queue; the VT-d root table too, whose zeros the edu's
    zeroed buffer could not visibly change, so its fault is what shows),
  - the I/O APIC's registers.
Each write must leave the memory as it was (read through qtest before and
after); under VT-d each must be reported as `vigil: dma fault: 0000:00:05.0
write <page> blocked`. QEMU 7.2's AMD-Vi writes no event for a request its
device table refuses (docs/dma.md), so there memory is the evidence. The
ticker keeps beating and the VMM's text self-check stays clean.

The negative control boots the same machine without an IOMMU (the harness
leaves the device out: no shipped image has a switch for it): the VMM says
DMA is unprotected, and the same write into its text arrives, so this test
can see a breach.
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import vigiltest as vt  # noqa: E402

EDU_BDF = (0, 5, 0)
EDU_ID = 0x11e81234
EDU_BUF = 0x40000  # the device's own buffer, device-side address
DMA_LEN = 256
IOAPIC = 0xfec00000
BEAT = r"^\[ticker\] beat (\d+)$"
SELFCHECK_OK = r"^vigil: text self-check every \d+ s: ok$"
VMM_ELF = os.path.join(vt.TEST_ESP, "vigil", "vmm.elf")


class Qtest:
    """QEMU's qtest protocol on a UNIX socket: one command, one reply."""

    def __init__(self, path, timeout=30):
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)
        self.buf = b""

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        while True:
            while b"\n" not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    raise OSError("qtest closed")
                self.buf += data
            reply, self.buf = self.buf.split(b"\n", 1)
            reply = reply.decode()
            if not reply.startswith("IRQ"):  # asynchronous notes, not replies
                break
        if not reply.startswith("OK"):
            raise OSError("qtest %r: %s" % (line, reply))
        return reply[3:]

    def value(self, line):
        return int(self.cmd(line), 16)

    def cfg_addr(self, off):
        bus, dev, fn = EDU_BDF
        return 0x80000000 | bus << 16 | dev << 11 | fn << 8 | off

    def cfg_read(self, off):
        self.cmd("outl 0xcf8 0x%x" % self.cfg_addr(off))
        return self.value("inl 0xcfc")

    def cfg_write(self, off, v):
        self.cmd("outl 0xcf8 0x%x" % self.cfg_addr(off))
        self.cmd("outl 0xcfc 0x%x" % v)

    def read(self, addr, size):
        return bytes.fromhex(self.cmd("read 0x%x %d" % (addr, size))[2:])

    def close(self):
        self.sock.close()


def image_text_phys(log):
    base = int(re.search(r"^vigil: image at phys (0x[0-9a-f]+)", log, re.M).group(1), 16)
    syms = subprocess.run(["nm", VMM_ELF], capture_output=True, text=True, check=True).stdout
    sym = lambda n: int(re.search(r"^([0-9a-f]+) \S %s$" % n, syms, re.M).group(1), 16)
    return base + sym("__text_start") - sym("__image_start")


def guest_host_base(log, name):
    return int(re.search(r"^vigil: guest %s: \d+ KiB at guest 0x0, host (0x[0-9a-f]+)" % name,
                         log, re.M).group(1), 16)


def edu_dma(q, bar, dest):
    """Have the device write DMA_LEN bytes of its buffer to dest; True once
    the device says the transfer is over (blocked or not)."""
    q.cmd("writeq 0x%x 0x%x" % (bar + 0x80, EDU_BUF))
    q.cmd("writeq 0x%x 0x%x" % (bar + 0x88, dest))
    q.cmd("writeq 0x%x 0x%x" % (bar + 0x90, DMA_LEN))
    q.cmd("writeq 0x%x 0x3" % (bar + 0x98))  # start, device to RAM
    end = time.monotonic() + 20
    while time.monotonic() < end:
        if not q.value("readq 0x%x" % (bar + 0x98)) & 1:
            return True
        time.sleep(0.1)
    return False


def edu_enable(q):
    ident = q.cfg_read(0)
    bar = q.cfg_read(0x10) & ~0xf
    q.cfg_write(0x04, q.cfg_read(0x04) & 0xffff | 0x6)  # memory decoding, bus mastering
    return ident, bar


def run(t, kind):
    sock = os.path.join(vt.WORK, "qtest-%s.sock" % kind)
    if os.path.exists(sock):
        os.unlink(sock)
    extra = ["-device", "edu,dma_mask=0xffffffffffffffff,addr=0x%x" % EDU_BDF[1],
             "-qtest", "unix:%s,server=on,wait=off" % sock]
    if kind == "vtd":
        extra = ["-device", "intel-iommu"] + extra
    elif kind == "amdvi":
        extra = ["-device", "amd-iommu"] + extra
    with vt.Boot(vt.TEST_ESP, name="iommu-%s" % kind, timeout=150, extra=extra) as b:
        started = b.wait_for(BEAT)
        t.check("%s: the guests run" % kind, started, "no ticker beat")
        if not started:
            return
        log = "\n".join(b.lines())
        if kind == "none":
            t.check("none: the VMM says DMA is unprotected",
                    b.has(r"^vigil: DMA: no IOMMU in the ACPI tables: any bus-mastering device"))
        else:
            name = "vt-d" if kind == "vtd" else "amd-vi"
            lines = b.lines()
            first = lambda rx: next((i for i, l in enumerate(lines) if re.match(rx, l)), None)
            blocked = first(r"vigil: DMA: %s unit 0 at 0x[0-9a-f]+ \(segment 0\): all DMA blocked" % name)
            config = first(r"vigil: config ")
            t.check("%s: the IOMMU blocks all DMA before the config is read" % kind,
                    blocked is not None and config is not None and blocked < config,
                    "lines %s and %s" % (blocked, config))
        q = Qtest(sock)
        ident, bar = edu_enable(q)
        t.check("%s: the edu device is there with its BAR" % kind, ident == EDU_ID and bar,
                "id 0x%x bar 0x%x" % (ident, bar))
        targets = [("the VMM's text", image_text_phys(log)),
                   ("the ticker guest's code", guest_host_base(log, "ticker") + 0x100000)]
        if kind != "none":
            m = re.search(r"all DMA blocked \(tables at (0x[0-9a-f]+), queue at (0x[0-9a-f]+)\)", log)
            tables, queue = int(m.group(1), 16), int(m.group(2), 16)
            targets.append(("the IOMMU's device table" if kind == "amdvi" else "the IOMMU's queue",
                            tables if kind == "amdvi" else queue))
            if kind == "vtd":
                targets.append(("the IOMMU's root table", tables))
            targets.append(("the I/O APIC", IOAPIC))
        else:
            targets = targets[:1]
        for what, addr in targets:
            mmio = addr == IOAPIC
            before = None if mmio else q.read(addr, DMA_LEN)
            done = edu_dma(q, bar, addr)
            after = None if mmio else q.read(addr, DMA_LEN)
            if kind == "none":
                t.check("none: control: without an IOMMU the DMA reaches %s" % what,
                        done and before != after, "memory unchanged: the test could not see a breach")
                continue
            if not mmio and any(before):
                t.check("%s: DMA into %s is blocked: memory unchanged" % (kind, what),
                        done and before == after, "done %s, changed %s" % (done, before != after))
            if kind == "vtd":
                page = addr & ~0xfff
                t.check("%s: DMA into %s is reported" % (kind, what),
                        b.wait_for(r"^vigil: dma fault: 0000:00:05\.0 write 0x%x blocked \(no root entry, "
                                   r"vt-d unit at 0x[0-9a-f]+\)$" % page, timeout=10))
        q.close()
        if kind == "none":
            return
        beats = len(re.findall(BEAT, "\n".join(b.lines()), re.M))
        t.check("%s: the ticker keeps beating after the DMA" % kind,
                b.wait_for(r"^\[ticker\] beat %d$" % beats, timeout=30))
        time.sleep(6)  # one more self-check period
        t.check("%s: the VMM's text self-check stays clean" % kind,
                b.has(SELFCHECK_OK) and not b.has(r"TAMPERING|MISMATCH"))
        t.check("%s: the VMM stays up" % kind, not b.has(r"^vigil: PANIC"))


def main():
    t = vt.Checks()
    for kind in sys.argv[1:] or ["vtd", "amdvi", "none"]:
        run(t, kind)
    t.done()


if __name__ == "__main__":
    main()
