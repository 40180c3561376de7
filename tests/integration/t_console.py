#!/usr/bin/env python3
"""The guests' console under a flood (docs/vmm.md, "The guests' console").

One boot of tests/integration/console.dts: console-flood writes 3000
numbered lines of 100 bytes as fast as it can, waits, writes its verdict
without a newline and ends by hypercall; the ticker beats beside it.
Checks:
- the management channel answers while the guest floods;
- the inventory counts dropped console lines for the flooder (as many as
  are missing from the log) and none for the ticker;
- every flood line that reached the console is whole, and they come in
  order;
- the flooder's last words (its partial verdict line) come before the
  VMM's "stopped" line, and nothing of it after;
- the ticker's beats are all there, whole and in order.
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(vt.WORK, "console")
SOCK = os.path.join(WORK, "channel.sock")
FLOOD_LINES = 3000       # tests/guests/console-flood/main.c
FLOOD_LINE_LEN = 100
FLOOD = "console-flood"
STOP = r"^vigil: guest console-flood stopped: exit hypercall \(code 0\)$"
BEATS_AFTER_STOP = 3
FLOOD_LINE = re.compile(r"^\[console-flood\] flood (\d{6}) (x+)$")


def make_esp():
    esp = vt.EspVariant(vt.TEST_ESP)
    esp.config(os.path.join(HERE, "console.dts"))
    esp.package(FLOOD)
    return esp


def inventory():
    try:
        return chan.query_json(SOCK, "inventory").get("guests", {})
    except Exception as e:  # no answer, or not JSON
        print("info: inventory query failed: %s" % e)
        return {}


def index(lines, regex, start=0):
    r = re.compile(regex)
    return next((i for i in range(start, len(lines)) if r.match(lines[i])), None)


def main():
    t = vt.Checks()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    esp = make_esp()
    chanargs = ("-chardev", "socket,id=chan,path=%s,server=on,wait=off" % SOCK, "-serial", "chardev:chan")
    during = after = {}
    with vt.Boot(esp.dir, name="console", timeout=300, smp=3, extra=chanargs) as b:
        flooding = b.wait_for(r"^\[console-flood\] flood 0000\d\d x+$", timeout=150)
        if flooding and not b.has(r"^\[console-flood\] console-flood: flood done"):
            during = inventory()
        stopped = b.wait_for(STOP, timeout=200)
        if stopped:
            lines = b.lines()
            last = max([int(m.group(1)) for m in (re.match(r"^\[ticker\] beat (\d+)$", l) for l in lines) if m] or [0])
            b.wait_for(r"^\[ticker\] beat %d$" % (last + BEATS_AFTER_STOP), timeout=60)
            after = inventory()
        lines = b.lines()
    esp.cleanup()

    t.check("the flood started", flooding)
    t.check("the channel answers during the flood", FLOOD in during and "ticker" in during,
            "reply %s" % str(during)[:200])
    t.check("console-flood stopped by its exit hypercall", stopped)
    fl = after.get(FLOOD, {})
    dropped = fl.get("console-dropped")
    flood = [(i, FLOOD_LINE.match(l)) for i, l in enumerate(lines) if l.startswith("[console-flood] flood ")]
    whole = [m for _, m in flood if m and len(m.group(0)) == len("[console-flood] ") + FLOOD_LINE_LEN - 1]
    numbers = [int(m.group(1)) for m in whole]
    t.check("the inventory counts the flooder's dropped lines", isinstance(dropped, int) and dropped > 0,
            "console-dropped %r" % dropped)
    t.check("the ticker dropped none", after.get("ticker", {}).get("console-dropped") == 0,
            "console-dropped %r" % after.get("ticker", {}).get("console-dropped"))
    t.check("every flood line on the console is whole", flood and len(whole) == len(flood),
            "%d of %d" % (len(whole), len(flood)))
    t.check("flood lines in order", numbers == sorted(set(numbers)))
    t.check("flood lines shown + dropped = written", isinstance(dropped, int) and len(numbers) + dropped == FLOOD_LINES,
            "%d shown, %r dropped, %d written" % (len(numbers), dropped, FLOOD_LINES))
    stop = index(lines, STOP)
    said = [i for i, l in enumerate(lines) if l.startswith("[console-flood] ")]
    t.check("its last words come before the VMM's stopped line, nothing after",
            stop is not None and said and lines[said[-1]] == "[console-flood] verdict: PASS console-flood" and said[-1] < stop,
            "last line %r at %s, stopped at %s" % (lines[said[-1]] if said else None, said[-1] if said else None, stop))
    ticker = [l for l in lines if l.startswith("[ticker] ")]
    beats = [int(m.group(1)) for m in (re.match(r"^\[ticker\] beat (\d+)$", l) for l in ticker) if m]
    t.check("the ticker's beats are all there, in order", len(beats) >= BEATS_AFTER_STOP and beats == list(range(len(beats))),
            "beats %s" % beats[:20])
    t.check("the ticker's lines are whole", len(ticker) == len(beats) + 1 and ticker[0].startswith("[ticker] ticker: "),
            "; ".join(l for l in ticker if not re.match(r"^\[ticker\] (beat \d+|ticker: .*)$", l))[:200])
    t.check("no VMM panic or exception", not any(re.search(r"PANIC|VMM exception", l) for l in lines))
    t.done()


if __name__ == "__main__":
    main()
