#!/usr/bin/env python3
"""A stand-in for the VMM's end of the management channel, for testing
vigilctl's client: a unix socket server that parses frames with its own
code (zlib's CRC-32, the layout of docs/channel.md) and answers each
request with the device tree in RESPONSES/<type as 2 hex digits>.dtb.

Usage: fake_channel.py SOCKET RESPONSES MODE
MODE: normal     answer every request
      noisy      before each answer: garbage, then a valid frame with
                 another id (a stale answer the client must skip)
      lose-first answer the first request with a 0xFF frame (status
                 -ETIMEDOUT) instead, as if it had arrived broken
      silent     never answer
Logs one line per request to RESPONSES/log ("<type> <id> <length>" or
"BAD <why>"), and saves each request payload as RESPONSES/req-<n>.bin.
"""
import os
import socket
import struct
import sys
import zlib


def frame(ftype, fid, payload):
    head = struct.pack("<2sBBHI", b"VG", 1, ftype, fid, len(payload))
    head += struct.pack("<I", zlib.crc32(head))
    return head + payload + struct.pack("<I", zlib.crc32(head + payload))


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_frame(conn, log):
    """One frame, which the client must have encoded exactly right."""
    head = read_exact(conn, 14)
    magic, version, ftype, fid, length, hcrc = struct.unpack("<2sBBHII", head)
    if magic != b"VG" or version != 1 or hcrc != zlib.crc32(head[:10]):
        log.write("BAD header %s\n" % head.hex())
        raise EOFError
    payload = read_exact(conn, length)
    (crc,) = struct.unpack("<I", read_exact(conn, 4))
    if crc != zlib.crc32(head + payload):
        log.write("BAD crc\n")
        raise EOFError
    return ftype, fid, payload


def serve(conn, resp_dir, mode, state, log):
    while True:
        ftype, fid, payload = read_frame(conn, log)
        state["n"] += 1
        log.write("%02x %d %d\n" % (ftype, fid, len(payload)))
        log.flush()
        with open(os.path.join(resp_dir, "req-%d.bin" % state["n"]), "wb") as f:
            f.write(payload)
        if mode == "silent":
            continue
        if mode == "lose-first" and state["n"] == 1:
            with open(os.path.join(resp_dir, "lost.dtb"), "rb") as f:
                conn.sendall(frame(0xFF, 0, f.read()))
            continue
        with open(os.path.join(resp_dir, "%02x.dtb" % ftype), "rb") as f:
            answer = f.read()
        if mode == "noisy":
            conn.sendall(b"\x00VGx\xffgarbage" + frame(ftype | 0x80, (fid + 1) & 0xFFFF, answer))
        conn.sendall(frame(ftype | 0x80, fid, answer))


def main():
    path, resp_dir, mode = sys.argv[1:4]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    state = {"n": 0}
    with open(os.path.join(resp_dir, "log"), "a") as log:
        while True:
            conn, _ = srv.accept()
            try:
                serve(conn, resp_dir, mode, state, log)
            except (EOFError, ConnectionError):
                pass
            log.flush()
            conn.close()


if __name__ == "__main__":
    main()
