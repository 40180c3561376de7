"""The Linux rows of `make bench` (docs/benchmarks.md): Debian's kernel from
its first instruction to its init, under Vigil and booted directly by QEMU,
both under -icount; and the guest's `sleep` against the host's clock.

Under -icount shift=0,sleep=off the TSC is QEMU's virtual clock in ns: one
tick per retired instruction, plus the jumps the clock makes while every
CPU is idle. The bench initramfs's /init runs /bin/vigil-tsc first thing
(`vigil-linux: tsc <n>`), then prints /proc/uptime (the kernel's idle time).
The first instruction's TSC is, under Vigil, the inventory's `start-tsc`
(the VMM reads it just before the first entry; the guest's TSC is the
host's), and, booted directly, QEMU's instruction count when the CPU
reaches the kernel's PVH entry (a breakpoint through QEMU's gdb stub, then
QMP's query-replay, which returns the instruction count, idle jumps
excluded: nothing idles before the kernel)."""
import json
import os
import re
import socket
import subprocess
import sys
import time

import boots
import chanops

vt = boots.vt
ROOT = boots.ROOT
WORK = boots.WORK
ESP = os.path.join(boots.OUT, "esp-linux")
VMLINUX = os.path.join(boots.BUILD, "linux", "vmlinux")
INITRD = os.path.join(boots.BUILD, "guests", "linux", "initrd-bench.cpio.gz")
ACPI = os.path.join(boots.BUILD, "linux", "acpi-1cpu.bin")
TSC_LINE = re.compile(r"vigil-linux: tsc (\d+)$", re.M)
UPTIME_LINE = re.compile(r"vigil-linux: uptime ([\d.]+) ([\d.]+)$", re.M)
SLEEP_SECONDS = 10


def cmdline():
    """The Linux guest's command line, as mk/linux.mk defines it."""
    line = os.environ.get("LINUX_CMDLINE")
    if not line:
        line = subprocess.run(["make", "-s", "--no-print-directory", "print-LINUX_CMDLINE"],
                              cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return line


def config_cmdline(esp):
    """The command line in the Linux guest's package on the bench ESP."""
    dtb = os.path.join(esp, "vigil", "system.dtb")
    pkg = subprocess.run(["fdtget", "-ts", dtb, "/guests/linux", "package"],
                         capture_output=True, text=True).stdout.strip()
    return subprocess.run(["fdtget", "-ts", os.path.join(esp, "vigil", pkg, "manifest.dtb"), "/", "cmdline"],
                          capture_output=True, text=True).stdout.strip()


def pvh_entry(vmlinux):
    """The PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY) from `readelf -n`."""
    out = subprocess.run(["readelf", "-n", vmlinux], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"Xen\s+0x[0-9a-f]+\s+Unknown note type: \(0x00000012\)\s*\n"
                  r"\s*description data: ((?:[0-9a-f]{2} ?){4,8})", out)
    if not m:
        return None
    return int.from_bytes(bytes.fromhex(m.group(1).replace(" ", "")), "little")


def kernel_log(text, prefix=""):
    """{message: seconds} of the kernel's timestamped lines (first of each)."""
    out = {}
    for m in re.finditer(r"^%s\[\s*(\d+\.\d+)\] (.*)$" % re.escape(prefix), text, re.M):
        out.setdefault(m.group(2), float(m.group(1)))
    return out


def figures(text, prefix=""):
    """The TSC at init and the kernel's idle seconds from the console."""
    tsc = re.search(r"^%s%s" % (re.escape(prefix), TSC_LINE.pattern), text, re.M)
    up = re.search(r"^%s%s" % (re.escape(prefix), UPTIME_LINE.pattern), text, re.M)
    return (int(tsc.group(1)) if tsc else None,
            (float(up.group(1)), float(up.group(2))) if up else None)


def stop_at(gdb_sock, qmp_sock, points, accept=lambda stop: True, timeout=900):
    """Stop at each (name, address) in turn (hardware breakpoints through
    QEMU's gdb stub) and read QEMU's instruction count there (QMP); a stop
    that accept(stop reply) refuses is continued. Returns {name: count}."""
    gdb = Gdb(gdb_sock)
    got = {}
    try:
        for _, addr in points:
            if gdb.request("Z1,%x,1" % addr) != "OK":
                raise OSError("the gdb stub refused a breakpoint at 0x%x" % addr)
        for name, addr in points:
            while True:
                gdb.send("c")
                stop = gdb.reply(timeout)
                if accept(stop):
                    break
            got[name] = qmp_icount(qmp_sock)
            gdb.request("z1,%x,1" % addr)
        gdb.send("D")
        try:
            gdb.reply(10)
        except (OSError, socket.timeout):
            pass
    finally:
        gdb.close()
    return got


def debug_args(name):
    """QEMU arguments for a gdb stub and QMP on sockets under WORK."""
    socks = tuple(os.path.join(WORK, "%s.%s" % (name, n)) for n in ("gdb", "qmp"))
    for p in socks:
        if os.path.exists(p):
            os.remove(p)
    return socks, ["-gdb", "unix:%s,server=on,wait=off" % socks[0],
                   "-qmp", "unix:%s,server=on,wait=off" % socks[1]]


def raw_figures(out):
    """Instructions entry to init, by the TSC (idle jumps included: the
    kernel's /proc/uptime says how long it idled)."""
    first = out.get("start_tsc", out.get("entry_tsc"))
    if out.get("init_tsc") is not None and first is not None:
        out["tsc_instructions"] = out["init_tsc"] - first
    return out


# Kernel messages both boots print, in boot order: the stretches between
# them show where the two boots differ (docs/benchmarks.md).
LANDMARKS = (
    "Kernel command line: ",
    "NR_IRQS: ",
    "Console: colour dummy device",
    "printk: console [ttyS0] enabled",
    "pid_max: ",
    "Trying to unpack rootfs image as initramfs...",
    "evm: HMAC attrs: ",
    "clocksource: Switched to clocksource ",
    "Run /init as init process",
)


def landmarks(vigil_log, direct_log):
    """[(message, Vigil seconds, direct seconds)] of LANDMARKS, by the
    kernels' own clocks (the TSC, hence instructions under -icount)."""
    def find(log, start):
        # The last switch of clocksource: tsc-early then tsc in the direct
        # boot, kvm-clock under Vigil (its paravirtual clock).
        times = [t for msg, t in log.items() if msg.startswith(start)]
        return (max(times) if start.startswith("clocksource: Switched") else times[0]) if times else None
    return [(m, find(vigil_log, m), find(direct_log, m)) for m in LANDMARKS]


# ---- Vigil ------------------------------------------------------------------

def vigil(esp=ESP, icount=True, timeout=900):
    """Boot the Linux bench ESP under -icount with the channel on a socket;
    at the tsc line, read the inventory (start-tsc, exits). Returns a dict."""
    os.makedirs(WORK, exist_ok=True)
    sock = os.path.join(WORK, "bench-linux.chan")
    if os.path.exists(sock):
        os.remove(sock)
    boot = vt.Boot(esp, name="bench-linux", timeout=timeout, tpm=False, smp=2, accel="tcg",
                   extra=list(boots.ICOUNT) if icount else [])
    boot.args[1:1] = ["--channel", sock]
    out = {}
    with boot as b:
        if not b.wait_for(r"^\[linux\] vigil-linux: userspace reached"):
            out["error"] = "no userspace line"
        elif chanops.wait_socket(sock):
            try:
                inv = json.loads(chanops.vigilctl("inventory", "--socket", sock, "--json"))
                out["inventory"] = inv.get("guests", {}).get("linux", {})
            except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as e:
                out["error"] = "inventory: %s" % e
        text = b.text()
    tsc, uptime = figures(text, "[linux] ")
    inv = out.get("inventory", {})
    out.update({"init_tsc": tsc, "uptime": uptime, "start_tsc": chanops.tsc_value(inv.get("start-tsc")),
                "exits": inv.get("exits"), "kernel_log": kernel_log(text, "[linux] ")})
    return raw_figures(out)


# ---- QEMU directly ----------------------------------------------------------

class Gdb:
    """Just enough of the gdb remote protocol: set a breakpoint, continue,
    wait for the stop, detach."""

    def __init__(self, path, timeout=30):
        end = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.s.settimeout(timeout)
        self.buf = b""

    def reply(self, timeout=None):
        if timeout:
            self.s.settimeout(timeout)
        while True:
            m = re.search(rb"\$([^#]*)#[0-9a-fA-F]{2}", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                self.s.sendall(b"+")
                return m.group(1).decode()
            chunk = self.s.recv(4096)
            if not chunk:
                raise OSError("gdb stub closed the connection")
            self.buf += chunk

    def send(self, pkt):
        self.s.sendall(b"$%s#%02x" % (pkt.encode(), sum(pkt.encode()) & 0xff))

    def request(self, pkt):
        """A packet and its answer. Stop replies (T.., S..) are passed
        over: connecting to a running QEMU stops it and says so."""
        self.send(pkt)
        while True:
            r = self.reply()
            if not r.startswith(("T", "S")):
                return r

    def close(self):
        self.s.close()


def qmp_icount(path, timeout=30):
    """QEMU's instruction count now (QMP query-replay: icount_get_raw)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    f = s.makefile("rw")
    try:
        f.readline()  # greeting
        for cmd in ("qmp_capabilities", "query-replay"):
            f.write(json.dumps({"execute": cmd}) + "\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
        return reply.get("return", {}).get("icount")
    finally:
        s.close()


def direct_command(extra=()):
    cmd = ["tools/linux/qemu-direct.sh", "--icount", "--acpi", os.path.relpath(ACPI, ROOT),
           "--cmdline", cmdline(), "--timeout", "600"]
    for a in extra:
        cmd += ["--qemu-arg", a]
    return cmd + [os.path.relpath(VMLINUX, ROOT), os.path.relpath(INITRD, ROOT)]


def direct():
    """The same kernel, initramfs and command line under QEMU's microvm
    (tools/linux/qemu-direct.sh --icount), started paused: a breakpoint at
    the PVH entry gives QEMU's instruction count there (qboot's), then it
    runs on. Only there: a stop later would move the TSC (QEMU's clock
    does not stand still across a stop and restart: measured, 2.6 M at
    init, 27 M under Vigil)."""
    os.makedirs(WORK, exist_ok=True)
    (gdb_sock, qmp_sock), dbg = debug_args("bench-direct")
    log = os.path.join(WORK, "bench-direct.console.log")
    if os.path.exists(log):
        os.remove(log)
    entry = pvh_entry(VMLINUX)
    cmd = direct_command(["-S"] + dbg)
    cmd[1:1] = ["--log", log]
    out = {"pvh_entry": entry}
    with boots.Lock():
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
        try:
            out["icount"] = stop_at(gdb_sock, qmp_sock, [("entry", entry)])
            report, _ = p.communicate(timeout=900)
            out["harness"] = report.strip().splitlines()[-2:]
            out["harness_rc"] = p.returncode
        except (OSError, socket.timeout, subprocess.TimeoutExpired, ValueError) as e:
            out["error"] = "%s: %s" % (type(e).__name__, e)
        finally:
            vt.stop_group(p)
    text = vt.clean(open(log, "rb").read().decode("utf-8", "replace")) if os.path.exists(log) else ""
    tsc, uptime = figures(text)
    # Nothing idles before the kernel: the TSC at its entry is the count.
    out.update({"init_tsc": tsc, "uptime": uptime, "kernel_log": kernel_log(text),
                "entry_tsc": (out.get("icount") or {}).get("entry")})
    return raw_figures(out)


# ---- sleep against the host's clock -----------------------------------------

def sleep_accuracy(esp=ESP, timeout=900):
    """Without -icount: at the Linux shell, `sleep 10` then an empty
    command, each followed by a marker; host seconds from typing to the
    marker, the empty command's round trip subtracted."""
    boot = vt.Boot(esp, name="bench-linux-sleep", timeout=timeout, tpm=False, smp=2,
                   accel="tcg", interactive=True)
    out = {}
    with boot as b:
        b.poll_s = 0.01
        if not b.wait_for(r"^\[linux\] / # "):
            out["error"] = "no shell prompt"
            return out
        time.sleep(2)  # the boot's last lines settle

        def timed(cmd, mark):
            start = time.monotonic()
            b.type(('%s; echo @@""%s\n' % (cmd, mark)).encode())
            if not b.wait_for(r"^\[linux\] @@%s$" % mark, timeout=120):
                return None
            return time.monotonic() - start

        rounds = [timed("true", "empty-a"), timed("sleep %d" % SLEEP_SECONDS, "slept"),
                  timed("true", "empty-b")]
    if None in rounds:
        out["error"] = "a marker did not come back"
        return out
    empty = min(rounds[0], rounds[2])
    slept = rounds[1] - empty
    out.update({"seconds": SLEEP_SECONDS, "measured": slept, "ratio": slept / SLEEP_SECONDS,
                "round_trips": rounds})
    return out


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "direct"
    res = {"direct": direct, "vigil": vigil, "sleep": sleep_accuracy}[what]()
    res.pop("kernel_log", None)
    print(json.dumps(res, indent=1))
