#!/usr/bin/env python3
"""Marks in TPM NV, written under a policy the platform key authorizes:
the VMM's own TPM commands (drivers/tpm2.c, built for the host as
build/attest/tpm2_swtpm, its transport swtpm's TCP port) against swtpm,
with no VMM and no emulator; tpm2-tools checks the policies. Seconds.

- A pretend boot extends PCRs 4, 7 and 10. approvedPolicy is the
  PolicyPCR digest of SHA-256 PCRs 4, 7, 10 now (tpm2-tools' trial session,
  and this script's own computation); the platform key (`vigilctl keygen`)
  signs approvedPolicy || "vigil-marks" (`vigilctl sign`).
- The index's authPolicy is PolicyAuthorize(the key's name, "vigil-marks"),
  by tpm2-tools and by this script from tpm2_p384_public's bytes; the
  key's name by tpm2_loadexternal, by this script and by the TPM
  (LoadExternal) agree. tpm2_nvdefine makes the index.
- NV_ReadPublic shows the index as defined; refused in that boot: another
  key's signature, a platform signature over another approvedPolicy (as
  signed, and passed off as the right one), the key loaded into the null
  hierarchy (a null ticket), the empty password; the index stays
  unwritten. The VMM's sequence (StartAuthSession, PolicyPCR,
  LoadExternal, VerifySignature, PolicyAuthorize, NV_Write) writes 256
  bytes, NV_Read returns them, NV_ReadPublic shows TPMA_NV_WRITTEN.
- The attack: swtpm restarted on its state (a TPM reset, PCRs zero);
  PCRs 10 and 7 replayed, PCR 4 given another boot loader's digest. The
  same sequence is refused (at PolicyAuthorize; VerifySignature's ticket
  is the first boot's), and so are the platform signature shown with this
  boot's PCR policy, an attacker's own key, the PCR policy without
  PolicyAuthorize, and the empty password; the data is the first write's.
- A reset with the genuine boot replayed: the same sequence writes again.
"""
import base64
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import vigiltest as vt  # noqa: E402

WORK = os.path.join(vt.WORK, "tpm2-policy")
HARNESS = os.path.join(vt.BUILD, "attest", "tpm2_swtpm")
INDEX = 0x01800056
PCRS = (4, 7, 10)
PCR_MASK = sum(1 << p for p in PCRS)
REF = b"vigil-marks"
NV_ATTRS = "policywrite|writeall|authread|ownerread|no_da"
# The same attributes as TPM 2.0 Part 2 numbers them (TPMA_NV): POLICYWRITE
# bit 3, WRITEALL 12, OWNERREAD 17, AUTHREAD 18, NO_DA 25; type bits 4-7
# zero (an ordinary index); WRITTEN, bit 29, once written.
TPMA_NV = 1 << 3 | 1 << 12 | 1 << 17 | 1 << 18 | 1 << 25
TPMA_NV_WRITTEN = 1 << 29
CC_POLICY_PCR = 0x17F
RH_OWNER, RH_NULL = 0x40000001, 0x40000007
CC_POLICY_AUTHORIZE = 0x16A
# TPM response codes, without the parameter, handle or session number.
RC_NAMES = {0x084: "TPM_RC_VALUE", 0x08B: "TPM_RC_HANDLE", 0x09B: "TPM_RC_SIGNATURE",
            0x09D: "TPM_RC_POLICY_FAIL", 0x12F: "TPM_RC_AUTH_UNAVAILABLE", 0x14A: "TPM_RC_NV_UNINITIALIZED"}
t = vt.Checks()


def boot_digest(what):
    """The fixed digest a pretend boot extends."""
    return hashlib.sha256(b"vigil test boot: " + what.encode()).hexdigest()


GENUINE = {4: boot_digest("vigil stub"), 7: boot_digest("secure boot on"), 10: boot_digest("vigil vmm")}
ATTACK = {**GENUINE, 4: boot_digest("another boot loader")}


def mark(n):
    """256 bytes of the n-th mark written."""
    return b"".join(hashlib.sha256(b"mark %d %d" % (n, i)).digest() for i in range(8))


def rc_base(code):
    """A response code without its parameter, handle or session number."""
    return code & 0xBF if code & 0x80 else code


def rc_name(code):
    return "%s (0x%x)" % (RC_NAMES.get(rc_base(code), "?"), code)


def p(name):
    return os.path.join(WORK, name)


def run(*args):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60)


def p384_point(pub_pem):
    """The 97-byte uncompressed point of a P-384 public key in PEM (a
    SubjectPublicKeyInfo: 23 bytes of algorithm and curve, then the point)."""
    body = "".join(l for l in open(pub_pem).read().splitlines() if not l.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 120 or der[23] != 4:
        raise ValueError("%s: not a P-384 public key" % pub_pem)
    return der[23:]


def signature_rs(sig_file):
    """r || s of the one entry of a detached signature file (docs/formats.md)."""
    data = open(sig_file, "rb").read()
    magic, count, reserved = struct.unpack("<8sII", data[:16])
    if magic != b"VGSIG001" or count != 1 or reserved or len(data) != 16 + 128:
        raise ValueError("%s: not one signature" % sig_file)
    return data[16 + 32:16 + 128]


def sign(key, payload, name):
    """The key's signature over payload: r || s."""
    open(p(name), "wb").write(payload)
    r = run(vt.VIGILCTL, "sign", "--key", p(key + ".key"), p(name), "-o", p(name + ".sig"))
    if r.returncode:
        raise RuntimeError("vigilctl sign: " + r.stderr.strip())
    return signature_rs(p(name + ".sig"))


def policy_pcr_digest(values):
    """PolicyPCR from an empty policy: H(0^32 || TPM_CC_PolicyPCR ||
    TPML_PCR_SELECTION || H(the selected PCRs' values in order))."""
    selection = struct.pack(">IHB", 1, 0x000B, 3) + PCR_MASK.to_bytes(3, "little")
    pcrs = hashlib.sha256(b"".join(bytes.fromhex(values[i]) for i in PCRS)).digest()
    return hashlib.sha256(bytes(32) + struct.pack(">I", CC_POLICY_PCR) + selection + pcrs).digest()


def policy_authorize_digest(key_name, ref):
    """PolicyAuthorize from an empty policy, as Part 3 updates it."""
    d = hashlib.sha256(bytes(32) + struct.pack(">I", CC_POLICY_AUTHORIZE) + key_name).digest()
    return hashlib.sha256(d + ref).digest()


class Swtpm:
    """swtpm on one state directory; each start() is a power-on with
    TPM2_Startup(CLEAR): a TPM reset, the PCRs zero, NV kept."""

    def __init__(self, state):
        self.state, self.proc, self.port, self.starts = state, None, None, 0
        os.makedirs(state, exist_ok=True)

    def start(self):
        self.port = vt.free_port_pair()
        self.starts += 1
        self.env = dict(os.environ, TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=%d" % self.port)
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + self.state,
             "--server", "type=tcp,bindaddr=127.0.0.1,port=%d" % self.port,
             "--ctrl", "type=tcp,bindaddr=127.0.0.1,port=%d" % (self.port + 1),
             "--flags", "startup-clear,not-need-init"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(p("swtpm-%d.log" % self.starts), "w"))
        for _ in range(100):
            if self.proc.poll() is None and self.tool("tpm2_getrandom", "4", "--hex").returncode == 0:
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        """TPM2_Shutdown first, so the next start is an orderly reset."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.tool("tpm2_shutdown", "-c")
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def tool(self, *args):
        return subprocess.run([str(a) for a in args], env=self.env, capture_output=True, text=True, timeout=60)

    def boot(self, digests):
        """Extend each PCR with its digest; True when all went in."""
        return all(self.tool("tpm2_pcrextend", "%d:sha256=%s" % (pcr, digests[pcr])).returncode == 0
                   for pcr in PCRS)

    def pcrs(self):
        """The SHA-256 values of PCRS, as hex, from tpm2-tools."""
        r = self.tool("tpm2_pcrread", "sha256:" + ",".join(map(str, PCRS)), "-o", p("pcrs.bin"))
        data = open(p("pcrs.bin"), "rb").read() if r.returncode == 0 else b""
        return {pcr: data[32 * i:32 * i + 32].hex() for i, pcr in enumerate(PCRS)} if len(data) == 96 else {}

    def trial_pcr_policy(self):
        """tpm2-tools' PolicyPCR digest of PCRS now, from a trial session."""
        steps = [self.tool("tpm2_startauthsession", "-S", p("trial.ctx")),
                 self.tool("tpm2_policypcr", "-Q", "-S", p("trial.ctx"), "-l",
                           "sha256:" + ",".join(map(str, PCRS)), "-L", p("pcr.policy")),
                 self.tool("tpm2_flushcontext", p("trial.ctx"))]
        return open(p("pcr.policy"), "rb").read() if all(s.returncode == 0 for s in steps) else None

    def harness(self, *args):
        """Run the harness on this TPM: its exit status and, by command,
        (result, {field: value}) from the lines it printed."""
        r = subprocess.run([HARNESS, str(self.port)] + [str(a) for a in args], capture_output=True, text=True,
                           timeout=60)
        steps = {}
        for line in r.stdout.splitlines():
            words = line.split()
            code = int(words[1], 0)
            steps[words[0]] = (code, dict(w.split("=", 1) for w in words[2:]))
        return r.returncode, steps, r.stdout + r.stderr

    def policy_write(self, point, approved, rs, data, hierarchy=RH_OWNER):
        return self.harness("write", "%08x" % INDEX, "%x" % PCR_MASK, "%08x" % hierarchy, point.hex(),
                            approved.hex(), REF.hex(), rs.hex() if rs else "-", data.hex())

    def read_public(self):
        rc, steps, _ = self.harness("readpublic", "%08x" % INDEX)
        return steps.get("nv_readpublic", (None, {}))

    def read(self):
        rc, steps, _ = self.harness("read", "%08x" % INDEX, 256)
        code, f = steps.get("nv_read", (None, {}))
        return code, bytes.fromhex(f.get("data", ""))


def refused_at(steps, step, base):
    """The sequence got to step, which the TPM refused with the code base;
    nothing after it ran but the flushes."""
    order = ["start_auth_session", "policy_pcr", "load_external", "verify_signature", "policy_authorize",
             "nv_write"]
    code = steps.get(step, (0,))[0]
    ran = [s for s in order if s in steps]
    return code > 0 and rc_base(code) == base and ran[-1] == step and all(steps[s][0] == 0 for s in ran[:-1])


def all_done(steps):
    return all(steps.get(s, (None,))[0] == 0 for s in ("start_auth_session", "policy_pcr", "load_external",
                                                       "verify_signature", "policy_authorize", "nv_write"))


def check_public(pub, written, policy, when):
    """NV_ReadPublic's fields: the index as defined; its name the SHA-256
    of the public area those fields make up."""
    code, f = pub
    if code != 0:
        return t.check("NV_ReadPublic %s" % when, False, "result %s" % rc_name(code or 0))
    nv_public = struct.pack(">IHIH", INDEX, 0x000B, TPMA_NV | (TPMA_NV_WRITTEN if written else 0), 32) + \
        policy + struct.pack(">H", 256)
    want = {"index": "0x%08x" % INDEX, "name_alg": "0x000b",
            "attributes": "0x%08x" % (TPMA_NV | (TPMA_NV_WRITTEN if written else 0)), "size": "256",
            "policy": policy.hex(), "name": "000b" + hashlib.sha256(nv_public).hexdigest()}
    return t.check("NV_ReadPublic %s: an ordinary index of 256 bytes, attributes 0x%08x (%s%s), the authPolicy, "
                   "its name the SHA-256 of that public area" % (when, int(want["attributes"], 16), NV_ATTRS,
                                                                "|written" if written else ""),
                   f == want, "got %s, want %s" % (f, want))


def setup(tpm, public):
    """Steps 1-5: the pretend boot, approvedPolicy, its signature, the
    authPolicy two ways, the index. Returns (approved, rs, auth_policy,
    key_name) or None."""
    if not t.check("swtpm starts; a pretend boot extends PCRs 4, 7, 10", tpm.boot(GENUINE)):
        return None
    values = tpm.pcrs()
    want = {pcr: vt.pcr_replay([GENUINE[pcr]]) for pcr in PCRS}
    t.check("tpm2_pcrread: PCRs 4, 7, 10 hold the pretend boot's digests", values == want, "%s" % values)
    approved = tpm.trial_pcr_policy()
    t.check("approvedPolicy: tpm2-tools' trial PolicyPCR over SHA-256 PCRs 4, 7, 10 is the digest computed "
            "here from their values", approved is not None and approved == policy_pcr_digest(want),
            "%s vs %s" % (approved and approved.hex(), policy_pcr_digest(want).hex()))
    if approved is None:
        return None
    rs = sign("platform", approved + REF, "approved")

    key_name = bytes.fromhex("000c") + hashlib.sha384(public).digest()
    steps = [tpm.tool("tpm2_loadexternal", "-C", "o", "-u", p("platform.pub"), "-g", "sha384", "-a",
                      "sign|userwithauth", "-G", "ecc384:ecdsa-sha384", "-c", p("key.ctx"), "-n", p("key.name")),
             tpm.tool("tpm2_flushcontext", "-t")]
    tools_name = open(p("key.name"), "rb").read() if steps[0].returncode == 0 else b""
    t.check("the key's name: tpm2_loadexternal's equals 0x000c || SHA-384(tpm2_p384_public's TPMT_PUBLIC)",
            tools_name == key_name, "%s vs %s; %s" % (tools_name.hex(), key_name.hex(), steps[0].stderr.strip()))
    open(p("ref"), "wb").write(REF)
    steps = [tpm.tool("tpm2_startauthsession", "-S", p("trial.ctx")),
             tpm.tool("tpm2_policyauthorize", "-S", p("trial.ctx"), "-L", p("auth.policy"), "-n", p("key.name"),
                      "-q", p("ref")),
             tpm.tool("tpm2_flushcontext", p("trial.ctx"))]
    tools_policy = open(p("auth.policy"), "rb").read() if all(s.returncode == 0 for s in steps) else b""
    auth_policy = policy_authorize_digest(key_name, REF)
    t.check("authPolicy: tpm2-tools' trial PolicyAuthorize(key name, \"vigil-marks\") is the digest computed here",
            tools_policy == auth_policy, "%s vs %s" % (tools_policy.hex(), auth_policy.hex()))
    r = tpm.tool("tpm2_nvdefine", "0x%08x" % INDEX, "-C", "o", "-s", "256", "-a", NV_ATTRS, "-L", p("auth.policy"))
    if not t.check("tpm2_nvdefine 0x%08x: 256 bytes, %s, that authPolicy" % (INDEX, NV_ATTRS),
                   r.returncode == 0, r.stderr.strip()):
        return None
    return approved, rs, auth_policy, key_name


def first_boot(tpm, point, other_point, approved, rs, auth_policy, key_name):
    """Step 6, with the refusals that need the genuine PCRs first."""
    check_public(tpm.read_public(), False, auth_policy, "after nvdefine")

    _, steps, out = tpm.policy_write(other_point, approved, sign("other", approved + REF, "other"), mark(9))
    t.check("another key's signature over the right approvedPolicy: NV_Write refused by the TPM, %s"
            % rc_name(steps.get("nv_write", (0,))[0]), refused_at(steps, "nv_write", 0x09D), out)
    other = hashlib.sha256(b"a policy for another boot").digest()
    _, steps, out = tpm.policy_write(point, other, sign("platform", other + REF, "other-policy"), mark(9))
    t.check("a platform signature over another approvedPolicy: PolicyAuthorize refused by the TPM, %s"
            % rc_name(steps.get("policy_authorize", (0,))[0]), refused_at(steps, "policy_authorize", 0x084), out)
    _, steps, out = tpm.policy_write(point, approved, sign("platform", other + REF, "other-policy"), mark(9))
    t.check("that signature passed off as one over the right approvedPolicy: VerifySignature refused by the TPM, "
            "%s" % rc_name(steps.get("verify_signature", (0,))[0]), refused_at(steps, "verify_signature", 0x09B),
            out)
    _, steps, out = tpm.policy_write(point, approved, rs, mark(9), hierarchy=RH_NULL)
    code = steps.get("policy_authorize", (0,))[0]
    t.check("the key loaded into the null hierarchy: VerifySignature gives a null ticket, which PolicyAuthorize "
            "refuses, %s on parameter 4 (checkTicket)" % rc_name(code),
            refused_at(steps, "policy_authorize", 0x084) and code >> 8 == 4 and
            steps["verify_signature"][1].get("ticket") == "8022%08x0000" % RH_NULL, out)
    _, steps, out = tpm.harness("write-password", "%08x" % INDEX, mark(9).hex())
    code = steps.get("nv_write", (0,))[0]
    t.check("NV_Write with the empty password: refused by the TPM, %s" % rc_name(code),
            code > 0 and rc_base(code) == 0x12F, out)
    code, _ = tpm.read()
    t.check("the index is still unwritten: NV_Read refused by the TPM, %s" % rc_name(code or 0),
            code and code > 0 and rc_base(code) == 0x14A, "result %s" % rc_name(code or 0))
    check_public(tpm.read_public(), False, auth_policy, "after the refusals")

    _, steps, out = tpm.policy_write(point, approved, rs, mark(1))
    f = steps.get("load_external", (None, {}))[1]
    t.check("the VMM's sequence: StartAuthSession (a policy session), PolicyPCR 4, 7, 10, LoadExternal (the "
            "TPM's name for the key is ours), VerifySignature (an owner-hierarchy ticket), PolicyAuthorize, "
            "NV_Write of 256 bytes: each accepted",
            all_done(steps) and f.get("name") == key_name.hex() and
            steps["verify_signature"][1].get("hierarchy") == "0x40000001" and
            int(steps["start_auth_session"][1].get("handle", "0"), 16) >> 24 == 0x03, out)
    code = steps.get("flush_ended_session", (0,))[0]
    t.check("the policy session ended with the write (continueSession clear): flushing it is refused, %s"
            % rc_name(code), steps.get("flush_key", (None,))[0] == 0 and code > 0 and rc_base(code) == 0x08B, out)
    code, data = tpm.read()
    t.check("NV_Read returns the 256 bytes written", code == 0 and data == mark(1), "result %s" % rc_name(code or 0))
    check_public(tpm.read_public(), True, auth_policy, "after the write")
    return steps.get("verify_signature", (None, {}))[1].get("ticket")


def attack_boot(tpm, point, other_point, approved, rs, auth_policy, ticket):
    """Step 7: a TPM reset, PCRs 10 and 7 replayed, another boot loader in
    PCR 4."""
    tpm.stop()
    if not t.check("swtpm restarted on its state (TPM reset): PCRs 4, 7, 10 are zero",
                   tpm.start() and tpm.pcrs() == {pcr: "00" * 32 for pcr in PCRS}):
        return
    tpm.boot(ATTACK)
    want = {pcr: vt.pcr_replay([ATTACK[pcr]]) for pcr in PCRS}
    t.check("attack boot: PCRs 7 and 10 replayed exactly, PCR 4 another boot loader's",
            tpm.pcrs() == want and want[7] == vt.pcr_replay([GENUINE[7]]) and want[4] != vt.pcr_replay([GENUINE[4]]))

    _, steps, out = tpm.policy_write(point, approved, rs, mark(2))
    t.check("attack boot: the same signed sequence is refused by the TPM at PolicyAuthorize, %s"
            % rc_name(steps.get("policy_authorize", (0,))[0]), refused_at(steps, "policy_authorize", 0x084), out)
    t.check("attack boot: VerifySignature gives the same ticket as in the first boot (it proves the signature "
            "alone; PolicyAuthorize is what checks the PCRs)",
            ticket and steps.get("verify_signature", (None, {}))[1].get("ticket") == ticket, out)
    now = tpm.trial_pcr_policy() or bytes(32)
    _, steps, out = tpm.policy_write(point, now, rs, mark(2))
    t.check("attack boot: the platform signature shown with this boot's PCR policy: VerifySignature refused, %s"
            % rc_name(steps.get("verify_signature", (0,))[0]), refused_at(steps, "verify_signature", 0x09B), out)
    _, steps, out = tpm.policy_write(other_point, now, sign("other", now + REF, "other-now"), mark(2))
    t.check("attack boot: this boot's PCR policy signed by another key: NV_Write refused, %s"
            % rc_name(steps.get("nv_write", (0,))[0]), refused_at(steps, "nv_write", 0x09D), out)
    _, steps, out = tpm.policy_write(point, approved, None, mark(2))
    t.check("attack boot: the PCR policy without PolicyAuthorize: NV_Write refused, %s"
            % rc_name(steps.get("nv_write", (0,))[0]), refused_at(steps, "nv_write", 0x09D), out)
    _, steps, out = tpm.harness("write-password", "%08x" % INDEX, mark(2).hex())
    code = steps.get("nv_write", (0,))[0]
    t.check("attack boot: NV_Write with the empty password refused, %s" % rc_name(code),
            code > 0 and rc_base(code) == 0x12F, out)
    code, data = tpm.read()
    t.check("attack boot: NV_Read still returns the first write's bytes", code == 0 and data == mark(1),
            "result %s" % rc_name(code or 0))
    check_public(tpm.read_public(), True, auth_policy, "after the attack")


def genuine_again(tpm, point, approved, rs):
    """Step 8: the refusals came from PCR 4: with the genuine boot replayed
    after another reset, the same sequence writes."""
    tpm.stop()
    ok = tpm.start() and tpm.boot(GENUINE)
    _, steps, out = tpm.policy_write(point, approved, rs, mark(3))
    code, data = tpm.read()
    t.check("another reset with the genuine boot replayed: the same signed sequence writes again, NV_Read "
            "returns it", ok and all_done(steps) and code == 0 and data == mark(3), out)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    for f in (HARNESS, vt.VIGILCTL):
        if not os.path.exists(f):
            t.check("%s is built" % os.path.relpath(f, vt.ROOT), False, "make %s" % os.path.relpath(f, vt.ROOT))
            t.done()
    for key in ("platform", "other"):
        r = run(vt.VIGILCTL, "keygen", "-o", p(key))
        if r.returncode:
            t.check("vigilctl keygen", False, r.stderr.strip())
            t.done()
    point, other_point = p384_point(p("platform.pub")), p384_point(p("other.pub"))
    r = run(HARNESS, "public", point.hex())
    public = bytes.fromhex(r.stdout.split("=", 1)[1]) if r.returncode == 0 else b""
    t.check("tpm2_p384_public: 120 bytes, the point's X and Y at their places",
            len(public) == 120 and public[22:70] == point[1:49] and public[72:] == point[49:], r.stdout + r.stderr)

    tpm = Swtpm(p("state"))
    try:
        if not t.check("swtpm answers", tpm.start()):
            t.done()
        got = setup(tpm, public)
        if got:
            approved, rs, auth_policy, key_name = got
            ticket = first_boot(tpm, point, other_point, approved, rs, auth_policy, key_name)
            attack_boot(tpm, point, other_point, approved, rs, auth_policy, ticket)
            genuine_again(tpm, point, approved, rs)
    finally:
        tpm.stop()
    t.done()


if __name__ == "__main__":
    main()
