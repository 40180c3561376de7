#!/usr/bin/env python3
"""The runtime text self-check detects a change it did not authorise.

The attack: with Vigil running, write one byte of the VMM's text through the
emulator's debug port, the way a DMA engine or a physical attacker would,
bypassing every page protection. The byte is in the padding at the end of
the text section, so the VMM keeps running and can report. The VMM must
report TAMPERING within a few self-check periods; before the write it must
report nothing of the kind. On svm a verified live patch sent afterwards
must then be refused (the VMM builds no change on code that is not what it
expects), and the self-check must go on counting mismatches: a patch never
adopts a change made behind its back as expected.

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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

VENDOR = sys.argv[sys.argv.index("--vendor") + 1] if "--vendor" in sys.argv else "svm"
VMX_TEST = os.path.join(vt.BUILD, "vmx", "test")
VMM_ELF = os.path.join(VMX_TEST, "guests", "vigil", "vmm.elf") if VENDOR == "vmx" else \
    os.path.join(vt.TEST_ESP, "vigil", "vmm.elf")
RESULTS = os.path.join(vt.WORK, "selfcheck.%s.results" % VENDOR)
SELFCHECK_OK = r"^vigil: text self-check every \d+ s: ok$"
TAMPERING = r"^vigil: TAMPERING: VMM text changed outside a verified patch"
BEAT = r"^\[ticker\] beat \d+$"
PATCH_AREA_BASE = "0xffffffffc0000000"  # docs/channel.md
SELFCHECK_PERIOD = 5  # seconds of the VMM's clock between checks (docs/vmm.md)


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


def patch_bundle():
    """A live patch signed with the build's development patch key, for the
    test ESP's VMM (the channel tier's patch, tests/channel/bump.c)."""
    work = os.path.join(vt.WORK, "selfcheck-patch")
    os.makedirs(work, exist_ok=True)
    base = os.path.join(work, "bump")
    steps = [["patch", "build", os.path.join(vt.ROOT, "tests", "channel", "bump.c"), "--vmm", VMM_ELF,
              "--at", PATCH_AREA_BASE, "--name", "bump", "-o", base + ".patch.dtb"],
             ["bundle", "build", "--kind", "live-patch", "--seq", "1", "--vmm", VMM_ELF,
              "--patch", base + ".patch.dtb", "-o", base + ".dtb"],
             ["bundle", "sign", "--key", os.path.join(vt.BUILD, "keys", "patch.key"), base + ".dtb",
              "-o", base + ".sig"],
             ["bundle", "pack", base + ".dtb", base + ".sig", "-o", base + ".bundle"]]
    for step in steps:
        subprocess.run([vt.VIGILCTL] + step, check=True, capture_output=True, text=True, cwd=vt.ROOT)
    return base + ".bundle"


def mismatches(sock):
    try:
        return chan.query_json(sock, "selfcheck").get("mismatches")
    except (RuntimeError, ValueError, OSError):
        return None


def patch_after_tamper(sock, bundle):
    """A verified live patch sent once the text was changed behind the
    self-check's back: it must be refused, and the self-check must go on
    reporting the change (a patch must never adopt it as expected).
    (refused, why, mismatches went on rising)"""
    rc, reply = chan.send(sock, bundle)
    refused = rc != 0 and "expected digest" in str(reply.get("message", ""))
    before = mismatches(sock)
    time.sleep(SELFCHECK_PERIOD * 2.5)
    after = mismatches(sock)
    rising = before is not None and after is not None and after > before
    return refused, str(reply)[:300], rising, "mismatches %s, then %s" % (before, after)


def run_svm(offset, value=0xcc, patch=True):
    """Write value at offset into the VMM image once the first self-check
    passed; with patch, then send a verified live patch (patch_after_tamper).
    (first ok, clean before, wrote ok, why, caught, beats after, patch results)"""
    port = free_port()
    sock = os.path.join(vt.WORK, "selfcheck.chan")
    if os.path.exists(sock):
        os.remove(sock)
    bundle = patch_bundle() if patch else None
    boot = vt.Boot(vt.TEST_ESP, name="selfcheck", timeout=180, extra=("-gdb", "tcp:127.0.0.1:%d" % port))
    boot.args[1:1] = ["--channel", sock]
    with boot as b:
        first = b.wait_for(SELFCHECK_OK, timeout=90)
        base = b.has(r"^vigil: image at phys 0x([0-9a-f]+)")
        clean_before = not b.has(r"TAMPERING")
        wrote = None
        if first and base:
            wrote = gdb_write_byte(port, int(base.group(1), 16) + offset, value)
        caught = b.wait_for(TAMPERING, timeout=60)
        beats = b.wait_for(BEAT, timeout=5)
        patched = patch_after_tamper(sock, bundle) if caught and patch else (False, "not tried", False, "not tried")
    ok = wrote is not None and wrote.returncode == 0
    why = wrote.stderr[-300:] if wrote is not None else "no image address logged"
    return first, clean_before, ok, why, caught, beats, patched


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
    res = (run_vmx if VENDOR == "vmx" else run_svm)(offset)
    first, clean_before, wrote, why, caught, beats = res[:6]
    checks = [("first self-check passes", first, ""),
              ("no tampering reported before the write", clean_before, ""),
              ("the debug port wrote the text byte", wrote, why),
              ("the self-check reports the changed text", caught, ""),
              ("guests ran on", beats, "")]
    if len(res) > 6:
        refused, reply, rising, counts = res[6]
        checks += [("a verified live patch on the changed text is refused", refused, reply),
                   ("and the self-check goes on reporting the change", rising, counts)]
    for name, ok, reason in checks:
        t.check(name, ok, "" if ok else reason)
        results.append("%s %s\n" % ("PASS" if ok else "FAIL", name))
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        f.write("".join(results))
    t.done()


if __name__ == "__main__":
    main()
