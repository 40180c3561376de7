#!/usr/bin/env python3
"""The guests' console, interactive (docs/vmm.md, "Console input").

One boot of tests/integration/console-input.dts, its console on a
terminal as `make run` has it (QEMU's stdio chardev with the Ctrl-A mux),
typed on as a person would: echo-a and echo-b (console-echo, granted
console-input), echo-c (console-echo, not granted) and a ticker.
Checks:
- the focus starts on echo-a; each guest's prompt, a line without its
  newline, shows behind its prefix;
- typed lines reach the guest with the focus and no other; Ctrl-] moves
  the focus to echo-b, then back to echo-a past echo-c, each move printed;
- DEL erases on the operator's screen; BS bytes echoed by a guest erase
  back to its prefix and no further; escape sequences a guest echoes
  never reach COM1, and neither does any control byte but CR LF BS TAB;
- a flood of garbage and escape sequences on COM1 leaves the VMM and the
  other guests alone: no panic, no line without a prefix, no forged
  vigil: line, the ticker beats on, the channel answers, echo-a's
  console-input-dropped rises and no one else's, and echo-a still takes
  a line afterwards.

Usage: t_console_input.py [--vendor svm|vmx]
  svm (default, the boot tier): QEMU, the console on a pseudo-terminal.
  vmx (make test-vmx): Bochs from a GRUB ISO of the same files (the quick
      ticker), COM1's input on a socket (tools/bochs-run.sh --com1-socket),
      a smaller flood and longer waits.
Each run also writes its PASS/FAIL lines to
build/test/work/console-input.<vendor>.results, which the test-vmx matrix
reads.
"""
import os
import random
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VENDOR = sys.argv[sys.argv.index("--vendor") + 1] if "--vendor" in sys.argv else "svm"
WORK = os.path.join(vt.WORK, "console-input") if VENDOR == "svm" else \
    os.path.join(vt.BUILD, "vmx", "test", "work", "console-input")
SOCK = os.path.join(WORK, "channel.sock")
CONSOLE_SOCK = os.path.join(WORK, "console.sock")  # vmx: COM1's input
RESULTS = os.path.join(vt.WORK, "console-input.%s.results" % VENDOR)
SLOW = 5 if VENDOR == "vmx" else 1  # Bochs runs at about 100 MIPS
FLOOD = 30000 if VENDOR == "svm" else 8000
FOCUS_KEY = b"\x1d"  # Ctrl-]
GUESTS = ("echo-a", "echo-b", "echo-c", "ticker")
PREFIX = re.compile(r"^\[(%s)\] " % "|".join(map(re.escape, GUESTS)))


class Checks(vt.Checks):
    """vt.Checks that also keeps the lines for the results file."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def check(self, name, ok, why=""):
        self.lines.append("%s %s" % ("PASS" if ok else "FAIL", name))
        return super().check(name, ok, why)

    def done(self):
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, "w") as f:
            f.write("".join(l + "\n" for l in self.lines))
        super().done()


def make_esp():
    esp = vt.EspVariant(vt.ESP)
    subprocess.run([vt.VIGILCTL, "config", "build", os.path.join(HERE, "console-input.dts"), "-o",
                    esp.path("vigil/system.dtb"), "-i", os.path.join(vt.BUILD, "gen")],
                   check=True, stdout=subprocess.DEVNULL)
    esp.sign("vigil/system.dtb", os.path.join(vt.BUILD, "keys", "platform.key"))
    esp.package("console-echo-input")
    esp.package("console-echo")
    if VENDOR == "vmx":  # Bochs is slow: the ticker with the short beat (mk/vmx.mk)
        esp.package("ticker", os.path.join(vt.BUILD, "vmx"))
    return esp


def boot(esp):
    """Vigil with the console to type on and the channel, on the vendor's emulator."""
    if VENDOR == "vmx":
        sys.path.insert(0, os.path.join(vt.ROOT, "tests", "vmx"))
        import bochs
        iso = os.path.join(WORK, "console-input.iso")
        subprocess.run([os.path.join(vt.ROOT, "tests", "vmx", "mkiso.sh"), "--mb2",
                        os.path.join(vt.BUILD, "vmx", "vigil-mb2.elf"), "--vigil", esp.path("vigil"), "--out", iso],
                       check=True, stdout=subprocess.DEVNULL)
        return bochs.Boot(iso, os.path.dirname(WORK), name="console-input", timeout=1200, cpus=5, com2=SOCK,
                          com1=CONSOLE_SOCK)
    chanargs = ("-chardev", "socket,id=chan,path=%s,server=on,wait=off" % SOCK, "-serial", "chardev:chan")
    return vt.Boot(esp.dir, name="console-input", timeout=420, extra=chanargs, interactive=True)


def vmm_part(raw):
    """The console's bytes from the VMM's banner on (the firmware's are its own)."""
    i = raw.find(b"vigil: Vigil ")
    return raw[i:] if i >= 0 else b""


def screen(raw):
    """The VMM's console as the operator's terminal shows it: one string per
    line, BS moving the cursor back (BS SP BS at the end erasing), and the
    places where a BS would have moved into a guest's prefix."""
    lines, bad = [], []
    for text in raw.decode("latin-1").replace("\r\n", "\n").split("\n"):
        out, cur, i = [], 0, 0
        while i < len(text):
            c = text[i]
            if c == "\b":
                m = PREFIX.match("".join(out))
                if not m or cur <= len(m.group(0)):
                    bad.append("".join(out))
                elif text.startswith("\b \b", i) and cur == len(out):
                    out.pop()
                    cur -= 1
                    i += 2
                else:
                    cur -= 1
            elif cur < len(out):
                out[cur] = c
                cur += 1
            else:
                out.append(c)
                cur += 1
            i += 1
        lines.append("".join(out))
    return lines, bad


def got(lines, guest):
    return [m.group(1) for m in (re.match(r"^\[%s\] got \d+: (.*)$" % re.escape(guest), l) for l in lines) if m]


def beats(lines):
    return [int(m.group(1)) for m in (re.match(r"^\[ticker\] beat (\d+)$", l) for l in lines) if m]


def inventory():
    try:
        return chan.query_json(SOCK, "inventory").get("guests", {})
    except Exception as e:  # no answer, or not JSON
        print("info: inventory query failed: %s" % e)
        return {}


def settled_inventory(guest="echo-a", timeout=90 * SLOW):
    """The inventory once the guest's input drop count stopped moving: the
    bytes typed have all been taken (or dropped)."""
    end, last, inv = time.monotonic() + timeout, None, {}
    while time.monotonic() < end:
        inv = inventory()
        dropped = inv.get(guest, {}).get("console-input-dropped")
        if dropped is not None and dropped == last:
            break
        last = dropped
        time.sleep(1)
    return inv


def garbage(n, seed=7):
    """Bytes a careless or hostile sender might push at the console: random
    bytes (not Ctrl-A, QEMU's mux escape, nor the focus key), escape
    sequences, line ends and forged VMM lines."""
    rng = random.Random(seed)
    pieces = [b"\x1b[2J", b"\x1b]0;owned\x07", b"\x1bc", b"\x1b[6n", b"\r\nvigil: forged\r\n", b"\x08" * 30,
              b"\x7f" * 30, b"\x1bP$q\x1b\\", b"\xff\xfe\x9b2J", b"\x00" * 8]
    out = bytearray()
    while len(out) < n:
        if rng.random() < 0.1:
            out += rng.choice(pieces)
        else:
            out += bytes(b for b in rng.randbytes(16) if b not in (0x01, 0x1d))
    return bytes(out[:n])


def typed_line(b, text, guest, timeout=60, tries=1):
    """Type text (printable) and CR; wait for the guest's got line for it."""
    want = r"^\[%s\] got %d: %s$" % (re.escape(guest), len(text), re.escape(text))
    for _ in range(tries):
        b.type(text.encode() + b"\r")
        if b.wait_for(want, timeout=timeout * SLOW):
            return True
    return False


def edited_line(b, keys, want_got, want_screen, tries=3):
    """Type keys (ending in CR) until echo-a reports want_got and the
    screen shows a line matching want_screen. Another guest's line coming
    between an echo and its erasure ends the line on the screen first (the
    erasure then cannot reach it, by design): that try does not count."""
    ok = lines = None
    for _ in range(tries):
        ok = b.type(keys) and b.wait_for(r"^\[echo-a\] got %s$" % want_got, timeout=60 * SLOW)
        lines, _ = screen(vmm_part(open(b.log, "rb").read()))
        if ok and any(re.match(want_screen, l) for l in lines):
            return True
    return False


def main():
    t = Checks()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    esp = make_esp()
    inv = {}
    with boot(esp) as b:
        focus0 = b.wait_for(r"^vigil: console focus: echo-a$", timeout=150 * SLOW)
        prompts = all(b.wait_for(r"^\[%s\] echo> " % g, timeout=60 * SLOW) for g in ("echo-a", "echo-b", "echo-c"))
        t.check("the focus starts on echo-a", focus0)
        t.check("each guest's prompt (no newline) shows behind its prefix", prompts)

        t.check("a typed line reaches echo-a, which has the focus", typed_line(b, "hello", "echo-a"))
        b.type(FOCUS_KEY)
        t.check("Ctrl-] moves the focus to echo-b", b.wait_for(r"^vigil: console focus: echo-b$", timeout=30 * SLOW))
        t.check("a typed line then reaches echo-b", typed_line(b, "world", "echo-b"))
        b.type(FOCUS_KEY)
        t.check("Ctrl-] again: back to echo-a, past echo-c (not granted)",
                b.wait_for(r"(?s)focus: echo-b$.*^vigil: console focus: echo-a$", timeout=30 * SLOW))

        t.check("DEL erases on the screen: echo-a gets abcd, the screen reads abcd",
                edited_line(b, b"abcX\x7fd\r", r"4: abcd", r"^\[echo-a\] (echo> )?abcd$"))
        # BS bytes the guest echoes erase its prompt, and stop at its prefix.
        t.check("echoed BS bytes erase back to the prefix and no further",
                edited_line(b, b"\b" * 20 + b"zz\r", r"22: (\\x08){20}zz", r"^\[echo-a\] zz$"))
        b.type(b"\x1b[2J\x1b]0;owned\x07esc\r")
        t.check("typed escape sequences reach the guest whole (and it echoes them)",
                b.wait_for(r"^\[echo-a\] got 17: \\x1b\[2J\\x1b\]0;owned\\x07esc$", timeout=60 * SLOW))
        t.check("a guest echoing a vigil: line gets it prefixed", typed_line(b, "vigil: forged", "echo-a"))

        flooded = b.type(garbage(FLOOD), timeout=180 * SLOW)
        t.check("a flood of garbage typed", flooded, "%d bytes" % FLOOD)
        inv = settled_inventory()
        last = max(beats(b.lines()) or [0])
        t.check("the ticker beats on after the flood",
                b.wait_for(r"^\[ticker\] beat %d$" % (last + 3), timeout=90 * SLOW))
        b.type(b"\r")  # ends whatever line the garbage left
        t.check("echo-a still takes a line after the flood", typed_line(b, "after", "echo-a", timeout=30, tries=2))
        raw = vmm_part(open(b.log, "rb").read())

    esp.cleanup()
    lines, bad = screen(raw)
    t.check("the channel answers after the flood", set(GUESTS) <= set(inv), "reply %s" % str(inv)[:200])
    dropped = {g: inv.get(g, {}).get("console-input-dropped") for g in GUESTS}
    t.check("echo-a's console-input-dropped counts the flood, no one else's",
            isinstance(dropped["echo-a"], int) and dropped["echo-a"] > 0 and
            all(dropped[g] == 0 for g in ("echo-b", "echo-c", "ticker")), str(dropped))
    t.check("the inventory shows who may take input",
            [inv.get(g, {}).get("console-input") for g in GUESTS] == [1, 1, 0, 0])
    t.check("echo-b received only what was typed while it had the focus", got(lines, "echo-b") == ["world"],
            str(got(lines, "echo-b"))[:200])
    t.check("echo-c (not granted) received nothing", got(lines, "echo-c") == [], str(got(lines, "echo-c"))[:200])
    focus = [l for l in lines if l.startswith("vigil: console focus: ")]
    t.check("every focus move printed", focus == ["vigil: console focus: " + g for g in
                                                  ("echo-a", "echo-b", "echo-a")], str(focus))
    ctl = sorted(set(c for c in raw if c < 0x20 and c not in b"\r\n\b\t" or c > 0x7e))
    t.check("no escape or other control byte on COM1 once the VMM runs", not ctl, str(ctl))
    t.check("no BS reaches into a prefix", not bad, "; ".join(bad[:3]))
    unprefixed = [l for l in lines if l and not PREFIX.match(l) and not l.startswith("vigil: ")]
    t.check("every line is a guest's, prefixed, or the VMM's", not unprefixed, "; ".join(unprefixed[:3]))
    forged = [l for l in lines if l.startswith("vigil: forged")]
    t.check("no forged vigil: line", not forged, "; ".join(forged[:3]))
    t.check("no VMM panic or exception", not any(re.search(r"PANIC|VMM exception", l) for l in lines))
    t.done()


if __name__ == "__main__":
    main()
