#!/usr/bin/env python3
"""The VMM's clock sources (docs/boot.md, "Clocks").

QEMU's q35 has an ACPI PM timer (in its FADT), an HPET and a PIT; qemu64
states no TSC rate in CPUID. Two boots of the ticker alone:
- without an HPET (`-machine hpet=off`): the TSC is calibrated from the PM
  timer, and the PIT, measuring beside it, agrees;
- without a PIT (`-machine pit=off`; the VMM used to run its clock about
  60 times too fast there): the PM timer again, the HPET agreeing beside
  it, and time as guests see it at the host's rate: the ticker's uptime in
  the inventory advances with the wall clock (broad bounds: an emulator
  under load stretches time, a wrong calibration is off many times over).
"""
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

WORK = os.path.join(vt.WORK, "clock")
SOCK = os.path.join(WORK, "channel.sock")
CONFIG = """/dts-v1/;

/ {
	compatible = "vigil,system-v1";

	channel { /* the management channel: COM2 */
		uart-port = <0x2f8>;
		irq = <3>;
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
SOURCE = r"^vigil: clock: TSC (\d+) kHz from the ACPI PM timer; APIC timer (\d+) kHz$"
BESIDE = r"^vigil: clock: %s measures (\d+) kHz beside it: they agree$"
WALL_S = 12


def make_esp():
    esp = vt.EspVariant(vt.TEST_ESP)
    esp.config_text(CONFIG)
    return esp


def uptime_ms():
    try:
        g = chan.query_json(SOCK, "inventory").get("guests", {}).get("ticker", {})
    except Exception as e:  # no answer, or not JSON
        print("info: inventory query failed: %s" % e)
        return None
    v = g.get("uptime-ms")
    return (v[0] << 32 | v[1]) if isinstance(v, list) else v


def boot(t, esp, machine, beside, rate=False):
    if os.path.exists(SOCK):
        os.remove(SOCK)
    extra = ("-machine", machine, "-chardev", "socket,id=chan,path=%s,server=on,wait=off" % SOCK,
             "-serial", "chardev:chan")
    with vt.Boot(esp.dir, name="clock-" + machine.replace("=", "-"), timeout=180, smp=2, extra=extra) as b:
        src = b.wait_for(SOURCE, timeout=90)
        agree = b.wait_for(BESIDE % re.escape(beside), timeout=10)
        up = b.wait_for(r"^\[ticker\] beat 1$", timeout=60)
        t.check("%s: the TSC calibrated from the ACPI PM timer (%s)" % (machine, src.group(0) if src else ""),
                src and int(src.group(1)) > 0 and int(src.group(2)) > 0)
        t.check("%s: %s, measuring beside it, agrees" % (machine, beside), agree,
                "; ".join(l for l in b.lines() if l.startswith("vigil: clock:")))
        if rate:
            u0, w0 = uptime_ms(), time.monotonic()
            time.sleep(WALL_S)
            u1, w1 = uptime_ms(), time.monotonic()
            ratio = (u1 - u0) / 1000.0 / (w1 - w0) if up and u0 is not None and u1 is not None else 0
            t.check("%s: the guest's uptime keeps the host's time (%.2f s in %.2f s of wall time)" % (
                machine, (u1 or 0) / 1000.0 - (u0 or 0) / 1000.0, w1 - w0), 0.5 <= ratio <= 2.0,
                "ratio %.2f" % ratio)
        t.check("%s: no VMM panic" % machine, not b.has(r"^vigil: PANIC"))


def main():
    t = vt.Checks()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    with make_esp() as esp:
        boot(t, esp, "hpet=off", "the PIT")
        boot(t, esp, "pit=off", "the HPET", rate=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
