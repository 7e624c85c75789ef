#!/usr/bin/env python3
"""Real QEMU is the judge: every load between Debian's real QEMU binaries,
compared with what `regcompat migrate-check` (QEMU rules) predicts.

For every (source release, destination release, machine type, CPU model)
both binaries support, the source binary writes its paused CPU state to a file
(`migrate "exec:cat > F"`) and the destination binary loads it
(`-incoming "exec:cat F"`); the outcome and the messages QEMU prints are
compared with the prediction, which is made from the two streams alone (the
destination's own stream gives its list and reset values) and the database's
source extractions (which registers are constants). Then each loader rule is
confirmed on its own: streams of each release, edited one rule at a time
(a register dropped, a constant changed, an unknown register in the middle or
after the end, the bogus DBGDTRTX), loaded by the same binary.

A cell agrees when the outcome agrees and, where QEMU words it, so does the
reason: the counts of the length cap, the subsection it aborts on, the
registers it names as unknown ("fail migration") and as missing ("skip it").
Where QEMU fails without naming anything (7.2-10.x post-load: an unknown
register or a constant that does not read back), the prediction must name one
of those two reasons with at least one register. Any disagreement fails.

Usage: real_qemu_matrix.py --regcompat BIN --db DIR [--cpus a,b] [--machines m,n]
       [--jobs N] [--json OUT] [--markdown OUT] [--serial-too]
Peers: release/qemu-peers (REGCOMPAT_CACHE/peers/SUITE/peer.txt).
Exit 0 all agree, 1 a disagreement, 77 peers absent because Debian's archive
was unreachable (scripts/fetch-real-inputs), 2 peers absent otherwise.
"""
import argparse
import concurrent.futures
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time

PEERS = [("bookworm", "7.2"), ("trixie", "10.0.13"), ("sid", "11.1.3")]
MACHINES = ["virt-7.2", "virt-10.0"]
CPUS = ["cortex-a53", "cortex-a57", "cortex-a72", "neoverse-n1", "a64fx", "max"]
SCTLR_EL1, CTR_EL0, BOGUS_DBGDTRTX = 0x603000000013C080, 0x603000000013D801, 0x40200000200E0298


def cache_dir():
    c = os.environ.get("REGCOMPAT_CACHE")
    return c if c else os.path.join(os.environ.get("HOME", "/"), ".cache", "regcompat")


def peers():
    found, missing = {}, []
    for suite, release in PEERS:
        f = os.path.join(cache_dir(), "peers", suite, "peer.txt")
        try:
            kv = dict(line.rstrip("\n").split("=", 1) for line in open(f) if "=" in line)
            if kv.get("upstream") != release or not os.access(kv.get("launcher", ""), os.X_OK):
                raise OSError("stale peer")
            found[release] = kv
        except OSError:
            missing.append(suite)
    return found, missing


def qemu_cmd(peer, machine, cpu):
    return [peer["launcher"], "-M", machine, "-cpu", cpu, "-S", "-nographic", "-nodefaults",
            "-monitor", "stdio"]


def machine_types(peer):
    out = subprocess.run([peer["launcher"], "-M", "help"], capture_output=True, text=True, timeout=60).stdout
    return {line.split()[0] for line in out.splitlines()[1:] if line.strip()}


def save(peer, machine, cpu, out):
    """The paused CPU state of a fresh VM, as a real stream file."""
    tmp = out + ".part"
    cmd = 'migrate "exec:cat > %s && mv %s %s"\ninfo migrate\nquit\n' % (tmp, tmp, out)
    p = subprocess.run(qemu_cmd(peer, machine, cpu), input=cmd, capture_output=True, text=True, timeout=120)
    for _ in range(200):
        if os.path.exists(out):
            return out
        time.sleep(0.05)
    raise RuntimeError("QEMU %s wrote no stream for %s %s: %s" % (peer["upstream"], machine, cpu,
                                                                  (p.stderr or p.stdout)[-400:]))


def load(peer, machine, cpu, stream):
    """Loads STREAM into a real QEMU; returns (loads, stderr lines)."""
    p = subprocess.Popen(qemu_cmd(peer, machine, cpu) + ["-incoming", "exec:cat %s" % stream],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    status, seen, deadline = None, "", time.time() + 90
    while time.time() < deadline and status is None:
        if p.poll() is not None:
            break
        try:
            p.stdin.write(b"info migrate\n")
            p.stdin.flush()
        except BrokenPipeError:
            break
        ready, _, _ = select.select([p.stdout], [], [], 0.25)
        if ready:
            seen += os.read(p.stdout.fileno(), 65536).decode(errors="replace")
            if re.search(r"[Ss]tatus:\s*completed", seen):
                status = True
            elif re.search(r"[Ss]tatus:\s*failed", seen):
                status = False
    try:
        p.stdin.write(b"quit\n")
        p.stdin.flush()
    except (BrokenPipeError, ValueError):
        pass
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    if status is None:
        if p.returncode == 0:
            raise RuntimeError("QEMU %s neither finished nor failed loading %s" % (peer["upstream"], stream))
        status = False
    lines = [l for l in err.decode(errors="replace").splitlines() if "is deprecated" not in l]
    return status, lines


def predict(args, src_rel, src_stream, dst_rel, dst_stream, cpu):
    p = subprocess.run([args.regcompat, "migrate-check", "--db", args.db, "--source", src_stream,
                        "--source-release", src_rel, "--dest", dst_stream, "--dest-release", dst_rel,
                        "--cpu", cpu, "--format", "json"], capture_output=True, text=True, timeout=120)
    if p.returncode not in (0, 1):
        raise RuntimeError("migrate-check exited %d: %s" % (p.returncode, p.stderr))
    return json.loads(p.stdout)["paths"][0]


def cpreg_id(index):
    """QEMU's key as its TCG messages print it (kvm_to_cpreg_id)."""
    low = index & 0xFFFFFFFF
    if index >> 56 == 0x60:
        return low | 1 << 28
    if (index >> 52) & 0xF == 0x3:
        low |= 1 << 15
    return low | 1 << 29


def named(lines, pattern):
    return sorted(int(m.group(1), 16) for l in lines for m in [re.search(pattern, l)] if m)


def judge(real_loads, lines, pred):
    """Returns the list of disagreements (empty: the prediction is right)."""
    bad = []
    if real_loads != pred["loads"]:
        bad.append("outcome: QEMU %s, predicted %s" % ("loads" if real_loads else "fails",
                                                      "loads" if pred["loads"] else "fails"))
    cap = [re.search(r"Invalid value (\d+) expecting positive value <= (\d+)", l) for l in lines]
    cap = [m for m in cap if m]
    unknown = named(lines, r"system register 0x([0-9a-f]+) in the incoming stream but unknown")
    warned = named(lines, r"system register 0x([0-9a-f]+) expected by the destination but not in")
    abort = any("Assertion" in l for l in lines)
    check = pred["failed_check"]
    if cap:
        n, m = int(cap[0].group(1)), int(cap[0].group(2))
        if check != "length-cap" or (n, m) != (pred["incoming_count"], pred["dest_count"]):
            bad.append("QEMU refuses the length %d > %d; predicted %s (%d, %d)" %
                       (n, m, check, pred["incoming_count"], pred["dest_count"]))
    elif abort:
        if check != "subsection-abort":
            bad.append("QEMU aborts (%s); predicted %s" % ([l for l in lines if "Assertion" in l][0], check))
    elif not real_loads and not unknown:
        # QEMU fails in the cpu post-load hook without naming a register.
        # 11.1+ names every unknown register, so a silent failure there can
        # only be read-back.
        allowed = ("read-back",) if pred["loader"].startswith("11") else ("unknown-register", "read-back")
        if check not in allowed or not (pred["unknown"] or pred["read_back"]):
            bad.append("QEMU fails silently in cpu post-load; predicted %s" % check)
    want_unknown = sorted(cpreg_id(int(x, 16)) for x in pred["unknown"])
    if unknown or want_unknown and pred["loader"].startswith("11"):
        if unknown != want_unknown:
            bad.append("registers named unknown: QEMU %s, predicted %s" %
                       ([hex(x) for x in unknown], [hex(x) for x in want_unknown]))
    want_warned = sorted(cpreg_id(int(x, 16)) for x in pred["warned"])
    if pred["loader"].startswith("11") and check != "length-cap" and warned != want_warned:
        bad.append("registers warned missing: QEMU %d, predicted %d (differ: %s)" %
                   (len(warned), len(want_warned), [hex(x) for x in sorted(set(warned) ^ set(want_warned))][:6]))
    return bad


def read_list(regcompat, stream):
    d = json.loads(subprocess.check_output([regcompat, "probe", "stream", stream, "--release", "1", "--cpu", "x",
                                            "--format", "json"]))
    data = open(stream, "rb").read()
    off = int(d["list_offset"], 16)
    n = struct.unpack(">i", data[off:off + 4])[0]
    idx = struct.unpack(">%dQ" % n, data[off + 4:off + 4 + 8 * n])
    val = struct.unpack(">%dQ" % n, data[off + 4 + 8 * n:off + 4 + 16 * n])
    return data, off, n, dict(zip(idx, val))


def edited(regcompat, stream, out, change):
    """STREAM with its cpu register list replaced by change(dict)."""
    data, off, n, regs = read_list(regcompat, stream)
    regs = sorted(change(dict(regs)).items())
    body = struct.pack(">i", len(regs)) + b"".join(struct.pack(">Q", k) for k, _ in regs) + \
        b"".join(struct.pack(">Q", v) for _, v in regs)
    with open(out, "wb") as f:
        f.write(data[:off] + body + data[off + 4 + 16 * n:])
    return out


def rule_edits(regs):
    """The single-rule edits of a release's own stream (name -> change)."""
    free_mid = next(x for x in range(SCTLR_EL1 - 1, 0, -1) if x not in regs)
    free_low = next(x for x in range(0x40200000000F6802, 0x40200000000F6900) if x not in regs)
    without = lambda r, k: {a: b for a, b in r.items() if a != k}
    edits = {
        "own stream": lambda r: r,
        "SCTLR_EL1 dropped (destination-only, plain)": lambda r: without(r, SCTLR_EL1),
        "CTR_EL0 dropped (destination-only, constant)": lambda r: without(r, CTR_EL0),
        "CTR_EL0 value changed (constant)": lambda r: {**r, CTR_EL0: r[CTR_EL0] ^ 1},
        "SCTLR_EL1 dropped, unknown register in the middle": lambda r: {**without(r, SCTLR_EL1), free_mid: 0},
        "SCTLR_EL1 dropped, unknown register after the last": lambda r: {**without(r, SCTLR_EL1),
                                                                          0x603000000013FFFF: 0},
        "unknown register after the last (one more)": lambda r: {**r, 0x603000000013FFFF: 0},
    }
    if BOGUS_DBGDTRTX not in regs:
        edits["bogus DBGDTRTX added"] = lambda r: {**r, BOGUS_DBGDTRTX: 0}
        edits["unknown register, then the bogus DBGDTRTX"] = lambda r: {**r, free_low: 0, BOGUS_DBGDTRTX: 0}
        edits["bogus DBGDTRTX, then an unknown register"] = lambda r: {**r, BOGUS_DBGDTRTX: 0,
                                                                        0x603000000013FFFF: 0}
    return edits


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--regcompat", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--cpus", default=",".join(CPUS))
    ap.add_argument("--machines", default=",".join(MACHINES))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    ap.add_argument("--no-rules", action="store_true", help="skip the single-rule edits")
    ap.add_argument("--serial-too", action="store_true", help="run the cells again on one job and print both times")
    args = ap.parse_args()
    found, missing = peers()
    if missing:
        status = open(os.path.join(cache_dir(), "real-inputs.status")).read().strip() \
            if os.path.exists(os.path.join(cache_dir(), "real-inputs.status")) else ""
        print("%s: no QEMU peer for %s (release/qemu-peers)" % ("SKIP" if status == "unreachable" else "FAIL",
                                                              ", ".join(missing)))
        return 77 if status == "unreachable" else 2
    work = tempfile.mkdtemp(prefix="regcompat-real-qemu-")
    try:
        return run(args, found, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, found, work):
    releases = [r for _, r in PEERS]
    supported = {r: machine_types(found[r]) for r in releases}
    cpus, machines = args.cpus.split(","), args.machines.split(",")
    streams = {}
    jobs = [(r, m, c) for r in releases for m in machines for c in cpus if m in supported[r]]
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        for (r, m, c), path in zip(jobs, ex.map(lambda j: save(found[j[0]], j[1], j[2],
                                                               os.path.join(work, "%s_%s_%s.qevm" % j)), jobs)):
            streams[(r, m, c)] = path
    cells = [(s, d, m, c) for m in machines for c in cpus for s in releases for d in releases
             if (s, m, c) in streams and (d, m, c) in streams]

    def cell(job):
        s, d, m, c = job
        real, lines = load(found[d], m, c, streams[(s, m, c)])
        pred = predict(args, s, streams[(s, m, c)], d, streams[(d, m, c)], c)
        return {"source": s, "dest": d, "machine": m, "cpu": c, "real_loads": real, "qemu_messages": lines,
                "predicted_loads": pred["loads"], "predicted_check": pred["failed_check"],
                "predicted_unknown": pred["unknown"], "predicted_read_back": pred["read_back"],
                "disagreements": judge(real, lines, pred)}

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        results = list(ex.map(cell, cells))
    matrix_seconds = time.time() - t0
    serial_seconds = None
    if args.serial_too:
        t1 = time.time()
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            serial = list(ex.map(cell, cells))
        serial_seconds = time.time() - t1
        for a, b in zip(results, serial):
            if a["real_loads"] != b["real_loads"]:
                a["disagreements"].append("outcome differs between the parallel and the serial run")

    rules = []
    if not args.no_rules:
        for r in releases:
            m = "virt-7.2" if "virt-7.2" in supported[r] else sorted(supported[r])[0]
            c = "cortex-a57"
            base = streams.get((r, m, c)) or save(found[r], m, c, os.path.join(work, "%s_%s_%s.qevm" % (r, m, c)))
            _, _, _, regs = read_list(args.regcompat, base)
            for name, change in rule_edits(regs).items():
                out = edited(args.regcompat, base, os.path.join(work, "rule_%s_%d.qevm" % (r, len(rules))), change)
                real, lines = load(found[r], m, c, out)
                pred = predict(args, r, out, r, base, c)
                rules.append({"release": r, "machine": m, "cpu": c, "edit": name, "real_loads": real,
                              "qemu_messages": lines, "predicted_loads": pred["loads"],
                              "predicted_check": pred["failed_check"], "disagreements": judge(real, lines, pred)})

    bad = [x for x in results + rules if x["disagreements"]]
    for x in results:
        print("%-9s %-11s %7s -> %-7s QEMU %-5s predicted %-5s %s%s" % (
            x["machine"], x["cpu"], x["source"], x["dest"], "loads" if x["real_loads"] else "FAILS",
            "loads" if x["predicted_loads"] else "FAILS", x["predicted_check"],
            "" if not x["disagreements"] else "  DISAGREE: " + "; ".join(x["disagreements"])))
    for x in rules:
        print("rule %-7s %-52s QEMU %-5s predicted %-5s %s%s" % (
            x["release"], x["edit"], "loads" if x["real_loads"] else "FAILS",
            "loads" if x["predicted_loads"] else "FAILS", x["predicted_check"],
            "" if not x["disagreements"] else "  DISAGREE: " + "; ".join(x["disagreements"])))
    print("matrix: %d cells (%d load), %d rule edits, %.1f s on %d jobs%s" % (
        len(results), sum(x["real_loads"] for x in results), len(rules), matrix_seconds, args.jobs,
        "" if serial_seconds is None else ", %.1f s serial (%.2fx)" % (serial_seconds,
                                                                       matrix_seconds / serial_seconds)))
    peers_used = {r: found[r]["version"] for r in releases}
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump({"schema_version": 1, "peers": peers_used, "cells": results, "rules": rules,
                       "seconds": matrix_seconds, "serial_seconds": serial_seconds}, f, indent=1, sort_keys=True)
        os.replace(args.json + ".tmp", args.json)
    if args.markdown:
        with open(args.markdown + ".tmp", "w") as f:
            f.write("| machine | CPU | source -> dest | real QEMU | predicted | reason |\n|---|---|---|---|---|---|\n")
            for x in results:
                f.write("| %s | %s | %s -> %s | %s | %s | %s |\n" % (
                    x["machine"], x["cpu"], x["source"], x["dest"], "loads" if x["real_loads"] else "fails",
                    "loads" if x["predicted_loads"] else "fails", x["predicted_check"]))
        os.replace(args.markdown + ".tmp", args.markdown)
    print("%d passed, %d failed" % (len(results) + len(rules) - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
