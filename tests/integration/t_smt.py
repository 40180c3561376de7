#!/usr/bin/env python3
"""Guests on SMT siblings (docs/vmm.md, "Speculation policy").

QEMU with one socket of two cores of two threads: CPUs 0 and 1 share a
core, and so do CPUs 2 and 3. Two boots of the same three guests, hello
on CPU 1 (beside the VMM's CPU 0), ticker on CPU 2 and npt-probe on CPU 3:
- without `smt-shared-ok` on hello and ticker (npt-probe has it), the VMM
  names both conflicts (hello with the VMM's CPU, ticker with npt-probe)
  and refuses the config before any guest starts;
- with `smt-shared-ok` on all three, it reports two threads per core and
  every guest starts.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vigiltest as vt  # noqa: E402

WORK = os.path.join(vt.WORK, "smt")
SMP = "4,sockets=1,cores=2,threads=2"
GUESTS = (("hello", 1), ("ticker", 2), ("npt-probe", 3))


def config(consent):
    nodes = "".join(
        '\t\t%s {\n\t\t\tpackage = "packages/%s";\n\t\t\tpublishers = <0>;\n\t\t\tpublisher-threshold = <1>;\n\t\t\tcpus = <%d>;\n'
        '\t\t\tmemory = <0x0 0x0 0x0 0x400000>;\n%s\t\t};\n' % (
            name, name, cpu, "\t\t\tsmt-shared-ok;\n" if name in consent else "")
        for name, cpu in GUESTS)
    return ('/dts-v1/;\n\n/ {\n\tcompatible = "vigil,system-v1";\n'
            '\tchannel { uart-port = <0x2f8>; irq = <3>; };\n\n\tguests {\n%s\t};\n};\n\n'
            '/include/ "roles.dtsi"\n' % nodes)


def make_esp(consent):
    esp = vt.EspVariant(vt.TEST_ESP)
    esp.config_text(config(consent))
    return esp


def refused(t):
    with make_esp({"npt-probe"}) as esp:
        with vt.Boot(esp.dir, name="smt-refused", timeout=120, smp=SMP) as b:
            b.wait_for(r"^vigil: PANIC", timeout=110)
            lines = b.lines()
    t.check("siblings without consent: the VMM names the guest beside its own CPU",
            "vigil: config refused: guest 'hello' (cpu 1) shares a physical core with the VMM's cpu 0 "
            "(without smt-shared-ok)" in lines)
    t.check("siblings without consent: the VMM names the two guests on one core",
            "vigil: config refused: guests 'ticker' (cpu 2) and 'npt-probe' (cpu 3) share a physical core "
            "(without smt-shared-ok)" in lines)
    t.check("siblings without consent: the config is refused, no guest starts",
            any(l.startswith("vigil: PANIC") and "guests on SMT siblings" in l for l in lines) and
            not any(" started on cpu " in l for l in lines), "no refusal, or a guest started")


def consented(t):
    with make_esp({name for name, _ in GUESTS}) as esp:
        with vt.Boot(esp.dir, name="smt-consented", timeout=120, smp=SMP) as b:
            b.wait_for(r"^\[ticker\] beat 2$", timeout=110)
            lines = b.lines()
    t.check("the VMM reads two threads per core from CPUID", "vigil: SMT: up to 2 threads per core" in lines)
    started = [name for name, cpu in GUESTS if "vigil: guest %s started on cpu %d" % (name, cpu) in lines]
    t.check("siblings with consent: every guest starts", len(started) == len(GUESTS), "started: %s" % started)
    t.check("siblings with consent: nothing refused, no VMM panic",
            not any(l.startswith("vigil: config refused") or l.startswith("vigil: PANIC") for l in lines))


def main():
    t = vt.Checks()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    refused(t)
    consented(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
