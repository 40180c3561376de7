#!/usr/bin/env python3
"""Unmodified Linux drives an assigned NVMe controller through the IOMMU.

Vigil boots under QEMU with an IOMMU (VT-d with interrupt remapping by
default; AMD-Vi when asked: `t_linux_nvme.py amdvi`) and QEMU's NVMe
controller at 00:07.0 on an empty raw image in the test's work directory.
The config gives the controller to the guest `linux` (Debian's cloud
kernel, its built-in NVMe driver: package linux-pci, mk/packages.mk) beside
the ticker. Typed into Linux's shell, as at its console:
- the guest's PCI bus shows its controller and nothing else, and the
  kernel's driver takes it with MSI-X;
- mke2fs, mount, a mebibyte of random data written and its SHA-256 taken;
- `reboot -f`: Vigil quiesces the device, scrubs and restarts the guest
  from its verified image; the new kernel finds the controller again and
  reads the same file back, the same SHA-256;
then, from outside: no DMA fault was logged nor counted for the device, its
interrupts were delivered and none dropped, the ticker beat throughout,
the VMM's text self-check stayed clean, and after QEMU ends the disk
image itself holds the file (read with e2fsprogs' debugfs on the host).
"""
import hashlib
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "linux"))
import t_iommu as ti  # noqa: E402
import t_linux as tl  # noqa: E402
vt = ti.vt
chan = ti.chan

NVME = "0000:00:07.0"
DISK_MIB = 16
WAIT = 600  # a boot of Linux under TCG to its shell, with room

CONFIG = """
/dts-v1/;

/ {
	compatible = "vigil,system-v1";

	channel {
		uart-port = <0x2f8>;
		irq = <3>;
	};

	guests {
		linux {
			package = "packages/linux-pci";
			publishers = <0>;
			publisher-threshold = <1>;
			console-input;
			cpus = <1 3>;
			memory = <0x0 0x0 0x0 0x8000000>;
			pci-devices = <0 0 7 0>;
		};

		ticker {
			package = "packages/ticker";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <2>;
			memory = <0x0 0x0 0x0 0x400000>;
		};
	};
};

/include/ "roles.dtsi"
"""

SHA = re.compile(r"^([0-9a-f]{64})  /mnt/data$")
KERNEL = re.compile(r"^\[\s*\d+\.\d+\] ")


def shell(sh, cmd, timeout=60):
    """A command's output, less the kernel's messages (the console is
    theirs too) and any piece of the shell's echo of it that wrapped."""
    out = sh.run(cmd, timeout=timeout)
    if out is None:
        return None
    return [l for l in out if not KERNEL.match(l) and '""vigil-' not in l and l.strip() != "@@"]


def shell_up(b, since):
    """Whether the guest reached its shell after line index `since`."""
    return b.wait_after(since, tl.REACHED, WAIT) and b.wait_after(since, tl.PROMPT, 60)


def check_driver(t, sh, kind):
    """The bus, the block device and the interrupts, as the kernel sees them."""
    out = shell(sh, "ls /sys/bus/pci/devices")
    t.check("%s: the guest's PCI bus holds its controller and nothing else" % kind, out == [NVME], repr(out))
    shell(sh, "D=/sys/bus/pci/devices/%s" % NVME)
    out = shell(sh, "cat $D/vendor $D/device")
    drv = shell(sh, "basename $(readlink $D/driver)")
    t.check("%s: the kernel's nvme driver has the controller [1b36:0010]" % kind,
            out == ["0x1b36", "0x0010"] and drv == ["nvme"], repr((out, drv)))
    out = shell(sh, "cat /sys/block/nvme0n1/size")
    t.check("%s: its namespace is the %d MiB image" % (kind, DISK_MIB), out == [str(DISK_MIB << 11)], repr(out))
    kinds = shell(sh, "cat $D/msi_irqs/*")
    queues = shell(sh, "grep -c nvme0q /proc/interrupts")
    t.check("%s: its %s queues' interrupts are MSI-X (%s)" % (kind, queues and queues[0], kinds),
            kinds and set(kinds) == {"msix"} and queues and queues[0] == str(len(kinds)) and len(kinds) >= 2)


def run(t, kind):
    csock = os.path.join(vt.WORK, "chan-linux-nvme-%s.sock" % kind)
    disk = os.path.join(vt.WORK, "linux-nvme-%s.img" % kind)
    for path in (csock, disk):
        if os.path.exists(path):
            os.unlink(path)
    subprocess.run(["truncate", "-s", "%dM" % DISK_MIB, disk], check=True)
    extra = ["-device", "intel-iommu,intremap=on" if kind == "vtd" else "amd-iommu,intremap=on",
             "-drive", "file=%s,if=none,id=nv,format=raw" % disk,
             "-device", "nvme,drive=nv,serial=vigil1,addr=0x7",
             "-chardev", "socket,id=chan,path=%s,server=on,wait=off" % csock, "-serial", "chardev:chan",
             "-name", "linux-nvme,debug-threads=on"]
    written = None
    with vt.EspVariant(vt.TEST_ESP) as esp:
        esp.package("linux-pci")
        esp.package("ticker")
        esp.config_text(CONFIG)
        with vt.Boot(esp.dir, name="linux-nvme-%s" % kind, timeout=1500, smp=4, extra=extra,
                     interactive=True) as b:
            print("info: %s" % tl.dedicate_vcpu_thread(b, 1, 2))
            t.check("%s: the controller is assigned to Linux" % kind,
                    b.wait_for(r"^vigil: guest linux: pci %s \[1b36:0010\] assigned, DMA window onto its RAM$"
                               % re.escape(NVME), timeout=120))
            t.check("%s: the IOMMU is in force before the guests start" % kind,
                    b.wait_for(r"^vigil: DMA: 1 device with a DMA window onto its guest; every other device "
                               r"blocked$", timeout=60))
            up = shell_up(b, 0)
            t.check("%s: Linux reaches its shell" % kind, up)
            if not up:
                return
            for rx, what in ((r"PCI: Discovered peer bus 00$", "finds bus 0 (pci=conf1,lastbus=1)"),
                             (r"pci %s: \[1b36:0010\] type 00 class 0x010802$" % re.escape(NVME),
                              "finds the controller on it")):
                t.check("%s: the kernel %s" % (kind, what), b.has(r"^\[linux\] \[\s*[\d.]+\] " + rx))
            sh = tl.Shell(b)
            check_driver(t, sh, kind)
            # Each command short: the shell's echo of a long one wraps.
            shell(sh, "mkdir -p /mnt")
            steps = [shell(sh, "mke2fs /dev/nvme0n1 >/dev/null; echo $?", timeout=300),
                     shell(sh, "mount -t ext2 /dev/nvme0n1 /mnt; echo $?")]
            dd = shell(sh, "dd if=/dev/urandom of=/mnt/data bs=1k count=1k", timeout=300)
            out = shell(sh, "sha256sum /mnt/data; umount /mnt; echo $?", timeout=300)
            m = out and len(out) == 2 and SHA.match(out[0])
            t.check("%s: a file system made on the controller, 1 MiB written to a file and unmounted" % kind,
                    steps == [["0"]] * 2 and dd and "1024+0 records out" in dd and m and out[1] == "0",
                    repr(steps + [dd, out]))
            written = m and m.group(1)
            mark = len(b.lines())
            b.type(b"reboot -f\n")
            again = b.wait_after(mark, r"^vigil: guest linux resets itself", 60) and \
                b.wait_after(mark, r"^vigil: guest linux restarted on cpu", 60) and shell_up(b, mark)
            t.check("%s: reboot restarts the guest from its image, to a shell" % kind, again)
            if again:
                check_driver(t, sh, kind + " after the restart")
                shell(sh, "mkdir -p /mnt")
                shell(sh, "mount -t ext2 -o ro /dev/nvme0n1 /mnt")
                out = shell(sh, "sha256sum /mnt/data; umount /mnt", timeout=300)
                t.check("%s: after the restart the file reads back the same" % kind,
                        written and out == ["%s  /mnt/data" % written], repr(out))
            inv = chan.query_json(csock, "inventory")
            dev = inv.get("guests", {}).get("linux", {}).get("pci", {}).get("device@0", {})
            u64 = lambda v: v[0] << 32 | v[1] if isinstance(v, list) else v
            faults, got, dropped = (u64(dev.get(k, -1)) for k in ("dma-faults", "msi-delivered", "msi-dropped"))
            t.check("%s: no DMA of Linux's left its window: no fault counted, none logged" % kind,
                    faults == 0 and not b.has(r"^vigil: dma fault"), str(dev))
            t.check("%s: its interrupts were delivered (%d), none dropped" % (kind, got),
                    got > 0 and dropped == 0, str(dev))
            beats = tl.beats(b.lines())
            t.check("%s: the ticker beat throughout, in order (%d beats)" % (kind, len(beats)),
                    len(beats) > 10 and beats == list(range(len(beats))))
            t.check("%s: the VMM's text self-check stays clean and the VMM up" % kind,
                    b.has(ti.SELFCHECK_OK) and not b.has(r"TAMPERING|MISMATCH|^vigil: PANIC"))
            lines = [l for l in b.lines() if l.startswith("[linux] ")]
            bad = [l for l in lines if re.search(r"WARNING:|Call Trace|BUG:|Oops|I/O error|nvme.*(timeout|reset)", l)]
            t.check("%s: the kernel logged no warning, trace or I/O error (%d lines)" % (kind, len(lines)),
                    lines and not bad, repr(bad[:3]))
            mark = len(b.lines())
            b.type(b"poweroff -f\n")
            b.wait_after(mark, r"^vigil: guest linux stopped: powered off", 60)
    dump = subprocess.run(["debugfs", "-R", "cat /data", disk], capture_output=True)
    t.check("%s: the disk image itself holds the file (debugfs on the host)" % kind,
            written and dump.returncode == 0 and hashlib.sha256(dump.stdout).hexdigest() == written,
            "rc %d, %d bytes" % (dump.returncode, len(dump.stdout)))


def main():
    t = vt.Checks()
    for kind in sys.argv[1:] or ["vtd"]:
        run(t, kind)
    t.done()


if __name__ == "__main__":
    main()
