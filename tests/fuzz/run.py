# SPDX-License-Identifier: MIT
"""`make fuzz`: run each libFuzzer target in turn and print one table.

Usage: run.py FUZZ_DIR SECONDS TARGET...
Each target runs for SECONDS (libFuzzer's -max_total_time, wall clock) on
FUZZ_DIR/corpus-<target>, which starts from the seeds FUZZ_DIR/seeds/
<target>-* and keeps what it finds; its log is FUZZ_DIR/log-<target>.txt
and any crashing or hanging (10 s) input lands in FUZZ_DIR/crash-<target>-*. The table gives,
per target: the CPU seconds it used, the inputs executed and their rate,
libFuzzer's final coverage figures (cov: code edges reached, ft: features,
edges with hit-count buckets), the corpus size and the crashes. Exit 1 if
any target crashed.
"""
import glob
import os
import re
import resource
import shutil
import subprocess
import sys


def seed_corpus(fdir, target):
    corpus = os.path.join(fdir, "corpus-" + target)
    os.makedirs(corpus, exist_ok=True)
    for seed in glob.glob(os.path.join(fdir, "seeds", target + "-*")):
        dest = os.path.join(corpus, "seed-" + os.path.basename(seed))
        if not os.path.exists(dest):
            shutil.copyfile(seed, dest)
    return corpus


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_one(fdir, target, seconds):
    corpus = seed_corpus(fdir, target)
    log = os.path.join(fdir, "log-%s.txt" % target)
    env = dict(os.environ, FUZZ_BUNDLE_CONFIG=os.path.join(fdir, "seeds", "config-configs_default"))
    # -timeout: an input running 10 s is a hang, written out and counted
    # as a crash (libFuzzer's default waits 20 minutes).
    cmd = [os.path.join(fdir, "fuzz-" + target), "-max_total_time=%d" % seconds, "-timeout=10",
           "-print_final_stats=1",
           "-artifact_prefix=%s/crash-%s-" % (fdir, target), corpus]
    print("  FUZZ    %s for %d s" % (target, seconds), file=sys.stderr, flush=True)
    t0 = cpu_seconds()
    with open(log, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    cpu = cpu_seconds() - t0
    text = open(log, errors="replace").read()
    return stats(fdir, target, text, cpu, corpus)


def stats(fdir, target, text, cpu, corpus):
    def stat(name):
        m = re.search(r"^stat::%s:\s*(\d+)" % name, text, re.M)
        return int(m.group(1)) if m else 0

    lines = re.findall(r"^#\d+\s+\S+\s+cov: (\d+) ft: (\d+)", text, re.M)
    cov, ft = lines[-1] if lines else ("?", "?")
    files = os.listdir(corpus)
    size = sum(os.path.getsize(os.path.join(corpus, f)) for f in files)
    crashes = len(glob.glob(os.path.join(fdir, "crash-%s-*" % target)))
    execs = stat("number_of_executed_units")
    return [target, "%.0f" % cpu, "{:,}".format(execs), "{:,}".format(int(execs / cpu) if cpu else 0),
            cov, ft, "%d / %s" % (len(files), human(size)), str(crashes)]


def human(n):
    for unit in ("B", "KiB", "MiB"):
        if n < 1024 or unit == "MiB":
            return "%d %s" % (n, unit) if unit == "B" else "%.1f %s" % (n, unit)
        n /= 1024.0


def table(rows):
    head = ["target", "CPU s", "executions", "exec/s", "cov", "ft", "corpus (files / size)", "crashes"]
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    fmt = "| " + " | ".join("%%-%ds" % w for w in widths) + " |"
    print(fmt % tuple(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(fmt % tuple(r))


def main():
    fdir, seconds, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    rows = [run_one(fdir, t, seconds) for t in targets]
    table(rows)
    crashed = [r[0] for r in rows if r[-1] != "0"]
    if crashed:
        print("fuzz: crashes in %s (%s/crash-*)" % (", ".join(crashed), fdir))
        return 1
    return 0


sys.exit(main())
