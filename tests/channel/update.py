"""Guest updates through the channel (docs/channel.md, "Guest updates"), on
the channel tier's running Vigil: called by t_channel.py.

The guest `hello` runs package hello version 1 (mk/packages.mk). Packages
made here, signed by the build's publisher key:
- version 2: ticker's image in hello's package: installed, hello restarts
  and beats as the ticker does, the inventory and the runtime measurement
  log show it;
- refused, each with its own code, changing nothing (hello's inventory
  entry, the measurement log, the self-check digest): version 2 again (a
  replay), version 1 (older), ticker's package (another guest's), version 3
  with a byte of its image changed after signing (the upload is discarded
  at the file's last byte), asking for 8 MiB or an MSR (more than granted),
  asking for 2 MiB (granted, but another shape than the 4 MiB hello runs in),
  security version 0 (below the floor), unsigned, signed by the operator,
  for a guest that does not exist, a bundle as the manifest; a chunk out of
  order, a chunk or a commit with no upload, a commit before the last byte;
- resumed: an upload begun by hand with one chunk is finished by `vigilctl
  package send`, which goes on from where the VMM stands; version 3 is then
  installed and hello boots again from hello's own image;
- aborted: an upload aborted leaves nothing to commit.
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import time

import vigiltest as vt
import chan

PKG_BEGIN, PKG_CHUNK, PKG_COMMIT, PKG_ABORT = 0x20, 0x21, 0x22, 0x23
E_MALFORMED, E_NO_SIGNATURE, E_UNKNOWN_KEY = 16, 32, 36
E_GUEST, E_NAME, E_VERSION, E_SECURITY, E_GRANT, E_UPLOAD, E_FILE = 56, 57, 58, 59, 60, 61, 62

PUBLISHER = os.path.join(vt.BUILD, "keys", "publisher.key")
GUESTS = os.path.join(vt.BUILD, "guests")


class Update:
    def __init__(self, t, b, sock, work, operator_key, guest="hello"):
        self.t, self.b, self.sock, self.guest = t, b, sock, guest
        self.dir = os.path.join(work, "updates")
        self.operator_key = operator_key
        os.makedirs(self.dir, exist_ok=True)

    def image(self, name):
        """The test guest's image without its symbols and debug information:
        a quarter of the bytes to send (the channel is a serial line)."""
        path = os.path.join(self.dir, "images", name)
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            subprocess.run(["objcopy", "--strip-all", os.path.join(GUESTS, name), path], check=True)
        return path

    def package(self, name, version, secver=1, image="hello.elf", pkg=None, sign=(PUBLISHER,), extra=()):
        out = os.path.join(self.dir, name)
        pkg = pkg or self.guest
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([vt.VIGILCTL, "package", "build", "--name", pkg, "--version", str(version),
                        "--security-version", str(secver), "--image", self.image(image),
                        "--memory", "4M", "--cpus", "1", *extra, "-o", out], check=True, stdout=subprocess.DEVNULL)
        if sign:
            subprocess.run([vt.VIGILCTL, "package", "sign", *sum([["--key", k] for k in sign], []), out],
                           check=True, stdout=subprocess.DEVNULL)
        return out

    def send(self, pkg, guest=None):
        """(exit code, stdout) of vigilctl package send."""
        r = subprocess.run([vt.VIGILCTL, "package", "send", pkg, "--guest", guest or self.guest, "--socket", self.sock,
                            "--chunk", "32768", "--quiet"], capture_output=True, text=True, timeout=600)
        return r.returncode, r.stdout + r.stderr

    def raw(self, type_, payload, id_=91):
        c = chan.Conn(self.sock)
        c.send(chan.frame(type_, payload, id_=id_))
        r = c.recv_frame(timeout=60)
        c.close()
        return chan.dtb_props(r[2]) if r and r[1] == id_ else {}

    def hello(self):
        """The guest's inventory entry."""
        return chan.query_json(self.sock, "inventory")["guests"][self.guest]

    def state(self):
        """What a refused update must not change."""
        g = self.hello()
        m = chan.query_json(self.sock, "measurements")
        sc = chan.query_json(self.sock, "selfcheck")
        return (g.get("package-version"), g.get("image-sha256"), g.get("effective-policy-sha256"),
                g.get("policy-sha256"), g.get("boots"), len(m.get("runtime", {})), sc.get("expected-sha256"))

    def refused(self, what, pkg, code, guest=None, says=""):
        before = self.state()
        rc, out = self.send(pkg, guest)
        self.t.check("update refused: %s (error %d)" % (what, code),
                     rc == 1 and "error: %d" % code in out and says in out, "exit %d: %s" % (rc, out[-300:]))
        self.t.check("update refused: %s changed nothing" % what, self.state() == before)


def begin_payload(pkg, guest="hello"):
    with open(os.path.join(pkg, "manifest.dtb"), "rb") as f:
        m = f.read()
    sig_path = os.path.join(pkg, "manifest.dtb.sig")
    s = open(sig_path, "rb").read() if os.path.exists(sig_path) else b""
    pad = (-len(m)) % 8
    return guest.encode().ljust(32, b"\0") + struct.pack("<II", len(m), len(s)) + m + b"\0" * pad + s, \
        hashlib.sha384(m).digest()[:16]


def chunk(upload, file_, offset, data):
    return upload + struct.pack("<IIQ", file_, 0, offset) + data


def console_mark(b):
    """Where the console's next line will be: its last, unfinished line
    (the empty string after the last newline) counts from here."""
    return len(b.lines()) - 1


def wait_line(b, regex, since, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(re.search(regex, l) for l in b.lines()[since:]):
            return True
        time.sleep(0.5)
    return False


def check_guest_update(t, b, sock, work, operator_key):
    u = Update(t, b, sock, work, operator_key)
    ticker = u.image("ticker.elf")
    g0 = u.hello()
    t.check("update: hello runs package hello version 1", g0.get("package") == "hello" and
            g0.get("package-version") == 1, str(g0)[:300])
    runtime0 = len(chan.query_json(sock, "measurements").get("runtime", {}))

    # Version 2, ticker's image: installed, and hello restarts from it.
    v2 = u.package("v2", 2, image="ticker.elf")
    mark = console_mark(b)
    t0 = time.monotonic()
    rc, out = u.send(v2)
    print("info: update to version 2 (%d bytes) took %.1f s over the channel" %
          (os.path.getsize(ticker), time.monotonic() - t0))
    t.check("update: version 2 installed (vigilctl package send exit 0)", rc == 0 and
            "restarting with package hello version 2 (was 1)" in out, out[-300:])
    t.check("update: hello restarts and runs the new image (it beats as the ticker does)",
            wait_line(b, r"^\[hello\] beat \d+$", mark, timeout=120))
    g = u.hello()
    t.check("update: the inventory shows version 2, the new image's digest, a second boot, running",
            g.get("package-version") == 2 and g.get("image-sha256") == vt.sha256_file(ticker) and
            g.get("boots") == g0.get("boots", 0) + 1 and g.get("state") == "running", str(g)[:400])
    t.check("update: the inventory names the publisher that signed version 2",
            g.get("publisher-key-ids") and g.get("publisher-key-ids") == g0.get("publisher-key-ids"),
            "%s, before %s" % (g.get("publisher-key-ids"), g0.get("publisher-key-ids")))
    # The signed manifest as a bundle's payload, in a container made here
    # (docs/channel.md, "Bundles": vigilctl bundle pack refuses to make it).
    m = open(os.path.join(v2, "manifest.dtb"), "rb").read()
    sig = open(os.path.join(v2, "manifest.dtb.sig"), "rb").read()
    before = u.state()
    c = chan.Conn(sock)
    c.send(chan.frame(chan.REQ_BUNDLE, b"VGBNDL01" + struct.pack("<II", len(m), len(sig)) + m + sig, id_=92))
    r = c.recv_frame(timeout=60)
    c.close()
    reply = chan.dtb_props(r[2]) if r and r[1] == 92 else {}
    t.check("update refused: the signed manifest sent as a bundle (error 16), nothing changed",
            reply.get("error") == E_MALFORMED and u.state() == before, str(reply)[:300])
    m = chan.query_json(sock, "measurements").get("runtime", {})
    last = m.get("entry@%d" % (len(m) - 1), {})
    with open(os.path.join(v2, "manifest.dtb"), "rb") as f:
        digest = hashlib.sha384(f.read()).hexdigest()
    t.check("update: the runtime measurement log holds it (guest-package, hello, version 2, the manifest's SHA-384)",
            len(m) == runtime0 + 1 and last.get("kind") == "guest-package" and last.get("guest") == "hello" and
            last.get("sequence") == 2 and str(last.get("payload-sha384", "")).replace(":", "").lower() == digest,
            str(last)[:300])

    # Refusals: each with its code, nothing changed.
    u.refused("version 2 again (a replay)", v2, E_VERSION)
    u.refused("version 1 (older)", os.path.join(vt.BUILD, "packages", "hello"), E_VERSION)
    u.refused("ticker's package (another guest's)", os.path.join(vt.BUILD, "packages", "ticker"), E_NAME)
    u.refused("version 3 for guest ticker (not its package)", u.package("v3-ticker", 3), E_NAME, guest="ticker")
    bad = u.package("v3-bad", 3)
    with open(os.path.join(bad, "hello.elf"), "r+b") as f:
        f.seek(4096)
        byte = f.read(1)
        f.seek(4096)
        f.write(bytes([byte[0] ^ 1]))
    u.refused("version 3 with a byte of its image changed", bad, E_FILE)
    u.refused("asking for 8 MiB (4 granted)", u.package("v3-mem", 3, extra=["--memory", "8M"]), E_GRANT)
    u.refused("asking for an MSR not granted", u.package("v3-msr", 3, extra=["--msr-allow", "0x174"]), E_GRANT)
    u.refused("asking for 2 MiB (within the grant, but not the 4 MiB hello runs in: another shape)",
              u.package("v3-shape", 3, extra=["--memory", "2M"]), E_GRANT, says="another shape takes a reboot")
    u.refused("security version 0 (below the floor 1)", u.package("v3-floor", 3, secver=0), E_SECURITY)
    u.refused("unsigned", u.package("v3-unsigned", 3, sign=()), E_NO_SIGNATURE)
    u.refused("signed by the operator", u.package("v3-operator", 3, sign=(operator_key,)), E_UNKNOWN_KEY)
    u.refused("for a guest that does not exist", u.package("v3-nobody", 3), E_GUEST, guest="nobody")

    before = u.state()
    v3 = u.package("v3", 3, extra=["--cmdline", "package version 3"])
    payload, upload = begin_payload(v3)
    # The live patch's payload and its patch-key signatures, as a manifest.
    with open(os.path.join(work, "patch.dtb"), "rb") as f:
        as_manifest = f.read()
    with open(os.path.join(work, "patch.sig"), "rb") as f:
        sig = f.read()
    bogus = "hello".encode().ljust(32, b"\0") + struct.pack("<II", len(as_manifest), len(sig)) + as_manifest + \
        b"\0" * ((-len(as_manifest)) % 8) + sig
    r = u.raw(PKG_BEGIN, bogus)
    t.check("update refused: a signed bundle payload as the manifest (error 16)", r.get("error") == E_MALFORMED and
            u.state() == before, str(r))
    r = u.raw(PKG_CHUNK, chunk(upload, 0, 0, b"x" * 64))
    t.check("update refused: a chunk with no upload (error 61)", r.get("error") == E_UPLOAD, str(r))
    r = u.raw(PKG_COMMIT, upload)
    t.check("update refused: a commit with no upload (error 61)", r.get("error") == E_UPLOAD, str(r))
    r = u.raw(PKG_BEGIN, payload[:-1])
    t.check("update refused: a BEGIN cut short (error 17)", r.get("error") == 17, str(r))

    # Resumed: begun by hand, one chunk and one out of order; vigilctl finishes it.
    image = open(os.path.join(v3, "hello.elf"), "rb").read()
    r = u.raw(PKG_BEGIN, payload)
    t.check("update: BEGIN of version 3 accepted", r.get("status") == 0, str(r))
    r = u.raw(PKG_CHUNK, chunk(upload, 0, 0, image[:4096]))
    t.check("update: its first chunk accepted", r.get("status") == 0, str(r))
    r = u.raw(PKG_CHUNK, chunk(upload, 0, 8192, image[8192:12288]))
    t.check("update refused: a chunk out of order (error 61), the upload kept", r.get("error") == E_UPLOAD and
            "offset 8192, expected 4096" in (r.get("message") or ""), str(r))
    r = u.raw(PKG_COMMIT, upload)
    t.check("update refused: a commit before the last byte (error 61)", r.get("error") == E_UPLOAD and
            "4096 of %d bytes" % len(image) in (r.get("message") or ""), str(r))
    t.check("update: nothing changed while the upload is under way", u.state() == before)
    mark = console_mark(b)
    rc, out = u.send(v3)
    t.check("update: vigilctl package send resumes the upload and installs version 3",
            rc == 0 and "restarting with package hello version 3 (was 2)" in out and
            wait_line(b, r"^vigil: guest update accepted: guest hello: update to hello version 3 resumed$", mark, 30),
            "exit %d, console from line %d: %s" % (rc, mark, out[-300:]))
    t.check("update: hello boots again from its own image", wait_line(b, r"^\[hello\] hello: Vigil test guest up", mark,
                                                                      timeout=120))
    g = u.hello()
    t.check("update: the inventory shows version 3 and hello's image",
            g.get("package-version") == 3 and g.get("image-sha256") == vt.sha256_file(u.image("hello.elf")),
            str(g)[:300])

    # Aborted: nothing left to commit.
    v4 = u.package("v4", 4)
    payload, upload = begin_payload(v4)
    before = u.state()
    r1 = u.raw(PKG_BEGIN, payload)
    r2 = u.raw(PKG_ABORT, upload)
    r3 = u.raw(PKG_COMMIT, upload)
    t.check("update: an aborted upload leaves nothing to commit (error 61) and changes nothing",
            r1.get("status") == 0 and r2.get("status") == 0 and r3.get("error") == E_UPLOAD and u.state() == before,
            "%s %s %s" % (r1, r2, r3))


def check_guest_update_vmx(t, b, sock, work):
    """On VMX (Bochs): npt-probe, parked after its test, updated to version 2
    with hello's image: it restarts from it (its bitmaps rebuilt on its own
    CPU); a replay and a changed byte are refused with nothing changed."""
    u = Update(t, b, sock, work, None, guest="npt-probe")
    g0 = u.hello()
    v2 = u.package("vmx-v2", 2, image="hello.elf")
    mark = console_mark(b)
    rc, out = u.send(v2)
    t.check("update (VMX): npt-probe version 2 installed", rc == 0 and
            "restarting with package npt-probe version 2 (was 1)" in out, out[-300:])
    t.check("update (VMX): npt-probe restarts from hello's image",
            wait_line(b, r"^\[npt-probe\] hello: Vigil test guest up", mark, timeout=300))
    g = u.hello()
    t.check("update (VMX): the inventory shows version 2, the new image and another boot",
            g.get("package-version") == 2 and g.get("boots") == g0.get("boots", 0) + 1 and
            g.get("image-sha256") == vt.sha256_file(u.image("hello.elf")), str(g)[:300])
    u.refused("version 2 again (a replay, VMX)", v2, E_VERSION)
    bad = u.package("vmx-v3-bad", 3)
    with open(os.path.join(bad, "hello.elf"), "r+b") as f:
        f.seek(4096)
        byte = f.read(1)
        f.seek(4096)
        f.write(bytes([byte[0] ^ 1]))
    u.refused("a byte of the image changed (VMX)", bad, E_FILE)
