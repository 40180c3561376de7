"""The emulator runs behind `make bench`: Vigil's bench ESPs, the bench guest
on plain QEMU, and the gdb read of a VMM variable. One emulator at a time:
every run goes through vigiltest.Boot or takes the same lock file."""
import fcntl
import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import vigiltest as vt  # noqa: E402

BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
WORK = os.path.join(OUT, "work")
ICOUNT = ["-icount", "shift=0,sleep=off"]
VMM_RANGE = "0xffffffff80000000..0xffffffffffffffff"
LOCK = os.path.join(BUILD, "test", ".qemu.lock")

_BENCH_LINE = re.compile(r"bench: (\S+) (.*)$")


def bench_lines(text):
    """The bench guest's facts: {'tsc main': '...', 'raw cpuid exit': [...], ...}."""
    facts = {}
    for line in text.split("\n"):
        m = _BENCH_LINE.search(line)
        if not m:
            continue
        key, rest = m.group(1), m.group(2).split()
        if key == "raw" and len(rest) >= 4:
            facts["raw %s %s" % (rest[0], rest[1])] = [int(x) for x in rest[2:]]
        elif key == "tsc" and len(rest) == 2:
            facts["tsc " + rest[0]] = int(rest[1])
        elif rest:
            facts[key] = " ".join(rest)
        else:
            facts[key] = True
    return facts


def exit_costs(facts):
    """VMM instructions per round trip, by case. Under -icount the exiting
    instruction retires 0 and VMRUN 1, its NOP twin 1: so the VMM's part is
    (exit - native) / iterations + 1, from the fastest of the repetitions."""
    out = {}
    for key, reps in facts.items():
        if not key.startswith("raw ") or not key.endswith(" exit"):
            continue
        case = key.split()[1]
        native = facts.get("raw %s native" % case)
        if not native:
            continue
        n = reps[0]
        delta = min(reps[1:]) - min(native[1:])
        out[case] = {"per_exit": delta / n + 1, "iterations": n,
                     "exit_reps": reps[1:], "native_reps": native[1:]}
    return out


def timer_cost(facts):
    """VMM instructions per LAPIC timer interrupt (the physical interrupt's
    exit, the injection, the EOI's MMIO exit): the spin with the timer on
    less the fastest pass with it off, over the interrupts that pass took,
    less the guest handler's retired instructions; the pass that gives the
    least counts (a wake-up of the VMM's CPU only adds)."""
    off, on = facts.get("raw lapic-timer off"), facts.get("raw lapic-timer on")
    off_irqs, on_irqs = facts.get("raw lapic-timer off-irqs"), facts.get("raw lapic-timer on-irqs")
    info = facts.get("lapic-timer", "").split()
    if not (off and on and on_irqs and off_irqs) or len(info) != 4 or any(off_irqs[1:]):
        return None
    base = min(off[1:])
    per = [(d - base) / k for d, k in zip(on[1:], on_irqs[1:]) if k]
    if not per:
        return None
    retired = int(info[3])
    return {"per_interrupt": min(per) - retired, "handler_retired": retired,
            "period_ticks": int(info[1]), "iterations": on[0], "on_reps": on[1:],
            "off_reps": off[1:], "interrupts": on_irqs[1:]}


class ExecLogReader:
    """QEMU writes its -D log into a FIFO; a thread feeds it to an ExecLog,
    so the log (hundreds of MB) never lands on disk."""

    def __init__(self, path, execlog):
        self.path = path
        if os.path.exists(path):
            os.remove(path)
        os.mkfifo(path)
        self.execlog = execlog
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        with open(self.path, "r", errors="replace") as f:
            for line in f:
                self.execlog.feed(line)

    def qemu_args(self, dfilter=VMM_RANGE):
        return ["-d", "in_asm,exec,nochain", "-dfilter", dfilter, "-D", self.path]

    def finish(self, timeout=120):
        self.thread.join(timeout)
        try:
            os.remove(self.path)
        except OSError:
            pass
        return not self.thread.is_alive()


def gdb_read(sock_path, addr, size=8, timeout=20):
    """Read guest-virtual memory through QEMU's gdb stub (CPU 0's view: the
    VMM's own page tables, CPU 0 being the VMM's). Connecting stops the VM."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    buf = b""

    def reply():
        nonlocal buf
        while True:
            m = re.search(rb"\$([^#]*)#[0-9a-fA-F]{2}", buf)
            if m:
                buf = buf[m.end():]
                s.sendall(b"+")
                return m.group(1).decode()
            chunk = s.recv(4096)
            if not chunk:
                raise OSError("gdb stub closed the connection")
            buf += chunk

    def request(pkt):
        s.sendall(b"$%s#%02x" % (pkt.encode(), sum(pkt.encode()) & 0xff))
        return reply()

    try:
        data = request("m%x,%x" % (addr, size))
        # A stop reply ("T05...") may come first: the stub stops the VM
        # when a debugger connects.
        for _ in range(4):
            if not data.startswith(("T", "S")):
                break
            data = reply()
    finally:
        s.close()
    reply_text = data
    if not re.fullmatch(r"[0-9a-f]+", reply_text) or len(reply_text) != 2 * size:
        raise OSError("gdb stub: cannot read 0x%x (%s)" % (addr, reply_text))
    return int.from_bytes(bytes.fromhex(reply_text), "little")


def symbol_address(elf, name):
    out = subprocess.run(["nm", elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    return None


def vigil_boot(esp, name, icount=True, smp=2, timeout=600, execlog=None, dfilter=VMM_RANGE,
               read_symbol=None, elf=None, done=r"^vigil: guest bench stopped", during=None,
               after=None):
    """Boot a bench ESP; return (serial text, seconds from launch to the
    guest's first line or None, value of read_symbol or None). With
    `during`, the management channel is on a socket, and during(socket)
    runs while the guest watches its TSC (its value lands in self.during)."""
    os.makedirs(WORK, exist_ok=True)
    extra = list(ICOUNT) if icount else []
    reader = None
    if execlog is not None:
        reader = ExecLogReader(os.path.join(WORK, name + ".fifo"), execlog)
        extra += reader.qemu_args(dfilter)
    gdb_sock = os.path.join(WORK, name + ".gdb")
    if read_symbol:
        if os.path.exists(gdb_sock):
            os.remove(gdb_sock)
        extra += ["-chardev", "socket,id=benchgdb,path=%s,server=on,wait=off" % gdb_sock,
                  "-gdb", "chardev:benchgdb"]
    value = seconds = None
    boot = vt.Boot(esp, name=name, timeout=timeout, tpm=False, smp=smp, accel="tcg", extra=extra)
    chan_sock = os.path.join(WORK, name + ".chan")
    if during:
        if os.path.exists(chan_sock):
            os.remove(chan_sock)
        boot.args[1:1] = ["--channel", chan_sock]
    with boot as b:
        start = time.monotonic()
        if b.wait_for(r"^\[bench\] bench: tsc main"):
            seconds = time.monotonic() - start
        if during and b.wait_for(r"^\[bench\] bench: watch start"):
            try:
                vigil_boot.during = during(chan_sock)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                vigil_boot.during = {"error": str(e)}
            b.wait_for(r"^\[bench\] bench: watch max-gap")
        b.wait_for(done)
        if after and b.running():
            try:
                vigil_boot.after = after(chan_sock)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                vigil_boot.after = {"error": str(e)}
        if read_symbol and b.running():
            addr = symbol_address(elf, read_symbol)
            if addr is not None:
                try:
                    value = gdb_read(gdb_sock, addr)
                except OSError as e:
                    print("bench: %s: %s" % (name, e), file=sys.stderr)
        text = b.text()
    if reader and not reader.finish():
        print("bench: %s: the QEMU log did not end" % name, file=sys.stderr)
    return text, seconds, value


class Lock:
    """The boot tests' emulator lock, for runs that bypass vigiltest.Boot."""

    def __enter__(self):
        os.makedirs(os.path.dirname(LOCK), exist_ok=True)
        self.f = open(LOCK, "w")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.f.close()


def qemu_plain(args, log, timeout, done):
    """Run QEMU (serial to `log`) until a line matches `done` or it exits;
    returns (text, seconds to the guest's first bench line or None)."""
    open(log, "w").close()
    with Lock():
        p = subprocess.Popen(args + ["-serial", "file:" + log], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                             start_new_session=True)
        start = time.monotonic()
        seconds = None
        try:
            while time.monotonic() - start < timeout:
                text = vt.clean(open(log, "rb").read().decode("utf-8", "replace"))
                if seconds is None and "bench: tsc main" in text:
                    seconds = time.monotonic() - start
                if re.search(done, text, re.M) or p.poll() is not None:
                    break
                time.sleep(0.1)
        finally:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    return vt.clean(open(log, "rb").read().decode("utf-8", "replace")), seconds


def native_boot(guest_elf, icount=True, timeout=120):
    """The bench guest on plain QEMU (SeaBIOS, PVH -kernel): no hypervisor."""
    os.makedirs(WORK, exist_ok=True)
    args = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "qemu64", "-m", "64",
            "-kernel", guest_elf, "-display", "none", "-monitor", "none", "-no-reboot",
            "-net", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    if icount:
        args += ICOUNT
    log = os.path.join(WORK, "native%s.serial.log" % ("" if icount else "-wall"))
    return qemu_plain(args, log, timeout, r"^verdict: ")
