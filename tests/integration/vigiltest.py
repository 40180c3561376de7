#!/usr/bin/env python3
"""Harness for Vigil's boot tests (the test-boot tier).

A test is a script tests/integration/t_*.py (or .sh) that prints one line
per check, "PASS <name>" or "FAIL <name>: <why>", and exits non-zero when a
check failed. Python tests use this module:

    import vigiltest as vt

    t = vt.Checks()
    with vt.Boot(vt.ESP, timeout=60) as b:          # tools/qemu-run.sh
        b.wait_for(r"^vigil: guest hello started")   # regex on clean lines
    t.check("hello starts", b.has(r"^\\[hello\\] verdict: PASS"))
    with vt.EspVariant(vt.ESP) as v:                 # a throwaway copy
        v.tamper("vigil/vmm.elf")
        ...
    t.done()

Serial output is collected into a file (Boot.log), with firmware escape
sequences and carriage returns removed in Boot.lines(). One QEMU at a time:
Boot.start() takes a lock file so parallel test scripts never overlap.

Boot(..., interactive=True) runs the launcher as `make run` does, its
console on a terminal (a pseudo-terminal here: QEMU's stdio chardev with
its Ctrl-A mux), and Boot.type(bytes) types on it as a person would; the
log is QEMU's copy of the console output (qemu-run.sh --log).

Run as a program, it is the tier runner:
    vigiltest.py run SCRIPT...   runs each, prints "N passed, N failed"
"""
import fcntl
import hashlib
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
ESP = os.path.join(BUILD, "esp")                  # make esp: the default config, with Linux
TEST_ESP = os.path.join(BUILD, "test", "esp")     # the four test guests (tests/integration/guests.dts)
IMAGE = os.path.join(BUILD, "vigil.img")          # make image
PROBE_ESP = os.path.join(BUILD, "test", "probe-esp")  # the stub tests' ESP
VIGILCTL = os.path.join(BUILD, "tools", "vigilctl")
QEMU_RUN = os.path.join(ROOT, "tools", "qemu-run.sh")
WORK = os.path.join(BUILD, "test", "work")        # logs and variants

_ESCAPES = re.compile(r"\x1b(\[[0-9;=?]*[A-Za-z]|[()][A-Za-z0-9]|[=>])")


def clean(text):
    """Serial text without terminal escape sequences and carriage returns."""
    return _ESCAPES.sub("", text).replace("\r", "")


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pcr_replay(digests_hex, bank=hashlib.sha256):
    """The PCR value after extending a reset (all-zero) PCR with each digest."""
    pcr = bytes(bank().digest_size)
    for d in digests_hex:
        pcr = bank(pcr + bytes.fromhex(d)).digest()
    return pcr.hex()


def free_port_pair():
    """A free TCP port whose next one is free too: the swtpm TCTI finds
    the control channel at the server's port + 1."""
    while True:
        with socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port


EMULATOR_LOCK = os.path.join(BUILD, "test", ".qemu.lock")


def emulator_lock():
    """One emulator at a time (QEMU or Bochs, every tier): an open file
    holding the lock; closing it releases the lock."""
    os.makedirs(os.path.dirname(EMULATOR_LOCK), exist_ok=True)
    lock = open(EMULATOR_LOCK, "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def stop_group(proc):
    """End a process started with start_new_session=True and everything it
    started: SIGTERM to its group, SIGKILL after 10 s."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class SerialLog:
    """Reading an emulator's serial log while it runs. Needs self.log,
    self.proc and self._deadline (the run's end)."""
    poll_s = 0.1

    def text(self):
        try:
            with open(self.log, "rb") as f:
                return clean(f.read().decode("utf-8", "replace"))
        except FileNotFoundError:
            return ""

    def lines(self):
        return self.text().split("\n")

    def has(self, regex):
        """The first clean line matching regex (re.M), or None."""
        return re.search(regex, self.text(), re.M)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_for(self, regex, timeout=None):
        """Wait until a line matches regex; the match, or None when the
        emulator exited or the timeout (default: the run's) passed first."""
        end = time.monotonic() + timeout if timeout else self._deadline
        while True:
            m = self.has(regex)
            if m or not self.running() or time.monotonic() > end:
                return m or self.has(regex)
            time.sleep(self.poll_s)

    def wait_after(self, since, regex, timeout):
        """Whether a line matching regex shows after line index `since`
        (earlier lines do not count), within timeout seconds."""
        r = re.compile(regex)
        end = time.monotonic() + timeout
        while True:
            if any(r.search(l) for l in self.lines()[since:]):
                return True
            if not self.running() or time.monotonic() > end:
                return False
            time.sleep(0.5)


class Boot(SerialLog):
    """One QEMU run of an ESP directory or disk image, via tools/qemu-run.sh.

    Options mirror the launcher's: timeout (seconds, the run is killed after
    it), secboot, tpm (False: none; "crb": behind a CRB; else FIFO/TIS), tpm_state, smp, mem, accel, reboot (a reset reboots
    instead of ending QEMU), extra (QEMU arguments).
    """

    def __init__(self, target, name="boot", timeout=60, secboot=False, tpm=True,
                 tpm_state=None, smp=5, mem="1G", accel="auto", extra=(), interactive=False,
                 reboot=False):
        os.makedirs(WORK, exist_ok=True)
        self.target = target
        self.log = os.path.join(WORK, "%s.serial.log" % name)
        self.stderr_log = os.path.join(WORK, "%s.qemu.log" % name)
        self.timeout = timeout
        self.interactive = interactive
        self.args = [QEMU_RUN, "--log" if interactive else "--serial", self.log, "--timeout", str(timeout),
                     "--smp", str(smp), "--mem", mem, "--accel", accel]
        if secboot:
            self.args.append("--secboot")
        if not tpm:
            self.args.append("--no-tpm")
        elif tpm == "crb":
            self.args.append("--tpm-crb")
        if reboot:
            self.args.append("--reboot")
        if tpm_state:
            self.args += ["--tpm-state", tpm_state]
        self.args.append(target)
        if extra:
            self.args += ["--"] + list(extra)
        self.proc = None
        self._lock = None
        self._tty = None
        self.status = None

    def start(self):
        self._lock = emulator_lock()
        open(self.log, "w").close()
        with open(self.stderr_log, "w") as err:
            # A session of its own: stop() can end QEMU, the launcher and
            # its swtpm together, and nothing else.
            if self.interactive:
                self._tty, term = pty.openpty()
                self.proc = subprocess.Popen(self.args, stdin=term, stdout=term, stderr=err,
                                             start_new_session=True)
                os.close(term)
                os.set_blocking(self._tty, False)
                # The terminal must be read, or QEMU's writes to it stall.
                threading.Thread(target=self._drain_tty, args=(self._tty,), daemon=True).start()
            else:
                self.proc = subprocess.Popen(self.args, stdout=err, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
        self._deadline = time.monotonic() + self.timeout
        return self

    @staticmethod
    def _drain_tty(fd):
        """Read the terminal until its other end is gone, then close it."""
        while True:
            select.select([fd], [], [], 1)
            try:
                if not os.read(fd, 65536):
                    break
            except BlockingIOError:
                continue
            except OSError:
                break  # EIO: QEMU and the launcher have exited
        os.close(fd)

    def type(self, data, timeout=60):
        """Type bytes on the console's terminal (interactive runs); False
        when they could not all be written within timeout seconds."""
        end = time.monotonic() + timeout
        while data and self.running() and time.monotonic() < end:
            if not select.select([], [self._tty], [], 0.5)[1]:
                continue
            try:
                data = data[os.write(self._tty, data[:256]):]
            except BlockingIOError:
                time.sleep(0.05)
        return not data

    def wait_exit(self, timeout=None):
        """QEMU's exit status (see qemu-run.sh), or None if still running."""
        try:
            self.status = self.proc.wait(timeout or max(1, self._deadline - time.monotonic() + 10))
        except subprocess.TimeoutExpired:
            return None
        return self.status

    def stop(self):
        stop_group(self.proc)
        if self.proc is not None and self.status is None:
            self.status = self.proc.returncode
        self._tty = None  # its reader closes it once QEMU is gone
        if self._lock:
            self._lock.close()
            self._lock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class EspVariant:
    """A throwaway copy of an ESP directory to change without rebuilding."""

    def __init__(self, src=PROBE_ESP):
        os.makedirs(WORK, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="esp-", dir=WORK)
        shutil.rmtree(self.dir)
        shutil.copytree(src, self.dir)

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def read(self, rel):
        with open(self.path(rel), "rb") as f:
            return f.read()

    def write(self, rel, data):
        os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)
        with open(self.path(rel), "wb") as f:
            f.write(data)

    def tamper(self, rel, offset=None):
        """Flip the bits of one byte (default: the middle one)."""
        data = bytearray(self.read(rel))
        i = len(data) // 2 if offset is None else offset
        data[i] ^= 0xFF
        self.write(rel, bytes(data))

    def append(self, rel, extra=b"\0vigil-test\0"):
        self.write(rel, self.read(rel) + extra)

    def remove(self, rel):
        os.remove(self.path(rel))

    def package(self, name, root=None):
        """Put root/packages/name (default: the build's, mk/packages.mk) at
        vigil/packages/name, replacing what was there."""
        src = os.path.join(root or BUILD, "packages", name)
        shutil.rmtree(self.path("vigil/packages/" + name), ignore_errors=True)
        shutil.copytree(src, self.path("vigil/packages/" + name))

    def sign(self, rel, *keys):
        """Replace rel + ".sig" with signatures by the given private keys."""
        args = [VIGILCTL, "sign"]
        for k in keys:
            args += ["--key", k]
        subprocess.run(args + [self.path(rel), "-o", self.path(rel) + ".sig"],
                       check=True, stdout=subprocess.DEVNULL)

    def config(self, dts):
        """Compile dts (its /include/s found in build/gen) into the ESP's
        system.dtb, signed with the development platform key."""
        subprocess.run([VIGILCTL, "config", "build", dts, "-o", self.path("vigil/system.dtb"), "-i",
                        os.path.join(BUILD, "gen")], check=True, stdout=subprocess.DEVNULL)
        self.sign("vigil/system.dtb", os.path.join(BUILD, "keys", "platform.key"))

    def config_text(self, text):
        """config() from the dts source text (written beside the ESP copy)."""
        dts = self.dir + ".dts"
        with open(dts, "w") as f:
            f.write(text)
        self.config(dts)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        if os.path.exists(self.dir + ".dts"):
            os.remove(self.dir + ".dts")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


class Checks:
    """PASS/FAIL lines for one test script; done() exits with the verdict."""

    def __init__(self):
        self.failed = 0

    def check(self, name, ok, why=""):
        if ok:
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, ": " + why if why else ""), flush=True)
        return bool(ok)

    def done(self):
        sys.exit(1 if self.failed else 0)


def run_tier(scripts):
    """Run each test script; count its PASS/FAIL lines. A script that exits
    non-zero without printing a FAIL line counts one failure more."""
    passed = failed = 0
    for s in scripts:
        print("--- %s" % os.path.relpath(s, ROOT), flush=True)
        cmd = [sys.executable, s] if s.endswith(".py") else ["bash", s]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        fails = 0
        for line in p.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.startswith("PASS "):
                passed += 1
            elif line.startswith("FAIL "):
                fails += 1
        if p.wait() != 0 and fails == 0:
            print("FAIL %s: exited %d" % (os.path.basename(s), p.returncode))
            fails = 1
        failed += fails
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "run":
        sys.exit("usage: vigiltest.py run SCRIPT...")
    sys.exit(run_tier(sys.argv[2:]))
