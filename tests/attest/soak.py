#!/usr/bin/env python3
"""Soak: many signed bundles, with refusals mixed in, to a running Vigil
whose guests run, then everything checked against the TPM.

Usage: SOAK_ROUNDS=N soak.py (default 1,250). Each round sends eight requests: guest
control (stop, then start, ticker), a policy that does not widen
(patchwatch), a live patch (tests/channel/bump.c) and its revert, and
three refusals (a replay of the round's first bundle, a bundle with one
byte changed, an operator bundle below the last sequence). `make soak`
runs 1,250 rounds (10,000 requests, 6,250 of them applied); `make
test-attest` runs 6 rounds.

Checked at the end: every applied bundle was accepted and every refusal
refused with its own code; the runtime log holds exactly the applied ones,
in order, each the bundle sent (kind, sequence, the payload's SHA-384), and
replays to the PCR 11 of a fresh quote that tpm2_checkquote and vigilctl
attest verify accept; no guest's console dropped a line; the self-check
found no tampering; patchwatch shows the unpatched value again and beat
throughout; the VMM is alive. Printed: bundles per minute, the log's size.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "channel"))
sys.path.insert(0, HERE)
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402
import t_attest as at  # noqa: E402

ROUNDS = int(os.environ.get("SOAK_ROUNDS", "1250"))
WORK = os.path.join(vt.WORK, "soak")
t = vt.Checks()
at.t = t
at.WORK = WORK
at.KEYS = os.path.join(WORK, "keys")
at.SOCK = os.path.join(WORK, "channel.sock")
PATCH_KEY = os.path.join(vt.BUILD, "keys", "patch.key")
PATCH_AREA_BASE = 0xffffffffc0000000


def run(*args):
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL)


def make_bundle(name, kind, seq, key, *content):
    base = os.path.join(WORK, "b", name)
    run(vt.VIGILCTL, "bundle", "build", "--kind", kind, "--seq", seq, "--vmm", VMM, *content, "-o", base + ".dtb")
    run(vt.VIGILCTL, "bundle", "sign", "--key", key, base + ".dtb", "-o", base + ".sig")
    run(vt.VIGILCTL, "bundle", "pack", base + ".dtb", base + ".sig", "-o", base + ".bundle")
    # The payload's SHA-384, as the runtime record names it.
    return base + ".bundle", hashlib.sha384(open(base + ".dtb", "rb").read()).hexdigest()


def plan(rounds, patch_dtb):
    """Every request in order: (path, expected exit code, expected error or
    None, (kind, sequence, payload SHA-384) when applied)."""
    op_key = os.path.join(at.KEYS, "operator.key")
    reqs, op, pa = [], 0, 0
    for r in range(rounds):
        first = None
        for action in ("stop", "start"):
            op += 1
            path, d = make_bundle("c%d" % op, "guest-control", op, op_key, "--guest", "ticker", "--action", action)
            reqs.append((path, 0, None, (2, op, d)))
            first = first or path
        op += 1
        path, d = make_bundle("p%d" % op, "policy", op, op_key, "--guest", "patchwatch", "--io-allow", "",
                              "--msr-allow", "")
        reqs.append((path, 0, None, (3, op, d)))
        pa += 1
        path, d = make_bundle("lp%d" % pa, "live-patch", pa, PATCH_KEY, "--patch", patch_dtb)
        reqs.append((path, 0, None, (0, pa, d)))
        pa += 1
        path, d = make_bundle("rv%d" % pa, "patch-revert", pa, PATCH_KEY, "--name", "bump")
        reqs.append((path, 0, None, (1, pa, d)))
        reqs.append((first, 1, 41, None))  # the round's stop again: below the last sequence
        flipped = os.path.join(WORK, "b", "flip%d.bundle" % r)
        data = bytearray(open(path, "rb").read())
        data[len(data) // 2] ^= 0x10
        open(flipped, "wb").write(bytes(data))
        reqs.append((flipped, 1, None, None))  # any refusal code: where the flip lands decides which
        reqs.append((path, 1, 40, None))  # the revert again: a replay
    return reqs


def main():
    global VMM
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(os.path.join(WORK, "b"))
    esp = at.make_esp()
    VMM = esp.path("vigil/vmm.elf")
    patch_dtb = os.path.join(WORK, "bump.patch.dtb")
    run(vt.VIGILCTL, "patch", "build", os.path.join(vt.ROOT, "tests", "channel", "bump.c"), "--vmm", VMM, "--at",
        hex(PATCH_AREA_BASE), "--name", "bump", "-o", patch_dtb)
    t0 = time.monotonic()
    reqs = plan(ROUNDS, patch_dtb)
    print("info: %d requests made and signed in %.0f s" % (len(reqs), time.monotonic() - t0), flush=True)
    applied = [r[3] for r in reqs if r[3]]
    # The emulator's time limit grows with the work: about 16 requests a
    # second here, so a quarter of a second each is four times that.
    with at.boot(esp, "soak", True, timeout=300 + len(reqs) // 4) as b:
        up = b.wait_for(r"^vigil: management channel on port 0x2f8 ", timeout=120) and \
            b.wait_for(r"^\[patchwatch\] beat 1 ", timeout=120)
        t.check("soak: Vigil up with its channel and guests", up)
        if not up:
            return
        wrong = []
        t0 = time.monotonic()
        for i, (path, want_rc, want_err, _) in enumerate(reqs):
            rc, reply = chan.send(at.SOCK, path)
            if rc != want_rc or (want_err is not None and reply.get("error") != want_err):
                wrong.append("request %d (%s): rc %d, %s" % (i, os.path.basename(path), rc, str(reply)[:120]))
        secs = time.monotonic() - t0
        print("info: soak: %d requests (%d applied) in %.0f s: %.0f bundles per minute" %
              (len(reqs), len(applied), secs, len(reqs) * 60 / secs), flush=True)
        t.check("soak: %d requests, each applied or refused as it should be" % len(reqs), not wrong,
                "; ".join(wrong[:5]) + (" (%d in all)" % len(wrong) if wrong else ""))

        nonce = os.urandom(16).hex()
        rc, q = at.attest("soak-quote", nonce)
        ok, out = at.verify(q, nonce)
        t.check("soak: a quote afterwards verifies (tpm2_checkquote -e and vigilctl: the whole log replays to every "
                "quoted PCR)",
                rc == 0 and at.checkquote(q, nonce, log=True) and ok == 0 and
                "the %d runtime records replay" % len(applied) in out, out[:300])
        whole = open(os.path.join(q, "eventlog.bin"), "rb").read()
        records = [e["off"] for e in at.log_events(whole) if e["pcr"] == 11]
        log = b"".join(whole[off:off + at.RECORD] for off in records)
        got = []
        for off in range(0, len(log), at.RECORD):
            kind_seq = (int.from_bytes(log[off + 74:off + 78], "little"), int.from_bytes(log[off + 66:off + 74], "little"))
            got.append(kind_seq + (log[off + 82:off + 130].hex(),))
        t.check("soak: the log holds exactly the applied bundles, in order (kind, sequence, payload SHA-384)",
                got == applied, "%d records, %d applied; first difference at %s" % (
                    len(got), len(applied), next((i for i, (g, a) in enumerate(zip(got, applied)) if g != a), None)))
        print("info: soak: runtime log %d records, %d bytes; with the firmware's log %d bytes" %
              (len(got), len(log), len(whole)))

        inv = chan.query_json(at.SOCK, "inventory").get("guests", {})
        dropped = {g: v.get("console-dropped") for g, v in inv.items()}
        t.check("soak: no guest's console dropped a line", all(d == 0 for d in dropped.values()) and dropped,
                str(dropped))
        print("info: soak: console lines dropped: %s" % dropped)
        sc = chan.query_json(at.SOCK, "selfcheck")
        beats = [int(m.group(1)) for m in re.finditer(r"^\[patchwatch\] beat (\d+) vmm (0x[0-9a-f]+)$", b.text(), re.M)]
        last = re.findall(r"^\[patchwatch\] beat \d+ vmm (0x[0-9a-f]+)$", b.text(), re.M)
        mark = len(b.lines())
        t.check("soak: the self-check found nothing, patchwatch beat in order throughout and shows the unpatched "
                "value again, no fault", sc.get("mismatches") == 0 and sc.get("runs", 0) > 0 and
                beats == list(range(beats[0], beats[0] + len(beats))) and
                b.wait_after(mark, r"^\[patchwatch\] beat \d+ vmm 0x000100$", 60) and
                not b.has(r"PANIC|VMM exception|TAMPERING|TPM: extending"),
                "mismatches %s, %d beats, last value %s" % (sc.get("mismatches"), len(beats), last[-1:]))
    esp.cleanup()
    t.done()


if __name__ == "__main__":
    main()
