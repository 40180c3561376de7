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


def revert_bundle(vmm_elf, work):
    """A signed revert of patch_bundle's patch, the next sequence number."""
    base = os.path.join(work, "bench-revert")
    vigilctl("bundle", "build", "--kind", "patch-revert", "--seq", 2, "--vmm", vmm_elf,
             "--name", "bump", "-o", base + ".dtb")
    vigilctl("bundle", "sign", "--key", os.path.join(KEYS, "patch.key"), base + ".dtb",
             "-o", base + ".sig")
    vigilctl("bundle", "pack", base + ".dtb", base + ".sig", "-o", base + ".bundle")
    return base + ".bundle"


def tsc_value(v):
    """A u64 reply value: vigilctl shows it as two 32-bit cells."""
    if isinstance(v, list):
        return (v[0] << 32) | v[1] if len(v) == 2 else None
    return int(v, 0) if isinstance(v, str) else v


def send(sock, bundle):
    p = subprocess.run([VIGILCTL, "send", bundle, "--socket", sock, "--json"],
                       capture_output=True, text=True, timeout=300)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, {"raw": (p.stdout + p.stderr)[-300:]}


def after_stop(sock, bundle):
    """Once the guest has stopped (its CPU halted, retiring nothing), the
    VMM's own TSC reading around a bundle's decode and verification counts
    only the VMM's instructions under -icount."""
    rc, reply = send(sock, bundle)
    return {"revert_applied": rc == 0 and reply.get("status") == 0,
            "verify_tsc": tsc_value(reply.get("verify-tsc")), "revert_reply": reply}


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
    rc, reply = send(sock, bundle)
    out["patch_seconds"] = time.monotonic() - start
    out["patch_reply"] = reply
    out["patch_applied"] = rc == 0 and reply.get("status") == 0
    out["pause_tsc"] = tsc_value(reply.get("pause-tsc"))
    return out
