#!/usr/bin/env python3
"""A running guest migrated mid-run between Debian's real QEMU binaries.

For every ordered pair of the peers' releases (7.2, 10.0.13, 11.1.3) the
project's AArch64 guest `long_compute` (it dirties 4 MiB continuously, prints
progress lines and a checksum, and exits 1 if system registers it wrote or
read changed) runs under `-M virt-7.2 -cpu cortex-a57` on the source binary;
mid-run, while it computes, the source migrates it live to a file and the
destination binary loads it and lets it finish.

- Where the destination loads it, the console (the source's UART up to the
  migration, then the destination's) and the exit status must equal an
  unmigrated run's.
- Where it refuses, the source is resumed (`cont`) and must finish with the
  unmigrated console: a failed load leaves the guest intact where it was.
- Either way the outcome must be what `regcompat migrate-check` (QEMU rules)
  predicts from the source's stream and the destination's own stream.

Usage: running_guest_test.py --regcompat BIN --db DIR --guest long_compute.elf
Exit 0 all agree, 1 a disagreement, 77 peers absent because Debian's archive
was unreachable, 2 otherwise.
"""
import argparse
import importlib.machinery
import importlib.util
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MACHINE, CPU = "virt-7.2", "cortex-a57"
ITERATIONS = 1200000  # about 3 s of TCG; the migration starts after 1 s


def load_matrix_module():
    path = os.path.join(ROOT, "release", "real-qemu-matrix")
    loader = importlib.machinery.SourceFileLoader("real_qemu_matrix", path)
    spec = importlib.util.spec_from_loader("real_qemu_matrix", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def guest_cmd(peer, image, uart, extra=()):
    return [peer["launcher"], "-M", MACHINE, "-cpu", CPU, "-display", "none", "-nodefaults",
            "-monitor", "stdio", "-serial", "file:" + uart,
            "-semihosting-config", "enable=on,target=native", "-kernel", image] + list(extra)


class Monitor:
    """A QEMU started with -monitor stdio."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.seen = ""

    def send(self, line):
        try:
            self.p.stdin.write((line + "\n").encode())
            self.p.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def read(self, timeout):
        ready, _, _ = select.select([self.p.stdout], [], [], timeout)
        if ready:
            chunk = os.read(self.p.stdout.fileno(), 65536).decode(errors="replace")
            self.seen += chunk
            return chunk
        return ""

    def migration_status(self, deadline):
        """Polls `info migrate` until completed or failed (None: timed out or exited)."""
        start = len(self.seen)
        while time.time() < deadline and self.p.poll() is None:
            self.send("info migrate")
            self.read(0.25)
            tail = self.seen[start:]
            if re.search(r"[Ss]tatus:\s*completed", tail):
                return True
            if re.search(r"[Ss]tatus:\s*failed", tail):
                return False
        return None

    def wait(self, timeout):
        try:
            _, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, err = self.p.communicate()
            return None, err.decode(errors="replace")
        return self.p.returncode, err.decode(errors="replace")


def reference(peer, image, work):
    uart = os.path.join(work, "ref-%s.uart" % peer["upstream"])
    m = Monitor(guest_cmd(peer, image, uart))
    rc, err = m.wait(300)
    return rc, open(uart).read()


def predict(regcompat, db, src_rel, stream, dst_rel, dst_own):
    p = subprocess.run([regcompat, "migrate-check", "--db", db, "--source", stream, "--source-release", src_rel,
                        "--dest", dst_own, "--dest-release", dst_rel, "--cpu", CPU, "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode not in (0, 1):
        raise RuntimeError("migrate-check exited %d: %s" % (p.returncode, p.stderr))
    return __import__("json").loads(p.stdout)["paths"][0]


def migrate_pair(args, src, dst, image, work, own_streams):
    tag = "%s-to-%s" % (src["upstream"], dst["upstream"])
    src_uart, dst_uart = os.path.join(work, tag + ".src.uart"), os.path.join(work, tag + ".dst.uart")
    stream = os.path.join(work, tag + ".qevm")
    source = Monitor(guest_cmd(src, image, src_uart))
    time.sleep(1.0)
    source.send('migrate "exec:cat > %s"' % stream)
    sent = source.migration_status(time.time() + 120)
    if not sent:
        source.send("quit")
        source.wait(30)
        return None, "the source did not migrate (%s)" % source.seen[-300:]
    before = open(src_uart).read()
    pred = predict(args.regcompat, args.db, src["upstream"], stream, dst["upstream"], own_streams[dst["upstream"]])
    dest = Monitor(guest_cmd(dst, image, dst_uart, ["-incoming", "exec:cat %s" % stream]))
    loaded = dest.migration_status(time.time() + 120)
    if loaded:
        rc, _ = dest.wait(300)           # the guest runs to its semihosting exit
        source.send("quit")
        source.wait(30)
        console = before + open(dst_uart).read()
    else:
        dest.send("quit")
        _, dest_err = dest.wait(30)
        source.send("cont")              # the failed load must leave the guest intact
        rc, _ = source.wait(300)
        console = open(src_uart).read()
    return {"loaded": bool(loaded), "rc": rc, "console": console, "before": before, "predicted": pred["loads"],
            "predicted_check": pred["failed_check"]}, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--regcompat", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--guest", required=True, help="long_compute.elf")
    ap.add_argument("--peer", action="append")
    args = ap.parse_args()
    matrix = load_matrix_module()
    found, missing = matrix.peers(args.peer or matrix.DEFAULT_PEERS)
    if missing:
        status_file = os.path.join(matrix.cache_dir(), "real-inputs.status")
        status = open(status_file).read().strip() if os.path.exists(status_file) else ""
        print("%s: no QEMU peer for %s" % ("SKIP" if status == "unreachable" else "FAIL", ", ".join(missing)))
        return 77 if status == "unreachable" else 2
    work = tempfile.mkdtemp(prefix="regcompat-running-guest-")
    failures, passed = [], 0
    try:
        image = os.path.join(work, "long_compute.elf")
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "vm", "interp", "patch_symbol.py"), args.guest,
                        "iterations", str(ITERATIONS), image], check=True)
        releases = sorted(found, key=lambda r: [int(x) for x in r.split(".")])
        refs = {}
        own = {}
        for r in releases:
            refs[r] = reference(found[r], image, work)
            own[r] = matrix.save(args.regcompat, found[r], MACHINE, CPU, os.path.join(work, "own-%s.qevm" % r))
        first = refs[releases[0]]
        for r in releases:
            if refs[r] != first:
                failures.append("unmigrated runs differ between %s and %s" % (releases[0], r))
        if first[0] != 0 or "checksum" not in first[1]:
            failures.append("the unmigrated guest did not finish cleanly: exit %s, %r" % (first[0], first[1][-200:]))
        for s in releases:
            for d in releases:
                result, error = migrate_pair(args, found[s], found[d], image, work, own)
                label = "%7s -> %-7s" % (s, d)
                if error:
                    failures.append("%s: %s" % (label, error))
                    print("FAIL %s: %s" % (label, error))
                    continue
                bad = []
                if "checksum" in result["before"]:
                    bad.append("the guest had finished before the migration (not mid-run)")
                if result["loaded"] != result["predicted"]:
                    bad.append("QEMU %s, predicted %s (%s)" % ("loads" if result["loaded"] else "refuses",
                                                               "loads" if result["predicted"] else "refuses",
                                                               result["predicted_check"]))
                if (result["rc"], result["console"]) != first:
                    bad.append("console/exit differ from the unmigrated run (exit %s)" % result["rc"])
                where = "finished on the destination" if result["loaded"] else "refused; resumed on the source"
                lines = result["before"].count("\n")
                print("%s %s: %s after %d lines, predicted %s%s" % (
                    "ok  " if not bad else "FAIL", label, where, lines, result["predicted_check"],
                    "" if not bad else "  " + "; ".join(bad)))
                if bad:
                    failures.append(label + ": " + "; ".join(bad))
                else:
                    passed += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
