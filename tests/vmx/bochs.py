"""One Bochs boot of a GRUB ISO for the interactive tests on VMX (the
channel tier, the self-check tamper test), with the interface of
vigiltest.Boot: start/stop (or with), text, lines, has, wait_for, running.

tools/bochs-run.sh runs Bochs in a network namespace of its own; with
com2 set, COM2 is a unix socket at that path (the management channel,
served as QEMU serves it); with com1 set, what is sent to the unix socket
at that path is typed on the console (type()), whose output still goes to
the log. The debugger reads its script from a FIFO:
pause() stops the machine (SIGINT: Bochs's debugger takes the prompt and
every CPU stands still), debug() sends it commands, resume() continues.
One emulator at a time: the lock file is the boot tier's.
"""
import fcntl
import os
import signal
import socket
import subprocess
import time

import vigiltest as vt

BOCHS_RUN = os.path.join(vt.ROOT, "tools", "bochs-run.sh")


class Boot(vt.SerialLog):
    poll_s = 0.2

    def __init__(self, iso, work, name="boot", timeout=300, cpus=3, model="corei7_skylake_x", com2=None,
                 com1=None, mem=None):
        self.dir = os.path.join(work, name)
        self.log = os.path.join(work, name + ".serial.log")
        self.rc = os.path.join(self.dir, "debugger.fifo")
        self.timeout = timeout
        self.args = [BOCHS_RUN, "--serial", self.log, "--dir", self.dir, "--model", model,
                     "--cpus", str(cpus), "--timeout", str(timeout), "--rc", self.rc]
        if mem:
            self.args += ["--mem", str(mem)]
        if com2:
            self.args += ["--com2-socket", com2]
        if com1:
            self.args += ["--com1-socket", com1]
        self.args.append(iso)
        self.com1, self.com2 = com1, com2
        self.proc = self._lock = self._rc = self._con = None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        self._lock = vt.emulator_lock()
        for f in (self.log, self.rc, self.com1, self.com2, os.path.join(self.dir, "bochs.pid")):
            if f and os.path.exists(f):
                os.remove(f)
        os.mkfifo(self.rc)
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self._deadline = time.monotonic() + self.timeout
        # Bochs opens its script when it starts; the first command runs it.
        while self._rc is None and self.running() and time.monotonic() < self._deadline:
            try:
                fd = os.open(self.rc, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO until Bochs reads
                fcntl.fcntl(fd, fcntl.F_SETFL, 0)
                self._rc = os.fdopen(fd, "w")
            except OSError:
                time.sleep(0.1)
        if self._rc:
            self.debug("c")
        for path in (self.com1, self.com2):
            end = time.monotonic() + 60
            while path and not os.path.exists(path) and time.monotonic() < end and self.running():
                time.sleep(0.1)
        return self

    def type(self, data, timeout=60):
        """Type bytes on the console (com1 set); False if they could not
        all be sent within timeout seconds."""
        try:
            if self._con is None:
                self._con = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._con.connect(self.com1)
            self._con.settimeout(timeout)
            self._con.sendall(data)
            return True
        except OSError:
            return False

    def debug(self, *commands):
        for c in commands:
            self._rc.write(c + "\n")
        self._rc.flush()

    def pause(self):
        """Stop every CPU at the debugger's prompt (SIGINT to Bochs)."""
        with open(os.path.join(self.dir, "bochs.pid")) as f:
            os.kill(int(f.read()), signal.SIGINT)

    def resume(self):
        self.debug("c")

    def stop(self):
        if self._con is not None:
            self._con.close()
            self._con = None
        vt.stop_group(self.proc)
        if self._rc:
            try:
                self._rc.close()
            except OSError:
                pass
            self._rc = None
        if self._lock:
            self._lock.close()
            self._lock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
