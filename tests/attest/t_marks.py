#!/usr/bin/env python3
"""Anti-rollback marks in the TPM's NV, across reboots (docs/tpm.md), under
QEMU + OVMF + swtpm, one TPM kept across every boot.

- Provisioning as docs/tpm.md gives it: a first boot without marks, whose
  quote `vigilctl tpm policy` turns into the approved policy the platform
  key signs (vigil/tpm-policy.bin); then, with tpm2-tools on the same TPM,
  a storage root key at 0x81000001, the NV index defined with the policy
  `vigilctl tpm nv-policy` computes, and owner and lockout passwords set.
- First boot with tpm-marks in the signed config (version 2): the VMM
  checks the index and writes the first marks; three operator bundles are
  applied, each recorded before it took effect.
- Reboot: the last bundle is refused as a replay, an older one as a
  rollback, a newer one applied; the sequences come from the TPM.
- A guest package's security version is recorded when it boots; the older
  package put back is refused for that guest alone.
- An older signed config (version 1) is not booted.
- Without the signed policy on the ESP, or with one approving other PCR
  values, the marks are read-only: a bundle is refused (MARKS) and
  nothing changes.
- Replaying the stub's own events onto a freshly reset TPM, as an
  operating system booted instead of Vigil could (its own boot loader in
  PCR 4), does not satisfy the marks' write policy: the TPM refuses the
  write. The same replay with the stub in PCR 4 (which only a reset of the
  TPM apart from the platform could give) is accepted: PCR 4 is what
  stops it.
- Persistent live patches: a live patch placed on the ESP (`vigilctl esp
  persist`) and sent is in force after a reboot from patchwatch's first
  beat, and so is its revert; deleting the revert or the patch from the
  ESP stops the boot; a signed config of a higher version naming the new
  set (`vigilctl esp digest`) recovers.
- Failing closed, each boot stopped before any guest with its reason: the
  index defined again with another key's policy; defined again with the
  right policy (so unwritten) on a TPM whose owner password was removed;
  unwritten on a TPM whose storage root key is another; missing.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "channel"))
sys.path.insert(0, HERE)
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402
import t_attest as at  # noqa: E402

WORK = os.path.join(vt.WORK, "marks")
at.WORK = WORK
at.KEYS = os.path.join(WORK, "keys")
at.SOCK = os.path.join(WORK, "channel.sock")
at.t = t = vt.Checks()
TPM = os.path.join(WORK, "tpm")
INDEX = 0x01800056
PLATFORM_KEY = os.path.join(vt.BUILD, "keys", "platform.key")
PLATFORM_PUB = os.path.join(vt.BUILD, "keys", "platform.pub")
NONCE = "6d61726b73"


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, **kw).stdout


class Swtpm:
    """swtpm on the kept state, for tpm2-tools: provisioning, inspection."""

    def __init__(self, state):
        self.port = vt.free_port_pair()
        self.env = dict(os.environ, TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=%d" % self.port)
        self.proc = subprocess.Popen(["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state, "--server",
                                      "type=tcp,bindaddr=127.0.0.1,port=%d" % self.port, "--ctrl",
                                      "type=tcp,bindaddr=127.0.0.1,port=%d" % (self.port + 1), "--flags",
                                      "startup-clear,not-need-init"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        vt_wait_port(self.port)

    def tool(self, *args, check=True):
        r = subprocess.run([str(a) for a in args], env=self.env, capture_output=True, text=True, cwd=WORK)
        if check and r.returncode:
            raise RuntimeError("%s: %s" % (" ".join(map(str, args)), r.stderr.strip()[:300]))
        return r

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


def vt_wait_port(port, timeout=10):
    import socket
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("swtpm did not listen on %d" % port)


def policy_key_point():
    """The platform key's uncompressed point: the last 97 bytes of its
    SubjectPublicKeyInfo."""
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", PLATFORM_PUB, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return der[-97:]


def hexbytes(b):
    return " ".join("%02x" % c for c in b)


def config(esp, version, srk_name, marks=True, persisted=None):
    text = open(os.path.join(HERE, "attest.dts")).read()
    extra = '\n\ttpm = "required";\n\tversion = <0x0 %d>;\n' % version
    if marks:
        extra += ("\n\ttpm-marks {\n\t\tindex = <0x%x>;\n\t\tpolicy-key = [%s];\n\t\tstorage-key-name = [%s];\n%s\t};\n"
                  % (INDEX, hexbytes(policy_key_point()), hexbytes(srk_name),
                     "\t\tpersisted-set = [%s];\n" % hexbytes(persisted) if persisted else ""))
    text = text.replace('compatible = "vigil,system-v1";', 'compatible = "vigil,system-v1";' + extra)
    dts = os.path.join(WORK, "marks-v%d.dts" % version)
    open(dts, "w").write(text)
    run(vt.VIGILCTL, "config", "build", dts, "-o", esp.path("vigil/system.dtb"), "-i", WORK)
    esp.sign("vigil/system.dtb", PLATFORM_KEY)


def marks_of(m):
    mk = m.get("tpm", {}).get("marks", {})
    return {k: at.u64(v) for k, v in mk.items()}


def up(b):
    return b.wait_for(r"^vigil: management channel on port 0x2f8 ", timeout=120)


def provision(esp, vmm):
    """The first boot, without marks: its quote gives the approved policy.
    Then the TPM is provisioned with tpm2-tools. Returns the SRK's name."""
    config(esp, 1, b"", marks=False)
    with at.boot(esp, "marks-provision", True) as b:
        if not up(b):
            t.check("provisioning: Vigil up without marks", False)
            return None
        t.check("provisioning: without tpm-marks the VMM says what is lost",
                b.has(r"^vigil: TPM marks: none in the signed config: sequences and security versions restart at "
                      r"every boot$"))
        rc, q = at.attest("q-provision", NONCE)
    pol = os.path.join(WORK, "tpm-policy.bin")
    r = chan.vigilctl("tpm", "policy", "--quote", q, "--nonce", NONCE, "-o", pol)
    t.check("provisioning: vigilctl tpm policy takes PCRs 4, 7, 10 from a verified quote",
            rc == 0 and r.returncode == 0 and os.path.getsize(pol) == 43 and
            open(pol, "rb").read()[32:] == b"vigil-marks", r.stdout + r.stderr)
    esp.write("vigil/tpm-policy.bin", open(pol, "rb").read())
    esp.sign("vigil/tpm-policy.bin", PLATFORM_KEY)
    nvpol = os.path.join(WORK, "nv.policy")
    r = chan.vigilctl("tpm", "nv-policy", "--key", PLATFORM_PUB, "-o", nvpol)
    t.check("provisioning: vigilctl tpm nv-policy gives the index's policy", r.returncode == 0, r.stdout + r.stderr)
    tpm = Swtpm(TPM)
    try:
        tpm.tool("tpm2_createprimary", "-Q", "-C", "o", "-g", "sha256", "-G", "ecc256", "-c", "srk.ctx")
        tpm.tool("tpm2_evictcontrol", "-Q", "-C", "o", "-c", "srk.ctx", "0x81000001")
        tpm.tool("tpm2_readpublic", "-Q", "-c", "0x81000001", "-n", "srk.name")
        tpm.tool("tpm2_nvdefine", "0x%x" % INDEX, "-C", "o", "-s", "512", "-a",
                 "policywrite|writeall|authread|ownerread|no_da", "-L", nvpol)
        tpm.tool("tpm2_changeauth", "-c", "o", "owner-secret")
        tpm.tool("tpm2_changeauth", "-c", "l", "lockout-secret")
        pub = tpm.tool("tpm2_nvreadpublic", "0x%x" % INDEX).stdout
    finally:
        tpm.close()
    t.check("provisioning: tpm2-tools define the index with that policy, unwritten",
            "policywrite" in pub and "written" not in pub and
            open(nvpol, "rb").read().hex() in pub.replace(" ", "").lower(), pub[:400])
    return open(os.path.join(WORK, "srk.name"), "rb").read()


def first_boot(esp, vmm, srk):
    config(esp, 2, srk)
    with at.boot(esp, "marks-first", True) as b:
        ok = up(b)
        t.check("first boot: the VMM checks the index and writes the first marks",
                ok and b.has(r"^vigil: TPM marks: first marks written to NV index 0x1800056$") and
                b.has(r"^vigil: TPM marks: NV index 0x1800056, generation \d+, config version 2, sequences patch 0 "
                      r"operator 0 publisher 0; writable$"), "")
        if not ok:
            return
        m0 = marks_of(at.measurements())
        codes = [chan.send(at.SOCK, at.control(vmm, s, "stop" if s % 2 else "start"))[0] for s in (1, 2, 3)]
        m1 = marks_of(at.measurements())
        t.check("first boot: three operator bundles applied, each recorded in the TPM first",
                codes == [0, 0, 0] and m1.get("seq-operator") == 3 and
                m1.get("generation") == m0.get("generation", -9) + 3 and m1.get("writable") == 1,
                "codes %s, marks %s then %s" % (codes, m0, m1))


def reboot(esp, vmm):
    with at.boot(esp, "marks-reboot", True) as b:
        ok = up(b)
        t.check("reboot: the marks come from the TPM (operator 3)",
                ok and b.has(r"^vigil: TPM marks: NV index 0x1800056, generation \d+, config version 2, sequences "
                             r"patch 0 operator 3 publisher 0; writable$"), "")
        if not ok:
            return
        rc3, r3 = chan.send(at.SOCK, os.path.join(WORK, "ctl-3.bundle"))
        rc2, r2 = chan.send(at.SOCK, os.path.join(WORK, "ctl-2.bundle"))
        rc4, r4 = chan.send(at.SOCK, at.control(vmm, 4, "stop"))
        m = marks_of(at.measurements())
        t.check("reboot: the bundle accepted before is refused as a replay, an older one as a rollback",
                rc3 == 1 and r3.get("error") == 40 and rc2 == 1 and r2.get("error") == 41, "%s / %s" % (r3, r2))
        t.check("reboot: a newer bundle is applied and recorded", rc4 == 0 and m.get("seq-operator") == 4,
                "%s, %s" % (r4, m))


def ticker_package(path, version, secver):
    """A ticker package of this version and security version, signed."""
    run(vt.VIGILCTL, "package", "build", "--name", "ticker", "--version", version, "--security-version", secver,
        "--image", os.path.join(vt.BUILD, "guests", "ticker.elf"), "--memory", "4M", "--cpus", 1, "-o", path)
    run(vt.VIGILCTL, "package", "sign", "--key", os.path.join(vt.BUILD, "keys", "publisher.key"), path)
    return path


def put_package(esp, src):
    shutil.rmtree(esp.path("vigil/packages/ticker"))
    shutil.copytree(src, esp.path("vigil/packages/ticker"))


def ticker_refused(esp, name, src, what, why):
    """Boot with src as ticker's package: ticker refused for why, patchwatch runs."""
    put_package(esp, src)
    with at.boot(esp, "marks-" + name, True) as b:
        t.check("guest marks: %s is refused, the TPM's mark named; the other guest runs" % what,
                b.wait_for(r"^vigil: guest ticker refused: package ticker " + why, timeout=120) and
                b.wait_for(r"^\[patchwatch\] beat 2\b", timeout=60) and not b.has(r"^\[ticker\] beat"), "")


def guest_marks(esp):
    """A guest's security and package versions are recorded when its package
    boots; putting back an older package is refused for that guest alone."""
    old = os.path.join(WORK, "ticker-old")
    shutil.copytree(esp.path("vigil/packages/ticker"), old)
    newer = ticker_package(os.path.join(WORK, "ticker-new"), 2, 3)
    put_package(esp, newer)
    with at.boot(esp, "marks-ticker-v2", True) as b:
        t.check("guest marks: ticker's package with security version 3 runs",
                b.wait_for(r"^\[ticker\] beat 1\b", timeout=120), "")
    ticker_refused(esp, "ticker-old", old, "the older ticker package put back (security version 1)",
                   r"security version 1 is below 3, the TPM's mark for guest ticker$")
    ticker_refused(esp, "ticker-older-version", ticker_package(os.path.join(WORK, "ticker-same"), 1, 3),
                   "an older ticker package of the same security version",
                   r"version 1 is below 2, the TPM's mark for guest ticker$")
    put_package(esp, newer)


def older_config(esp, srk):
    config(esp, 1, srk)
    with at.boot(esp, "marks-older", True, timeout=120) as b:
        t.check("an older signed config (version 1, the TPM has seen 2) is not booted",
                b.wait_for(r"PANIC.*TPM marks: the signed config's version 1 is below 2, the highest this TPM has "
                           r"seen", timeout=100) and not b.has(r"^\[ticker\] beat"), "")
    config(esp, 2, srk)


def read_only(esp, vmm, name, why):
    with at.boot(esp, "marks-" + name, True) as b:
        ok = up(b)
        t.check("%s: the marks are read-only, and the VMM says why" % name,
                ok and b.has(r"^vigil: TPM marks: NV index 0x1800056, .* operator 4 publisher 0; read-only: %s" % why),
                "")
        if not ok:
            return
        rc, r = chan.send(at.SOCK, at.control(vmm, 5, "stop"))
        m = marks_of(at.measurements())
        t.check("%s: a bundle is refused (MARKS) and changes nothing" % name,
                rc == 1 and r.get("error") == 74 and m.get("seq-operator") == 4 and m.get("writable") == 0 and
                b.wait_for(r"^\[ticker\] beat 3\b", timeout=60), "%s, %s" % (r, m))


HARNESS = os.path.join(vt.BUILD, "attest", "tpm2_swtpm")
EV_BOOT_APPLICATION = 0x80000003


def policy_signature(esp):
    """r || s of the policy key's entry in tpm-policy.bin.sig (docs/formats.md:
    16-byte header, entries of key id, r, s)."""
    sig = esp.read("vigil/tpm-policy.bin.sig")
    want = hashlib.sha256(policy_key_point()).digest()
    for at_ in range(16, len(sig) - 127, 128):
        if sig[at_:at_ + 32] == want:
            return sig[at_ + 32:at_ + 128]
    return None


def replay_attack(esp):
    """An operating system booted instead of Vigil: the firmware measured
    its own boot loader into PCR 4; it replays the stub's events (PCRs 10,
    15) from the public log and tries to write the marks under the approved
    policy. The TPM refuses. The same with the stub's digest in PCR 4,
    which no software can give PCR 4 on a real platform, is accepted: the
    refusal comes from PCR 4."""
    events = at.log_events(open(os.path.join(WORK, "q-provision", "eventlog.bin"), "rb").read())
    policy = esp.read("vigil/tpm-policy.bin")
    sig = policy_signature(esp)
    results = {}
    for case in ("other-loader", "stub"):
        state = os.path.join(WORK, "attack-" + case)
        shutil.copytree(TPM, state)
        tpm = Swtpm(state)  # a TPM reset: every PCR zero
        try:
            for e in events:
                if e["type"] == 3 or e["pcr"] == 11 or e["pcr"] > 15:
                    continue
                d = e["sha256"]
                if case == "other-loader" and e["pcr"] == 4 and e["type"] == EV_BOOT_APPLICATION:
                    d = hashlib.sha256(b"another operating system's boot loader").digest()
                tpm.tool("tpm2_pcrextend", "%d:sha256=%s" % (e["pcr"], d.hex()))
            before = subprocess.run([HARNESS, str(tpm.port), "read", "%x" % INDEX, "512"], capture_output=True,
                                    text=True).stdout
            w = subprocess.run([HARNESS, str(tpm.port), "write", "%x" % INDEX, "490", "40000001",
                                policy_key_point().hex(),
                                policy[:32].hex(), b"vigil-marks".hex(), sig.hex() if sig else "-",
                                (b"VGLMARK1" + bytes(504)).hex()], capture_output=True, text=True)
            after = subprocess.run([HARNESS, str(tpm.port), "read", "%x" % INDEX, "512"], capture_output=True,
                                   text=True).stdout
            results[case] = (w.returncode, w.stdout.strip().replace("\n", "; "), before == after)
        finally:
            tpm.close()
    other, stub = results.get("other-loader"), results.get("stub")
    t.check("replay: the stub's events replayed onto a reset TPM, another boot loader in PCR 4: the TPM refuses "
            "the marks' write (PolicyAuthorize), the marks unchanged",
            sig is not None and other and other[0] == 1 and re.search(r"policy_authorize 0x[0-9a-f]+", other[1]) and
            "nv_write 0" not in other[1] and other[2], str(other))
    t.check("replay: with the stub's own digest in PCR 4 (no software can give it) the same write is accepted: "
            "PCR 4 is what refuses the other", stub and stub[0] == 0 and not stub[2], str(stub))


PATCH_KEY = os.path.join(vt.BUILD, "keys", "patch.key")
PATCH_AREA_BASE = 0xffffffffc0000000


def patch_bundle(vmm, name, kind, seq, *content):
    base = os.path.join(WORK, name)
    run(vt.VIGILCTL, "bundle", "build", "--kind", kind, "--seq", seq, "--vmm", vmm, *content, "-o", base + ".dtb")
    run(vt.VIGILCTL, "bundle", "sign", "--key", PATCH_KEY, base + ".dtb", "-o", base + ".sig")
    run(vt.VIGILCTL, "bundle", "pack", base + ".dtb", base + ".sig", "-o", base + ".bundle")
    return base + ".bundle"


def first_beat(b, value):
    """patchwatch's first beat, and whether it shows value."""
    m = b.wait_for(r"^\[patchwatch\] beat 1 vmm (0x[0-9a-f]+)$", timeout=120)
    return m and m.group(1) == value


def persistence(esp, vmm, srk):
    """A live patch and its revert placed on the ESP, then sent; each is in
    force again after a reboot; deleting either is caught; a signed config
    naming a new set recovers."""
    patch_dtb = os.path.join(WORK, "bump.patch.dtb")
    run(vt.VIGILCTL, "patch", "build", os.path.join(vt.ROOT, "tests", "channel", "bump.c"), "--vmm", vmm, "--at",
        hex(PATCH_AREA_BASE), "--name", "bump", "-o", patch_dtb)
    lp = patch_bundle(vmm, "lp1", "live-patch", 1, "--patch", patch_dtb)
    rv = patch_bundle(vmm, "rv2", "patch-revert", 2, "--name", "bump")
    with at.boot(esp, "marks-patch", True) as b:
        if not up(b):
            t.check("persist: Vigil up", False)
            return
        r = chan.vigilctl("esp", "persist", esp.dir, lp)
        rc, reply = chan.send(at.SOCK, lp)
        t.check("persist: the live patch placed on the ESP, then applied and recorded",
                r.returncode == 0 and rc == 0 and os.path.exists(esp.path("vigil/patches/0000000000000001.bundle")) and
                marks_of(at.measurements()).get("seq-patch") == 1, r.stdout + r.stderr + str(reply)[:200])
    with at.boot(esp, "marks-patch-reboot", True) as b:
        t.check("persist: after a reboot the patch is in force before any guest: patchwatch's first beat shows it",
                b.wait_for(r"^vigil: persisted live patches: 1 applied again of 1 in the set the TPM recorded, 0 "
                           r"ignored$", timeout=120) and first_beat(b, "0x000101"), "")
        if not up(b):
            return
        r = chan.vigilctl("esp", "persist", esp.dir, rv)
        rc, reply = chan.send(at.SOCK, rv)
        t.check("persist: the revert placed, applied, recorded", r.returncode == 0 and rc == 0 and
                b.wait_for(r"^\[patchwatch\] beat \d+ vmm 0x000100$", timeout=60), str(reply)[:200])
    esp.write("vigil/patches/0000000000000010.bundle", b"not a bundle, placed and never sent")
    with at.boot(esp, "marks-revert-reboot", True) as b:
        t.check("persist: after a reboot the revert stays: patchwatch's first beat shows the unpatched value",
                b.wait_for(r"^vigil: persisted live patches: 2 applied again of 2 in the set the TPM recorded, 1 "
                           r"ignored$", timeout=120) and first_beat(b, "0x000100"), "")
        t.check("persist: a file above the patch mark (never applied) is ignored whatever it holds, and named",
                b.has(r"^vigil: persisted live patches: patches/0000000000000010\.bundle was placed but never "
                      r"applied \(the TPM's patch mark is 2\): ignored$"), "")
    esp.remove("vigil/patches/0000000000000010.bundle")
    revert = esp.read("vigil/patches/0000000000000002.bundle")
    esp.remove("vigil/patches/0000000000000002.bundle")
    with at.boot(esp, "marks-revert-deleted", True, timeout=120) as b:
        t.check("persist: the revert deleted from the ESP: the boot stops before any guest, saying why",
                b.wait_for(r"PANIC.*persisted live patches: the 1 in vigil/patches are not the set the TPM recorded",
                           timeout=100) and not b.has(r"^\[ticker\] beat"), "")
    esp.write("vigil/patches/0000000000000002.bundle", revert)
    patch = esp.read("vigil/patches/0000000000000001.bundle")
    esp.remove("vigil/patches/0000000000000001.bundle")
    with at.boot(esp, "marks-patch-deleted", True, timeout=120) as b:
        t.check("persist: the patch deleted (its revert left): the boot stops before any guest",
                b.wait_for(r"PANIC.*persisted live patches: the 1 in vigil/patches are not the set the TPM recorded",
                           timeout=100) and not b.has(r"^\[ticker\] beat"), "")
    esp.write("vigil/patches/0000000000000001.bundle", patch)
    esp.remove("vigil/patches/0000000000000002.bundle")
    r = chan.vigilctl("esp", "digest", esp.dir)
    digest = r.stdout.split()[0] if r.returncode == 0 and r.stdout else "00" * 32
    config(esp, 3, srk, persisted=bytes.fromhex(digest))
    with at.boot(esp, "marks-recovered", True) as b:
        t.check("persist: recovery by a signed config (version 3) naming the new set: the patch alone, in force",
                b.wait_for(r"^vigil: persisted live patches: 1 applied again of 1 in the set the TPM recorded",
                           timeout=120) and first_beat(b, "0x000101"), r.stdout + r.stderr)


def refused_boot(esp, name, prepare, want):
    """Change the TPM with tpm2-tools (the owner's password known), boot,
    and expect the VMM to stop before any guest with the reason."""
    tpm = Swtpm(TPM)
    try:
        prepare(tpm)
    finally:
        tpm.close()
    with at.boot(esp, "marks-" + name, True, timeout=120) as b:
        t.check("%s: the VMM stops before any guest and says why" % name,
                b.wait_for(r"PANIC.*TPM marks: " + want, timeout=100) and not b.has(r"^\[ticker\] beat"), "")


def redefine(tpm, policy_file, owner="owner-secret"):
    tpm.tool("tpm2_nvundefine", "0x%x" % INDEX, "-C", "o", "-P", owner)
    tpm.tool("tpm2_nvdefine", "0x%x" % INDEX, "-C", "o", "-P", owner, "-s", "512", "-a",
             "policywrite|writeall|authread|ownerread|no_da", "-L", policy_file)


def fail_closed(esp):
    """Each of what docs/tpm.md says stops a boot, made on the kept TPM."""
    other = os.path.join(WORK, "other-key")
    run(vt.VIGILCTL, "keygen", "-o", other)
    other_pol = os.path.join(WORK, "other.policy")
    run(vt.VIGILCTL, "tpm", "nv-policy", "--key", other + ".pub", "-o", other_pol)
    nvpol = os.path.join(WORK, "nv.policy")
    refused_boot(esp, "redefined", lambda tpm: redefine(tpm, other_pol),
                 r"NV index 0x1800056 is not Vigil's .*its policy not the policy key's")
    refused_boot(esp, "unwritten-no-owner-password",
                 lambda tpm: (redefine(tpm, nvpol), tpm.tool("tpm2_changeauth", "-c", "o", "-p", "owner-secret")),
                 r"NV index 0x1800056 is unwritten, and the TPM's owner or lockout authorization is empty")

    def other_srk(tpm):
        tpm.tool("tpm2_changeauth", "-c", "o", "owner-secret")
        tpm.tool("tpm2_evictcontrol", "-Q", "-C", "o", "-P", "owner-secret", "-c", "0x81000001")
        tpm.tool("tpm2_createprimary", "-Q", "-C", "o", "-P", "owner-secret", "-g", "sha256", "-G", "rsa2048",
                 "-c", "srk2.ctx")
        tpm.tool("tpm2_evictcontrol", "-Q", "-C", "o", "-P", "owner-secret", "-c", "srk2.ctx", "0x81000001")
    refused_boot(esp, "unwritten-other-storage-key", other_srk,
                 r"NV index 0x1800056 is unwritten, and the storage root key at 0x81000001 is not the one the "
                 r"signed config names")
    tpm = Swtpm(TPM)
    try:
        tpm.tool("tpm2_nvundefine", "0x%x" % INDEX, "-C", "o", "-P", "owner-secret")
    finally:
        tpm.close()
    with at.boot(esp, "marks-missing", True, timeout=120) as b:
        t.check("missing: with no index the VMM stops before any guest and says why",
                b.wait_for(r"PANIC.*TPM marks: no NV index 0x1800056 \(TPM response 0x18b\)", timeout=100) and
                not b.has(r"^\[ticker\] beat"), "")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    esp = at.make_esp()
    vmm = esp.path("vigil/vmm.elf")
    srk = provision(esp, vmm)
    if srk is None:
        t.done()
    first_boot(esp, vmm, srk)
    reboot(esp, vmm)
    guest_marks(esp)
    older_config(esp, srk)
    replay_attack(esp)
    saved = esp.read("vigil/tpm-policy.bin"), esp.read("vigil/tpm-policy.bin.sig")
    esp.remove("vigil/tpm-policy.bin")
    esp.remove("vigil/tpm-policy.bin.sig")
    read_only(esp, vmm, "no-policy", r"no tpm-policy\.bin on the ESP")
    esp.write("vigil/tpm-policy.bin", bytes(32) + b"vigil-marks")
    esp.sign("vigil/tpm-policy.bin", PLATFORM_KEY)
    read_only(esp, vmm, "other-pcrs", r"this boot's PCRs 4, 7, 10 are not the approved ones")
    esp.write("vigil/tpm-policy.bin", saved[0])
    esp.write("vigil/tpm-policy.bin.sig", saved[1])
    persistence(esp, vmm, srk)
    fail_closed(esp)
    esp.cleanup()
    t.done()


if __name__ == "__main__":
    main()
