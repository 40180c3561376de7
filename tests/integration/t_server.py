#!/usr/bin/env python3
"""A server-sized machine (docs/boot.md, "Booting a real server").

One QEMU boot with 32 CPUs and 8 GiB of RAM, most of it above 4 GiB, and
a CPU with 1 GiB pages:
- the VMM takes every CPU the MADT lists, starts them all, gives three to
  guests (the last one, CPU 31, among them) and parks the other 28, and
  says so; the inventory's host node counts them the same way and lists
  only the guests' CPUs;
- the guests' memory is placed above 4 GiB (the allocator's highest fit)
  and the guests run there: ticker beats, hello passes, npt-probe's
  probe past its memory stops it (its nested tables still confine it);
- the VMM's own tables map the 8 GiB (1 GiB pages) and pass the audit.
The boot time to the first beat is printed, not asserted.
"""
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

WORK = os.path.join(vt.WORK, "server")
SOCK = os.path.join(WORK, "channel.sock")
CPUS = 32
GUESTS = (("hello", 1), ("npt-probe", 17), ("ticker", CPUS - 1))
FOUR_GIB = 1 << 32


def config():
    nodes = "".join(
        '\t\t%s {\n\t\t\tpackage = "packages/%s";\n\t\t\tpublishers = <0>;\n\t\t\tpublisher-threshold = <1>;\n\t\t\tcpus = <%d>;\n'
        '\t\t\tmemory = <0x0 0x0 0x0 0x400000>;\n\t\t};\n' % (name, name, cpu)
        for name, cpu in GUESTS)
    return ('/dts-v1/;\n\n/ {\n\tcompatible = "vigil,system-v1";\n'
            '\tchannel { uart-port = <0x2f8>; irq = <3>; };\n\n\tguests {\n%s\t};\n};\n\n'
            '/include/ "roles.dtsi"\n' % nodes)


def make_esp():
    esp = vt.EspVariant(vt.TEST_ESP)
    esp.config_text(config())
    return esp


def inventory():
    try:
        return chan.query_json(SOCK, "inventory")
    except Exception as e:  # no answer, or not JSON
        print("info: inventory query failed: %s" % e)
        return {}


def main():
    t = vt.Checks()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    extra = ("-cpu", "qemu64,+svm,+npt,+pdpe1gb",
             "-chardev", "socket,id=chan,path=%s,server=on,wait=off" % SOCK, "-serial", "chardev:chan")
    with make_esp() as esp:
        with vt.Boot(esp.dir, name="server", timeout=300, smp=CPUS, mem="8G", extra=extra) as b:
            start = time.monotonic()
            beat = b.wait_for(r"^\[ticker\] beat 2$", timeout=280)
            print("info: 32 CPUs, 8 GiB: first ticker beats %.0f s after QEMU started" % (time.monotonic() - start))
            inv = inventory() if beat else {}
            lines = b.lines()
    t.check("the VMM takes all 32 CPUs the MADT lists", "vigil: %d CPUs (cpu 0 is the VMM's)" % CPUS in lines)
    t.check("every CPU starts: three run guests, 28 are parked",
            "vigil: %d of %d CPUs up: cpu 0 the VMM's, 3 run guests, 28 parked" % (CPUS, CPUS) in lines,
            "; ".join(l for l in lines if "CPUs up" in l or "did not start" in l))
    t.check("parked CPUs wait in the deepest wait the CPU has (HLT: qemu64 has no MONITOR)",
            "vigil: parked CPUs wait in HLT (no MONITOR/MWAIT)" in lines)
    started = [n for n, c in GUESTS if "vigil: guest %s started on cpu %d" % (n, c) in lines]
    t.check("every guest starts on its CPU, CPU 31 among them", len(started) == len(GUESTS), "started: %s" % started)
    placed = {}
    for l in lines:
        m = re.match(r"^vigil: guest (\S+): (\d+) KiB at guest 0x([0-9a-f]+), host 0x([0-9a-f]+)$", l)
        if m:
            placed[m.group(1)] = int(m.group(4), 16)
    t.check("every guest's memory is placed above 4 GiB",
            len(placed) == len(GUESTS) and all(pa >= FOUR_GIB for pa in placed.values()),
            str({n: hex(pa) for n, pa in placed.items()}))
    t.check("the guests run there: ticker beats, hello passes",
            beat and "[hello] verdict: PASS hello" in lines,
            "; ".join(l for l in lines if l.startswith("[hello]"))[-300:])
    t.check("npt-probe stays confined to its nested tables: its read past its 4 MiB stops it",
            any(l.startswith("vigil: guest npt-probe stopped: NPT violation at gpa 0x40000000") for l in lines),
            "; ".join(l for l in lines if "npt-probe" in l)[-300:])
    audit = next((l for l in lines if l.startswith("vigil: page-table audit:")), "")
    t.check("the VMM's own tables map 8 GiB and pass the audit (no W+X, tables read-only)",
            re.search(r"\(([0-9]+) KiB\)", audit) and int(re.search(r"\(([0-9]+) KiB\)", audit).group(1)) > 7 << 20
            and ", 0 writable+executable, 0 of " in audit, audit)
    host = inv.get("host", {})
    t.check("the inventory counts the CPUs: 32 listed, 32 used, 28 parked, none missing",
            (host.get("cpus-firmware"), host.get("cpus-used"), host.get("cpus-parked"), host.get("cpus-not-started"))
            == (CPUS, CPUS, 28, 0), str(host)[:300])
    t.check("the inventory lists the guests' CPUs, not the parked ones",
            sorted(inv.get("cpus", {})) == sorted("cpu@%d" % c for _, c in GUESTS), str(inv.get("cpus"))[:300])
    t.check("no VMM panic", not any(l.startswith("vigil: PANIC") for l in lines))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
