"""The management-channel figures of `make bench`: an inventory query's round
trip and a live patch's pause, on the running bench boot (docs/channel.md).
The patch is the channel tests' own (tests/channel/bump.c), signed with the
build's development patch key."""
import json
import os
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VIGILCTL = os.path.join(ROOT, "build", "tools", "vigilctl")
KEYS = os.path.join(ROOT, "build", "keys")
PATCH_SRC = os.path.join(ROOT, "tests", "channel", "bump.c")
PATCH_AREA_BASE = "0xffffffffc0000000"  # docs/channel.md
INVENTORY_QUERIES = 5


def vigilctl(*args):
    # from the top of the tree: `patch build` asks make for the VMM's flags
    p = subprocess.run([VIGILCTL] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=300, cwd=ROOT)
    if p.returncode:
        raise RuntimeError("vigilctl %s: %s" % (args[0], (p.stdout + p.stderr).strip()[-300:]))
    return p.stdout


def patch_bundle(vmm_elf, work):
    """A signed live-patch bundle for exactly this vmm.elf."""
    os.makedirs(work, exist_ok=True)
    base = os.path.join(work, "bench-patch")
    vigilctl("patch", "build", PATCH_SRC, "--vmm", vmm_elf, "--at", PATCH_AREA_BASE,
             "--name", "bump", "-o", base + ".patch.dtb")
    vigilctl("bundle", "build", "--kind", "live-patch", "--seq", 1, "--vmm", vmm_elf,
             "--patch", base + ".patch.dtb", "-o", base + ".dtb")
    vigilctl("bundle", "sign", "--key", os.path.join(KEYS, "patch.key"), base + ".dtb",
             "-o", base + ".sig")
    vigilctl("bundle", "pack", base + ".dtb", base + ".sig", "-o", base + ".bundle")
    return base + ".bundle"


def wait_socket(path, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end and not os.path.exists(path):
        time.sleep(0.1)
    return os.path.exists(path)


def during_watch(sock, bundle):
    """Run while the bench guest watches its TSC: inventory round trips
    (wall clock), then the live patch. Returns what was measured."""
    out = {}
    if not wait_socket(sock):
        out["error"] = "no channel socket"
        return out
    times = []
    for _ in range(INVENTORY_QUERIES):
        start = time.monotonic()
        json.loads(vigilctl("inventory", "--socket", sock, "--json"))
        times.append(time.monotonic() - start)
    out["inventory_seconds"] = times
    out["inventory_median"] = statistics.median(times)
    start = time.monotonic()
    p = subprocess.run([VIGILCTL, "send", bundle, "--socket", sock, "--json"],
                       capture_output=True, text=True, timeout=300)
    out["patch_seconds"] = time.monotonic() - start
    try:
        reply = json.loads(p.stdout)
    except ValueError:
        reply = {"raw": (p.stdout + p.stderr)[-300:]}
    out["patch_reply"] = reply
    out["patch_applied"] = p.returncode == 0 and reply.get("status") == 0
    if "pause-tsc" in reply:
        out["pause_tsc"] = int(reply["pause-tsc"], 0) if isinstance(reply["pause-tsc"], str) \
            else reply["pause-tsc"]
    return out
