#!/usr/bin/env python3
"""`regcompat probe qemu` on Debian's real binaries (release/qemu-peers):

1. QEMU 10.0.13's source extraction (database/real) equals what the real
   10.0.13 binary carries under its own machine type virt-10.0, register for
   register and value for value, for the six CPU models of the policy.
2. The shipped 11.1.3 sets (database/real, probed; 11.1 sources are not
   served) equal a fresh probe of the sid binary.
3. The machine type is part of the key: 11.1.3 `max` presents QARMA5 and a
   62.5 MHz CNTFRQ_EL0 under virt-7.2, QARMA3 and 1 GHz under virt-10.0.
4. Bad input: a missing binary (exit 2), a machine type QEMU does not know
   (exit 3, QEMU's own words).

Usage: probe_qemu_test.py --regcompat BIN --db DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

CPUS = ["cortex-a53", "cortex-a57", "cortex-a72", "neoverse-n1", "a64fx", "max"]
ID_AA64ISAR1_EL1, CNTFRQ_EL0 = "0x603000000013c031", "0x603000000013df00"


def cache_dir():
    c = os.environ.get("REGCOMPAT_CACHE")
    return c if c else os.path.join(os.environ.get("HOME", "/"), ".cache", "regcompat")


def peer(suite):
    try:
        kv = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(cache_dir(), "peers", suite, "peer.txt"))
                  if "=" in l)
        return kv if os.access(kv.get("launcher", ""), os.X_OK) else None
    except OSError:
        return None


def registers(rc, db, key):
    out = subprocess.run([rc, "db", "show", db, key, "--format", "json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError("db show %s: %s" % (key, out.stderr))
    return {r["index"]: r.get("value") for r in json.loads(out.stdout)["registers"]}


def same(a, b):
    """Problems between an extracted (a) and a probed (b) set: every index in
    both, and equal values wherever both have one."""
    problems = []
    if set(a) != set(b):
        problems.append("only extracted %s, only probed %s" % (sorted(set(a) - set(b))[:5], sorted(set(b) - set(a))[:5]))
    for k in sorted(set(a) & set(b)):
        if a[k] is not None and b[k] is not None and a[k] != b[k]:
            problems.append("%s: %s vs %s" % (k, a[k], b[k]))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--regcompat", required=True)
    ap.add_argument("--db", required=True)
    args = ap.parse_args()
    rc = args.regcompat
    trixie, sid = peer("trixie"), peer("sid")
    if not trixie or not sid:
        unreachable = open(os.path.join(cache_dir(), "real-inputs.status")).read().strip() == "unreachable" \
            if os.path.exists(os.path.join(cache_dir(), "real-inputs.status")) else False
        print("%s: QEMU peers missing (release/qemu-peers trixie sid)" % ("SKIP" if unreachable else "FAIL"))
        return 77 if unreachable else 1
    passed = failed = 0

    def check(ok, what, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL: %s %s" % (what, detail))

    work = tempfile.mkdtemp(prefix="regcompat-probe-qemu-")
    try:
        db = os.path.join(work, "db")
        shutil.copytree(args.db, db)
        probe = [rc, "probe", "qemu", "--qemu", trixie["launcher"], "--release", "10.0.13",
                 "--package-version", trixie["version"], "--machine", "virt-10.0", "--db", db, "--format", "json"]
        for c in CPUS:
            probe += ["--cpu", c]
        p = subprocess.run(probe, capture_output=True, text=True)
        check(p.returncode == 0, "probe qemu 10.0.13", p.stderr[-500:])
        if p.returncode == 0:
            check(json.loads(p.stdout)["schema_version"] == 1, "probe qemu json carries schema_version")
            for c in CPUS:
                problems = same(registers(rc, db, "qemu/10.0.13/arm64/tcg/" + c),
                                registers(rc, db, "qemu/10.0.13/arm64/tcg/%s@virt-10.0" % c))
                check(not problems, "10.0.13 %s: extraction vs the real binary under virt-10.0" % c,
                      "; ".join(problems[:5]))
        # 11.1.3: the shipped sets are what the binary carries today.
        fresh = os.path.join(work, "fresh")
        p = subprocess.run([rc, "probe", "qemu", "--qemu", sid["launcher"], "--release", "11.1.3", "--package-version",
                            sid["version"], "--machine", "virt-7.2", "--machine", "virt-10.0", "--cpu", "cortex-a57",
                            "--cpu", "max", "--db", fresh], capture_output=True, text=True)
        check(p.returncode == 0, "probe qemu 11.1.3", p.stderr[-500:])
        if p.returncode == 0:
            for key in ["cortex-a57@virt-7.2", "cortex-a57@virt-10.0", "max@virt-7.2", "max@virt-10.0"]:
                a = registers(rc, args.db, "qemu/11.1.3/arm64/tcg/" + key)
                b = registers(rc, fresh, "qemu/11.1.3/arm64/tcg/" + key)
                check(a == b, "shipped 11.1.3 %s equals a fresh probe" % key)
            old, new = registers(rc, fresh, "qemu/11.1.3/arm64/tcg/max@virt-7.2"), \
                registers(rc, fresh, "qemu/11.1.3/arm64/tcg/max@virt-10.0")
            check(old[ID_AA64ISAR1_EL1] == "0x0111211101211052" and new[ID_AA64ISAR1_EL1] == "0x0111211110211502",
                  "ID_AA64ISAR1_EL1 QARMA5 under virt-7.2, QARMA3 under virt-10.0",
                  "%s %s" % (old[ID_AA64ISAR1_EL1], new[ID_AA64ISAR1_EL1]))
            check(old[CNTFRQ_EL0] == "0x0000000003b9aca0" and new[CNTFRQ_EL0] == "0x000000003b9aca00",
                  "CNTFRQ_EL0 62.5 MHz under virt-7.2, 1 GHz under virt-10.0")
        p = subprocess.run([rc, "probe", "qemu", "--qemu", os.path.join(work, "absent"), "--release", "1.0",
                            "--machine", "virt", "--cpu", "max"], capture_output=True, text=True)
        check(p.returncode == 2 and "not an executable" in p.stderr, "a missing binary is a usage error", p.stderr)
        p = subprocess.run([rc, "probe", "qemu", "--qemu", sid["launcher"], "--release", "11.1.3",
                            "--machine", "virt-1.0", "--cpu", "max"], capture_output=True, text=True)
        check(p.returncode == 3 and "unsupported machine type" in p.stderr,
              "an unknown machine type fails with QEMU's words", p.stderr[-300:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
