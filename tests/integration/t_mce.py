#!/usr/bin/env python3
"""A machine check in the VMM's own context leaves a record, stops the
machine and resets it; the next boot reports the crash record.

Every CPU runs with CR4.MCE set and every bank reporting (arch/x86/mce.c).
With Vigil running and its guests beating, QEMU's HMP command `mce` (through
QMP) raises an uncorrected machine check on CPU 0, the VMM's own CPU, which
sits in HLT between its ticks. The VMM must log the bank exactly as it was
filled ("vigil: machine check in the VMM on cpu 0: bank 1 status ..."),
print the exception record and stop the machine with a panic. Without
CR4.MCE the CPU shuts down instead, and nothing says why.

The panic writes the crash record into the page the stub keeps at the same
address from boot to boot, and resets the machine. This run lets QEMU
reboot (qemu-run.sh --reboot), so the same machine boots again, memory
kept: the stub must find its page again, the VMM must say on the console
that the previous boot panicked, and `vigilctl crash` must return the
record: the reason, the trapped registers, the bank, and the audit entries
of the requests made before the panic (a version query and a refused
request type). Before the panic, `vigilctl crash` has nothing to report.

Before that, corrected errors: QEMU's `mce` with a status that is not
uncorrected fills the bank and raises nothing (as hardware does without
CMCI). The VMM must find them by polling, on a guest's CPU (when it answers
the watchdog's kick) and on its own (at its self-check tick), log each
bank as filled, clear it, and count them in the inventory's `host` node.

A machine check while a guest runs exits to the VMM on real hardware (the
#MC intercept); QEMU's TCG delivers an injected one straight to the guest
without checking the intercept, so that path cannot be shown here
(docs/vmm.md, "Machine checks").
"""
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

BANK, STATUS, MCG_STATUS, ADDR, MISC = 1, 0xbe00000000800400, 0x5, 0x1234000, 0x86
SELFCHECK_OK = r"^vigil: text self-check every \d+ s: ok$"
BEAT = r"^\[ticker\] beat \d+$"
RESET = "vigil: crash record kept; resetting the machine"
PAGE = r"^vigil-stub: crash record page at (0x[0-9a-f]+) \((.*)\)$"
REPORT = r"^vigil: the previous boot \(boot 1\) panicked on cpu 0, \d+ ms after it started " \
    r"\(unix time \d+\): exception 18 in the VMM; `vigilctl crash` shows the record$"
UNKNOWN_TYPE = 0x7e
CE_STATUS, CE_ADDR = 0x9400000000000080, 0x5678000  # VAL, EN, ADDRV; not UC
CE_AT = ((2, 2), (0, 3))  # (cpu, bank): a guest's CPU (ticker's), the VMM's


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


def second_boot(b, regex, timeout):
    """The first match of regex in what the console printed after the reset."""
    end = time.monotonic() + timeout
    while True:
        text = b.text()
        after = text.split(RESET, 1)[1] if RESET in text else ""
        m = re.search(regex, after, re.M)
        if m or not b.running() or time.monotonic() > end:
            return m
        time.sleep(0.2)


def audit_requests(sock):
    """A version query and a refused request type, for the audit log."""
    chan.vigilctl("version", "--socket", sock)
    c = chan.Conn(sock)
    c.send(chan.frame(UNKNOWN_TYPE, id_=7))
    reply = c.recv_frame()
    c.close()
    return reply is not None


def corrected_errors(t, b, qmp, sock):
    for cpu, bank in CE_AT:
        cmd = "mce %d %d 0x%x 0x0 0x%x 0x0" % (cpu, bank, CE_STATUS, CE_ADDR)
        ok, reply = hmp(qmp, cmd)
        t.check("QEMU logged a corrected error on cpu %d, no machine check (%s)" % (cpu, cmd), ok,
                str(reply)[:200])
    for cpu, bank in CE_AT:
        line = r"^vigil: machine check found by polling on cpu %d: bank %d status 0x%x addr 0x%x misc 0x0 " \
            r"\(corrected\)$" % (cpu, bank, CE_STATUS, CE_ADDR)
        t.check("the VMM found cpu %d's corrected error by polling" % cpu, b.wait_for(line, timeout=20))
    inv = chan.vigilctl("inventory", "--socket", sock, "--json")
    host = json.loads(inv.stdout).get("host", {}) if inv.returncode == 0 and inv.stdout.startswith("{") else {}
    t.check("the inventory counts them (host: mce-corrected 2), each once",
            host.get("mce-corrected") == [0, 2] or host.get("mce-corrected") == 2, str(host)[:300])
    t.check("no corrected error stopped the VMM or the ticker", not b.has(r"^vigil: (PANIC|guest ticker stopped)"))


def first_boot(t, b, qmp, sock):
    up = b.wait_for(SELFCHECK_OK, timeout=90) and b.wait_for(BEAT, timeout=30)
    t.check("Vigil up, guests beating", up)
    none = chan.vigilctl("crash", "--socket", sock, "--json")
    t.check("before any panic, vigilctl crash has no record",
            none.returncode == 0 and json.loads(none.stdout or "{}").get("crashed") == 0, none.stdout[:200])
    t.check("the audit log holds a query and a refusal", audit_requests(sock))
    if up:
        corrected_errors(t, b, qmp, sock)
    cmd = "mce 0 %d 0x%x 0x%x 0x%x 0x%x" % (BANK, STATUS, MCG_STATUS, ADDR, MISC)
    ok, reply = hmp(qmp, cmd) if up else (False, "not tried")
    t.check("QEMU raised the machine check on cpu 0 (%s)" % cmd, ok, str(reply)[:200])
    bank = r"^vigil: machine check in the VMM on cpu 0: bank %d status 0x%x addr 0x%x misc 0x%x " \
        r"\(uncorrected\)$" % (BANK, STATUS, ADDR, MISC)
    t.check("the VMM logged the bank as the hardware filled it", b.wait_for(bank, timeout=30))
    t.check("and MCG_STATUS", b.wait_for(r"^vigil: machine check in the VMM on cpu 0: MCG_STATUS 0x%x$"
                                         % MCG_STATUS, timeout=5))
    t.check("the exception record follows", b.wait_for(
        r"^vigil: VMM exception 18 \(#MC machine check\) error 0 on cpu 0$", timeout=10))
    t.check("the machine stops with a panic", b.wait_for(r"^vigil: PANIC", timeout=20))
    t.check("keeps its crash record and resets", b.wait_for("^" + re.escape(RESET) + "$", timeout=20))


def record_checks(t, rec, text):
    regs = rec.get("registers", {})
    mc = rec.get("machine-check", {})
    t.check("the record: boot 1, cpu 0, the exception's reason",
            rec.get("crashed") == 1 and rec.get("boot") == 1 and rec.get("cpu") == 0 and
            rec.get("reason") == "exception 18 in the VMM" and rec.get("context") == "exception" and
            rec.get("vector") == 18, str(rec)[:300])
    t.check("the trapped registers (rip in the VMM, cr4 with MCE)",
            int(regs.get("rip", "0"), 16) >> 32 == 0xffffffff and int(regs.get("cr4", "0"), 16) & 0x40 and
            len(regs) == 22, str(regs)[:300])
    t.check("the machine-check bank as QEMU filled it",
            mc.get("bank") == BANK and int(mc.get("bank-status", "0"), 16) == STATUS and
            int(mc.get("addr", "0"), 16) == ADDR and int(mc.get("misc", "0"), 16) == MISC and
            int(mc.get("mcg-status", "0"), 16) == MCG_STATUS, str(mc))
    audit = list(rec.get("audit", {}).values())
    t.check("the audit entries before the panic (version query, refused type)",
            any(e.get("request") == 1 for e in audit) and
            any(e.get("error") == 6 and e.get("request") == UNKNOWN_TYPE for e in audit), str(audit)[:400])
    t.check("vigilctl crash in text: reason, hex registers, the date",
            re.search(r"^reason: exception 18 in the VMM$", text, re.M) and
            re.search(r"^  rip: 0xffffffff[0-9a-f]{8}$", text, re.M) and
            re.search(r"^unix-time: \d+ \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$", text, re.M), text[:400])


def main():
    t = vt.Checks()
    qmp = os.path.join(vt.WORK, "mce.qmp")
    sock = os.path.join(vt.WORK, "mce.channel.sock")
    for p in (qmp, sock):
        if os.path.exists(p):
            os.remove(p)
    extra = ("-qmp", "unix:%s,server=on,wait=off" % qmp,
             "-chardev", "socket,id=chan,path=%s,server=on,wait=off" % sock, "-serial", "chardev:chan")
    with vt.Boot(vt.TEST_ESP, name="mce", timeout=240, reboot=True, extra=extra) as b:
        first = b.wait_for(PAGE, timeout=60)
        t.check("the stub claims a crash page", first and first.group(2) == "a new page",
                first.group(0) if first else "")
        first_boot(t, b, qmp, sock)
        again = second_boot(b, PAGE, 90)
        t.check("after the reset the stub finds the same page again",
                again and first and again.group(1) == first.group(1) and again.group(2) == "kept from the last boot",
                again.group(0) if again else "no second boot")
        t.check("the next boot says the previous one panicked", second_boot(b, REPORT, 60))
        up = second_boot(b, SELFCHECK_OK, 90)
        t.check("and runs its guests", up and second_boot(b, BEAT, 30))
        r = chan.vigilctl("crash", "--socket", sock, "--json")
        rec = json.loads(r.stdout) if r.returncode == 0 and r.stdout.startswith("{") else {}
        record_checks(t, rec, chan.vigilctl("crash", "--socket", sock).stdout)
        t.check("no second panic", not second_boot(b, r"^vigil: PANIC", 0))
    t.done()


if __name__ == "__main__":
    main()
