#!/usr/bin/env python3
"""A machine check in the VMM's own context leaves a record and stops the
machine, never a silent shutdown.

Every CPU runs with CR4.MCE set and every bank reporting (arch/x86/mce.c).
With Vigil running and its guests beating, QEMU's HMP command `mce` (through
QMP) raises an uncorrected machine check on CPU 0, the VMM's own CPU, which
sits in HLT between its ticks. The VMM must log the bank exactly as it was
filled ("vigil: machine check in the VMM on cpu 0: bank 1 status ..."),
print the exception record and stop the machine with a panic. Without
CR4.MCE the CPU shuts down instead (QEMU, run with -no-reboot, exits), and
nothing says why.

A machine check while a guest runs exits to the VMM on real hardware (the
#MC intercept); QEMU's TCG delivers an injected one straight to the guest
without checking the intercept, so that path cannot be shown here
(docs/vmm.md, "Machine checks").
"""
import json
import os
import socket
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import vigiltest as vt  # noqa: E402

BANK, STATUS, MCG_STATUS, ADDR, MISC = 1, 0xbe00000000800400, 0x5, 0x1234000, 0x86
SELFCHECK_OK = r"^vigil: text self-check every \d+ s: ok$"
BEAT = r"^\[ticker\] beat \d+$"


def hmp(sock, command):
    """Run an HMP command through QEMU's QMP socket; (ok, reply)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(sock)
    f = s.makefile("rw")
    f.readline()  # the greeting
    reply = {}
    for cmd in ({"execute": "qmp_capabilities"},
                {"execute": "human-monitor-command", "arguments": {"command-line": command}}):
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                break
        if "error" in reply:
            break
    s.close()
    return "error" not in reply, reply


def main():
    t = vt.Checks()
    sock = os.path.join(vt.WORK, "mce.qmp")
    if os.path.exists(sock):
        os.remove(sock)
    cmd = "mce 0 %d 0x%x 0x%x 0x%x 0x%x" % (BANK, STATUS, MCG_STATUS, ADDR, MISC)
    with vt.Boot(vt.TEST_ESP, name="mce", timeout=150,
                 extra=("-qmp", "unix:%s,server=on,wait=off" % sock)) as b:
        up = b.wait_for(SELFCHECK_OK, timeout=90) and b.wait_for(BEAT, timeout=30)
        t.check("Vigil up, guests beating", up)
        ok, reply = hmp(sock, cmd) if up else (False, "not tried")
        t.check("QEMU raised the machine check on cpu 0 (%s)" % cmd, ok, str(reply)[:200])
        bank = r"^vigil: machine check in the VMM on cpu 0: bank %d status 0x%x addr 0x%x misc 0x%x " \
            r"\(uncorrected\)$" % (BANK, STATUS, ADDR, MISC)
        logged = b.wait_for(bank, timeout=30)
        t.check("the VMM logged the bank as the hardware filled it", logged)
        t.check("and MCG_STATUS", b.wait_for(r"^vigil: machine check in the VMM on cpu 0: MCG_STATUS 0x%x$"
                                             % MCG_STATUS, timeout=5))
        t.check("the exception record follows", b.wait_for(
            r"^vigil: VMM exception 18 \(#MC machine check\) error 0 on cpu 0$", timeout=10))
        t.check("and the machine stops with a panic", b.wait_for(r"^vigil: PANIC", timeout=20))
    t.done()


if __name__ == "__main__":
    main()
