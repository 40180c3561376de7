#!/usr/bin/env python3
"""The runtime text self-check detects a change it did not authorise.

The attack: with Vigil running, write one byte of the VMM's text through the
emulator's debug port, the way a DMA engine or a physical attacker would,
bypassing every page protection. The byte is in the padding at the end of
the text section, so the VMM keeps running and can report. The VMM must
report TAMPERING within a few self-check periods; before the write it must
report nothing of the kind.

Usage: t_selfcheck.py [--vendor svm|vmx]
  svm (default, the boot tier): QEMU's gdbstub in physical-memory mode.
  vmx (make test-vmx): Bochs's built-in debugger (tests/vmx/bochs.py): the
      machine is stopped at the debugger's prompt (SIGINT), the byte is read
      with `xp`, written with `setpmem` and read back, and the machine
      continues. The boot is the VMX tier's guests ISO.
Each run also writes its PASS/FAIL lines to
build/test/work/selfcheck.<vendor>.results, which the test-vmx matrix reads.
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import vigiltest as vt  # noqa: E402

VENDOR = sys.argv[sys.argv.index("--vendor") + 1] if "--vendor" in sys.argv else "svm"
VMX_TEST = os.path.join(vt.BUILD, "vmx", "test")
VMM_ELF = os.path.join(VMX_TEST, "guests", "vigil", "vmm.elf") if VENDOR == "vmx" else \
    os.path.join(vt.TEST_ESP, "vigil", "vmm.elf")
RESULTS = os.path.join(vt.WORK, "selfcheck.%s.results" % VENDOR)
SELFCHECK_OK = r"^vigil: text self-check every \d+ s: ok$"
TAMPERING = r"^vigil: TAMPERING: VMM text changed outside a verified patch"
BEAT = r"^\[ticker\] beat \d+$"


def symbol(name):
    out = subprocess.run(["nm", VMM_ELF], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^([0-9a-f]+) \S %s$" % re.escape(name), out, re.M)
    return int(m.group(1), 16)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_write_byte(port, phys, value):
    cmds = ["set pagination off", "target remote 127.0.0.1:%d" % port,
            "maintenance packet Qqemu.PhyMemMode:1",
            "set {unsigned char}0x%x = 0x%x" % (phys, value), "detach"]
    args = ["gdb", "-nx", "-batch"] + [a for c in cmds for a in ("-ex", c)]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def run_svm(offset, value=0xcc):
    """Write value at offset into the VMM image once the first self-check
    passed: (first ok, clean before, wrote ok, why, caught, beats after)"""
    port = free_port()
    with vt.Boot(vt.TEST_ESP, name="selfcheck", timeout=150, extra=("-gdb", "tcp:127.0.0.1:%d" % port)) as b:
        first = b.wait_for(SELFCHECK_OK, timeout=90)
        base = b.has(r"^vigil: image at phys 0x([0-9a-f]+)")
        clean_before = not b.has(r"TAMPERING")
        wrote = None
        if first and base:
            wrote = gdb_write_byte(port, int(base.group(1), 16) + offset, value)
        caught = b.wait_for(TAMPERING, timeout=60)
        beats = b.wait_for(BEAT, timeout=5)
    ok = wrote is not None and wrote.returncode == 0
    why = wrote.stderr[-300:] if wrote is not None else "no image address logged"
    return first, clean_before, ok, why, caught, beats


class Debugger:
    """Bochs's debugger output (bochs.out): wait for what a command printed."""

    def __init__(self, b):
        self.path = os.path.join(b.dir, "bochs.out")

    def text(self):
        try:
            with open(self.path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait(self, regex, count, timeout=30):
        """The count-th match of regex (re.M), or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = re.findall(regex, self.text(), re.M)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.2)
        return None


def run_vmx(offset):
    sys.path.insert(0, os.path.join(vt.ROOT, "tests", "vmx"))
    import bochs
    work = os.path.join(VMX_TEST, "work")
    iso = os.path.join(VMX_TEST, "guests.iso")
    with bochs.Boot(iso, work, name="selfcheck", timeout=240, cpus=4) as b:
        dbg = Debugger(b)
        first = b.wait_for(SELFCHECK_OK, timeout=150)
        base = b.has(r"^vigil: image at phys 0x([0-9a-f]+)")
        ok, why, clean_before = False, "no image address logged", False
        if first and base:
            phys = int(base.group(1), 16) + offset
            stops = len(re.findall(r"^Next at t=", dbg.text(), re.M))
            b.pause()
            # Every CPU stands still once the debugger prints where it stopped.
            paused = dbg.wait(r"^Next at t=", stops + 1)
            clean_before = paused is not None and not b.has(r"TAMPERING")
            byte = r"^0x0*%x <[^>]*>:\s+(0x[0-9a-f]{2})\s*$" % phys
            b.debug("xp /1bx 0x%x" % phys)
            old = dbg.wait(byte, 1)
            if paused and old:
                new = int(old, 16) ^ 0xff
                b.debug("setpmem 0x%x 1 0x%x" % (phys, new), "xp /1bx 0x%x" % phys)
                readback = dbg.wait(byte, 2)
                ok = readback is not None and int(readback, 16) == new
                why = "wrote 0x%02x over %s at phys 0x%x, read back %s" % (new, old, phys, readback)
            else:
                why = "the debugger did not stop (%s) or did not read the byte (%s)" % (paused, old)
            b.resume()
        mark = len(b.lines())
        caught = b.wait_for(TAMPERING, timeout=90)
        end = time.monotonic() + 60
        beats = None
        while caught and not beats and time.monotonic() < end and b.running():
            beats = [l for l in b.lines()[mark:] if re.match(BEAT, l)]
            time.sleep(0.5)
    return first, clean_before, ok, why, caught, beats


def main():
    t = vt.Checks()
    results = []
    offset = symbol("__text_end") - 1 - symbol("__image_start")
    first, clean_before, wrote, why, caught, beats = (run_vmx if VENDOR == "vmx" else run_svm)(offset)
    for name, ok, reason in (("first self-check passes", first, ""),
                             ("no tampering reported before the write", clean_before, ""),
                             ("the debug port wrote the text byte", wrote, why),
                             ("the self-check reports the changed text", caught, ""),
                             ("guests ran on", beats, "")):
        t.check(name, ok, "" if ok else reason)
        results.append("%s %s\n" % ("PASS" if ok else "FAIL", name))
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        f.write("".join(results))
    t.done()


if __name__ == "__main__":
    main()
