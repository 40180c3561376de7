#!/usr/bin/env python3
"""The test-vmx tier: the Intel VMX path under Bochs (docs/vmx.md).

Each case boots one GRUB ISO (mk/vmx.mk: build/vmx/test/<config>.iso) with
tools/bochs-run.sh, waits until its serial log shows what it waits for (or
its time runs out), stops Bochs, and runs its checks on the log. A check is
a function of the log's lines, so the same function can judge an SVM log:
the matrix at the end has one row per check and one column per vendor, the
svm column evaluated on the boot tier's log of the same test when that log
exists (build/test/work/, from `make test-boot`), else "-" (not run), or a
stated reason where the test has no SVM counterpart.

Adding a case (the attack suite, more configs): a tests/vmx/configs/X.dts
gives build/vmx/test/X.iso; append a Case to CASES with its checks.

The interactive tests (SCRIPTS) run as programs with --vendor vmx: the
channel tier (tests/channel/t_channel.py), the self-check tamper test
(tests/integration/t_selfcheck.py) and the interactive console
(tests/integration/t_console_input.py). Each writes its checks to
build/test/work/<name>.<vendor>.results: the vmx file's checks count here,
and the svm column is the svm file's (the script's last svm run). Every other SVM test appears in the matrix too (ELSEWHERE,
the attack suite's list), with where it runs or why it has no VMX
counterpart. Only one emulator runs at a time: the lock file is the boot
tier's.

Usage: run.py [NAME...]  (a case or script name; default: all)
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import vigiltest as vt  # noqa: E402  (the emulator lock, stopping a run)
BUILD = os.path.join(ROOT, "build")
TEST = os.path.join(BUILD, "vmx", "test")
WORK = os.path.join(TEST, "work")
SVM_WORK = os.path.join(BUILD, "test", "work")
BOCHS_RUN = os.path.join(ROOT, "tools", "bochs-run.sh")


class Bochs:
    """One Bochs run of an ISO; the log is read while it runs."""

    def __init__(self, name, iso, model, cpus, timeout):
        os.makedirs(WORK, exist_ok=True)
        self.log = os.path.join(WORK, name + ".serial.log")
        self.args = [BOCHS_RUN, "--serial", self.log, "--dir", os.path.join(WORK, name),
                     "--model", model, "--cpus", str(cpus), "--timeout", str(timeout), iso]
        self.timeout = timeout

    def __enter__(self):
        self.lock = vt.emulator_lock()
        if os.path.exists(self.log):
            os.remove(self.log)
        self.deadline = time.monotonic() + self.timeout  # from when this run holds the lock
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        return self

    def lines(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace").replace("\r", "").split("\n")
        except FileNotFoundError:
            return []

    def wait(self, done):
        """Until done(lines) is true, Bochs exits or the time is up."""
        while self.proc.poll() is None and time.monotonic() < self.deadline:
            if done(self.lines()):
                return True
            time.sleep(0.5)
        return done(self.lines())

    def __exit__(self, *exc):
        vt.stop_group(self.proc)
        self.lock.close()


def has(lines, regex):
    r = re.compile(regex)
    return next((l for l in lines if r.search(l)), None)


def index_of(lines, regex, start=0):
    r = re.compile(regex)
    return next((i for i in range(start, len(lines)) if r.search(lines[i])), None)


# ---- the guests: the same checks as tests/integration/t_guests.py --------

NPT_STOP = r"^vigil: guest npt-probe stopped: NPT violation at gpa 0x40000000 \(read, not mapped\)"
BEATS_AFTER_STOP = 3
GUESTS = (("hello", 1), ("ticker", 2), ("npt-probe", 3))


def beats(lines, guest="ticker"):
    pat = re.compile(r"^\[%s\] beat (\d+)$" % re.escape(guest))
    return [int(m.group(1)) for m in (pat.match(l) for l in lines) if m]


def guests_done(lines):
    stop = index_of(lines, NPT_STOP)
    return stop is not None and len(beats(lines[stop + 1:])) >= BEATS_AFTER_STOP


def measured_ok(lines, vigil_dir):
    """Every file the entry measured has the digest of the file on the ISO."""
    if vigil_dir is None:
        return None, "not judged: the files that log booted may have been rebuilt since"
    if not os.path.isdir(vigil_dir):
        return False, "no files to compare with"
    names = ["vmm.elf", "system.dtb"]
    for g, _ in GUESTS:
        names += ["packages/%s/manifest.dtb" % g, "packages/%s/manifest.dtb.sig" % g, "packages/%s/%s.elf" % (g, g)]
    for name in names:
        with open(os.path.join(vigil_dir, name), "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        if not has(lines, r"^vigil-stub: measured %s sha256:%s$" % (re.escape(name), want)):
            return False, "%s: no measurement with sha256 %s" % (name, want[:16])
    return True, ""


# The host's local APIC mode each CPU model must run (docs/vmm.md, "The
# local APIC"): x2APIC wherever CPUID offers it, which QEMU 7.2's TCG and
# Bochs's sandy bridge, penryn and lynnfield do not.
XAPIC = "xAPIC (CPU has no x2APIC)"
X2APIC = "x2APIC (enabled by the VMM)"


def apic_check(lines, mode):
    line = has(lines, r"^vigil: local APIC: ")
    return ("local APIC: %s" % mode, line == "vigil: local APIC: %s" % mode, line or "no local APIC line")


def guest_checks(vendor, vigil_dir=None, apic=XAPIC):
    def checks(lines):
        out = [
            ("stub verified the VMM and config",
             has(lines, r"^vigil-stub: verified vmm\.elf") and has(lines, r"^vigil-stub: verified system\.dtb"), ""),
            ("measured digests match the files", *measured_ok(lines, vigil_dir)),
            ("VMM banner", has(lines, r"^vigil: Vigil \S+ starting$"), ""),
            apic_check(lines, apic),
            ("backend chosen for the CPU", has(lines, r"^vigil: virtualization: %s$" % vendor), ""),
        ]
        for name, cpu in GUESTS:
            out.append(("%s started on cpu %d" % (name, cpu),
                        has(lines, r"^vigil: guest %s started on cpu %d$" % (name, cpu)), ""))
        out.append(("hello passes", has(lines, r"^\[hello\] verdict: PASS"), ""))
        out.append(("hello ends by hypercall",
                    has(lines, r"^vigil: guest hello stopped: exit hypercall \(code 0\)$"), ""))
        stop = index_of(lines, NPT_STOP)
        out.append(("npt-probe stopped by an NPT violation", stop is not None, ""))
        touch = index_of(lines, r"^\[npt-probe\] npt-probe: touching 0x40000000$")
        after = [l for l in lines[touch + 1:] if l.startswith("[npt-probe] ")] if touch is not None \
            else ["(no touch line)"]
        out.append(("npt-probe printed nothing after the touch", not after, "; ".join(after[:3])))
        later = beats(lines[stop + 1:]) if stop is not None else []
        out.append(("ticker beats on after npt-probe stopped", len(later) >= BEATS_AFTER_STOP,
                    "%d beats after the stop" % len(later)))
        out.append(("no VMM panic or exception", not has(lines, r"PANIC|VMM exception"), ""))
        started = set(m.group(1) for m in (re.match(r"^vigil: guest (\S+) started on cpu", l) for l in lines) if m)
        bad = [l for l in lines if l.startswith("[") and
               not (re.match(r"^\[([a-z0-9-]+)\] ", l) and re.match(r"^\[([a-z0-9-]+)\] ", l).group(1) in started)]
        out.append(("every guest line carries its guest's prefix", not bad, "; ".join(bad[:3])))
        return out
    return checks


# ---- refusals ----------------------------------------------------------------

def refused_at_boot(regex, what):
    def checks(lines):
        refusal = has(lines, regex)
        started = has(lines, r"^vigil: guest \S+ started|^\[[a-z0-9-]+\] ")
        name, ok, why = apic_check(lines, XAPIC)
        return [
            ("%s: refused with a clear message" % what, refusal,
             has(lines, r"PANIC|refused") or "no refusal line"),
            ("%s: nothing started" % what, not started, started or ""),
            ("%s: %s" % (what, name), ok, why),
        ]
    return checks


def prefixed(prefix, checks):
    """The same checks, their names prefixed (one matrix row each)."""
    return lambda lines: [(prefix + name, ok, why) for name, ok, why in checks(lines)]


def stub_refused(what, refusal):
    """The stub refuses (its line matches refusal) and nothing of the VMM
    runs: the checks of tests/integration/t_stub_refuse.py less the
    firmware's own line (GRUB has none)."""
    def checks(lines):
        line = has(lines, r"^vigil-stub: " + refusal)
        vmm = has(lines, r"^(vigil: |vigil-stub: starting|\[[a-z0-9-]+\] )")
        return [
            ("%s: refused" % what, line, has(lines, r"refused") or "no refusal line"),
            ("%s: no VMM or guest output" % what, not vmm, vmm or ""),
        ]
    return checks


def package_file_missing(lines):
    """npt-probe's image left out of the ISO: the stub says so and goes on,
    the VMM refuses npt-probe alone, the other guests run."""
    return [
        ("the stub says npt-probe's image is missing and goes on",
         has(lines, r"^vigil-stub: package packages/npt-probe: no npt-probe\.elf; its guest will be refused$"), ""),
        ("the VMM refuses npt-probe, saying why",
         has(lines, r"^vigil: guest npt-probe refused: package npt-probe: image 'npt-probe\.elf' was not loaded$"), ""),
        ("npt-probe never starts", not has(lines, r"^vigil: guest npt-probe started"), ""),
        ("hello passes beside it", has(lines, r"^\[hello\] verdict: PASS"), ""),
        ("ticker beats beside it", has(lines, r"^\[ticker\] beat 2$"), ""),
    ]


def stub_case(name, iso_name, what, refusal, svm_log):
    return Case(name, iso(iso_name), stub_refused(what, refusal),
                lambda l: has(l, r"^vigil-mb2: refused to boot|^vigil: "), cpus=1, timeout=120,
                svm=(svm_log, stub_refused(what, refusal)))


# ---- the VMX counterparts of the SVM-specific attacks --------------------

VMX_ATTACKS = ("attack-vmx-insn", "attack-vmx-msr", "attack-vmx-cr")


def attacks_done(lines):
    stops = [index_of(lines, r"^vigil: guest %s stopped: " % a) for a in VMX_ATTACKS]
    if None in stops:
        return False
    return len(beats(lines[max(stops) + 1:], "victim")) >= BEATS_AFTER_STOP


def attack_checks(lines):
    """Each attack ends with exactly "verdict: PASS <name>" and its exit
    hypercall; the victim beats on after the last of them."""
    out = []
    for a in VMX_ATTACKS:
        said = [l[len(a) + 3:] for l in lines if l.startswith("[%s] " % a)]
        verdicts = [l for l in said if l.startswith("verdict: ")]
        fails = [l for l in said if ": FAIL" in l]
        ended = has(lines, r"^vigil: guest %s stopped: exit hypercall \(code 0\)$" % a)
        out.append((a, verdicts == ["verdict: PASS %s" % a] and ended,
                    "; ".join((fails or verdicts or ["no verdict"])[:3])))
    stops = [index_of(lines, r"^vigil: guest %s stopped: " % a) for a in VMX_ATTACKS]
    later = beats(lines[max(stops) + 1:], "victim") if None not in stops else []
    out.append(("victim beats on after the VMX attacks", len(later) >= BEATS_AFTER_STOP,
                "%d beats after the last attack" % len(later)))
    out.append(("no VMM panic or exception (VMX attacks)", not has(lines, r"PANIC|VMM exception"), ""))
    name, ok, why = apic_check(lines, X2APIC)
    out.append(("VMX attacks: " + name, ok, why))
    return out


class Case:
    def __init__(self, name, iso, checks, done, model="corei7_skylake_x", cpus=4, timeout=120,
                 svm=None):
        self.name, self.iso, self.checks, self.done = name, iso, checks, done
        self.model, self.cpus, self.timeout = model, cpus, timeout
        self.svm = svm  # (boot tier log name, checks), a reason "n/a: ...", or None


def iso(name):
    return os.path.join(TEST, name + ".iso")


REFUSED_OR_RAN = r"PANIC|^vigil: guest \S+ started|refused"
CASES = [
    # Sandy bridge has EPT and unrestricted guest but no x2APIC: the one
    # Bochs boot whose guests run with the host APIC in xAPIC mode.
    Case("guests", iso("guests"), guest_checks("vmx", os.path.join(TEST, "guests", "vigil")),
         guests_done, model="corei7_sandy_bridge_2600k", timeout=180,
         svm=("guests.serial.log", guest_checks("svm"))),
    # Bochs's AMD Ryzen model: the SVM backend with NPT on a second
    # emulator (its CPU has no VM_CR, which the VMM's probe survives).
    Case("svm-guests", iso("guests"), prefixed("SVM on Bochs ryzen: ", guest_checks("svm", os.path.join(TEST, "guests", "vigil"))),
         guests_done, model="ryzen", timeout=180,
         svm="n/a: this row is SVM itself, on Bochs's AMD CPU"),
    Case("vmx-attacks", iso("vmx-attacks"), attack_checks, attacks_done, cpus=5, timeout=180,
         svm="n/a: SVM runs its attacks in the attack tier (QEMU); these guests are built for it"),
    Case("no-ept", iso("guests"),
         refused_at_boot(r"^vigil: PANIC on cpu 0: cannot virtualize: VMX without EPT", "CPU without EPT"),
         lambda l: has(l, REFUSED_OR_RAN), model="core2_penryn_t9600", cpus=1, timeout=120,
         svm="n/a: the boot tier has no CPU without NPT"),
    Case("no-unrestricted-guest", iso("guests"),
         refused_at_boot(r"^vigil: PANIC on cpu 0: cannot virtualize: VMX without unrestricted guest",
                         "CPU without unrestricted guest"),
         lambda l: has(l, REFUSED_OR_RAN), model="corei5_lynnfield_750", cpus=1, timeout=120,
         svm="n/a: SVM has no such mode"),
    # The svm logs: t_stub_refuse.py's cases 0, 1, 3, 4 and 8.
    stub_case("tampered-vmm", "guests-tampered-vmm", "tampered vmm.elf",
              r"refused vmm\.elf: .*\(0 of 1 platform keys\)", "refuse0.serial.log"),
    stub_case("tampered-config", "guests-tampered-dtb", "tampered system.dtb",
              r"refused system\.dtb: .*\(0 of 1 platform keys\)", "refuse1.serial.log"),
    stub_case("no-vmm-sig", "guests-no-vmm-sig", "vmm.elf.sig missing", r"refused vmm\.elf\.sig: missing",
              "refuse3.serial.log"),
    stub_case("no-config-sig", "guests-no-dtb-sig", "system.dtb.sig missing", r"refused system\.dtb\.sig: missing",
              "refuse4.serial.log"),
    # A package's image left out: that guest alone is refused, by the VMM.
    Case("package-file-missing", iso("guests-no-image"), package_file_missing,
         lambda l: has(l, r"^\[hello\] verdict: PASS") and has(l, r"^\[ticker\] beat 2$"), timeout=180,
         svm="the boot tier's t_packages.py: this (t-nofile) and eleven other refusals in one boot"),
]


def svm_results(case):
    """{check name: "PASS"/"FAIL"} from the boot tier's log, or a reason."""
    if case.svm is None:
        return "-"
    if isinstance(case.svm, str):
        return case.svm
    log, checks = case.svm
    path = os.path.join(SVM_WORK, log)
    if not os.path.exists(path):
        return "-"
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    lines = re.sub(r"\x1b(\[[0-9;=?]*[A-Za-z]|[()][A-Za-z0-9]|[=>])", "", text).replace("\r", "").split("\n")
    return {n: "-" if ok is None else "PASS" if ok else "FAIL" for n, ok, _ in checks(lines)}


# ---- the interactive tests, as programs ------------------------------------

SCRIPTS = [  # (name, script); each writes build/test/work/<name>.<vendor>.results
    ("channel", os.path.join(ROOT, "tests", "channel", "t_channel.py")),
    ("selfcheck", os.path.join(ROOT, "tests", "integration", "t_selfcheck.py")),
    ("console-input", os.path.join(ROOT, "tests", "integration", "t_console_input.py")),
]


def script_results(name, vendor):
    """[(check name, PASS/FAIL)] of a script's last run on vendor, else []."""
    try:
        with open(os.path.join(SVM_WORK, "%s.%s.results" % (name, vendor))) as f:
            return [(l[5:].rstrip("\n"), l[:4]) for l in f if l[:5] in ("PASS ", "FAIL ")]
    except FileNotFoundError:
        return []


def run_script(name, script):
    """Run script --vendor vmx (its lines echoed); its checks become rows."""
    print("--- %s (%s --vendor vmx)" % (name, os.path.relpath(script, ROOT)), flush=True)
    t0 = time.monotonic()
    results = os.path.join(SVM_WORK, "%s.vmx.results" % name)
    if os.path.exists(results):
        os.remove(results)
    status = subprocess.call([sys.executable, script, "--vendor", "vmx"])
    svm = dict(script_results(name, "svm"))
    rows = [("%s: %s" % (name, check), res, svm.get(check, "-")) for check, res in script_results(name, "vmx")]
    if status != 0 and not any(r[1] == "FAIL" for r in rows):
        print("FAIL %s: exited %d" % (name, status), flush=True)
        rows.append(("%s: exit status" % name, "FAIL", "-"))
    print("    (%.0f s)" % (time.monotonic() - t0), flush=True)
    return rows


# ---- SVM tests that run elsewhere or have no VMX counterpart ---------------

NO_UEFI = "n/a: Bochs has no UEFI; every vmx case boots the mb2 entry instead"
ELSEWHERE = [  # (test, vmx, svm)
    ("stub: the disk image boots (t_stub_image)", NO_UEFI, "boot tier"),
    ("stub: measurements extended into the TPM (t_stub_measure)",
     "n/a: no TPM on the mb2 path; its recorded digests: 'measured digests match the files'", "boot tier"),
    ("stub: Secure Boot refuses the unsigned stub (t_stub_secureboot)", NO_UEFI, "boot tier"),
    ("selfcheck: text unlike the image's signed digest is caught (t_selfcheck_image)",
     "n/a: vendor-neutral (kernel/selfcheck.c, the first check); the tamper test above runs on vmx",
     "boot tier"),
    ("stub: other refusals: foreign key, bad ELF, bad image paths (t_stub_refuse)",
     "n/a: the stub's own checks (boot/stub.c) on both entries; the file-level refusals above", "boot tier"),
    ("dma: VT-d and AMD-Vi block all DMA (t_iommu)",
     "n/a: Bochs has no IOMMU; QEMU has both, beside its SVM CPU", "iommu tier"),
]


ATTACK_RESULTS = os.path.join(BUILD, "test", "attacks", "results.json")


def attack_rows():
    """One row per attack of the attack tier (tests/attacks/run.py's
    ATTACKS, read from its source), and per functional guest that tier
    runs (its TESTS), each on both vendors: its last whole run's verdicts
    (make test runs that tier first), else "attack tier"."""
    with open(os.path.join(ROOT, "tests", "attacks", "run.py")) as f:
        text = f.read()
    try:
        with open(ATTACK_RESULTS) as f:
            results = json.load(f)
    except (OSError, ValueError):
        results = {}
    rows = []
    for table, label in (("ATTACKS = {", "attack"), ("TESTS = {", "guest")):
        block = text[text.index(table):]
        block = block[:block.index("\n}\n")]
        for a in re.findall(r'^\s+"([a-z0-9-]+)":', block, re.M):
            got = results.get(a, {})
            rows.append(("%s: %s" % (label, a), got.get("vmx", "attack tier"), got.get("svm", "attack tier")))
    return rows


def main():
    only = sys.argv[1:]
    passed = failed = 0
    rows = []
    t_start = time.monotonic()
    for case in CASES:
        if only and case.name not in only:
            continue
        print("--- %s (%s, %d CPU%s)" % (case.name, case.model, case.cpus, "s"[:case.cpus > 1]), flush=True)
        with Bochs(case.name, case.iso, case.model, case.cpus, case.timeout) as b:
            t0 = time.monotonic()
            b.wait(case.done)
        lines = b.lines()
        svm = svm_results(case)
        for name, ok, why in case.checks(lines):
            if ok:
                passed += 1
                print("PASS %s" % name, flush=True)
            else:
                failed += 1
                print("FAIL %s%s" % (name, ": %s" % why if why else ""), flush=True)
            rows.append((name, "PASS" if ok else "FAIL",
                         svm.get(name, "-") if isinstance(svm, dict) else svm))
        print("    (%.0f s; serial log %s)" % (time.monotonic() - t0, os.path.relpath(b.log, ROOT)))
    for name, script in SCRIPTS:
        if only and name not in only:
            continue
        for row in run_script(name, script):
            rows.append(row)
            passed += row[1] == "PASS"
            failed += row[1] == "FAIL"
    if not only:
        rows += ELSEWHERE + attack_rows()
    width = max([len(r[0]) for r in rows] + [4])
    print("=== matrix (vmx: this run; svm: the same checks on the boot and channel tiers' last runs,")
    print("    '-' when not run; attacks: both columns from the attack tier's last whole run;")
    print("    elsewhere: the tier that runs it, or why it has no counterpart)")
    print("%-*s  %-11s  %s" % (width, "test", "vmx", "svm"))
    for name, vmx, svm in rows:
        print("%-*s  %-11s  %s" % (width, name, vmx, svm))
    print("(test-vmx took %.0f s)" % (time.monotonic() - t_start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
