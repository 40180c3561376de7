#!/usr/bin/env python3
"""The management channel end to end, on one running Vigil.

A test ESP whose config gives the patch role three keys with a threshold of
two (the operator role one key), made at test time. Checks:
- queries: version (build-id of this vmm.elf), inventory (image digests
  equal sha256sum of the ESP files), measurements, audit, self-check;
- a live patch (2 of 3 patch keys) changes the value the patchwatch guest
  prints, without a reboot and without the guest ever stopping; the revert
  restores it; measurements and the self-check show each step;
- every refusal is answered with its own error code and changes nothing
  (self-check digest, runtime measurement log, and sequence numbers, which a
  later bundle proves untouched): unsigned, bad signature, key outside the
  config, a key of the wrong role, too few signers, one signature repeated
  to reach the threshold, replay, rollback, wrong build-id, truncated,
  trailing bytes, malformed payload; 50 random bit flips in a bundle, sent
  in correct frames; flipped frame bits, garbage, half frames, a dropped
  connection; the channel serves correct requests after each;
- guest control (operator): stop, start, restart; a policy that widens is
  refused, one that tightens is applied;
- an unsigned, malformed bundle whose kind is a newline, a forged "vigil:"
  line and an ESC sequence: refused (error 16) and changes nothing; on the
  console, in the audit log and in vigilctl's output it appears escaped,
  never as a line of its own or a raw ESC byte;
- request types that are not in the protocol (0x00, 0x0a, 0x11, 0x7f,
  0x85, 0xfe): each refused with error 6, answered as type 0xFF, audited,
  and changes nothing;
- guest updates through the channel (tests/channel/update.py): on SVM a
  new version installed and restarted, every refusal with its code and
  nothing changed, an upload resumed, one aborted; on VMX an update of
  npt-probe, a replay and a changed byte;
- the watchdog, last (it leaves a CPU wedged for the rest of the boot):
  after everything above (stopped, parked and restarted guests, a CPU with
  no guest on SVM) no watchdog line and every CPU answering in the
  inventory; then a signed test live patch (tests/channel/wedge.c) wedges
  patchwatch's CPU in its hypercall exit: the console reports that CPU
  stuck once, the inventory shows it stuck (and its guest), every other
  CPU answering, the other guests run on, a revert is refused at once (its
  rendezvous would wait for ever) and the channel still answers.

Usage: t_channel.py [--vendor svm|vmx]. svm (the default, `make
test-channel`): QEMU with COM2 on a unix socket, the default config's four
guests. vmx (`make test-vmx`, docs/vmx.md): the same checks under Bochs,
the GRUB ISO made here from the same files, three CPUs (the VMM's,
patchwatch with a short beat, npt-probe: tests/channel/vmx.dts), COM2
relayed to a unix socket by tools/bochs-run.sh; patchwatch stands in for
the ticker in the guest-control checks. Each run also writes its
PASS/FAIL lines to build/test/work/channel.<vendor>.results, which the
test-vmx matrix reads.
"""
import hashlib
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, HERE)
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402
import update  # noqa: E402

PATCH_AREA_BASE = 0xffffffffc0000000
VENDOR = sys.argv[sys.argv.index("--vendor") + 1] if "--vendor" in sys.argv else "svm"
# What differs between the two runs: the config and so the guests, the
# guest the operator stops and starts, the CPU of the guest it restarts,
# the host's local APIC mode (QEMU's TCG has no x2APIC, Bochs's skylake has).
PROFILES = {
    "svm": dict(config=os.path.join(vt.ROOT, "tests", "integration", "guests.dts"),
                guests={"hello", "ticker", "npt-probe", "patchwatch"}, control="ticker", restart_cpu=3,
                work=os.path.join(vt.WORK, "channel"), apic="xAPIC (CPU has no x2APIC)"),
    "vmx": dict(config=os.path.join(HERE, "vmx.dts"), guests={"npt-probe", "patchwatch", "cr8-spin"}, control="patchwatch",
                restart_cpu=2, work=os.path.join(vt.BUILD, "vmx", "test", "work", "channel"),
                apic="x2APIC (enabled by the VMM)"),
}
P = PROFILES[VENDOR]
WORK = P["work"]
KEYS = os.path.join(WORK, "keys")
SOCK = os.path.join(WORK, "channel.sock")
RESULTS = os.path.join(vt.WORK, "channel.%s.results" % VENDOR)


class Checks(vt.Checks):
    """vt.Checks that also keeps the lines for the results file."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def check(self, name, ok, why=""):
        self.lines.append("%s %s" % ("PASS" if ok else "FAIL", name))
        return super().check(name, ok, why)

    def done(self):
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, "w") as f:
            f.write("".join(l + "\n" for l in self.lines))
        super().done()


t = Checks()


def run(*args):
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL)


def key(name):
    path = os.path.join(KEYS, name)
    if not os.path.exists(path + ".key"):
        run(vt.VIGILCTL, "keygen", "-o", path)
    return path


def make_esp():
    """build/test/esp with a config whose roles are this test's keys."""
    os.makedirs(KEYS, exist_ok=True)
    p = [key("patch%d" % i) for i in (1, 2, 3)]
    op = key("operator")
    key("outsider")
    # The publisher is the build's: it signed the guests' packages (mk/packages.mk).
    pub = os.path.join(vt.BUILD, "keys", "publisher")
    run(vt.VIGILCTL, "roles-dtsi", "--role", "patch:2:" + ",".join(k + ".pub" for k in p),
        "--role", "operator:1:%s.pub" % op, "--role", "publisher:1:%s.pub" % pub,
        "-o", os.path.join(WORK, "roles.dtsi"))
    esp = vt.EspVariant(vt.TEST_ESP)
    run(vt.VIGILCTL, "config", "build", P["config"], "-o", esp.path("vigil/system.dtb"), "-i", WORK)
    esp.sign("vigil/system.dtb", os.path.join(vt.BUILD, "keys", "platform.key"))
    if VENDOR == "vmx":  # Bochs is slow: patchwatch with the short beat (mk/vmx.mk)
        for g in ("patchwatch", "cr8-spin"):
            shutil.rmtree(esp.path("vigil/packages/" + g), ignore_errors=True)
            shutil.copytree(os.path.join(vt.BUILD, "vmx", "packages", g), esp.path("vigil/packages/" + g))
    return esp


def make_iso(esp):
    """The GRUB ISO of the ESP's vigil/ directory (tests/vmx/mkiso.sh)."""
    iso = os.path.join(WORK, "channel.iso")
    run(os.path.join(vt.ROOT, "tests", "vmx", "mkiso.sh"), "--mb2", os.path.join(vt.BUILD, "vmx", "vigil-mb2.elf"),
        "--vigil", esp.path("vigil"), "--out", iso)
    return iso


def bundle(name, kind, seq, signers, *content, build_id=None):
    """Build, sign (each signer in turn) and pack a bundle; returns its path."""
    base = os.path.join(WORK, name)
    idarg = ["--build-id", build_id] if build_id else ["--vmm", VMM]
    run(vt.VIGILCTL, "bundle", "build", "--kind", kind, "--seq", seq, *idarg, *content, "-o", base + ".dtb")
    first = True
    for s in signers:
        run(vt.VIGILCTL, "bundle", "sign", "--key", os.path.join(KEYS, s + ".key"),
            *([] if first else ["--append"]), base + ".dtb", "-o", base + ".sig")
        first = False
    run(vt.VIGILCTL, "bundle", "pack", base + ".dtb", *([base + ".sig"] if signers else []), "-o",
        base + ".bundle")
    return base + ".bundle"


def snapshot():
    """What a refused bundle must not change."""
    sc = chan.query_json(SOCK, "selfcheck")
    m = chan.query_json(SOCK, "measurements")
    return (sc.get("expected-sha256"), len(m.get("runtime", {})))


def send_raw(data, id_=77):
    """Send bytes as a bundle request in a correct frame, bypassing vigilctl's
    own checks, so the VMM's refusal is what is tested. The reply's props."""
    c = chan.Conn(SOCK)
    c.send(chan.frame(chan.REQ_BUNDLE, data, id_=id_))
    r = c.recv_frame(timeout=30)
    c.close()
    return chan.dtb_props(r[2]) if r and r[1] == id_ else {}


def refused(name, path_or_bytes, code, before):
    """Send (a bundle file through vigilctl, raw bytes in a frame of their
    own); expect the refusal code; expect the snapshot unchanged."""
    if isinstance(path_or_bytes, bytes):
        reply = send_raw(path_or_bytes)
        ok = reply.get("error") == code and reply.get("status", 0) < 0
    else:
        rc, reply = chan.send(SOCK, path_or_bytes)
        ok = rc == 1 and reply.get("error") == code
    t.check("refused: %s (error %d)" % (name, code), ok, "reply %s" % str(reply)[:200])
    t.check("refused: %s changed nothing" % name, snapshot() == before)


def watch_values(b, since):
    """patchwatch's (beat, value) lines after line index since."""
    out = []
    for l in b.lines()[since:]:
        m = re.match(r"^\[patchwatch\] beat (\d+) vmm (0x[0-9a-f]+)$", l)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


def wait_value(b, since, value, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(v == value for _, v in watch_values(b, since)):
            return True
        time.sleep(0.5)
    return False


def elf_build_id(path):
    """The GNU build-id note's 20 bytes, read from the file at __build_id_note."""
    syms = subprocess.run(["nm", path], capture_output=True, text=True).stdout
    addr = int(re.search(r"^([0-9a-f]+) \S __build_id_note$", syms, re.M).group(1), 16)
    with open(path, "rb") as f:
        elf = f.read()
    phoff, = struct.unpack_from("<Q", elf, 32)
    phnum, = struct.unpack_from("<H", elf, 56)
    for i in range(phnum):
        ptype, _, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", elf, phoff + 56 * i)
        if ptype == 1 and vaddr <= addr < vaddr + filesz:
            note = elf[off + addr - vaddr:off + addr - vaddr + 36]
            return note[16:36].hex()
    return None


def check_queries(b):
    v = chan.query_json(SOCK, "version")
    bid = elf_build_id(VMM)
    t.check("version: build-id of this vmm.elf", v.get("build-id") == bid, "%s vs %s" % (v.get("build-id"), bid))
    full = chan.query_json(SOCK, "inventory")
    inv = full.get("guests", {})
    apic = full.get("host", {}).get("local-apic")
    t.check("inventory: the host's local APIC mode, as the boot log says",
            apic == P["apic"] and b.has(r"^vigil: local APIC: %s$" % re.escape(P["apic"])),
            "inventory %r, expected %r" % (apic, P["apic"]))
    names = set(inv)
    t.check("inventory lists every guest", names == P["guests"], str(names))
    ok = all(g.get("image-sha256") == vt.sha256_file(ESP.path("vigil/" + g.get("image", "?")))
             for g in inv.values())
    t.check("inventory image digests equal sha256sum of the ESP files", ok)
    t.check("inventory: npt-probe parked, patchwatch running",
            inv.get("npt-probe", {}).get("state") == "parked" and inv.get("patchwatch", {}).get("state") == "running")
    m = chan.query_json(SOCK, "measurements")
    labels = [e.get("label") for e in m.get("boot", {}).values()]
    t.check("measurements: the stub's boot measurements", "vmm.elf" in labels and "system.dtb" in labels, str(labels))
    sc = chan.query_json(SOCK, "selfcheck")
    t.check("self-check: no mismatch", sc.get("mismatches") == 0 and sc.get("runs", 0) >= 1)


def check_live_patch(b):
    patch_dtb = os.path.join(WORK, "bump.patch.dtb")
    run(vt.VIGILCTL, "patch", "build", os.path.join(HERE, "bump.c"), "--vmm", VMM, "--at",
        hex(PATCH_AREA_BASE), "--name", "bump", "-o", patch_dtb)
    mark = len(b.lines())
    t.check("patchwatch sees 0x000100 before the patch", wait_value(b, 0, "0x000100"))
    before = snapshot()
    p = bundle("patch", "live-patch", 10, ["patch1", "patch3"], "--patch", patch_dtb)
    rc, reply = chan.send(SOCK, p)
    t.check("live patch (2 of 3 patch keys) applied", rc == 0 and reply.get("status") == 0, str(reply)[:300])
    t.check("the guest sees the patched value without a reboot", wait_value(b, mark, "0x000101"))
    beats = [n for n, _ in watch_values(b, 0)]
    t.check("patchwatch never stopped (consecutive beats)", beats == list(range(beats[0], beats[0] + len(beats))))
    t.check("patchwatch was not restarted", len(re.findall(r"^vigil: guest patchwatch (started|restarted)",
                                                           b.text(), re.M)) == 1)
    after = snapshot()
    t.check("measurements log the patch; the code digest moved", after[1] == before[1] + 1 and after[0] != before[0])
    sc = chan.query_json(SOCK, "selfcheck")
    t.check("self-check accepts the patched code", sc.get("mismatches") == 0 and
            sc.get("expected-sha256") == reply.get("text-sha256"))
    if "pause-tsc" in reply:
        print("info: live-patch pause %s TSC ticks" % reply["pause-tsc"])
    return before


def check_revert(b, before_patch):
    mark = len(b.lines())
    r = bundle("revert", "patch-revert", 11, ["patch2", "patch3"], "--name", "bump")
    rc, reply = chan.send(SOCK, r)
    t.check("revert (2 of 3 patch keys) applied", rc == 0, str(reply)[:300])
    t.check("the guest sees the original value again", wait_value(b, mark, "0x000100"))
    after = snapshot()
    t.check("the revert restores the boot code digest, logged", after[0] == before_patch[0] and after[1] == before_patch[1] + 2,
            "digest %s, at boot %s; %d runtime entries, want %d" % (str(after[0])[:16], str(before_patch[0])[:16],
                                                                   after[1], before_patch[1] + 2))


def check_refusals(b):
    before = snapshot()
    refused("unsigned", bundle("unsigned", "patch-revert", 20, [], "--name", "x"), 32, before)
    good = bundle("good", "patch-revert", 20, ["patch1", "patch2"], "--name", "nothing-live")
    other = bundle("other", "patch-revert", 21, ["patch1", "patch2"], "--name", "other")
    with open(good, "rb") as f:
        g = f.read()
    with open(other, "rb") as f:
        o = f.read()
    glen = struct.unpack("<I", g[8:12])[0]
    olen = struct.unpack("<I", o[8:12])[0]
    # good's payload with other's signatures (lengths agree: both 2 entries)
    swapped = g[:16 + glen] + o[16 + olen:]
    refused("bad signature", swapped, 34, before)
    refused("key outside the config", bundle("outsider", "patch-revert", 20, ["outsider"], "--name", "x"), 36, before)
    refused("operator key on a patch bundle", bundle("oprole", "patch-revert", 20, ["operator"], "--name", "x"), 38, before)
    refused("1 of 2 patch signers", bundle("few", "patch-revert", 20, ["patch1"], "--name", "x"), 35, before)
    one = bundle("one", "patch-revert", 20, ["patch1"], "--name", "x")
    with open(one, "rb") as f:
        d = f.read()
    plen, slen = struct.unpack("<II", d[8:16])
    sig = d[16 + plen:]
    dup = sig[:8] + struct.pack("<I", 2) + sig[12:16] + sig[16:144] + sig[16:144]
    refused("one signature repeated to reach 2 (malformed: a key id twice)",
            d[:12] + struct.pack("<I", len(dup)) + d[16:16 + plen] + dup, 33, before)
    refused("replay of the last accepted bundle", os.path.join(WORK, "revert.bundle"), 40, before)
    refused("an older accepted bundle (rollback)", os.path.join(WORK, "patch.bundle"), 41, before)
    refused("lower sequence", bundle("lower", "patch-revert", 5, ["patch1", "patch2"], "--name", "x"), 41, before)
    refused("wrong build-id", bundle("bid", "patch-revert", 20, ["patch1", "patch2"], "--name", "x",
                                     build_id="00" * 20), 39, before)
    refused("truncated", g[:len(g) - 7], 17, before)
    refused("trailing bytes", g + b"\0\0\0\0", 19, before)
    junk = b"\xd0\x0d\xfe\xed" + bytes(60)
    refused("malformed payload", b"VGBNDL01" + struct.pack("<II", len(junk), 0) + junk, 16, before)
    return g


def check_sequence_untouched(b):
    """No refusal moved the patch role's sequence: 12 and 13 (just above the
    last accepted, 11) are accepted, in order."""
    patch_dtb = os.path.join(WORK, "bump.patch.dtb")
    rc1, r1 = chan.send(SOCK, bundle("patch12", "live-patch", 12, ["patch2", "patch1"], "--patch", patch_dtb))
    rc2, r2 = chan.send(SOCK, bundle("revert13", "patch-revert", 13, ["patch3", "patch1"], "--name", "bump"))
    t.check("refusals left the sequence at 11: 12 and 13 are accepted", rc1 == 0 and rc2 == 0,
            "%s / %s" % (str(r1)[:120], str(r2)[:120]))


def check_failed_apply_consumes_sequence():
    """A verified bundle that cannot be applied (a revert of a patch that is
    not live) still consumes its sequence number: sent again, it is a
    replay, and the next number is what is accepted next."""
    before = snapshot()
    noop = bundle("noop14", "patch-revert", 14, ["patch1", "patch2"], "--name", "nothing-live")
    rc, reply = chan.send(SOCK, noop)
    t.check("a verified bundle that cannot apply is refused (error 48) and changes nothing",
            rc != 0 and reply.get("error") == 48 and snapshot() == before, str(reply)[:200])
    refused("the same bundle sent again: its sequence was consumed (replay)", noop, 40, before)


def check_bit_flips(good, before):
    """50 random bit positions of a bundle, each sent in a correct frame."""
    rng = random.Random(0x5eed)
    outcomes = []
    for i in range(50):
        pos = rng.randrange(len(good) * 8)
        bad = bytearray(good)
        bad[pos // 8] ^= 1 << (pos % 8)
        c = chan.Conn(SOCK)
        c.send(chan.frame(chan.REQ_BUNDLE, bytes(bad), id_=100 + i))
        r = c.recv_frame(timeout=30)
        c.close()
        props = chan.dtb_props(r[2]) if r else {}
        outcomes.append(r is not None and r[1] == 100 + i and props.get("status", 0) < 0 and props.get("error", 0) != 0)
    t.check("50 random bit flips in a bundle: each refused with an error code", all(outcomes),
            "%d of 50" % sum(outcomes))
    t.check("bit flips changed nothing", snapshot() == before)


def check_framing(before):
    c = chan.Conn(SOCK)
    c.send(os.urandom(300).replace(b"VG", b"vg") + chan.frame(chan.REQ_VERSION, id_=7))
    r = c.recv_frame()
    t.check("garbage, then a request: answered", r is not None and r[0] == chan.REQ_VERSION | 0x80 and r[1] == 7)
    f = bytearray(chan.frame(chan.REQ_VERSION, id_=8))
    f[len(f) - 1] ^= 0x40
    c.send(bytes(f))
    r = c.recv_frame()
    t.check("a flipped frame CRC: refused (error 4)", r is not None and chan.dtb_props(r[2]).get("error") == 4)
    big = b"VG" + struct.pack("<BBHI", 1, chan.REQ_BUNDLE, 9, 1 << 30)
    c.send(big + struct.pack("<I", __import__("zlib").crc32(big)))
    r = c.recv_frame()
    t.check("an oversized frame: refused from its header (error 3)",
            r is not None and chan.dtb_props(r[2]).get("error") == 3)
    with open(os.path.join(WORK, "good.bundle"), "rb") as f:
        c.send(chan.frame(chan.REQ_BUNDLE, f.read(), id_=10)[:40])
    r = c.recv_frame(timeout=15)
    t.check("a half frame: dropped after the timeout (error 5)",
            r is not None and chan.dtb_props(r[2]).get("error") == 5)
    c.close()
    c = chan.Conn(SOCK)
    c.send(chan.frame(chan.REQ_BUNDLE, open(os.path.join(WORK, "good.bundle"), "rb").read(), id_=11)[:200])
    c.close()  # the connection drops mid-upload
    time.sleep(3)
    c = chan.Conn(SOCK)
    c.send(chan.frame(chan.REQ_SELFCHECK, id_=12))
    r = c.recv_frame()
    c.close()
    t.check("after a dropped upload the channel answers", r is not None and r[1] in (11, 12))
    t.check("framing errors changed nothing", snapshot() == before)


def log_bytes(b):
    """The raw serial log (escape sequences and all) as it is now."""
    with open(b.log, "rb") as f:
        return f.read()


FORGED = "\nvigil: forged line\x1b[2J"          # the kind an attacker sends
FORGED_SEEN = "\\x0avigil: forged line\\x1b[2J"  # how it must appear


def forged_bundle():
    """An unsigned bundle whose kind is FORGED: decoding stops at the kind."""
    dts = os.path.join(WORK, "forged.dts")
    with open(dts, "w") as f:
        f.write('/dts-v1/;\n/ {\n\tcompatible = "vigil,bundle-v1";\n\trole = "operator";\n'
                '\tbuild-id = [%s];\n\tsequence = <0x0 0x63>;\n\tkind = "%s";\n'
                '\tcontrol { guest = "ticker"; action = "stop"; };\n};\n'
                % (" ".join(["00"] * 20), FORGED.replace("\n", "\\n").replace("\x1b", "\\x1b")))
    payload = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", dts], capture_output=True,
                             check=True).stdout
    path = os.path.join(WORK, "forged.bundle")
    with open(path, "wb") as f:
        f.write(b"VGBNDL01" + struct.pack("<II", len(payload), 0) + payload)
    return path


def no_forgery(text):
    """No line starting with the forged text, no raw ESC byte."""
    return not re.search(r"(^|[\r\n])vigil: forged", text) and "\x1b" not in text


def check_console_forgery(b, before):
    """The forged kind reaches the console, the audit log and vigilctl
    escaped, and the bundle changes nothing."""
    mark = len(log_bytes(b))
    path = forged_bundle()
    r = chan.vigilctl("send", path, "--socket", SOCK)
    # (vigilctl exits 2, not 1, for a refusal whose status is -EBADMSG: see query.c)
    t.check("forged kind: refused as malformed (error 16)", r.returncode != 0 and "error: 16" in r.stdout,
            (r.stdout + r.stderr)[:300])
    t.check("forged kind: vigilctl prints it escaped", FORGED_SEEN in r.stdout and no_forgery(r.stdout),
            repr(r.stdout[:300]))
    seen = re.compile(r"^vigil: bundle refused: malformed payload: /: unknown kind '(.*)'$", re.M)
    end = time.monotonic() + 30
    while True:  # the console after the send only: earlier bit flips made "unknown kind" lines too
        new = log_bytes(b)[mark:].decode("latin-1")
        line = seen.search(vt.clean(new))
        if line or time.monotonic() > end:
            break
        time.sleep(0.2)
    t.check("forged kind: the console shows it escaped on the VMM's own line",
            line is not None and line.group(1) == FORGED_SEEN, repr(new[:300]))
    t.check("forged kind: no console line starts with the forged text, no raw ESC byte", no_forgery(new),
            repr(new[:300]))
    entries = list(chan.query_json(SOCK, "audit").get("audit", {}).values())
    last = [e for e in entries if e.get("request") == chan.REQ_BUNDLE][-1:]
    t.check("forged kind: the audit entry shows it escaped",
            bool(last) and FORGED_SEEN in last[0].get("reason", "") and no_forgery(last[0]["reason"]),
            str(last)[:300])
    a = chan.vigilctl("audit", "--socket", SOCK)
    t.check("forged kind: vigilctl audit prints it escaped", a.returncode == 0 and FORGED_SEEN in a.stdout and
            no_forgery(a.stdout))
    t.check("forged kind: changed nothing", snapshot() == before)


def check_unknown_types(before):
    """Request types outside the protocol: error 6, type 0xFF, nothing run."""
    outcomes = []
    for i, typ in enumerate((0x00, 0x0a, 0x11, 0x7f, 0x85, 0xfe)):
        c = chan.Conn(SOCK)
        c.send(chan.frame(typ, id_=200 + i))
        r = c.recv_frame(timeout=30)
        c.close()
        props = chan.dtb_props(r[2]) if r else {}
        outcomes.append(r is not None and r[0] == 0xFF and r[1] == 200 + i and props.get("error") == 6 and
                        props.get("status") == -95)
        if not outcomes[-1]:
            print("info: type 0x%02x: %s %s" % (typ, r and r[:2], props))
    t.check("unknown request types: each refused (error 6, -EOPNOTSUPP), answered as 0xFF", all(outcomes),
            "%d of %d" % (sum(outcomes), len(outcomes)))
    audit = chan.query_json(SOCK, "audit").get("audit", {}).values()
    t.check("unknown request types: audited as refused (each, or folded into the entry before as a repeat)",
            sum(1 + e.get("repeats", 0) for e in audit if e.get("error") == 6) >= len(outcomes))
    t.check("unknown request types: changed nothing", snapshot() == before)


def wait_beat_after(b, guest, regex, timeout=60):
    """A beat of guest after the first line matching regex."""
    beat = re.compile(r"^\[%s\] beat \d+" % re.escape(guest))
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        lines = b.lines()
        start = next((i for i, l in enumerate(lines) if re.match(regex, l)), None)
        if start is not None and any(beat.match(l) for l in lines[start + 1:]):
            return True
        time.sleep(0.5)
    return False


def check_guest_control(b):
    """On a running guest that beats (P["control"]): stop, start, a policy
    that widens, one that tightens; then restart npt-probe."""
    g = P["control"]
    rc, _ = chan.send(SOCK, bundle("stop", "guest-control", 30, ["operator"], "--guest", g, "--action", "stop"))
    inv = chan.query_json(SOCK, "inventory")["guests"]
    t.check("operator stops a running guest", rc == 0 and inv[g]["state"] == "stopped", g)
    rc, _ = chan.send(SOCK, bundle("start", "guest-control", 31, ["operator"], "--guest", g, "--action", "start"))
    t.check("operator starts it again", rc == 0 and b.wait_for(r"^vigil: guest %s resumed$" % g, timeout=30))
    rc, _ = chan.send(SOCK, bundle("restart", "guest-control", 32, ["operator"], "--guest", "npt-probe",
                                   "--action", "restart"))
    t.check("operator restarts npt-probe from its image",
            rc == 0 and b.wait_for(r"^vigil: guest npt-probe restarted on cpu %d \(boot 2\)$" % P["restart_cpu"],
                                   timeout=30))
    # npt-probe left x87/SSE, XCR0, debug registers and SYSCALL MSRs changed
    # in its first boot (tests/guests/npt-probe/state.c).
    states = []
    for _ in range(120):
        states = [l for l in b.lines() if l.startswith("[npt-probe] npt-probe: cpu state at start:")]
        if len(states) >= 2:
            break
        time.sleep(0.5)
    t.check("both boots of npt-probe start from the CPU's reset state",
            len(states) == 2 and all(l.endswith(": clean") for l in states), "; ".join(states))
    before = snapshot()
    refused("a policy that widens (io 0x80)", bundle("widen", "policy", 33, ["operator"], "--guest", g,
                                                     "--io-allow", "0x80:1", "--msr-allow", ""), 48, before)
    rc, reply = chan.send(SOCK, bundle("tighten", "policy", 34, ["operator"], "--guest", g, "--io-allow", "",
                                       "--msr-allow", ""))
    t.check("a policy that does not widen is applied", rc == 0, str(reply)[:300])
    t.check("the guest stopped and started beats after all of it", wait_beat_after(b, g, r"^vigil: guest %s resumed$" % g))


def cr_exits(name):
    g = chan.query_json(SOCK, "inventory")["guests"].get(name, {})
    return g.get("state"), int(g.get("exits", {}).get("cr-access", 0))


def check_exit_path(b):
    """VMX: a guest that only exits on MOV CR8 passes the safe point at
    every exit like any other (the live patch before this needed every CPU
    at a rendezvous): its exits are counted, stop parks it (the count
    freezes), start resumes it."""
    _, first = cr_exits("cr8-spin")
    time.sleep(2)
    _, second = cr_exits("cr8-spin")
    t.check("cr8-spin's CR exits are counted in the inventory", 0 < first < second, "%d then %d" % (first, second))
    rc, _ = chan.send(SOCK, bundle("stop-spin", "guest-control", 28, ["operator"], "--guest", "cr8-spin",
                                   "--action", "stop"))
    time.sleep(1)
    state, stopped = cr_exits("cr8-spin")
    time.sleep(3)
    _, later = cr_exits("cr8-spin")
    t.check("stop parks a guest that loops on CR8 exits", rc == 0 and state == "stopped" and stopped == later,
            "rc %d, %s, %d then %d exits" % (rc, state, stopped, later))
    rc, _ = chan.send(SOCK, bundle("start-spin", "guest-control", 29, ["operator"], "--guest", "cr8-spin",
                                   "--action", "start"))
    time.sleep(2)
    state, resumed = cr_exits("cr8-spin")
    t.check("start resumes it", rc == 0 and state == "running" and resumed > later,
            "rc %d, %s, %d exits" % (rc, state, resumed))


WATCHDOG_LINE = r"^vigil: watchdog: cpu %d \(guest patchwatch\) STUCK: 3 kicks unanswered, " \
    r"last answer (\d+) ms ago, last exit hypercall \(stuck 1 times since boot\)$"


# One CPU more than the VMM's and the guests': it is parked (MWAIT on
# Bochs, HLT on QEMU's qemu64), and every live patch's rendezvous wakes it.
CPUS = 6 if VENDOR == "svm" else 5


def watchdog_cpus():
    return chan.query_json(SOCK, "inventory").get("cpus", {})


def wedge_patch(cpu):
    """tests/channel/wedge.c built for CPU cpu with the VMM's own flags."""
    flags = subprocess.run(["make", "-s", "--no-print-directory", "print-VMM_CFLAGS"], cwd=vt.ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()
    out = os.path.join(WORK, "wedge.patch.dtb")
    run(vt.VIGILCTL, "patch", "build", os.path.join(HERE, "wedge.c"), "--vmm", VMM, "--at",
        hex(PATCH_AREA_BASE), "--name", "wedge", "--cflags", "%s -DWEDGE_CPU=%d" % (flags, cpu), "-o", out)
    return out


def others_run(b):
    """The guests on the other CPUs go on: on SVM the ticker beats again;
    on VMX cr8-spin's CR exits keep growing."""
    if VENDOR == "svm":
        beats = lambda: sum(1 for l in b.lines() if re.match(r"^\[ticker\] beat \d+", l))  # noqa: E731
        before, end = beats(), time.monotonic() + 60
        while beats() == before and time.monotonic() < end:
            time.sleep(0.5)
        return beats() > before
    _, first = cr_exits("cr8-spin")
    time.sleep(2)
    _, second = cr_exits("cr8-spin")
    return first < second


def check_watchdog(b):
    """No false report in the whole boot; then a wedged CPU is reported."""
    cpus = watchdog_cpus()
    t.check("watchdog: no report in the boot so far (stopped, parked, restarted guests; idle CPUs)",
            not b.has(r"^vigil: watchdog:"), "\n".join(l for l in b.lines() if "watchdog" in l)[:300])
    t.check("watchdog: the inventory shows every guest CPU answering, never stuck",
            cpus and all(c.get("watchdog") == "answering" and c.get("stuck-count") == 0 for c in cpus.values()) and
            {c.get("guest") for c in cpus.values()} >= P["guests"], str(cpus)[:400])
    host = chan.query_json(SOCK, "inventory").get("host", {})
    t.check("inventory: the CPUs counted, one of them parked (no guest owns it) and not listed",
            (host.get("cpus-firmware"), host.get("cpus-used"), host.get("cpus-not-started")) == (CPUS, CPUS, 0) and
            host.get("cpus-parked") == CPUS - 1 - len(cpus) == 1, "%s; %d guest CPUs listed" % (host, len(cpus)))
    cpu = next((int(n.split("@")[1]) for n, c in cpus.items() if c.get("guest") == "patchwatch"), None)
    if cpu is None:
        return
    rc, reply = chan.send(SOCK, bundle("wedge", "live-patch", 15, ["patch1", "patch2"], "--patch", wedge_patch(cpu)))
    t.check("watchdog: a signed test live patch wedges patchwatch's exit path", rc == 0, str(reply)[:300])
    seen = b.wait_for(WATCHDOG_LINE % cpu, timeout=60)
    t.check("watchdog: the console reports the stuck CPU, its guest, its last answer and exit", seen)
    inv = chan.query_json(SOCK, "inventory")
    mine, rest = inv.get("cpus", {}).get("cpu@%d" % cpu, {}), \
        [c for n, c in inv.get("cpus", {}).items() if n != "cpu@%d" % cpu]
    t.check("watchdog: the inventory shows the CPU stuck (count 1, no answer for 3 s) and its guest stuck",
            mine.get("watchdog") == "stuck" and mine.get("stuck-count") == 1 and
            mine.get("answer-age-ms", 0) >= 3000 and mine.get("last-exit") == "hypercall" and
            inv.get("guests", {}).get("patchwatch", {}).get("state") == "stuck", str(mine))
    t.check("watchdog: every other CPU answers", rest and all(c.get("watchdog") == "answering" for c in rest),
            str(rest)[:300])
    t.check("watchdog: the other guests run on", others_run(b))
    start = time.monotonic()
    rc, reply = chan.send(SOCK, bundle("unwedge", "patch-revert", 16, ["patch1", "patch2"], "--name", "wedge"))
    took = time.monotonic() - start
    t.check("watchdog: a revert is refused before its rendezvous (it would hold every guest for nothing)",
            rc != 0 and reply.get("message", "").endswith("safe point (a CPU is stuck)"),
            "%.1f s: %s" % (took, str(reply)[:200]))
    v = chan.query_json(SOCK, "version")
    t.check("watchdog: the channel still answers; the stuck CPU was reported once",
            v.get("status") == 0 and len(re.findall(WATCHDOG_LINE % cpu, b.text(), re.M)) == 1)


def main():
    global ESP, VMM
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    ESP = make_esp()
    VMM = ESP.path("vigil/vmm.elf")
    if VENDOR == "vmx":
        sys.path.insert(0, os.path.join(vt.ROOT, "tests", "vmx"))
        import bochs
        boot = bochs.Boot(make_iso(ESP), os.path.dirname(WORK), name="channel", timeout=900, cpus=CPUS, com2=SOCK)
    else:
        chanargs = ("-chardev", "socket,id=chan,path=%s,server=on,wait=off" % SOCK, "-serial", "chardev:chan")
        boot = vt.Boot(ESP.dir, name="channel", timeout=900, smp=CPUS, extra=chanargs)
    with boot as b:
        up = b.wait_for(r"^vigil: management channel on port 0x2f8 ", timeout=120) and \
            b.wait_for(r"^\[patchwatch\] beat 1 ", timeout=120)
        t.check("Vigil up with its channel", up)
        if up:
            check_queries(b)
            before_patch = check_live_patch(b)
            check_revert(b, before_patch)
            runs_after_revert = chan.query_json(SOCK, "selfcheck").get("runs", 0)
            good = check_refusals(b)
            check_sequence_untouched(b)
            check_failed_apply_consumes_sequence()
            check_bit_flips(good, snapshot())
            check_framing(snapshot())
            check_console_forgery(b, snapshot())
            check_unknown_types(snapshot())
            if VENDOR == "vmx":
                check_exit_path(b)
            check_guest_control(b)
            if VENDOR == "svm":
                update.check_guest_update(t, b, SOCK, WORK, os.path.join(KEYS, "operator.key"))
            else:
                update.check_guest_update_vmx(t, b, SOCK, WORK)
            entries = list(chan.query_json(SOCK, "audit").get("audit", {}).values())
            reasons = [e.get("reason", "") for e in entries if e.get("request") == 16 and e.get("status") == 0]
            patches = ["applied %s sequence %d" % (k, n) for k, n in
                       (("live-patch", 10), ("patch-revert", 11), ("live-patch", 12), ("patch-revert", 13))]
            seen = sum(1 + e.get("repeats", 0) for e in entries)
            t.check("the audit log recorded refusals and acceptances, and after all the garbage still "
                    "holds the first applied bundles", all(p in reasons for p in patches) and seen > 20 and
                    any(e.get("status", 0) != 0 for e in entries),
                    "applied: %s; %d requests in %d entries" % (reasons, seen, len(entries)))
            # A verified patch and its revert move the self-check's expected
            # digest (kernel/patch.c): without that move, the runs after them
            # report TAMPERING (make mutate: patch-no-rebase).
            sc = chan.query_json(SOCK, "selfcheck")
            t.check("self-check runs after the verified patch and revert found no tampering, no panic",
                    sc.get("runs", 0) > runs_after_revert and sc.get("mismatches") == 0 and
                    not b.has(r"TAMPERING|PANIC|VMM exception"),
                    "runs %s (%s after the revert), mismatches %s" % (sc.get("runs"), runs_after_revert,
                                                                      sc.get("mismatches")))
            check_watchdog(b)
    ESP.cleanup()
    t.done()


if __name__ == "__main__":
    main()
