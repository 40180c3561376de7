#!/usr/bin/env python3
"""The runtime text self-check detects a change it did not authorise.

The attack: with Vigil running, write one byte of the VMM's text through the
emulator's debug port (QEMU's gdbstub in physical-memory mode), the way a
DMA engine or a physical attacker would, bypassing every page protection.
The byte is in the padding at the end of the text section, so the VMM keeps
running and can report. The VMM must report TAMPERING within a few
self-check periods; before the write it must report nothing of the kind.
"""
import re
import socket
import subprocess
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import vigiltest as vt  # noqa: E402

VMM_ELF = vt.ROOT + "/build/esp/vigil/vmm.elf"


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


def main():
    t = vt.Checks()
    offset = symbol("__text_end") - 1 - symbol("__image_start")
    port = free_port()
    with vt.Boot(vt.ESP, name="selfcheck", timeout=150, extra=("-gdb", "tcp:127.0.0.1:%d" % port)) as b:
        first = b.wait_for(r"^vigil: text self-check every \d+ s: ok$", timeout=90)
        base = b.has(r"^vigil: image at phys 0x([0-9a-f]+)")
        clean_before = not b.has(r"TAMPERING")
        wrote = None
        if first and base:
            wrote = gdb_write_byte(port, int(base.group(1), 16) + offset, 0xcc)
        caught = b.wait_for(r"^vigil: TAMPERING: VMM text changed outside a verified patch", timeout=60)
        beats = b.wait_for(r"^\[ticker\] beat \d+$", timeout=5)

    t.check("first self-check passes", first)
    t.check("no tampering reported before the write", clean_before)
    t.check("the debug port wrote the text byte", wrote is not None and wrote.returncode == 0,
            wrote.stderr[-300:] if wrote is not None else "no image address logged")
    t.check("the self-check reports the changed text", caught)
    t.check("guests ran on", beats)
    t.done()


if __name__ == "__main__":
    main()
