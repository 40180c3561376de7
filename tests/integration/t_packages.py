#!/usr/bin/env python3
"""Signed guest packages at boot (docs/formats.md, "Guest packages").

One boot of a config with sixteen packaged guests (the most a config
holds): two well-signed packages that must run, and fourteen that an attacker with write access to the ESP (or
a careless publisher) could leave there, each of which must be refused with
its reason while the others start:

  t-image     the image changed after signing
  t-manifest  the manifest changed after signing (the old signature kept)
  t-unsigned  no signature file
  t-operator  signed by the operator key, which is no publisher's
  t-threshold two publishers required, one signed
  t-foreign   signed by a publisher, but not the one this guest names
  t-floor     security version below the config's minimum
  t-msr       needs an MSR the config does not grant it
  t-memory    needs more memory than the config grants it
  t-bundle    a signed bundle payload put where the manifest goes
  t-absent    the package directory is not on the ESP
  t-nofile    the manifest names an image that is not on the ESP
  t-initrd    the initramfs changed after signing
  t-device    needs a device class (no device is granted)

The good ones: hello (one publisher) and ticker (two publishers, threshold
two, granted an MSR and ports it did not ask for, which it must not get).
The inventory, read over the channel, shows every refused guest with its
reason, and the packaged guests' names, versions, signing key ids and
effective-policy digests, which equal what `vigilctl package verify
--config` computes on the host.
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

KEYS = os.path.join(vt.BUILD, "keys")
GUESTS = os.path.join(vt.BUILD, "guests")
SOCK = os.path.join(vt.WORK, "packages.sock")

# guest: (cpu, expected refusal regex or None when it must run)
CASES = {
    "hello": (1, None),
    "ticker": (2, None),
    "t-image": (3, r"package t-image: image 'hello\.elf' does not match the manifest's digests"),
    "t-manifest": (4, r"package t-manifest: bad signature: none valid by its publisher keys"),
    "t-unsigned": (5, r"package t-unsigned: no signature"),
    "t-operator": (6, r"package t-operator: signed only by keys that are not its publishers'"),
    "t-threshold": (7, r"package t-threshold: too few signers: 1 of 2 publisher keys needed"),
    "t-foreign": (8, r"package t-foreign: signed only by keys that are not its publishers'"),
    "t-floor": (9, r"package t-floor security version 1 is below the minimum 5"),
    "t-msr": (10, r"package t-msr needs MSR 0x174; guest t-msr is not granted it"),
    "t-memory": (11, r"package t-memory needs 8192 KiB of memory; guest t-memory is granted 4096 KiB"),
    "t-bundle": (12, r"compatible must be \"vigil,guest-package-v1\""),
    "t-absent": (13, r"package packages/t-absent has no manifest"),
    "t-nofile": (14, r"package t-nofile: image 'hello\.elf' was not loaded"),
    "t-initrd": (15, r"package t-initrd: initrd 'ticker\.elf' does not match the manifest's digests"),
    "t-device": (16, r"package t-device needs a network device; guest t-device is granted none"),
}


def ctl(*args):
    r = subprocess.run([vt.VIGILCTL] + [str(a) for a in args], capture_output=True, text=True, timeout=120)
    if r.returncode:
        raise RuntimeError("vigilctl %s: %s%s" % (" ".join(map(str, args)), r.stdout, r.stderr))
    return r.stdout


def build(pkgdir, name, image="hello.elf", version=3, secver=1, memory="4M", extra=()):
    os.makedirs(os.path.dirname(pkgdir), exist_ok=True)
    ctl("package", "build", "--name", name, "--version", version, "--security-version", secver,
        "--image", os.path.join(GUESTS, image), "--memory", memory, "--cpus", 1, "-o", pkgdir, *extra)


def sign(pkgdir, *keys, append=False):
    args = ["package", "sign"] + (["--append"] if append else [])
    for k in keys:
        args += ["--key", k]
    ctl(*args, pkgdir)


def flip(path, offset=None):
    with open(path, "rb") as f:
        d = bytearray(f.read())
    d[len(d) // 2 if offset is None else offset] ^= 0xFF
    with open(path, "wb") as f:
        f.write(bytes(d))


def make_packages(v, pub, pub2):
    """The packages on the ESP copy, as each case needs them."""
    pk = lambda g: v.path("vigil/packages/" + g)  # noqa: E731
    build(pk("hello"), "hello")
    sign(pk("hello"), pub)
    build(pk("ticker"), "ticker", image="ticker.elf", version=7, secver=2)
    sign(pk("ticker"), pub)
    sign(pk("ticker"), pub2, append=True)
    build(pk("t-image"), "t-image")
    sign(pk("t-image"), pub)
    flip(os.path.join(pk("t-image"), "hello.elf"))
    build(pk("t-manifest"), "t-manifest")
    sign(pk("t-manifest"), pub)
    sig = open(os.path.join(pk("t-manifest"), "manifest.dtb.sig"), "rb").read()
    shutil.rmtree(pk("t-manifest"))
    build(pk("t-manifest"), "t-manifest", version=4)  # same size, other bytes; the old signature
    with open(os.path.join(pk("t-manifest"), "manifest.dtb.sig"), "wb") as f:
        f.write(sig)
    build(pk("t-unsigned"), "t-unsigned")
    build(pk("t-operator"), "t-operator")
    sign(pk("t-operator"), os.path.join(KEYS, "operator.key"))
    build(pk("t-threshold"), "t-threshold")
    sign(pk("t-threshold"), pub)
    build(pk("t-foreign"), "t-foreign")
    sign(pk("t-foreign"), pub)
    build(pk("t-floor"), "t-floor", secver=1)
    sign(pk("t-floor"), pub)
    build(pk("t-msr"), "t-msr", extra=("--msr-allow", "0x174"))
    sign(pk("t-msr"), pub)
    build(pk("t-memory"), "t-memory", memory="8M")
    sign(pk("t-memory"), pub)
    # A guest-control bundle payload, signed by the publisher, as a manifest.
    os.makedirs(pk("t-bundle"), exist_ok=True)
    ctl("bundle", "build", "--kind", "guest-control", "--seq", 1, "--vmm", v.path("vigil/vmm.elf"),
        "--guest", "hello", "--action", "restart", "-o", os.path.join(pk("t-bundle"), "manifest.dtb"))
    sign(pk("t-bundle"), pub)
    shutil.copy(os.path.join(GUESTS, "hello.elf"), pk("t-bundle"))
    build(pk("t-initrd"), "t-initrd", extra=("--initrd", os.path.join(GUESTS, "ticker.elf")))
    sign(pk("t-initrd"), pub)
    flip(os.path.join(pk("t-initrd"), "ticker.elf"))
    build(pk("t-device"), "t-device", extra=("--devices", "network"))
    sign(pk("t-device"), pub)
    build(pk("t-nofile"), "t-nofile")
    sign(pk("t-nofile"), pub)
    os.remove(os.path.join(pk("t-nofile"), "hello.elf"))


def guest_dts(name, cpu, grants_unasked=True):
    pubs, threshold, floor, grants = "<0>", 1, 1, ""
    if name in ("ticker", "t-threshold"):
        pubs, threshold = "<0 1>", 2
    if name == "ticker" and grants_unasked:
        grants = "msr-allow = <0x174>; io-allow = <0x80 1>;"
    if name == "t-foreign":
        pubs = "<1>"
    if name == "t-floor":
        floor = 5
    return ("\t\t%s {\n\t\t\tpackage = \"packages/%s\";\n\t\t\tpublishers = %s;\n"
            "\t\t\tpublisher-threshold = <%d>;\n\t\t\tmin-security-version = <0 %d>;\n"
            "\t\t\tcpus = <%d>;\n\t\t\tmemory = <0x0 0x0 0x0 0x400000>;\n\t\t\t%s\n\t\t};\n"
            % (name, name, pubs, threshold, floor, cpu, grants))


def config_text(roles, grants_unasked=True):
    body = "".join(guest_dts(g, c, grants_unasked) for g, (c, _) in CASES.items())
    return ("/dts-v1/;\n/ {\n\tcompatible = \"vigil,system-v1\";\n"
            "\tchannel { uart-port = <0x2f8>; irq = <3>; };\n\tguests {\n%s\t};\n};\n"
            "/include/ \"%s\"\n" % (body, os.path.basename(roles)))


def main():
    t = vt.Checks()
    v = vt.EspVariant(vt.TEST_ESP)
    try:
        pub = os.path.join(KEYS, "publisher.key")
        pub2 = os.path.join(vt.WORK, "packages-publisher2")
        for f in (pub2 + ".key", pub2 + ".pub"):
            if os.path.exists(f):
                os.remove(f)
        ctl("keygen", "-o", pub2)
        pub2 += ".key"
        shutil.rmtree(v.path("vigil/packages"), ignore_errors=True)
        make_packages(v, pub, pub2)
        # Roles as the build's, with a second publisher key.
        roles = v.dir + "-roles.dtsi"
        ctl("roles-dtsi", "--role", "patch:1:" + os.path.join(KEYS, "patch.pub"),
            "--role", "operator:1:" + os.path.join(KEYS, "operator.pub"),
            "--role", "publisher:1:%s,%s" % (os.path.join(KEYS, "publisher.pub"), pub2[:-4] + ".pub"),
            "--platform", os.path.join(KEYS, "platform.pub"), "-o", roles)
        v.config_text(config_text(roles))
        system = v.path("vigil/system.dtb")
        host, policy = {}, {}
        for g in ("hello", "ticker"):
            out = ctl("package", "verify", "--config", system, "--guest", g, v.path("vigil/packages/" + g))
            m = re.search(r"effective policy ([0-9a-f]{64})\npolicy-sha256 ([0-9a-f]{64})$", out.strip())
            host[g], policy[g] = m.groups() if m else (None, None)
        # ticker's inventory policy digest, granted and not granted what it did not ask for.
        plain = v.dir + "-plain.dts"
        with open(plain, "w") as f:
            f.write(config_text(roles, grants_unasked=False))
        ctl("config", "build", plain, "-o", plain + ".dtb", "-i", os.path.join(vt.BUILD, "gen"))
        out = ctl("package", "verify", "--config", plain + ".dtb", "--guest", "ticker", v.path("vigil/packages/ticker"))
        m = re.search(r"\npolicy-sha256 ([0-9a-f]{64})$", out.strip())
        ticker_plain = m.group(1) if m else None
        keyid = {k: ctl("key-id", k[:-4] + ".pub").split()[0] for k in (pub, pub2)}

        if os.path.exists(SOCK):
            os.remove(SOCK)
        chanargs = ("-chardev", "socket,id=chan,path=%s,server=on,wait=off" % SOCK, "-serial", "chardev:chan")
        with vt.Boot(v.dir, name="packages", timeout=300, smp=len(CASES) + 1, extra=chanargs) as b:
            up = b.wait_for(r"^vigil: management channel on port 0x2f8 ", timeout=150)
            passed = b.wait_for(r"^\[hello\] verdict: PASS", timeout=90)
            beats = b.wait_for(r"^\[ticker\] beat 2$", timeout=90)
            inv = chan.query_json(SOCK, "inventory").get("guests", {}) if up else {}
            table = chan.vigilctl("inventory", "--socket", SOCK).stdout if up else ""
            lines = b.lines()

        t.check("the boot reached the channel", up)
        for g, (cpu, why) in CASES.items():
            if why is None:
                t.check("%s started on cpu %d" % (g, cpu), b.has(r"^vigil: guest %s started on cpu %d$" % (g, cpu)))
                continue
            said = [l for l in lines if l.startswith("vigil: guest %s refused: " % g)]
            t.check("%s refused, saying why" % g, said and re.search(why, said[0]), "; ".join(said) or "no line")
            t.check("%s did not start" % g, not b.has(r"^vigil: guest %s started" % re.escape(g)))
            st = inv.get(g, {})
            t.check("inventory: %s refused, with its reason" % g,
                    st.get("state") == "refused" and re.search(why, st.get("stop-reason", "")), str(st)[:200])
        t.check("hello ran its checks and passed", passed)
        t.check("ticker beats", beats)
        t.check("the stub said which package files were missing",
                b.has(r"^vigil-stub: package packages/t-absent: no manifest\.dtb; its guest will be refused$")
                and b.has(r"^vigil-stub: package packages/t-nofile: no hello\.elf; its guest will be refused$")
                and b.has(r"^vigil-stub: package packages/t-unsigned: no manifest\.dtb\.sig"))
        h, tk = inv.get("hello", {}), inv.get("ticker", {})
        t.check("inventory: hello's package, version and security version",
                (h.get("package"), h.get("package-version"), h.get("security-version")) == ("hello", 3, 1), str(h)[:300])
        t.check("inventory: ticker's package, version and security version",
                (tk.get("package"), tk.get("package-version"), tk.get("security-version")) == ("ticker", 7, 2))
        t.check("inventory: hello signed by the first publisher's key",
                h.get("publisher-key-ids") == keyid[pub], "%s vs %s" % (h.get("publisher-key-ids"), keyid[pub]))
        t.check("inventory: ticker signed by both publishers' keys",
                tk.get("publisher-key-ids") == keyid[pub] + keyid[pub2])
        for g, st in (("hello", h), ("ticker", tk)):
            t.check("inventory: %s's effective-policy digest is the host's (vigilctl package verify --config)" % g,
                    host[g] and st.get("effective-policy-sha256") == host[g],
                    "%s vs %s" % (st.get("effective-policy-sha256"), host[g]))
        t.check("inventory: ticker's image is the package's, as measured",
                tk.get("image") == "packages/ticker/ticker.elf"
                and tk.get("image-sha256") == vt.sha256_file(v.path("vigil/packages/ticker/ticker.elf")))
        t.check("ticker got no grant it did not ask for: its policy is the one a config without them gives",
                policy["ticker"] and policy["ticker"] == ticker_plain and tk.get("policy-sha256") == ticker_plain,
                "%s; host: %s, without the grants %s" % (tk.get("policy-sha256"), policy["ticker"], ticker_plain))
        t.check("inventory: hello's policy digest is the host's", h.get("policy-sha256") == policy["hello"])
        t.check("vigilctl inventory shows each refused guest with its reason",
                all(re.search(r"^refused: %s: .*%s" % (g, why), table, re.M) for g, (_, why) in CASES.items() if why),
                table[-600:])
        t.check("vigilctl inventory shows hello's package row (name, version, security version, signer)",
                re.search(r"^hello\s+hello\s+3\s+1\s+%s\s+%s$" % (host["hello"], keyid[pub][:16]), table, re.M),
                table[-600:])
        t.check("no VMM panic or exception", not b.has(r"PANIC|VMM exception"))
    finally:
        v.cleanup()
        for f in (v.dir + "-roles.dtsi", v.dir + "-plain.dts", v.dir + "-plain.dts.dtb"):
            if os.path.exists(f):
                os.remove(f)
    t.done()


if __name__ == "__main__":
    main()
