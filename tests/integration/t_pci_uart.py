#!/usr/bin/env python3
"""The management channel on a PCI UART, and the console from an SPCR
(docs/formats.md, "The management channel"; docs/boot.md, "The console").

Two boots:
- the config names QEMU's `pci-serial` (1b36:0002 at 00:04.0; the
  firmware programs its I/O BAR) as the channel's UART, with its GSI (20:
  q35 wires slot 4's INTA to PIRQ E). The VMM reads the BAR and says where
  the channel is; inventory and a signed bundle (guest control: the ticker
  stopped) run over it, and the UART's interrupts are counted (so the GSI
  is the UART's: without them the channel would only be read at the VMM's
  tick, slowly, but still answer). There is no COM2 at all.
- an SPCR table (given to the firmware with `-acpitable`; OVMF installs
  it) names COM2 as the console, and the config names COM2 as the channel:
  the console moves to COM2 (the boot's first lines repeated there) and
  the VMM refuses the config, naming /channel.
"""
import os
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

WORK = os.path.join(vt.WORK, "pci-uart")
SOCK = os.path.join(WORK, "channel.sock")
KEYS = os.path.join(vt.BUILD, "keys")
CONFIG = """/dts-v1/;

/ {
	compatible = "vigil,system-v1";

	channel {
		%s
	};

	guests {
		ticker {
			package = "packages/ticker";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <1>;
			memory = <0x0 0x0 0x0 0x400000>;
		};
	};
};

/include/ "roles.dtsi"
"""
PCI_CHANNEL = "uart-pci = <0 0 4 0>; /* segment bus device function */\n\t\tgsi = <20>;"
COM2_CHANNEL = "uart-port = <0x2f8>;\n\t\tirq = <3>;"


def make_esp(channel):
    esp = vt.EspVariant(vt.TEST_ESP)
    esp.config_text(CONFIG % channel)
    return esp


def spcr_com2(path):
    """An SPCR (revision 2, 80 bytes): a 16550 at I/O port 0x2f8, PC-AT IRQ
    3, 115200 baud, no PCI device."""
    body = struct.pack("<B3x", 0)                                   # interface: full 16550
    body += struct.pack("<BBBBQ", 1, 8, 0, 1, 0x2f8)               # GAS: system I/O, 8 bits, byte access
    body += struct.pack("<BBIBBBBBB", 1, 3, 0, 7, 0, 1, 0, 0, 0)  # IRQ type, IRQ, GSI, baud 115200, 8N1...
    body += struct.pack("<HHBBBIBI", 0xffff, 0xffff, 0, 0, 0, 0, 0, 0)
    hdr = b"SPCR" + struct.pack("<IBB6s8sI4sI", 36 + len(body), 2, 0, b"VIGIL ", b"TEST    ", 1, b"VGIL", 1)
    table = bytearray(hdr + body)
    table[9] = -sum(table) & 0xff
    assert len(table) == 80
    with open(path, "wb") as f:
        f.write(table)


def bundle(name, *content):
    base = os.path.join(WORK, name)
    subprocess.run([vt.VIGILCTL, "bundle", "build", "--kind", "guest-control", "--seq", "1", "--vmm",
                    os.path.join(vt.BUILD, "vmm.elf"), *content, "-o", base + ".dtb"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([vt.VIGILCTL, "bundle", "sign", "--key", os.path.join(KEYS, "operator.key"), base + ".dtb",
                    "-o", base + ".sig"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([vt.VIGILCTL, "bundle", "pack", base + ".dtb", base + ".sig", "-o", base + ".bundle"],
                   check=True, stdout=subprocess.DEVNULL)
    return base + ".bundle"


def u64(v):
    return (v[0] << 32 | v[1]) if isinstance(v, list) else v


def channel_on_pci(t):
    extra = ("-chardev", "socket,id=pchan,path=%s,server=on,wait=off" % SOCK,
             "-device", "pci-serial,chardev=pchan,bus=pcie.0,addr=0x4")
    with make_esp(PCI_CHANNEL) as esp, vt.Boot(esp.dir, name="pci-uart", timeout=150, smp=2, extra=extra) as b:
        up = b.wait_for(r"^vigil: management channel on (port|MMIO) (0x[0-9a-f]+) \(GSI 20, level\)$", timeout=90)
        t.check("the channel is on the PCI UART's BAR (%s)" % (up.group(0) if up else ""), up,
                "; ".join(l for l in b.lines() if "channel" in l))
        t.check("the console stays on COM1 without an SPCR", b.has(r"^vigil: console: COM1 \(no SPCR\)$"))
        beat = b.wait_for(r"^\[ticker\] beat 1$", timeout=60)
        inv = {}
        try:
            inv = chan.query_json(SOCK, "inventory") if up and beat else {}
        except Exception as e:  # no answer, or not JSON
            print("info: inventory: %s" % e)
        ticker = inv.get("guests", {}).get("ticker", {})
        t.check("inventory over the PCI UART: the ticker runs", ticker.get("state") == "running", str(inv)[:300])
        rc, reply = chan.send(SOCK, bundle("stop", "--guest", "ticker", "--action", "stop")) if up else (1, {})
        t.check("a signed bundle over the PCI UART: the ticker stopped", rc == 0 and reply.get("status") == 0,
                str(reply)[:300])
        stopped = b.wait_for(r"^vigil: guest ticker stopped", timeout=20)
        try:
            inv = chan.query_json(SOCK, "inventory") if up else {}
        except Exception as e:
            print("info: inventory: %s" % e)
        t.check("the inventory says so", stopped and
                inv.get("guests", {}).get("ticker", {}).get("state") == "stopped")
        irqs = u64(inv.get("host", {}).get("channel-interrupts", 0)) or 0
        t.check("the UART's interrupts arrive on the GSI the config names (%d)" % irqs, irqs > 0)
        t.check("no VMM panic", not b.has(r"^vigil: PANIC"))


def console_from_spcr(t):
    spcr = os.path.join(WORK, "spcr-com2.aml")
    com2 = os.path.join(WORK, "com2.serial.log")
    spcr_com2(spcr)
    open(com2, "w").close()
    extra = ("-acpitable", "file=" + spcr, "-chardev", "file,id=c2,path=" + com2, "-serial", "chardev:c2")
    with make_esp(COM2_CHANNEL) as esp, vt.Boot(esp.dir, name="spcr-com2", timeout=90, smp=2, extra=extra) as b:
        b.wait_for(r"^vigil: PANIC", timeout=60)  # on COM1: nothing after the SPCR is read
        b.wait_exit(30)
        with open(com2, errors="replace") as f:
            lines = [vt.clean(l) for l in f.read().splitlines()]
        early = b.has(r"^vigil: Vigil .* starting$")
        t.check("the boot's first lines on COM1 until the SPCR is read", early)
        t.check("the console follows the SPCR to COM2",
                "vigil: console: SPCR port 0x2f8, 115200 baud" in lines, "; ".join(lines[:6]))
        t.check("the first lines repeated on COM2", any(re.match(r"^vigil: Vigil .* starting$", l) for l in lines))
        t.check("nothing after the switch on COM1", not b.has(r"^vigil: config "))
        refused = [l for l in lines if "config refused: /channel: its UART (port 0x2f8) is the console's" in l]
        t.check("the channel on the console's UART refused, naming /channel", refused,
                "; ".join(l for l in lines if "PANIC" in l))
        t.check("no guest started", not any(l.startswith("vigil: guest ") and " started on cpu " in l for l in lines))


def main():
    t = vt.Checks()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    channel_on_pci(t)
    console_from_spcr(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
