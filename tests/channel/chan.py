"""Host side of the management channel for the tests: frames over the unix
socket QEMU exposes for COM2 (docs/channel.md), and vigilctl helpers."""
import json
import os
import socket
import struct
import subprocess
import time
import zlib

import vigiltest as vt

REQ_VERSION, REQ_INVENTORY, REQ_MEASUREMENTS, REQ_AUDIT, REQ_SELFCHECK, REQ_BUNDLE = 1, 2, 3, 4, 5, 0x10


def frame(type_, payload=b"", id_=1, version=1):
    hdr = b"VG" + struct.pack("<BBHI", version, type_, id_, len(payload))
    hdr += struct.pack("<I", zlib.crc32(hdr))
    return hdr + payload + struct.pack("<I", zlib.crc32(hdr + payload))


class Conn:
    """One connection to the channel socket."""

    def __init__(self, path, timeout=20):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def recv_frame(self, timeout=20):
        """(type, id, payload) of the next whole response, or None on timeout."""
        end = time.monotonic() + timeout
        while True:
            i = self.buf.find(b"VG")
            if i >= 0 and len(self.buf) >= i + 14:
                ver, typ, id_, ln = struct.unpack("<BBHI", self.buf[i + 2:i + 10])
                if len(self.buf) >= i + 18 + ln:
                    payload = self.buf[i + 14:i + 14 + ln]
                    self.buf = self.buf[i + 18 + ln:]
                    return typ, id_, payload
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                return None
            self.buf += chunk

    def close(self):
        self.s.close()


def dtb_props(blob):
    """The root's status/error/message of a response blob, decoded with dtc."""
    out = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-"], input=blob,
                         capture_output=True).stdout.decode()
    props = {}
    for key in ("status", "error"):
        m = __import__("re").search(r"^\t%s = <(0x[0-9a-f]+)>;" % key, out, __import__("re").M)
        if m:
            v = int(m.group(1), 16)
            props[key] = v - (1 << 32) if v >= 1 << 31 else v
    m = __import__("re").search(r'^\tmessage = "([^"]*)";', out, __import__("re").M)
    props["message"] = m.group(1) if m else None
    return props


def vigilctl(*args, check=False):
    return subprocess.run([vt.VIGILCTL] + [str(a) for a in args], capture_output=True, text=True,
                          check=check, timeout=120)


def query_json(sock, what):
    r = vigilctl(what, "--socket", sock, "--json")
    if r.returncode:
        raise RuntimeError("vigilctl %s: %s%s" % (what, r.stdout, r.stderr))
    return json.loads(r.stdout)


def send(sock, bundle):
    """(exit code, reply dict) of vigilctl send --json."""
    r = vigilctl("send", bundle, "--socket", sock, "--json")
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        return r.returncode, {"raw": r.stdout + r.stderr}


def wait_socket(path, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.2)
    return False
