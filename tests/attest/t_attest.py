#!/usr/bin/env python3
"""The VMM's TPM and the runtime measurement log, under QEMU + OVMF + swtpm.

Three boots of one test ESP (tests/attest/attest.dts: ticker and
patchwatch, the channel on COM2, roles made of this test's keys):

- FIFO (TIS), the interface `make run` uses. The VMM finds and opens the
  TPM; PCRs 10 and 15 hold exactly the stub's events for them (the VMM's
  own check, and the host's replay of the MEASUREMENTS reply against the
  PCR values the TPM gives); PCR 11 starts at zero. 70 signed bundles are
  then applied (more than the 64 the log once held): every one accepted,
  in the log, in order. `vigilctl eventlog` fetches the log in pages; its
  records replay to the TPM's PCR 11, by the host's own replay and by
  tpm2-tools' `tpm2_eventlog`; an edited record no longer does. A replayed
  bundle is refused and moves neither the log nor the PCR. EVENTS requests
  with a payload of the wrong size are refused; one past the end answers
  no records.
  The firmware's log comes too (FWLOG): it holds the stub's events for
  PCRs 10 and 15, as MEASUREMENTS lists them, and after them what the
  firmware logged at ExitBootServices (PCR 5); with the runtime records
  after it, the whole log replays to every quoted PCR, by the host's own
  replay, by `tpm2_checkquote -e` and by `vigilctl attest verify`, and a
  firmware event edited in it no longer does. FWLOG requests with a
  payload of the wrong size are refused; offsets at and past the end
  answer what is there.
- CRB: the same TPM behind a Command Response Buffer; the VMM says so, and
  three bundles' records replay to PCR 11.
- No TPM: the VMM says it has none and what that costs; bundles are still
  applied and logged, MEASUREMENTS says no TPM, a quote is refused, and
  FWLOG has nothing to give.
- A config with tpm = "required": refused without a TPM (no guest starts),
  run with one.
- Enrollment afterwards, on the same TPM: tpm2-tools derives the same AK,
  and credential activation against the EK proves it.
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

WORK = os.path.join(vt.WORK, "attest")
KEYS = os.path.join(WORK, "keys")
SOCK = os.path.join(WORK, "channel.sock")
RECORD = 194  # bytes of one runtime record (docs/tpm.md)
SPEC_ID = 65  # bytes of vigilctl's Spec ID event
NONCE0, NONCE1, NONCE2 = "a1b2c3d4e5f60718", "00112233445566778899aabbccddeeff", "5eed"
t = vt.Checks()


def run(*args):
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL)


def make_esp(tpm_required=False):
    os.makedirs(KEYS, exist_ok=True)
    op = os.path.join(KEYS, "operator")
    if not os.path.exists(op + ".key"):
        run(vt.VIGILCTL, "keygen", "-o", op)
    pub = os.path.join(vt.BUILD, "keys", "publisher")
    patch = os.path.join(vt.BUILD, "keys", "patch")
    run(vt.VIGILCTL, "roles-dtsi", "--role", "patch:1:%s.pub" % patch, "--role", "operator:1:%s.pub" % op,
        "--role", "publisher:1:%s.pub" % pub, "-o", os.path.join(WORK, "roles.dtsi"))
    esp = vt.EspVariant(vt.TEST_ESP)
    dts = os.path.join(HERE, "attest.dts")
    if tpm_required:  # the same config, with the TPM required
        text = open(dts).read().replace('compatible = "vigil,system-v1";',
                                        'compatible = "vigil,system-v1";\n\ttpm = "required";')
        dts = os.path.join(WORK, "required.dts")
        open(dts, "w").write(text)
    run(vt.VIGILCTL, "config", "build", dts, "-o", esp.path("vigil/system.dtb"), "-i", WORK)
    esp.sign("vigil/system.dtb", os.path.join(vt.BUILD, "keys", "platform.key"))
    return esp


def control(vmm, seq, action, guest="ticker"):
    """A signed guest-control bundle (operator); returns its path."""
    base = os.path.join(WORK, "ctl-%d" % seq)
    run(vt.VIGILCTL, "bundle", "build", "--kind", "guest-control", "--seq", seq, "--vmm", vmm, "--guest", guest,
        "--action", action, "-o", base + ".dtb")
    run(vt.VIGILCTL, "bundle", "sign", "--key", os.path.join(KEYS, "operator.key"), base + ".dtb", "-o",
        base + ".sig")
    run(vt.VIGILCTL, "bundle", "pack", base + ".dtb", base + ".sig", "-o", base + ".bundle")
    return base + ".bundle"


def hexof(v):
    """A bytes property as vigilctl --json gives it (32-bit cells) in hex."""
    return "".join("%08x" % c for c in v) if isinstance(v, list) else v


def u64(v):
    """A u64 property (two cells in vigilctl --json)."""
    return v[0] << 32 | v[1] if isinstance(v, list) and len(v) == 2 else v


def measurements():
    """MEASUREMENTS, with its PCR values in hex and its count a number."""
    m = chan.query_json(SOCK, "measurements")
    tpm = m.get("tpm", {})
    for k in ("pcr10", "pcr11", "pcr15"):
        if k in tpm:
            tpm[k] = hexof(tpm[k])
    if "runtime-count" in m:
        m["runtime-count"] = u64(m["runtime-count"])
    for e in m.get("runtime", {}).values():
        e["sequence"] = u64(e.get("sequence"))
    for e in m.get("boot", {}).values():
        e["sha256"] = hexof(e.get("sha256"))
    return m


def eventlog(name):
    """vigilctl eventlog: (exit code, the PCR 11 value it printed, the file)."""
    path = os.path.join(WORK, name)
    r = chan.vigilctl("eventlog", "-o", path, "--socket", SOCK)
    m = re.search(r"PCR 11 replays to ([0-9a-f]{64})", r.stdout)
    return r.returncode, m.group(1) if m else None, path


def host_replay(path):
    """The host's own reading of a log file: the records after the Spec ID
    event, their digests replayed from zero, and their indices."""
    data = open(path, "rb").read()[SPEC_ID:]
    digests, indices = [], []
    for off in range(0, len(data) - RECORD + 1, RECORD):
        pcr, etype, count, alg = struct.unpack_from("<IIIH", data, off)
        digest = data[off + 14:off + 46]
        event = data[off + 50:off + RECORD]
        ok = pcr == 11 and etype == 6 and count == 1 and alg == 0x0b and hashlib.sha256(event).digest() == digest
        digests.append(digest.hex() if ok else "00" * 32)
        indices.append(struct.unpack_from("<Q", data, off + 58)[0])
    return vt.pcr_replay(digests), indices, len(data) % RECORD == 0


def log_events(data):
    """The test's own reading of a crypto-agile TCG log: a list of events
    (offset, pcr, type, SHA-256 digest, data), the header left out."""
    size = struct.unpack_from("<I", data, 28)[0]
    spec = data[32:32 + size]
    assert spec[:16] == b"Spec ID Event03\0", "no Spec ID event"
    n = struct.unpack_from("<I", spec, 24)[0]
    sizes = dict(struct.unpack_from("<HH", spec, 28 + 4 * i) for i in range(n))
    off, events = 32 + size, []
    while off < len(data):
        pcr, etype, count = struct.unpack_from("<III", data, off)
        o, digests = off + 12, {}
        for _ in range(count):
            alg = struct.unpack_from("<H", data, o)[0]
            digests[alg] = data[o + 2:o + 2 + sizes[alg]]
            o += 2 + sizes[alg]
        esize = struct.unpack_from("<I", data, o)[0]
        events.append({"off": off, "pcr": pcr, "type": etype, "sha256": digests.get(0x0b),
                       "data": data[o + 4:o + 4 + esize]})
        off = o + 4 + esize
    return events


def log_replay(events):
    """Every PCR the events extend, replayed from zero (PCR 0 from the
    StartupLocality event's locality), as hex."""
    pcrs = {}
    for e in events:
        if e["type"] == 3:  # EV_NO_ACTION
            if e["pcr"] == 0 and e["data"][:16] == b"StartupLocality\0":
                pcrs[0] = bytes(31) + e["data"][16:17]
            continue
        pcrs[e["pcr"]] = hashlib.sha256(pcrs.get(e["pcr"], bytes(32)) + e["sha256"]).digest()
    return {p: v.hex() for p, v in pcrs.items()}


def tpm2_eventlog_pcr11(path):
    """PCR 11's SHA-256 value as tpm2_eventlog replays the file, or None."""
    r = subprocess.run(["tpm2_eventlog", path], capture_output=True, text=True)
    if r.returncode:
        return None
    m = re.search(r"^pcrs:\s*\n\s+sha256:\s*\n(?:\s+\d+\s*:.*\n)*?\s+11\s*:\s*0x([0-9A-Fa-f]{64})", r.stdout, re.M)
    return m.group(1).lower() if m else None


def attest(name, nonce):
    """vigilctl attest: (exit code, the quote's directory)."""
    d = os.path.join(WORK, name)
    r = chan.vigilctl("attest", "--nonce", nonce, "-o", d, "--socket", SOCK)
    if r.returncode:
        print("vigilctl attest: %s" % (r.stdout + r.stderr).strip()[:400])
    return r.returncode, d


def checkquote(d, nonce, log=False):
    """tpm2_checkquote on a quote directory: whether it accepts it; with
    log, also whether the event log replays to every quoted PCR (-e)."""
    r = subprocess.run(["tpm2_checkquote", "-u", d + "/ak.pub", "-m", d + "/quote.msg", "-s", d + "/quote.sig",
                        "-f", d + "/pcrs.bin", "-g", "sha256", "-q", nonce] +
                       (["-e", d + "/eventlog.bin"] if log else []),
                       capture_output=True, text=True)
    return r.returncode == 0


def verify(d, nonce, ak=None):
    """vigilctl attest verify: (exit code, its output)."""
    r = chan.vigilctl("attest", "verify", "--nonce", nonce, *(["--ak", ak] if ak else []), d)
    return r.returncode, (r.stdout + r.stderr).strip()


def copy_quote(src, name, **replace):
    """A copy of a quote directory with some files replaced (name: bytes)."""
    d = os.path.join(WORK, name)
    shutil.copytree(src, d)
    for f, data in replace.items():
        open(os.path.join(d, f.replace("_", ".")), "wb").write(data)
    return d


PCRS_AT = 4 + 16 * 8 + 4  # the first list's digests in pcrs.bin (tpm2-tools' serialized form)


def pcr_offset(pcr):
    """Where a PCR's value lies in pcrs.bin: 8 digests (2 + 64 bytes each) in
    the first list, 3 in the second."""
    i = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 15].index(pcr)
    return PCRS_AT + (i // 8) * (4 + 8 * 66) + 4 + (i % 8) * 66 + 2


def quote_pcr(d, pcr):
    """A PCR's value in a quote directory's pcrs.bin."""
    return open(os.path.join(d, "pcrs.bin"), "rb").read()[pcr_offset(pcr):pcr_offset(pcr) + 32].hex()


def events_request(payload, type_=0x07):
    """A raw EVENTS (or other) request: (type, status, error, count, total)
    of its reply."""
    c = chan.Conn(SOCK)
    try:
        c.send(chan.frame(type_, payload))
        got = c.recv_frame()
    finally:
        c.close()
    if not got:
        return None
    props = chan.dtb_props(got[2])
    out = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-"], input=got[2], capture_output=True).stdout
    count = re.search(rb"^\tcount = <(0x[0-9a-f]+)>;", out, re.M)
    total = re.search(rb"^\ttotal = <(0x[0-9a-f]+) (0x[0-9a-f]+)>;", out, re.M)
    return (got[0], props.get("status"), props.get("error"), int(count.group(1), 16) if count else None,
            (int(total.group(1), 16) << 32 | int(total.group(2), 16)) if total else None)


def fwlog_request(payload):
    """A raw FWLOG request: (type, status, error, offset, total, partial,
    bytes) of its reply."""
    c = chan.Conn(SOCK)
    try:
        c.send(chan.frame(0x09, payload))
        got = c.recv_frame()
    finally:
        c.close()
    if not got:
        return None
    props = chan.dtb_props(got[2])
    out = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-"], input=got[2],
                         capture_output=True).stdout.decode()

    def cells(name):
        m = re.search(r"^\t%s = <([^>]*)>;" % name, out, re.M)
        return [int(c, 16) for c in m.group(1).split()] if m else None
    off, total, part = cells("offset"), cells("total"), cells("partial")
    m = re.search(r"^\tbytes(?: = \[([0-9a-f ]*)\])?;", out, re.M)
    data = bytes.fromhex(m.group(1) or "") if m else None
    return (got[0], props.get("status"), props.get("error"), off and (off[0] << 32 | off[1]),
            total and total[0], part and part[0], data)


def check_firmware_log(b, m, q1, nonce, pcr11):
    """The whole log of a quote: the firmware's, holding the stub's events
    and the exit's, then the runtime records; every quoted PCR replays."""
    stub = b.has(r"^vigil-stub: firmware event log: (\d+) bytes$")
    vmm = b.has(r"^vigil: TPM: the firmware's event log, (\d+) bytes, served as FWLOG$")
    data = open(os.path.join(q1, "eventlog.bin"), "rb").read()
    events = log_events(data)
    fw = [e for e in events if e["pcr"] != 11]
    first = fwlog_request(struct.pack("<Q", 0))
    total = first[4] if first else None
    t.check("tis: the stub copies the firmware's log, the VMM serves it with the exit's events after it",
            stub and vmm and int(vmm.group(1)) > int(stub.group(1)) and total == int(vmm.group(1)) and
            first[5] == 0 and data[:len(first[6])] == first[6],
            "stub %s, VMM %s, FWLOG %s" % (stub and stub.group(1), vmm and vmm.group(1), first and first[3:6]))
    boot_entries = list(m.get("boot", {}).values())
    for pcr in (10, 15):
        want = [(e["label"], e["sha256"]) for e in boot_entries if e.get("pcr") == pcr and e.get("flags", 0) & 1]
        got = [(e["data"][8:].decode(errors="replace"), e["sha256"].hex()) for e in fw
               if e["pcr"] == pcr and e["type"] == 6 and e["data"][:4] == b"LGIV"]
        t.check("tis: the firmware's log holds the stub's %d events for PCR %d, as MEASUREMENTS lists them"
                % (len(want), pcr), want and got == want, "%s vs %s" % (got, want))
    exits = [i for i, e in enumerate(fw) if e["pcr"] == 5 and e["data"].startswith(b"Exit Boot Services")]
    stub_last = max(i for i, e in enumerate(fw) if e["pcr"] in (10, 15))
    t.check("tis: the firmware's log ends with its ExitBootServices events (PCR 5), after the stub's",
            len(exits) == 2 and exits[0] > stub_last and exits[-1] == len(fw) - 1,
            str([fw[i]["data"] for i in exits]))
    replay = log_replay(events)
    quoted = {p: quote_pcr(q1, p) for p in (0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 15)}
    t.check("tis: the whole log replays to every quoted PCR (the host's own replay, tpm2_checkquote -e)",
            all(replay.get(p, "00" * 32) == v for p, v in quoted.items()) and quoted[11] == pcr11 and
            checkquote(q1, nonce, log=True),
            str([p for p, v in quoted.items() if replay.get(p, "00" * 32) != v]))
    pcr4 = next(e for e in fw if e["pcr"] == 4 and e["sha256"])
    edited = bytearray(data)
    at = data.index(pcr4["sha256"], pcr4["off"])
    edited[at] ^= 1
    d = copy_quote(q1, "q1-fw-edited", eventlog_bin=bytes(edited))
    ok, out = verify(d, nonce)
    t.check("tis: a firmware event edited in the log is rejected (tpm2_checkquote -e and vigilctl)",
            not checkquote(d, nonce, log=True) and ok == 1 and "does not replay to the quoted PCR 4" in out, out)
    bad = [fwlog_request(p) for p in (b"", b"\0" * 7, b"\0" * 9)]
    t.check("tis: FWLOG with a payload other than 8 bytes is refused (BAD_REQUEST)",
            all(r and r[0] == 0x89 and r[1] == -22 and r[2] == 7 for r in bad), str([r and r[:3] for r in bad]))
    last = fwlog_request(struct.pack("<Q", total - 1)) if total else None
    past = [fwlog_request(struct.pack("<Q", o)) for o in (total or 0, (1 << 64) - 1, 1 << 32)]
    t.check("tis: FWLOG at the last byte gives it; at or past the end, nothing and the true total",
            last and last[1] == 0 and last[6] == data[total - 1:total] and
            all(r and r[1] == 0 and r[4] == total and r[6] == b"" for r in past),
            str([r and r[:6] for r in [last] + past]))


def boot(esp, name, tpm, timeout=600):
    """One boot; the TPM's state is kept across boots (one TPM, one AK)."""
    chanargs = ("-chardev", "socket,id=chan,path=%s,server=on,wait=off" % SOCK, "-serial", "chardev:chan")
    return vt.Boot(esp.dir, name=name, timeout=timeout, smp=3, tpm=tpm, tpm_state=os.path.join(WORK, "tpm") if tpm else None,
                   extra=chanargs)


def check_boot_pcrs(b, iface):
    t.check("%s: the VMM opens the TPM at 0xfed40000" % iface,
            b.wait_for(r'^vigil: TPM: TPM 2\.0 by "IBM" \([0-9a-f]{4}:[0-9a-f]{4}\), %s at 0xfed40000, locality 0$'
                       % re.escape(iface), timeout=120))
    ok = [b.wait_for(r"^vigil: TPM: PCR %d matches the %s boot events for it$" % (p, n), timeout=10)
          for p, n in ((10, r"[1-9]\d*"), (15, r"[1-9]\d*"), (11, "0"))]
    t.check("%s: the VMM finds PCRs 10 and 15 holding the stub's events, PCR 11 zero" % iface, all(ok),
            str(ok))


def check_host_replays_boot(m, iface):
    boot_entries = m.get("boot", {}).values()
    tpm = m.get("tpm", {})
    for pcr in (10, 15):
        want = vt.pcr_replay([e["sha256"] for e in boot_entries if e.get("pcr") == pcr and e.get("flags", 0) & 1])
        t.check("%s: PCR %d as the TPM gives it is the replay of the boot measurements" % (iface, pcr),
                tpm.get("pcr%d" % pcr) == want, "%s vs %s" % (tpm.get("pcr%d" % pcr), want))


def check_log_replays(m, iface, n):
    rc, printed, path = eventlog("%s.log" % iface)
    pcr11 = m.get("tpm", {}).get("pcr11")
    mine, indices, whole = host_replay(path)
    t.check("%s: vigilctl eventlog fetches all %d records, in order" % (iface, n),
            rc == 0 and whole and indices == list(range(1, n + 1)), "rc %d, %d records" % (rc, len(indices)))
    t.check("%s: the records replay to the TPM's PCR 11 (vigilctl, the host's own replay, tpm2_eventlog)" % iface,
            pcr11 is not None and printed == pcr11 and mine == pcr11 and tpm2_eventlog_pcr11(path) == pcr11,
            "TPM %s, vigilctl %s, host %s, tpm2_eventlog %s" % (pcr11, printed, mine, tpm2_eventlog_pcr11(path)))
    return path, pcr11


def tis_boot(esp, vmm):
    with boot(esp, "attest-tis", True) as b:
        up = b.wait_for(r"^vigil: management channel on port 0x2f8 ", timeout=120)
        check_boot_pcrs(b, "FIFO (TIS)")
        t.check("tis: Vigil up with its channel and guests",
                up and b.wait_for(r"^\[ticker\] beat 1\b", timeout=120), "")
        if not up:
            return
        m = measurements()
        check_host_replays_boot(m, "tis")
        t.check("tis: MEASUREMENTS says a FIFO TPM, PCR 11 as the runtime PCR, zero records",
                m.get("tpm", {}).get("present") == 1 and m["tpm"].get("interface") == "tis" and
                m["tpm"].get("runtime-pcr") == 11 and m.get("runtime-count") == 0 and
                m["tpm"].get("pcr11") == "00" * 32, str(m.get("tpm")))

        t.check("tis: the VMM makes its attestation key",
                b.has(r"^vigil: TPM: attestation key ECC P-256 from the endorsement hierarchy, handle 0x8[0-9a-f]{7}, "
                      r"in \d+ ms$"))
        rc, q0 = attest("q0", NONCE0)
        t.check("tis: a quote after boot verifies with tpm2_checkquote and with vigilctl attest verify",
                rc == 0 and checkquote(q0, NONCE0) and verify(q0, NONCE0)[0] == 0, "rc %d, %s" % (rc, verify(q0, NONCE0)))
        t.check("tis: the quoted PCRs 10, 11, 15 are the TPM's (MEASUREMENTS) and PCR 11 is zero",
                all(quote_pcr(q0, p) == m["tpm"].get("pcr%d" % p) for p in (10, 11, 15)) and
                quote_pcr(q0, 11) == "00" * 32)
        t.check("tis: the quote with another nonce is rejected (tpm2_checkquote and vigilctl)",
                not checkquote(q0, NONCE1) and verify(q0, NONCE1)[0] == 1, verify(q0, NONCE1)[1])

        n = 70
        codes = [chan.send(SOCK, control(vmm, s, "stop" if s % 2 else "start"))[0] for s in range(1, n + 1)]
        t.check("tis: %d signed bundles in one boot, every one applied" % n, codes == [0] * n,
                "exit codes %s" % sorted(set(codes)))
        m = measurements()
        runtime = m.get("runtime", {})
        seqs = [e.get("sequence") for e in runtime.values()]
        t.check("tis: MEASUREMENTS counts %d changes and lists the newest 64, in order" % n,
                m.get("runtime-count") == n and len(runtime) == 64 and seqs == list(range(n - 63, n + 1)) and
                all(e.get("guest") == "ticker" and e.get("kind") == "guest-control" for e in runtime.values()),
                "count %s, %d listed, sequences %s..%s" % (m.get("runtime-count"), len(runtime),
                                                           seqs[:1], seqs[-1:]))
        path, pcr11 = check_log_replays(m, "tis", n)
        rc, q1 = attest("q1", NONCE1)
        ok, out = verify(q1, NONCE1)
        t.check("tis: a quote after %d bundles verifies (tpm2_checkquote; vigilctl: the %d records replay to the "
                "quoted PCR 11)" % (n, n), rc == 0 and checkquote(q1, NONCE1) and ok == 0 and
                "the %d runtime records replay" % n in out and quote_pcr(q1, 11) == pcr11, out)
        check_firmware_log(b, m, q1, NONCE1, pcr11)
        records = [e["off"] for e in log_events(open(os.path.join(q1, "eventlog.bin"), "rb").read()) if e["pcr"] == 11]
        old = copy_quote(q0, "q0-new-log", eventlog_bin=open(os.path.join(q1, "eventlog.bin"), "rb").read())
        ok, out = verify(old, NONCE0)
        t.check("tis: the quote from before the bundles, shown with today's log, is rejected",
                ok == 1 and "does not replay to the quoted PCR 11" in out, out)
        log = bytearray(open(os.path.join(q1, "eventlog.bin"), "rb").read())
        log[records[40] + 66] ^= 1  # record 41's sequence
        ok, out = verify(copy_quote(q1, "q1-edited", eventlog_bin=bytes(log)), NONCE1)
        t.check("tis: a quote whose log has an edited record is rejected", ok == 1 and "record 41 is edited" in out, out)
        full = open(os.path.join(q1, "eventlog.bin"), "rb").read()
        ok, out = verify(copy_quote(q1, "q1-short", eventlog_bin=full[:records[-1]]), NONCE1)
        t.check("tis: a quote whose log lacks its last record is rejected", ok == 1 and "does not replay" in out, out)
        pcrs = bytearray(open(os.path.join(q1, "pcrs.bin"), "rb").read())
        pcrs[pcr_offset(11)] ^= 1
        d = copy_quote(q1, "q1-pcrs", pcrs_bin=bytes(pcrs))
        ok, out = verify(d, NONCE1)
        t.check("tis: PCR values other than the quoted ones are rejected (tpm2_checkquote and vigilctl)",
                not checkquote(d, NONCE1) and ok == 1 and "not what the TPM quoted" in out, out)
        msg = bytearray(open(os.path.join(q1, "quote.msg"), "rb").read())
        msg[-1] ^= 1
        d = copy_quote(q1, "q1-msg", quote_msg=bytes(msg))
        ok, out = verify(d, NONCE1)
        t.check("tis: an altered quote is rejected: its signature fails (tpm2_checkquote and vigilctl)",
                not checkquote(d, NONCE1) and ok == 1 and "signature" in out, out)
        shutil.copy(os.path.join(q1, "ak.pub"), os.path.join(WORK, "enrolled-ak.pub"))

        data = bytearray(open(path, "rb").read())
        data[SPEC_ID + 40 * RECORD + 66] ^= 1  # record 41's sequence
        edited = os.path.join(WORK, "edited.log")
        open(edited, "wb").write(bytes(data))
        mine, _, _ = host_replay(edited)
        t.check("tis: a record edited in the log no longer replays to PCR 11 (its digest is not its event's)",
                mine != pcr11 and hashlib.sha256(bytes(data[SPEC_ID + 40 * RECORD + 50:SPEC_ID + 41 * RECORD])).digest() !=
                bytes(data[SPEC_ID + 40 * RECORD + 14:SPEC_ID + 40 * RECORD + 46]),
                "host %s, PCR %s" % (mine, pcr11))

        rc, reply = chan.send(SOCK, os.path.join(WORK, "ctl-%d.bundle" % n))
        m2 = measurements()
        t.check("tis: a replayed bundle is refused and moves neither the log nor PCR 11",
                rc == 1 and reply.get("error") == 40 and m2.get("runtime-count") == n and
                m2.get("tpm", {}).get("pcr11") == pcr11, "rc %d, %s" % (rc, str(reply)[:200]))

        bad = [events_request(p) for p in (b"", b"\0" * 7, b"\0" * 9)]
        t.check("tis: EVENTS with a payload other than 8 bytes is refused (BAD_REQUEST), nothing read",
                all(r and r[0] == 0x87 and r[1] == -22 and r[2] == 7 for r in bad), str(bad))
        bad = [events_request(p, 0x08) for p in (b"", b"\x5a" * 65)]
        t.check("tis: QUOTE with no nonce, or one above 64 bytes, is refused (BAD_REQUEST)",
                all(r and r[0] == 0x88 and r[1] == -22 and r[2] == 7 for r in bad), str(bad))
        past = events_request(struct.pack("<Q", (1 << 64) - 1))
        t.check("tis: EVENTS from an index past the end answers no records and the true total",
                past and past[1] == 0 and past[3] == 0 and past[4] == n, str(past))
        t.check("tis: the guests beat on, no fault", b.wait_for(r"^\[patchwatch\] beat 3\b", timeout=60) and
                not b.has(r"PANIC|VMM exception|TAMPERING|TPM: extending"), "")


def crb_boot(esp, vmm):
    with boot(esp, "attest-crb", "crb") as b:
        up = b.wait_for(r"^vigil: management channel on port 0x2f8 ", timeout=120)
        check_boot_pcrs(b, "CRB")
        if not up:
            t.check("crb: Vigil up with its channel", False)
            return
        m = measurements()
        check_host_replays_boot(m, "crb")
        codes = [chan.send(SOCK, control(vmm, s, "stop" if s % 2 else "start"))[0] for s in range(1, 4)]
        m = measurements()
        t.check("crb: three bundles applied, MEASUREMENTS says a CRB TPM",
                codes == [0] * 3 and m.get("tpm", {}).get("interface") == "crb" and m.get("runtime-count") == 3,
                "codes %s, %s" % (codes, m.get("tpm")))
        check_log_replays(m, "crb", 3)
        rc, q = attest("q-crb", NONCE2)
        ok, out = verify(q, NONCE2, ak=os.path.join(WORK, "enrolled-ak.pub"))
        t.check("crb: a quote verifies (tpm2_checkquote; vigilctl, against the key enrolled in the first boot: "
                "the same TPM gives the same key every boot)", rc == 0 and checkquote(q, NONCE2) and ok == 0, out)


def no_tpm_boot(esp, vmm):
    with boot(esp, "attest-none", False) as b:
        up = b.wait_for(r"^vigil: management channel on port 0x2f8 ", timeout=120)
        t.check("no TPM: the VMM says it has none, and what is lost",
                b.wait_for(r"^vigil: TPM: none \(no ACPI TPM2 table\): no runtime PCR, no quotes; changes are logged "
                           r"but not anchored$", 10))
        if not up:
            t.check("no TPM: Vigil up with its channel", False)
            return
        codes = [chan.send(SOCK, control(vmm, s, "stop" if s % 2 else "start"))[0] for s in range(1, 3)]
        m = measurements()
        rc, printed, path = eventlog("none.log")
        _, indices, _ = host_replay(path)
        r = chan.vigilctl("attest", "--nonce", NONCE2, "-o", os.path.join(WORK, "q-none"), "--socket", SOCK)
        t.check("no TPM: a quote is refused (NO_TPM)", r.returncode == 1 and "72" in r.stdout + r.stderr,
                r.stdout + r.stderr)
        fw = fwlog_request(struct.pack("<Q", 0))
        t.check("no TPM: the stub copied no firmware log; FWLOG answers an empty one",
                fw and fw[1] == 0 and fw[4] == 0 and fw[6] == b"" and not b.has(r"firmware event log: \d+ bytes"),
                str(fw))
        t.check("no TPM: bundles still applied and logged; MEASUREMENTS says no TPM and gives no PCR",
                codes == [0, 0] and m.get("runtime-count") == 2 and m.get("tpm", {}).get("present") == 0 and
                "pcr11" not in m.get("tpm", {}) and rc == 0 and indices == [1, 2],
                "codes %s, %s, eventlog rc %d" % (codes, m.get("tpm"), rc))


def check_enrollment():
    """What docs/tpm.md tells a verifier to do once per host, on the same
    TPM (its state from the boots): a provisioning system derives the same
    AK from the endorsement seed and the template, and credential
    activation against the EK proves the AK is in that TPM."""
    d = os.path.join(WORK, "enroll")
    shutil.copytree(os.path.join(WORK, "tpm"), os.path.join(d, "state"))
    port = vt.free_port_pair()
    env = dict(os.environ, TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=%d" % port)
    tpm = subprocess.Popen(["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + os.path.join(d, "state"),
                            "--server", "type=tcp,bindaddr=127.0.0.1,port=%d" % port, "--ctrl",
                            "type=tcp,bindaddr=127.0.0.1,port=%d" % (port + 1), "--flags",
                            "startup-clear,not-need-init"], stdout=subprocess.DEVNULL,
                           stderr=open(os.path.join(d, "swtpm.log"), "w"))

    def tool(*args):
        return subprocess.run([str(a) for a in args], env=env, capture_output=True, text=True, timeout=60)

    try:
        for _ in range(50):
            if tool("tpm2_getrandom", "4", "--hex").returncode == 0:
                break
            time.sleep(0.1)
        p = lambda f: os.path.join(d, f)  # noqa: E731
        steps = [
            tool("tpm2_createprimary", "-Q", "-C", "e", "-G", "ecc256:ecdsa-sha256:null", "-a",
                 "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign", "-c", p("ak.ctx")),
            tool("tpm2_readpublic", "-Q", "-c", p("ak.ctx"), "-o", p("ak.pub"), "-n", p("ak.name")),
            tool("tpm2_flushcontext", "-t"),
            tool("tpm2_createek", "-Q", "-c", p("ek.ctx"), "-G", "ecc", "-u", p("ek.pub")),
            tool("tpm2_flushcontext", "-t"),
        ]
        same = all(r.returncode == 0 for r in steps) and \
            open(p("ak.pub"), "rb").read() == open(os.path.join(WORK, "enrolled-ak.pub"), "rb").read()
        t.check("enrollment: a provisioning system on the same TPM derives exactly the VMM's AK", same,
                "; ".join(r.stderr.strip()[:120] for r in steps if r.returncode))

        def activate(name_hex, tag):
            open(p("secret"), "w").write("vigil-enrol-" + tag)
            r = [tool("tpm2_makecredential", "-Q", "-T", "none", "-u", p("ek.pub"), "-s", p("secret"), "-n",
                      name_hex, "-o", p("cred-" + tag)),
                 tool("tpm2_startauthsession", "--policy-session", "-S", p("s.ctx")),
                 tool("tpm2_policysecret", "-Q", "-S", p("s.ctx"), "-c", "e"),
                 tool("tpm2_activatecredential", "-Q", "-c", p("ak.ctx"), "-C", p("ek.ctx"), "-i",
                      p("cred-" + tag), "-o", p("out-" + tag), "-P", "session:" + p("s.ctx")),
                 tool("tpm2_flushcontext", "-s")]
            got = open(p("out-" + tag)).read() if os.path.exists(p("out-" + tag)) else None
            return r[3].returncode == 0 and got == "vigil-enrol-" + tag

        name = open(p("ak.name"), "rb").read().hex() if os.path.exists(p("ak.name")) else ""
        want = "000b" + hashlib.sha256(open(os.path.join(WORK, "enrolled-ak.pub"), "rb").read()[2:]).hexdigest()
        t.check("enrollment: the AK's name is 000b and the SHA-256 of its public area, as docs/tpm.md says",
                name == want, "%s vs %s" % (name, want))
        ok = activate(want, "ak")
        wrong = want[:-2] + ("00" if want[-2:] != "00" else "01")
        t.check("enrollment: credential activation against the EK releases the secret for the AK's name, "
                "and not for another name", ok and not activate(wrong, "other"))
    finally:
        tpm.terminate()
        tpm.wait()


def required_boot():
    """A config that requires a TPM, booted without one: refused."""
    esp = make_esp(tpm_required=True)
    with boot(esp, "attest-required", False) as b:
        said = b.wait_for(r"^vigil: PANIC on cpu 0: TPM: required by the signed config \(tpm = \"required\"\), and "
                          r"none is usable: no ACPI TPM2 table$", timeout=120)
        t.check("tpm = \"required\" with no TPM: Vigil refuses to run, no guest starts",
                said and not b.has(r"^\[ticker\]|^\[patchwatch\]"), "")
    with boot(esp, "attest-required-tpm", True) as b:
        t.check("tpm = \"required\" with a TPM: Vigil runs",
                b.wait_for(r"^\[ticker\] beat 1\b", timeout=120) and not b.has("PANIC"))
    esp.cleanup()


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    esp = make_esp()
    vmm = esp.path("vigil/vmm.elf")
    tis_boot(esp, vmm)
    crb_boot(esp, vmm)
    no_tpm_boot(esp, vmm)
    required_boot()
    check_enrollment()
    esp.cleanup()
    t.done()


if __name__ == "__main__":
    main()
