#!/usr/bin/env python3
"""`make mutate`: remove one defence at a time and check a test fails.

Every entry of tests/mutate/mutations.py is one small text replacement in
one file (a check weakened or removed) and the command that must fail with
it applied. For each, in a scratch copy of the tree, this runner applies
the replacement, rebuilds, runs the command, and says:

  KILLED        the command failed with a FAIL line (the first one is shown;
                one naming the entry's `expect` when it has one)
  SURVIVED      the command passed: the defence is not tested
  STALE         the old text is not in the file exactly once: fix the entry
  BUILD-BROKEN  the mutated tree does not build: the entry is no weakening
  NOT-KILLED    the command failed without a FAIL line (a crash, a timeout),
                or only with FAIL lines not naming `expect` (another test)
  BASELINE      the command already fails on the unmutated tree (in the
                entry's own test, when it names one with `expect`)

Only KILLED counts as a success; the exit status is 0 only when every
mutation run was killed.

The scratch copy is `git archive HEAD` (the committed tree, never the work
tree's files) unpacked once per run, plus a copy of build/deps and
build/.deps-ok so nothing is downloaded again. Mutations run one after the
other in that copy, each file restored afterwards, so every build after
the first is incremental. Entries run cheapest tier first (unit, boot,
channel, iommu, attacks, vmx). Before the mutations, each distinct catching
command runs once on the unmutated copy (the baseline): a mutation only
counts as killed by a command that passes without it (an emulator
command that fails is run once more: timing tests can fail under load).

Usage: tests/mutate/run.py [--only NAME[,NAME...]] [--keep] [--no-baseline]
       [--list]
Environment: MUTATE_LOCK=FILE takes that lock file (flock) around every
command that runs an emulator, besides the tiers' own lock; by default it
is the work tree's build/test/.qemu.lock, so a mutation run never boots
an emulator while the work tree's own tiers do.
"""
import argparse
import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import mutations as M  # noqa: E402

TIER_ORDER = {t: i for i, t in enumerate(("unit", "boot", "channel", "attest", "iommu", "attacks", "vmx"))}
EMULATOR_TIERS = {"boot", "channel", "attest", "iommu", "attacks", "vmx"}
COMMAND_TIMEOUT = 1800
FAIL_LINE = re.compile(r"^\s*FAIL\b:?\s*(.*)$")


def log(msg):
    print(msg, flush=True)


def make_scratch(keep):
    scratch = tempfile.mkdtemp(prefix="vigil-mutate-")
    archive = subprocess.run(["git", "-C", ROOT, "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", scratch], input=archive, check=True)
    os.makedirs(os.path.join(scratch, "build"))
    deps = os.path.join(ROOT, "build", "deps")
    if os.path.isdir(deps):
        subprocess.run(["cp", "-a", deps, os.path.join(scratch, "build", "deps")], check=True)
    ok = os.path.join(ROOT, "build", ".deps-ok")
    if os.path.exists(ok):
        shutil.copy2(ok, os.path.join(scratch, "build", ".deps-ok"))
    if keep:
        log("scratch copy: %s (kept)" % scratch)
    return scratch


class Lock:
    """flock on MUTATE_LOCK (default: the work tree's emulator lock) for
    commands that run an emulator."""

    def __init__(self, needed):
        self.needed = needed
        self.f = None

    def __enter__(self):
        if self.needed:
            path = os.environ.get("MUTATE_LOCK") or os.path.join(ROOT, "build", "test", ".qemu.lock")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self.f = open(path, "a")
            fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.f:
            self.f.close()


def sh(cmd, cwd, logfile, emulator=False):
    """Run cmd (a shell command) in cwd; (exit status, output)."""
    with Lock(emulator):
        try:
            p = subprocess.run(["bash", "-c", cmd], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT, start_new_session=True)
            out, rc = p.stdout.decode("utf-8", "replace"), p.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace") + "\n(timed out after %d s)\n" % COMMAND_TIMEOUT
            rc = 124
    with open(logfile, "a") as f:
        f.write("$ %s\n%s\n(exit status %d)\n" % (cmd, out, rc))
    return rc, out


def first_fail(out, expect=None):
    """The first FAIL line (naming expect, a regex, when given), or None."""
    for line in out.splitlines():
        if FAIL_LINE.match(line) and (not expect or re.search(expect, line)):
            return line.strip()
    return None


def baseline_ok(result, expect):
    """Whether the catching command passed without the mutation: wholly,
    or, for an entry that names its test (expect), in that test (another
    test of the same boot failing is not held against it)."""
    if result is None:
        return True
    rc, out = result
    if rc == 0:
        return True
    return bool(expect) and first_fail(out) is not None and first_fail(out, expect) is None


def apply(scratch, m):
    """Replace m.old by m.new in the scratch copy; the original text, or
    None when the old text is not there exactly once."""
    path = os.path.join(scratch, m.file)
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    if text.count(m.old) != 1:
        return None
    with open(path, "w") as f:
        f.write(text.replace(m.old, m.new))
    return text


def restore(scratch, m, text):
    """The file as it was. Its time is now: make rebuilds what the
    mutated file built."""
    with open(os.path.join(scratch, m.file), "w") as f:
        f.write(text)


def shorten(s, n=90):
    return s if len(s) <= n else s[:n - 3] + "..."


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", action="store_true", help="keep the scratch copy")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = ap.parse_args()

    muts = M.MUTATIONS
    names = [m.name for m in muts]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit("mutate: names used twice: %s" % ", ".join(sorted(dup)))
    if args.only:
        want = [n for n in re.split(r"[,\s]+", args.only) if n]
        unknown = [n for n in want if n not in names]
        if unknown:
            sys.exit("mutate: no such mutation: %s" % ", ".join(unknown))
        muts = [m for m in muts if m.name in want]
    muts = sorted(muts, key=lambda m: TIER_ORDER[m.tier])
    if args.list:
        for m in muts:
            log("%-28s %-8s %s" % (m.name, m.tier, m.file))
        return 0

    start = time.monotonic()
    scratch = make_scratch(args.keep)
    logdir = os.path.join(ROOT, "build", "mutate")
    os.makedirs(logdir, exist_ok=True)
    results = []
    try:
        log("mutate: %d mutations in %s (logs: build/mutate/<name>.log)" % (len(muts), "a scratch copy of HEAD"))
        baseline = {}
        if os.path.exists(os.path.join(logdir, "baseline.log")):
            os.remove(os.path.join(logdir, "baseline.log"))
        if not args.no_baseline:
            for m in muts:
                key = (m.build, m.catch)
                if key in baseline:
                    continue
                lf = os.path.join(logdir, "baseline.log")
                t0 = time.monotonic()
                rc, out = sh(m.build, scratch, lf)
                for _ in range(2):  # once more: an emulator's timing under load
                    if rc == 0:
                        rc, out = sh(m.catch, scratch, lf, m.tier in EMULATOR_TIERS)
                    if rc == 0 or m.tier not in EMULATOR_TIERS:
                        break
                baseline[key] = (rc, out)
                fail = first_fail(out) if rc else ""
                log("baseline  %-6s %3ds  %s%s" % ("ok" if rc == 0 else "FAILS", time.monotonic() - t0, m.catch,
                                                  "\n          " + shorten(fail) if fail else ""))
        for m in muts:
            lf = os.path.join(logdir, m.name + ".log")
            if os.path.exists(lf):
                os.remove(lf)
            t0 = time.monotonic()
            original = apply(scratch, m)
            if original is None:
                verdict, detail = "STALE", "the old text is not in %s exactly once" % m.file
            else:
                try:
                    rc, out = sh(m.build, scratch, lf)
                    if rc != 0:
                        verdict, detail = "BUILD-BROKEN", first_error(out)
                    elif not baseline_ok(baseline.get((m.build, m.catch)), m.expect):
                        verdict, detail = "BASELINE", "fails without the mutation too"
                    else:
                        rc, out = sh(m.catch, scratch, lf, m.tier in EMULATOR_TIERS)
                        fail, other = first_fail(out, m.expect), first_fail(out)
                        if rc == 0:
                            verdict, detail = "SURVIVED", "passed"
                        elif fail:
                            verdict, detail = "KILLED", fail
                        elif other:
                            verdict, detail = "NOT-KILLED", "failed elsewhere: " + other
                        else:
                            verdict, detail = "NOT-KILLED", "exit status %d, no FAIL line" % rc
                finally:
                    restore(scratch, m, original)
            secs = time.monotonic() - t0
            results.append((m, verdict, detail, secs))
            log("%-12s %-28s %4ds  %s" % (verdict, m.name, secs, shorten(detail)))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    killed = sum(1 for r in results if r[1] == "KILLED")
    total = time.monotonic() - start
    log("")
    log("| mutation | tier | file | result | first failure |")
    log("|---|---|---|---|---|")
    for m, verdict, detail, secs in results:
        log("| %s | %s | %s | %s | %s |" % (m.name, m.tier, m.file, verdict, shorten(detail, 100).replace("|", "/")))
    log("")
    log("score: %d of %d killed (%d%%) in %dm%02ds" % (killed, len(results), 100 * killed // max(len(results), 1),
                                                       total // 60, total % 60))
    return 0 if killed == len(results) else 1


def first_error(out):
    for line in out.splitlines():
        if re.search(r"error|Error|\*\*\*", line):
            return line.strip()
    return "build failed"


if __name__ == "__main__":
    sys.exit(main())
