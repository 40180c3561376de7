#!/usr/bin/env python3
"""Guests under the real VMM, the test guests' config (tests/integration/guests.dts).

One boot checks: the VMM starts each guest on its own CPU; hello passes and
ends by hypercall; npt-probe is stopped with a logged NPT violation at the
address it touched, and says nothing after the touch; ticker keeps beating
after npt-probe was stopped; nothing panics; every guest line is prefixed.
"""
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import vigiltest as vt  # noqa: E402

NPT_STOP = r"^vigil: guest npt-probe stopped: NPT violation at gpa 0x40000000 \(read, not mapped\)"
BEATS_AFTER_STOP = 3


def beat_numbers(lines):
    return [int(m.group(1)) for m in (re.match(r"^\[ticker\] beat (\d+)$", l) for l in lines) if m]


def main():
    t = vt.Checks()
    with vt.Boot(vt.TEST_ESP, name="guests", timeout=150) as b:
        stopped = b.wait_for(NPT_STOP, timeout=120)
        if stopped:
            last = max(beat_numbers(b.lines()) or [0])
            b.wait_for(r"^\[ticker\] beat %d$" % (last + BEATS_AFTER_STOP), timeout=60)
        lines = b.lines()

    t.check("stub verified the VMM and config",
            b.has(r"^vigil-stub: verified vmm\.elf") and b.has(r"^vigil-stub: verified system\.dtb"))
    t.check("VMM banner", b.has(r"^vigil: Vigil \S+ starting$"))
    for name, cpu in (("hello", 1), ("ticker", 2), ("npt-probe", 3)):
        t.check("%s started on cpu %d" % (name, cpu), b.has(r"^vigil: guest %s started on cpu %d$" % (name, cpu)))
    t.check("hello passes", b.has(r"^\[hello\] verdict: PASS"))
    t.check("hello ends by hypercall", b.has(r"^vigil: guest hello stopped: exit hypercall \(code 0\)$"))
    t.check("npt-probe stopped by an NPT violation", stopped)
    touch = [i for i, l in enumerate(lines) if l == "[npt-probe] npt-probe: touching 0x40000000"]
    after = [l for l in lines[touch[0] + 1:] if l.startswith("[npt-probe] ")] if touch else ["(no touch line)"]
    t.check("npt-probe printed nothing after the touch", not after, "; ".join(after[:3]))
    stop_at = next((i for i, l in enumerate(lines) if re.match(NPT_STOP, l)), len(lines))
    later = beat_numbers(lines[stop_at + 1:])
    t.check("ticker beats on after npt-probe stopped", len(later) >= BEATS_AFTER_STOP,
            "%d beats after the stop" % len(later))
    t.check("no VMM panic or exception", not b.has(r"PANIC|VMM exception"))
    guest_lines = [l for l in lines if l.startswith("[")]
    bad = [l for l in guest_lines if not re.match(r"^\[(hello|ticker|npt-probe|patchwatch)\] ", l)]
    t.check("every guest line carries its guest's prefix", not bad, "; ".join(bad[:3]))
    t.done()


if __name__ == "__main__":
    main()
