#!/usr/bin/env python3
"""The attack tier: every attack guest under the real VMM, beside victims.

Usage: run.py [--vendors "svm vmx"] [BOOT...]   (default: every
tests/attacks/*.dts on both backends)

Each tests/attacks/<boot>.dts is one boot (mk/attacks.mk): on svm the ESP
build/test/attacks/svm/<boot>/ under QEMU + OVMF, on vmx the GRUB ISO
build/test/attacks/vmx/<boot>.iso under Bochs. Its guests named victim-* run the ticker and print beats;
every other guest is an attack listed in ATTACKS below, which says how the
attack must end (or a functional test guest listed in TESTS, which ends as
a Verdict attack does):

  Stop(reason)  the VMM stops the guest: after the guest's announcement
                "<name>: attacking: ...", Vigil logs
                "vigil: guest <name> stopped: <reason>" and the guest prints
                nothing more (no verdict);
  Verdict()     the guest prints exactly "verdict: PASS <name>" and ends by
                hypercall ("stopped: exit hypercall (code 0)").
  Restarts(n)   the guest resets itself on every boot; n boots after the
                first must report what they were started with intact.

A guest's line "<name>: NOT RUN: ..." (checks the platform cannot run
yet) is echoed as a NOTE. Every attack also needs each victim to beat
BEATS_AFTER more times after the attack ended. Per boot: every guest started, no VMM panic or exception,
the machine still running at the end (no reset got through), and no
victim took an interrupt: the ticker runs with its local APIC on and
RFLAGS.IF set, asks for none, and reports every one it takes. In boots
with interrupt attacks (IRQ_RAISED) COM2 is the management channel, and
the harness reads the VMM's drop counters from the inventory: each such
attack must have raised its own, and every victim's stay 0. The flood boot
also prints the victims' beat rate while the attacker spins and while it
floods. One PASS/FAIL line per check, named "<vendor> <check>", a matrix
of every attack against every backend, then "N passed, N failed".
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "channel"))
import vigiltest as vt  # noqa: E402
import chan  # noqa: E402

OUT = os.path.join(vt.BUILD, "test", "attacks")
# The last run's verdicts, attack -> vendor -> PASS/FAIL/SKIP, for the
# matrix of test-vmx (tests/vmx/run.py).
RESULTS = os.path.join(OUT, "results.json")
BOCHS_RUN = os.path.join(vt.ROOT, "tools", "bochs-run.sh")
SMP = 8                 # CPU 0 the VMM's, 1-2 victims, up to 5 attackers
# Boots whose config uses other CPUs than 0-7: boot-12's guests of two
# vCPUs run on CPUs 3-8, boot-13's on 3-5. A CPU no guest runs on takes no
# part in an attack, and Bochs spends about as much host time on an idle
# CPU as on a busy one. boot-flood keeps 8 although it uses 4: the fewer
# CPUs Bochs runs in turn, the larger the share of each round the flooding
# CPU's exits take, and the victims' flood rate moves toward
# FLOOD_MIN_RATIO (86% of the spin rate with 8 CPUs, 63% with 4).
BOOT_SMP = {"boot-12": 9, "boot-13": 6}
BOOT_TIMEOUT = 240      # seconds for the whole emulator run
ATTACK_TIMEOUT = 150    # seconds for every attacker to end, from power-on
BEATS_AFTER = 3         # beats each victim owes after the last attack ended
BEAT_TIMEOUT = 60
FLOOD_MIN_RATIO = 0.5   # victims' beat rate in the flood vs the spin phase
# Bochs CPU models other than bochs-run.sh's default (corei7_skylake_x), per
# boot: tigerlake enumerates IBRS, STIBP, SSBD, IBPB and L1D flush, so the
# speculation controls attack-cpuid-honest checks are there to be used.
BOCHS_MODELS = {"boot-11": "tigerlake"}
# The speculation policy the VMM must choose for the CPU models the tier
# runs on (docs/vmm.md, "Speculation policy"): QEMU's qemu64 enumerates no
# control at all, nor does Bochs's default model; Bochs's tigerlake has eIBRS, IBPB and MD_CLEAR, and its
# ARCH_CAPABILITIES (0x1f) claims neither MDS_NO nor PSCHANGE_MC_NO nor
# PBRSB_NO. Its L1D flush stays off: SKIP_L1DFL_VMENTRY is set.
# The host's local APIC mode each vendor's machines run (docs/vmm.md, "The
# local APIC").
APIC_MODE = {"svm": "xAPIC (CPU has no x2APIC)", "vmx": "x2APIC (enabled by the VMM)"}
SPEC_POLICY = {
    ("svm", None): "IBRS none (the VMM's indirect branches are unprotected); IBPB at guest start "
                   "unavailable; RSB fill on; L1D flush off; VERW off; nested pages 2 MiB",
    # Bochs's default corei7_skylake_x: no control, no ARCH_CAPABILITIES.
    ("vmx", None): "IBRS none (the VMM's indirect branches are unprotected); IBPB at guest start "
                   "unavailable; RSB fill on; L1D flush UNAVAILABLE (affected); VERW off; "
                   "nested pages 4 KiB (iTLB multihit)",
    ("vmx", "tigerlake"): "IBRS enhanced, always on; IBPB at guest start on; RSB fill on; "
                          "L1D flush off; VERW on; nested pages 4 KiB (iTLB multihit)",
}


class Stop:
    def __init__(self, reason):
        self.reason = reason


class Verdict:
    """may_skip: a SKIP verdict is reported as SKIP (neither passed nor
    failed), for an attack the test CPU cannot run (the guest says why)."""

    def __init__(self, may_skip=False):
        self.may_skip = may_skip


class Restarts:
    """The guest checks what it was started with, says "<name>: boot: start
    info intact", corrupts it and resets itself, on every boot: it must
    come back intact at least `boots` times (the VMM logs each reset), and
    never print a FAIL line or a verdict."""

    def __init__(self, boots):
        self.boots = boots


def npt(gpa, access):
    return Stop(r"NPT violation at gpa %s \((%s), not mapped\)" % (gpa, access))


ATTACKS = {
    # guest-physical addresses outside the guest's memory (0..4 MiB)
    "attack-gpa-top": npt("0x400000", "read"),
    "attack-gpa-write": npt("0x800000", "write"),
    "attack-gpa-4g": npt("0x100000000", "read"),
    "attack-gpa-64g": npt("0x1000000000", "read"),
    "attack-gpa-maxphys": npt("0xf{6,12}8", "read"),
    "attack-gpt-walk": npt("0x80000000", "read|write"),
    # host-physical memory and the VMM
    "attack-hpa-scan": npt("0x1000000", "read"),
    "attack-vmm-read": npt("0x3fe00000", "read"),
    "attack-vmm-write": npt("0x3fe00000", "write"),
    "attack-vmm-exec": npt("0x3fa00000", "fetch"),
    "attack-own-scan": Verdict(),
    # device MMIO and IPIs
    "attack-lapic": Verdict(),
    "attack-ioapic": Verdict(),
    "attack-hpet": npt("0xfed00000", "read"),
    "attack-tpm": npt("0xfed40000", "read"),
    "attack-ipi-init": Verdict(),
    "attack-ipi-sipi": Verdict(),
    "attack-ipi-nmi": Verdict(),
    "attack-msr-x2apic": Verdict(),
    # faults
    "attack-triple-fault": Stop(r"triple fault"),
    "attack-ac-storm": Verdict(may_skip=True),  # QEMU TCG has no alignment checking
    "attack-db-storm": Verdict(),
    "attack-debug-progress": Verdict(),
    "attack-exit-flood": Verdict(),
    # port I/O
    "attack-io-com2": Verdict(),
    "attack-console-forge": Verdict(),
    "attack-io-pci": Verdict(),
    "attack-io-cf9": Verdict(),
    "attack-io-kbd": Verdict(),
    "attack-io-port92": Verdict(),
    "attack-io-cmos": Verdict(),
    "attack-io-string": Verdict(),
    # MSRs
    "attack-msr-efer": Verdict(),
    "attack-efer-lme": Verdict(),
    "attack-msr-hsave": Verdict(),
    "attack-msr-microcode": Verdict(),
    "attack-msr-smm": Verdict(),
    "attack-msr-apic-base": Verdict(),
    "attack-msr-vm-cr": Verdict(),
    "attack-msr-unknown": Verdict(),
    "attack-msr-host": Verdict(),
    "attack-pvclock": Verdict(),  # the clock's MSRs name a record the VMM writes
    # CPUID
    "attack-cpuid-virt": Verdict(),
    "attack-cpuid-unlisted": Verdict(),
    "attack-cpuid-hv": Verdict(),
    "attack-cpuid-honest": Verdict(),
    # virtualization instructions and hypercalls
    "attack-vmrun": Verdict(),
    "attack-vmload": Verdict(),
    "attack-gif": Verdict(),
    "attack-skinit": Verdict(),
    "attack-invlpga": Verdict(),
    "attack-vmx-insns": Verdict(),
    "attack-hc-numbers": Verdict(),
    "attack-hc-args": Verdict(),
    # guests of several vCPUs
    "attack-smp-triple": Stop(r"triple fault"),
    "attack-smp-decode": Verdict(),
    "attack-smp-storm": Verdict(),
    # what a guest is started with
    "attack-start-info": Restarts(3),
}

# The VMM's drop counters (the inventory's per-guest `irq` node) that an
# attack must have raised by the time it ended: the harness reads them over
# the management channel in every boot that runs one of these. A victim's
# counters must all stay 0, and a victim must never take an interrupt
# (the ticker counts strays).
IRQ_RAISED = {
    "attack-lapic": ("mmio-refused", "lapic-illegal-vectors", "lapic-refused-ipis",
                     "lapic-odd-accesses", "timer-clamps"),
    "attack-ioapic": ("ioapic-undeliverable", "ioapic-illegal"),
    "attack-ipi-init": ("lapic-dropped-ipis",),
    "attack-ipi-sipi": ("lapic-dropped-ipis",),
    "attack-ipi-nmi": ("lapic-dropped-ipis",),
    "smp-basic": ("lapic-dropped-ipis",),  # its IPIs to APIC IDs it lacks
    "attack-smp-storm": ("lapic-dropped-ipis",),  # destinations naming nobody of it
}
# Exits an attack must have caused, at least (the inventory's per-guest
# `exits` node): an instruction the VMM must intercept, counted there.
EXITS_RAISED = {
    "attack-exit-flood": {"wbinvd": 10000},  # never the real, shared-cache WBINVD
}
IRQ_COUNTERS = ("mmio-refused", "ioapic-undeliverable", "ioapic-illegal", "lapic-illegal-vectors",
                "lapic-refused-ipis", "lapic-dropped-ipis", "lapic-odd-accesses", "timer-clamps")

# Functional test guests that run in these boots as well, so that both
# backends run them beside the victims: not attacks, but each must end as
# a Verdict attack does.
TESTS = {
    "apic-timer": Verdict(),  # the APIC timer, priorities, HLT, I/O APIC pin 4
    "hypercall-abi": Verdict(),  # the hypercall contract; HC_EXIT from CPL 3 refused
    "smp-basic": Verdict(),  # two vCPUs: INIT/SIPI start, IPIs both ways, re-start after INIT
}
EXPECT = {**ATTACKS, **TESTS}


class Tally:
    """PASS/FAIL/SKIP lines "<vendor> <name>", and the results for the matrix."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.vendor = ""
        self.results = {}  # (name, vendor) -> PASS/FAIL/SKIP

    def label(self, name):
        return ("%s %s" % (self.vendor, name)).strip()

    def skip(self, name, why):
        self.skipped += 1
        self.results[(name, self.vendor)] = "SKIP"
        print("SKIP %s: %s" % (self.label(name), why), flush=True)

    def check(self, name, problems):
        self.results[(name, self.vendor)] = "FAIL" if problems else "PASS"
        if problems:
            self.failed += 1
            print("FAIL %s: %s" % (self.label(name), "; ".join(problems)), flush=True)
        else:
            self.passed += 1
            print("PASS %s" % self.label(name), flush=True)

    def save(self):
        out = {}
        for (name, vendor), verdict in self.results.items():
            out.setdefault(name, {})[vendor] = verdict
        os.makedirs(OUT, exist_ok=True)
        with open(RESULTS, "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)

    def matrix(self, vendors):
        names = [n for n in EXPECT if any((n, v) in self.results for v in vendors)]
        if not names:
            return
        print("=== matrix")
        width = max(len(n) for n in names)
        print("%-*s  %s" % (width, "attack", "  ".join("%-4s" % v for v in vendors)))
        for n in names:
            print("%-*s  %s" % (width, n, "  ".join("%-4s" % self.results.get((n, v), "-")
                                                    for v in vendors)))


class Qemu:
    """An svm boot: QEMU + OVMF through vigiltest.Boot, with a real COM2
    captured to a file so that writes reaching it can be noticed."""

    vendor = "svm"

    def __init__(self, boot, channel=None):
        """channel: COM2 is the management channel on that unix socket,
        rather than a file that catches what reaches the real COM2."""
        self.com2 = None
        extra = []
        if not channel:
            self.com2 = os.path.join(vt.WORK, "attacks-svm-%s.com2.log" % boot)
            if os.path.exists(self.com2):
                os.remove(self.com2)
            extra = ["-serial", "file:" + self.com2]
        self.b = vt.Boot(os.path.join(OUT, "svm", boot), name="attacks-svm-" + boot,
                         timeout=BOOT_TIMEOUT, smp=BOOT_SMP.get(boot, SMP), extra=extra)
        if channel:
            self.b.args[1:1] = ["--channel", channel]
        self.log = self.b.log

    def __enter__(self):
        self.b.start()
        return self

    def __exit__(self, *exc):
        self.b.stop()

    def running(self):
        return self.b.running()

    def lines(self):
        return self.b.lines()


class Bochs:
    """A vmx boot: Bochs with the GRUB ISO (tools/bochs-run.sh). No COM2."""

    vendor = "vmx"

    def __init__(self, boot, channel=None):
        work = os.path.join(OUT, "vmx", "work")
        os.makedirs(work, exist_ok=True)
        self.log = os.path.join(work, boot + ".serial.log")
        self.com2 = None
        self.args = [BOCHS_RUN, "--serial", self.log, "--dir", os.path.join(work, boot),
                     "--cpus", str(BOOT_SMP.get(boot, SMP)), "--timeout", str(BOOT_TIMEOUT)]
        if channel:
            self.args += ["--com2-socket", channel]
        if boot in BOCHS_MODELS:
            self.args += ["--model", BOCHS_MODELS[boot]]
        self.args.append(os.path.join(OUT, "vmx", boot + ".iso"))

    def __enter__(self):
        self.lock = vt.emulator_lock()
        if os.path.exists(self.log):
            os.remove(self.log)
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        return self

    def __exit__(self, *exc):
        vt.stop_group(self.proc)
        self.lock.close()

    def running(self):
        return self.proc.poll() is None

    def lines(self):
        try:
            with open(self.log, "rb") as f:
                return vt.clean(f.read().decode("utf-8", "replace")).split("\n")
        except FileNotFoundError:
            return []


MACHINES = {"svm": Qemu, "vmx": Bochs}


def has(lines, regex):
    r = re.compile(regex)
    return next((m for m in (r.search(l) for l in lines) if m), None)


def config_guests(dts):
    """(name, package, cpu) of each guest node in a boot's .dts and the
    victims.dtsi it includes."""
    text = ""
    for path in (dts, os.path.join(HERE, "victims.dtsi")):
        with open(path) as f:
            text += f.read()
    node = re.compile(r"^\s*([a-z0-9-]+) \{\s*package = \"([^\"]+)\";\s*publishers = <[\d ]+>;"
                      r"\s*publisher-threshold = <\d+>;\s*cpus = <(\d+)[\d ]*>;", re.M)
    return [(m.group(1), m.group(2), int(m.group(3))) for m in node.finditer(text)]  # the boot vCPU's


def stop_index(lines, name):
    pat = re.compile(r"^vigil: guest %s stopped: " % re.escape(name))
    return next((i for i, l in enumerate(lines) if pat.match(l)), None)


def beats(lines, victim, start=0):
    pat = re.compile(r"^\[%s\] beat (\d+)$" % re.escape(victim))
    return [int(m.group(1)) for m in (pat.match(l) for l in lines[start:]) if m]


def guest_lines(lines, name, start=0):
    prefix = "[%s] " % name
    return [(i, l[len(prefix):]) for i, l in enumerate(lines) if i >= start and l.startswith(prefix)]


def check_stop(lines, name, exp):
    problems = []
    said = guest_lines(lines, name)
    ann = [i for i, l in said if l.startswith("%s: attacking: " % name)]
    stop = stop_index(lines, name)
    if not ann:
        problems.append("no announcement line")
    if stop is None:
        problems.append("never stopped")
    elif not re.match(r"^vigil: guest %s stopped: %s" % (re.escape(name), exp.reason), lines[stop]):
        problems.append("stopped for another reason: %r" % lines[stop])
    if ann:
        after = [l for i, l in said if i > ann[-1]]
        if after:
            problems.append("printed after the attack: %r" % after[:2])
    verdicts = [l for _, l in said if l.startswith("verdict: ")]
    if verdicts:
        problems.append("printed a verdict: %r" % verdicts[:2])
    return problems


def skipped(lines, name, exp):
    """The guest's SKIP reason, when the attack may skip and did so cleanly."""
    said = [l for _, l in guest_lines(lines, name)]
    verdicts = [l for l in said if l.startswith("verdict: ")]
    stop = stop_index(lines, name)
    if not (isinstance(exp, Verdict) and exp.may_skip and len(verdicts) == 1 and stop is not None):
        return None
    if not verdicts[0].startswith("verdict: SKIP %s: " % name):
        return None
    if lines[stop] != "vigil: guest %s stopped: exit hypercall (code 0)" % name:
        return None
    return verdicts[0][len("verdict: SKIP %s: " % name):]


def intact_boots(lines, name):
    """Indexes of the guest's "boot: start info intact" lines."""
    return [i for i, l in guest_lines(lines, name) if l == "%s: boot: start info intact" % name]


def restarts_done(lines, name, exp):
    """Index where a Restarts attack is decided (passed, or ended), or None."""
    intact = intact_boots(lines, name)
    if len(intact) > exp.boots:
        return intact[exp.boots]
    return stop_index(lines, name)


def check_restarts(lines, name, exp):
    problems = []
    said = guest_lines(lines, name)
    intact = intact_boots(lines, name)
    resets = [i for i, l in enumerate(lines) if l.startswith("vigil: guest %s resets itself: " % name)]
    if len(intact) <= exp.boots:
        problems.append("%d boots reported their start info intact, want %d after the first" %
                        (len(intact), exp.boots + 1))
    else:
        # Each boot after the first follows a reset the VMM logged after
        # the previous boot's corruption.
        for k in range(1, exp.boots + 1):
            if not any(intact[k - 1] < r < intact[k] for r in resets):
                problems.append("boot %d was not preceded by a logged reset" % (k + 1))
    problems += ["guest: %s" % l for _, l in said if l.startswith("%s: FAIL" % name)][:4]
    problems += ["printed a verdict: %s" % l for _, l in said if l.startswith("verdict: ")][:1]
    stop = stop_index(lines, name)
    if stop is not None:
        problems.append("stopped: %r" % lines[stop])
    return problems


def check_verdict(lines, name):
    problems = []
    said = [l for _, l in guest_lines(lines, name)]
    verdicts = [l for l in said if l.startswith("verdict: ")]
    if verdicts != ["verdict: PASS %s" % name]:
        problems.append("verdicts %r" % (verdicts or ["(none)"]))
        problems += ["guest: %s" % l for l in said if l.startswith("%s: FAIL" % name)][:4]
    stop = stop_index(lines, name)
    want = "vigil: guest %s stopped: exit hypercall (code 0)" % name
    if stop is None or lines[stop] != want:
        problems.append("ended %r" % (lines[stop] if stop is not None else "(still running)"))
    if stop is None and said:  # where it stopped making progress
        problems.append("its last line: %r" % said[-1])
    return problems


def check_victims_after(lines, victims, index):
    problems = []
    for v in victims:
        n = len(beats(lines, v, index + 1))
        if n < BEATS_AFTER:
            problems.append("%s beat %d times afterwards, want %d" % (v, n, BEATS_AFTER))
    return problems


def erased(line):
    """A console line as a terminal shows it: BS SP BS erases a character."""
    while "\b \b" in line:
        i = line.index("\b \b")
        line = line[:max(i - 1, 0)] + line[i + 3:]
    return line


def extra_console_forge(lines, raw, m):
    problems = []
    lines = [erased(l) for l in lines]
    forged = [l for l in lines if re.match(r"^vigil: .*forged", l)]
    if forged:
        problems.append("forged VMM line %r" % forged[0])
    if "[attack-console-forge] vigil: guest victim-a stopped: forged by attack" not in lines:
        problems.append("forged text not shown as the guest's own line")
    for line in raw.split(b"\n"):
        line = line[:-1] if line.endswith(b"\r") else line  # the VMM ends lines with CR LF
        if line.startswith(b"[attack-console-forge]") and re.search(rb"[\x00-\x07\x0b-\x1f\x7f]", line):
            problems.append("control bytes reached the console: %r" % line[:60])
            break
        # A guest's erasures come out as BS SP BS, over its own text only:
        # on a terminal the cursor never moves back into the prefix.
        pre = re.match(rb"^\[[a-z0-9-]+\] ", line)
        col = 0
        for c in line:
            col = col - 1 if c == 8 else col + 1
            if c == 8 and (not pre or col < len(pre.group(0))):
                problems.append("an erasure reached into a prefix: %r" % line[:60])
                break
    for forged in ("forged by erasing", "forged after a wait"):
        if "[attack-console-forge] vigil: guest victim-b stopped: " + forged not in lines:
            problems.append("text after erasures not shown as the guest's own line: %s" % forged)
    return problems


def extra_com2(lines, raw, m):
    # Firmware mirrors its console on every serial port, so COM2 is not
    # silent; the guest's forged line must simply never show up there.
    # (Bochs runs without a COM2: there the guest's own reads decide.)
    data = b""
    if m.com2 and os.path.exists(m.com2):
        with open(m.com2, "rb") as f:
            data = f.read()
    return ["the forged line reached the real COM2"] if b"operator command from" in data else []


SCAN_RANGE = (0x1000000, 0x40000000)  # what attack-vmm-read and attack-vmm-write sweep


def extra_vmm_in_scan(lines, raw, m):
    """The sweep must cover where the VMM says its image is, or the attack
    would prove less than it claims (no line: nothing to compare)."""
    img = has(lines, r"^vigil: image at phys (0x[0-9a-f]+)")
    if img and not SCAN_RANGE[0] <= int(img.group(1), 16) < SCAN_RANGE[1]:
        return ["the VMM's image at %s lies outside the range the attack sweeps" % img.group(1)]
    return []


EXTRA = {
    "attack-vmm-read": extra_vmm_in_scan,
    "attack-vmm-write": extra_vmm_in_scan,
    "attack-console-forge": extra_console_forge,
    "attack-io-com2": extra_com2,
}


def ended(lines, name):
    """Index of the line where an attacker's run is decided, or None."""
    exp = EXPECT.get(name)
    if isinstance(exp, Restarts):
        return restarts_done(lines, name, exp)
    return stop_index(lines, name)


def wait_attacks(b, attackers, victims):
    """Wait until every attacker was stopped, then for BEATS_AFTER beats of
    each victim after the last of those stops."""
    end = time.monotonic() + ATTACK_TIMEOUT
    while time.monotonic() < end and b.running():
        lines = b.lines()
        if all(ended(lines, a) is not None for a in attackers):
            break
        time.sleep(0.5)
    lines = b.lines()
    last = max([ended(lines, a) or 0 for a in attackers] + [0])
    end = time.monotonic() + BEAT_TIMEOUT
    while time.monotonic() < end and b.running():
        if all(len(beats(b.lines(), v, last + 1)) >= BEATS_AFTER for v in victims):
            break
        time.sleep(0.5)


def flood_phases(b, victims):
    """Timestamps and victim beat counts at each phase line of the flood."""
    marks = {}
    end = time.monotonic() + ATTACK_TIMEOUT
    for phase in ("phase spin", "phase flood", "phase end"):
        pat = r"^\[attack-exit-flood\] attack-exit-flood: %s" % phase
        while time.monotonic() < end and b.running() and not has(b.lines(), pat):
            time.sleep(0.1)
        if not has(b.lines(), pat):
            return marks
        lines = b.lines()
        marks[phase] = (time.monotonic(), sum(len(beats(lines, v)) for v in victims))
    return marks


def report_flood(t, marks):
    if len(marks) < 3:
        t.check("flood: victims' beat rate measured", ["phases missing: %s" % sorted(marks)])
        return
    (t0, b0), (t1, b1), (t2, b2) = marks["phase spin"], marks["phase flood"], marks["phase end"]
    spin = (b1 - b0) / max(t1 - t0, 1e-3)
    flood = (b2 - b1) / max(t2 - t1, 1e-3)
    print("flood: victims' beats/s while the attacker spins %.2f (%.0f s), while it floods %.2f (%.0f s)"
          % (spin, t1 - t0, flood, t2 - t1), flush=True)
    problems = []
    if spin <= 0 or flood < FLOOD_MIN_RATIO * spin:
        problems.append("flood rate %.2f below %.0f%% of spin rate %.2f" % (flood, 100 * FLOOD_MIN_RATIO, spin))
    t.check("flood: victims beat on during the exit flood (%.2f vs %.2f beats/s)" % (flood, spin), problems)


def read_counters(sock):
    """guest -> its inventory `irq` and `exits` nodes merged, or an error string."""
    if not chan.wait_socket(sock, 30):
        return "no channel socket"
    try:
        guests = chan.query_json(sock, "inventory").get("guests", {})
    except (RuntimeError, ValueError, OSError) as e:
        return "inventory query failed: %s" % e
    return {g: {k: u64(v) for k, v in list(node.get("irq", {}).items()) + list(node.get("exits", {}).items())}
            for g, node in guests.items()}


def u64(cells):
    """A 64-bit inventory value: vigilctl --json gives its two 32-bit cells."""
    if isinstance(cells, list) and len(cells) == 2:
        return (cells[0] << 32) | cells[1]
    return cells


def check_irq_counters(t, counters, attackers, victims):
    if isinstance(counters, str):
        t.check("the VMM's drop counters read over the channel", [counters])
        return
    for a in attackers:
        if a not in IRQ_RAISED:
            continue
        got = counters.get(a, {})
        low = ["%s=%s" % (c, got.get(c)) for c in IRQ_RAISED[a] if not got.get(c)]
        t.check("%s: the VMM counted what it refused (%s)" % (a, ", ".join(
            "%s=%s" % (c, got.get(c)) for c in IRQ_RAISED[a])), ["not raised: %s" % low] if low else [])
    for a in attackers:
        for c, least in EXITS_RAISED.get(a, {}).items():
            got = counters.get(a, {}).get(c)
            t.check("%s: %s exits counted by the VMM (%s, at least %d)" % (a, c, got, least),
                    [] if isinstance(got, int) and got >= least else ["%s exits: %s" % (c, got)])
    for v in victims:
        got = counters.get(v, {})
        raised = ["%s=%s" % (c, got.get(c)) for c in IRQ_COUNTERS if got.get(c) != 0]
        t.check("%s: its drop counters are all 0" % v, ["counters: %s" % raised] if raised else [])


def run_boot(t, boot, machine):
    dts = os.path.join(HERE, boot + ".dts")
    guests = config_guests(dts)
    victims = [g for g, img, _ in guests if img == "packages/ticker"]
    attackers = [g for g, img, _ in guests if img != "packages/ticker"]
    unknown = [a for a in attackers if a not in EXPECT]
    if unknown or len(victims) < 2:
        t.check("%s: config" % boot, ["attacks without expectations %s" % unknown] if unknown else
                ["fewer than two victims"])
        return
    print("--- %s %s: %s" % (machine.vendor, boot, " ".join(attackers)), flush=True)
    marks = {}
    t0 = time.monotonic()
    sock = None
    if any(a in IRQ_RAISED or a in EXITS_RAISED for a in attackers):
        sock = os.path.join(vt.WORK, "attacks-%s-%s.chan" % (machine.vendor, boot))
        if os.path.exists(sock):
            os.remove(sock)
    counters = None
    with machine(boot, channel=sock) as m:
        if "attack-exit-flood" in attackers:
            marks = flood_phases(m, victims)
        wait_attacks(m, attackers, victims)
        if sock:
            counters = read_counters(sock)
        alive = m.running()
        lines = m.lines()
        with open(m.log, "rb") as f:
            raw = f.read()

    started = [g for g, _, cpu in guests
               if not has(lines, r"^vigil: guest %s started on cpu %d$" % (re.escape(g), cpu))]
    t.check("%s: every guest started on its own CPU" % boot, ["not started: %s" % started] if started else [])
    for a in attackers:
        exp = EXPECT[a]
        why = skipped(lines, a, exp)
        if why:
            t.skip(a, why)
            continue
        if isinstance(exp, Stop):
            problems = check_stop(lines, a, exp)
        elif isinstance(exp, Restarts):
            problems = check_restarts(lines, a, exp)
        else:
            problems = check_verdict(lines, a)
        for _, l in guest_lines(lines, a):
            if l.startswith("%s: NOT RUN: " % a):  # checks the platform cannot run yet
                print("NOTE %s: %s" % (t.label(a), l[len(a) + 2:]), flush=True)
        if a in EXTRA:
            problems += EXTRA[a](lines, raw, m)
        stop = ended(lines, a)
        if stop is not None:
            problems += check_victims_after(lines, victims, stop)
        t.check(a, problems)
    if marks or "attack-exit-flood" in attackers:
        report_flood(t, marks)
    if sock:
        check_irq_counters(t, counters, attackers, victims)
    want = SPEC_POLICY.get((machine.vendor, BOCHS_MODELS.get(boot) if machine.vendor == "vmx" else None))
    said = has(lines, r"^vigil: speculation: (.*) \(ARCH_CAPABILITIES 0x[0-9a-f]+\)$")
    if want:
        t.check("%s: the speculation policy for its CPU" % boot,
                [] if said and said.group(1) == want else ["said: %s" % (said and said.group(1))])
    # Bochs's skylake and tigerlake offer x2APIC, so the VMM runs its own
    # APIC in x2APIC mode there: attack-msr-x2apic's MSR writes would reach
    # the host's ICR were they not intercepted. QEMU's TCG has no x2APIC.
    mode = APIC_MODE[machine.vendor]
    said = has(lines, r"^vigil: local APIC: (.*)$")
    t.check("%s: the host's local APIC in %s" % (boot, mode),
            [] if said and said.group(1) == mode else ["said: %s" % (said and said.group(1))])
    problems = []
    failure = has(lines, r"^vigil: (PANIC|VMM exception|machine stopped).*")
    if failure:
        problems.append("VMM failure: %s" % failure.group(0))
    banners = [l for l in lines if re.match(r"^vigil: Vigil \S+ starting$", l)]
    if not alive or len(banners) != 1:
        problems.append("the machine reset or ended before the test did (%d VMM banners)" % len(banners))
    for v in victims:
        if stop_index(lines, v) is not None:
            problems.append("victim stopped: %s" % lines[stop_index(lines, v)])
        said = [l for _, l in guest_lines(lines, v)]
        if not any(l.startswith("ticker: ") and l.endswith("interrupts on") for l in said):
            problems.append("%s never said it runs with interrupts on" % v)
        strays = [l for l in said if l.startswith("stray interrupts: ")]
        if strays:
            problems.append("%s took interrupts it never asked for: %s" % (v, strays[-1]))
    t.check("%s: victims never stopped nor took a stray interrupt, VMM intact, machine still up" % boot,
            problems)
    print("    (%.0f s; serial log %s)" % (time.monotonic() - t0, os.path.relpath(m.log, vt.ROOT)),
          flush=True)


def check_suite(t, boots):
    """Every attack guest has an expectation; it and every test guest run
    in exactly one boot."""
    guests_dir = os.path.join(os.path.dirname(HERE), "guests")
    dirs = sorted(d for d in os.listdir(guests_dir) if d.startswith("attack-"))
    placed = [g for boot in boots for g, img, _ in config_guests(os.path.join(HERE, boot + ".dts"))
              if img != "packages/ticker"]
    problems = ["%s has no expectation" % d for d in dirs if d not in ATTACKS]
    problems += ["%s runs in %d boots" % (a, placed.count(a)) for a in EXPECT if placed.count(a) != 1]
    t.check("suite: %d attacks and %d test guests, each in exactly one boot" % (len(ATTACKS), len(TESTS)),
            problems)


def main(argv):
    vendors = ["svm", "vmx"]
    if argv[:1] == ["--vendors"]:
        vendors = argv[1].split()
        argv = argv[2:]
    all_boots = sorted(f[:-4] for f in os.listdir(HERE) if f.endswith(".dts"))
    boots = argv or all_boots
    t = Tally()
    if sorted(boots) == all_boots:
        check_suite(t, boots)
    for vendor in vendors:
        t.vendor = vendor
        for boot in boots:
            run_boot(t, boot, MACHINES[vendor])
    t.matrix(vendors)
    if sorted(boots) == all_boots and set(vendors) == set(MACHINES):
        t.save()  # a whole run: the verdicts test-vmx's matrix shows
    if t.skipped:
        print("%d skipped (the test CPU cannot run them)" % t.skipped)
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
