#!/usr/bin/env python3
"""regvm end to end: a guest migrated mid-run between two regvm processes
configured as different releases (aarch64 interpreter: QEMU 10.2.2 and
10.0.13 register sets under virt-10.0; x86_64 KVM: Linux 6.12.107 and 7.1.8
MSR lists under pc-10.2), both directions, without and with the generated
compat tables; the guest RAM checksum before and after; connections cut at
random points. Each check prints one line; exit 1 on the first failure.

usage: migration_e2e.py --regvm BIN --arch aarch64|x86_64 --image GUEST [--seed N]
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from regvm_harness import Regvm, wait_migration  # noqa: E402

BOGUS_DBGDTRTX = "0x40200000200e0298"

PROFILES = {
    # name -> (common args, {side: args})
    "aarch64": (["--arch", "aarch64", "--accel", "tcg", "--machine", "virt-10.0", "--kernel", "6.12.107",
                 "--cpu", "max", "--memory", "64M"],
                {"10.2.2": ["--release", "10.2.2"], "10.0.13": ["--release", "10.0.13"]},
                ["--guest-param", "iterations=%d"]),
    "x86_64": (["--arch", "x86_64", "--accel", "kvm", "--machine", "pc-10.2", "--release", "10.2.2",
                "--cpu", "msrs", "--memory", "64M"],
               {"6.12.107": ["--kernel", "6.12.107"], "7.1.8": ["--kernel", "7.1.8"]},
               ["--guest-param", "iterations=%d"]),
}


class Check:
    failures = 0

    @staticmethod
    def that(ok, what, detail=""):
        print(("ok   " if ok else "FAIL ") + what + (("\n     " + detail.replace("\n", "\n     ")) if (detail and not ok) else ""))
        sys.stdout.flush()
        if not ok:
            Check.failures += 1
        return ok


class E2E:
    def __init__(self, args):
        self.regvm = args.regvm
        self.arch = args.arch
        self.image = args.image
        self.common, self.sides, self.param = PROFILES[args.arch]
        self.iterations = args.iterations
        self.work = tempfile.mkdtemp(prefix="regvm-e2e-")
        self.rng = random.Random(args.seed)
        self.counter = 0

    def name(self, what):
        self.counter += 1
        return "%02d-%s" % (self.counter, what)

    def args(self, side, no_table=False, image=True):
        a = self.common + self.sides[side]
        if image:
            a += ["--image", self.image] + [p % self.iterations if "%d" in p else p for p in self.param]
        if no_table:
            a += ["--no-compat-table"]
        return a

    def reference(self):
        side = list(self.sides)[0]
        vm = Regvm(self.regvm, self.work, self.name("reference"), self.args(side), qmp=False)
        rc = vm.wait()
        self.ref_rc, self.ref_console = rc, vm.console_text()
        Check.that(rc == 0 and len(self.ref_console) > 0, "reference run (no migration) exits 0 with console output",
                   "rc %d, stderr:\n%s" % (rc, vm.stderr()))
        for other in list(self.sides)[1:]:
            vm2 = Regvm(self.regvm, self.work, self.name("reference-" + other), self.args(other), qmp=False)
            rc2 = vm2.wait()
            Check.that(rc2 == rc and vm2.console_text() == self.ref_console,
                       "reference run on %s gives the same status and console" % other)

    def wait_progress(self, vm, lines=2, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if vm.console_text().count("\n") >= lines:
                return True
            if vm.proc.poll() is not None:
                return False
            time.sleep(0.01)
        return False

    def start_pair(self, src_side, dst_side, no_table, tag):
        sock = os.path.join(self.work, tag + ".mig")
        dst = Regvm(self.regvm, self.work, tag + "-dst-" + dst_side,
                    self.args(dst_side, no_table, image=False) + ["--incoming", "unix:" + sock])
        src = Regvm(self.regvm, self.work, tag + "-src-" + src_side, self.args(src_side, no_table))
        return src, dst, sock

    def msr_count(self, vm):
        m = re.search(r"register list: (\d+) MSRs", vm.stderr())
        return int(m.group(1)) if m else None

    def migrate(self, src_side, dst_side, no_table):
        tag = self.name("%s-to-%s-%s" % (src_side, dst_side, "no-table" if no_table else "table"))
        what = "%s -> %s %s" % (src_side, dst_side, "without compat table" if no_table else "with the generated table")
        src, dst, sock = self.start_pair(src_side, dst_side, no_table, tag)
        try:
            if not Check.that(self.wait_progress(src), what + ": the source guest is running (progress lines)",
                              src.stderr()):
                return None
            before = src.console_text()
            src.qmp.execute("migrate", uri="unix:" + sock)
            info = wait_migration(src.qmp)
            status = info["status"]
            if status == "completed":
                src.qmp.execute("quit")
                src_rc = src.wait()
                dst_rc = dst.wait()
                combined = src.console_text() + dst.console_text()
                Check.that(src_rc == 0, what + ": source exits 0 after quit (postmigrate)", src.stderr())
                Check.that(dst_rc == self.ref_rc, what + ": destination finishes the guest with status %d" % self.ref_rc,
                           "rc %d\n%s" % (dst_rc, dst.stderr()))
                Check.that(combined == self.ref_console,
                           what + ": source console before + destination console after = the unmigrated run's",
                           "source:\n%s\ndestination:\n%s" % (src.console_text()[-400:], dst.console_text()[-400:]))
                Check.that(len(before) > 0 and len(dst.console_text()) > 0, what + ": migrated mid-run")
                print("     total %d ms, downtime %d ms, %d bytes, %d passes" % (
                    info["total-time"], info.get("downtime", -1), info["ram"]["transferred"], info["ram"]["dirty-sync-count"]))
            else:
                err = info.get("error-desc", "")
                dst_rc = dst.wait()
                Check.that(dst_rc != 0, what + ": destination exits non-zero (%d)" % dst_rc)
                named = re.findall(r"0x[0-9a-f]{16}", dst.stderr())
                Check.that(len(named) > 0, what + ": destination names the offending registers", dst.stderr())
                print("     destination: " + dst.stderr().strip().replace("\n", "\n     "))
                Check.that(src.qmp.execute("query-status")["status"] == "running",
                           what + ": source is running again")
                src_rc = src.wait()
                Check.that(src_rc == self.ref_rc and src.console_text() == self.ref_console,
                           what + ": source finishes the guest itself with the right status and console",
                           "rc %d\n%s" % (src_rc, src.stderr()))
                Check.that("rejected" in err, what + ": query-migrate reports the destination's error", err)
            return status, src, dst
        finally:
            src.kill()
            dst.kill()

    def directions(self):
        a, b = list(self.sides)
        results = {}
        for src_side, dst_side in ((a, b), (b, a)):
            for no_table in (True, False):
                r = self.migrate(src_side, dst_side, no_table)
                if r:
                    results[(src_side, dst_side, no_table)] = r
        for (src_side, dst_side, no_table), (status, src, dst) in results.items():
            if not no_table:
                Check.that(status == "completed", "%s -> %s loads with the generated table" % (src_side, dst_side))
        if self.arch == "aarch64":
            r = results.get(("10.2.2", "10.0.13", True))
            Check.that(r is not None and r[0] == "failed" and BOGUS_DBGDTRTX in r[2].stderr(),
                       "10.2.2 -> 10.0.13 without table fails naming the bogus DBGDTRTX " + BOGUS_DBGDTRTX)
        else:
            for (src_side, dst_side, no_table), (status, src, dst) in results.items():
                if no_table:
                    ns, nd = self.msr_count(src), self.msr_count(dst)
                    expect = "failed" if (ns or 0) > (nd or 0) else "completed"
                    Check.that(status == expect,
                               "%s -> %s without table: %s (source lists %s MSRs, destination %s: %s)" % (
                                   src_side, dst_side, status, ns, nd,
                                   "this host lists some of the 7.1.8-only MSRs" if expect == "failed" else "nothing the destination lacks"))
        return results

    def checksum(self):
        a, b = list(self.sides)
        tag = self.name("checksum")
        src, dst, sock = self.start_pair(a, b, False, tag)
        try:
            self.wait_progress(src)
            src.qmp.execute("stop")
            before = src.qmp.execute("x-query-ram-checksum")["checksum"]
            src.qmp.execute("migrate", uri="unix:" + sock)
            info = wait_migration(src.qmp)
            Check.that(info["status"] == "completed", "checksum: paused guest migrates", info.get("error-desc", ""))
            st = dst.qmp.execute("query-status")["status"]
            Check.that(st == "paused", "checksum: the destination keeps the guest paused as the source had it (%s)" % st)
            after = dst.qmp.execute("x-query-ram-checksum")["checksum"]
            Check.that(before == after, "guest RAM checksum identical before and after migration (%s)" % before,
                       "before %s after %s" % (before, after))
            dst.qmp.execute("cont")
            src.qmp.execute("quit")
            src.wait()
            rc = dst.wait()
            Check.that(rc == self.ref_rc and src.console_text() + dst.console_text() == self.ref_console,
                       "checksum: the destination finishes the guest after cont")
        finally:
            src.kill()
            dst.kill()

    def cuts(self, count=6):
        a, b = list(self.sides)
        tag = self.name("cuts")
        src = Regvm(self.regvm, self.work, tag + "-src", self.args(a))
        try:
            self.wait_progress(src)
            points = [0, 12, 13] + [self.rng.randrange(14, 4 << 20) for _ in range(count)]
            for k in points:
                path = os.path.join(self.work, "%s-%d.sock" % (tag, k))
                server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                server.bind(path)
                server.listen(1)

                def fake_destination():
                    conn, _ = server.accept()
                    left = k
                    while left > 0:
                        data = conn.recv(min(left, 1 << 20))
                        if not data:
                            break
                        left -= len(data)
                    conn.close()  # the destination dies here

                t = threading.Thread(target=fake_destination)
                t.start()
                src.qmp.execute("migrate", uri="unix:" + path)
                info = wait_migration(src.qmp)
                t.join()
                server.close()
                st = src.qmp.execute("query-status")["status"]
                Check.that(info["status"] == "failed" and st in ("running", "shutdown"),
                           "connection cut after %d bytes: migration failed, source %s" % (k, st),
                           str(info))
            # A real destination killed while the stream flows.
            sock = os.path.join(self.work, tag + "-real.mig")
            dst = Regvm(self.regvm, self.work, tag + "-dst", self.args(b, image=False) + ["--incoming", "unix:" + sock])
            src.qmp.execute("migrate", uri="unix:" + sock)
            dst.proc.kill()
            info = wait_migration(src.qmp)
            dst.wait()
            Check.that(info["status"] in ("failed", "completed"), "destination killed: migration %s" % info["status"])
            if info["status"] == "completed":
                print("     (the migration completed before the kill landed; source is in postmigrate)")
                src.qmp.execute("quit")
                src.wait()
                return
            rc = src.wait()
            Check.that(rc == self.ref_rc and src.console_text() == self.ref_console,
                       "after every cut the source finishes the guest with the right status and console",
                       "rc %d\n%s" % (rc, src.stderr()))
        finally:
            src.kill()


    def faults(self):
        """A peer that never reads, migrate_cancel, quit, SIGTERM, a silent
        incoming connection, and the control socket's ownership, as a
        process sees them."""
        a, b = list(self.sides)
        tag = self.name("faults")

        held = []

        def migrate_to_wedged(vm, name):
            """Starts a migration of `vm` to a destination that accepts and
            never reads a byte."""
            path = os.path.join(self.work, "%s-%s.sock" % (tag, name))
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(path)
            server.listen(1)
            vm.qmp.execute("migrate", uri="unix:" + path)
            conn, _ = server.accept()
            held.extend([conn, server])

        def mode(path):
            return os.lstat(path).st_mode & 0o777

        src = Regvm(self.regvm, self.work, tag + "-src", self.args(a) + ["--stall-timeout", "600000"])
        try:
            self.wait_progress(src)
            Check.that(mode(src.qmp_path) == 0o600, "control socket is mode 0600", oct(mode(src.qmp_path)))
            second = subprocess.run([self.regvm] + self.args(a) + ["--qmp", "unix:" + src.qmp_path],
                                    capture_output=True, text=True, timeout=60)
            Check.that(second.returncode == 122 and "in use by another process" in second.stderr and
                       src.qmp.execute("query-status")["status"] == "running",
                       "a second regvm on the same control socket is refused; the first keeps it",
                       "rc %d: %s" % (second.returncode, second.stderr))
            # Wedged peer, no timeout to save it: migrate_cancel does.
            migrate_to_wedged(src, "wedged")
            time.sleep(0.5)
            status = src.qmp.execute("query-migrate")["status"]
            t0 = time.monotonic()
            reply = src.qmp.command("migrate_cancel")
            info = wait_migration(src.qmp, timeout=30)
            took = time.monotonic() - t0
            Check.that(status == "active" and "return" in reply and info["status"] == "cancelled" and took < 5 and
                       src.qmp.execute("query-status")["status"] == "running",
                       "migrate_cancel on a peer that never reads: cancelled in %.2f s, guest running" % took,
                       "%s then %s, %s" % (status, reply, info))
            # Wedged again: quit exits at once.
            migrate_to_wedged(src, "wedged2")
            time.sleep(0.3)
            t0 = time.monotonic()
            src.qmp.execute("quit")
            rc = src.wait(timeout=30)
            took = time.monotonic() - t0
            Check.that(rc == 0 and took < 5 and not os.path.exists(src.qmp_path),
                       "quit during a wedged migration exits (%.2f s) and removes its socket" % took,
                       "rc %d\n%s" % (rc, src.stderr()))
        finally:
            src.kill()
            for c in held:
                c.close()

        # The stall timeout alone gives the guest back; then SIGTERM.
        src = Regvm(self.regvm, self.work, tag + "-src2", self.args(a) + ["--stall-timeout", "1000"])
        dst = None
        try:
            self.wait_progress(src)
            t0 = time.monotonic()
            migrate_to_wedged(src, "wedged3")
            info = wait_migration(src.qmp, timeout=60)
            took = time.monotonic() - t0
            Check.that(info["status"] == "failed" and "stall timeout" in info.get("error-desc", "") and took < 15 and
                       src.qmp.execute("query-status")["status"] == "running",
                       "a peer that never reads fails the migration after the stall timeout (%.1f s); guest running" % took,
                       str(info))
            # A silent connection does not hold the destination's only slot.
            sock = os.path.join(self.work, tag + ".mig")
            dst = Regvm(self.regvm, self.work, tag + "-dst", self.args(b, image=False) +
                        ["--incoming", "unix:" + sock, "--stall-timeout", "1000"])
            Check.that(mode(sock) == 0o600, "incoming migration socket is mode 0600", oct(mode(sock)))
            squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            squatter.connect(sock)
            time.sleep(1.5)
            src.qmp.execute("migrate", uri="unix:" + sock)
            info = wait_migration(src.qmp, timeout=120)
            squatter.close()
            Check.that(info["status"] == "completed" and "sent nothing for 1000 ms" in dst.stderr(),
                       "a connection that sends nothing is dropped; the real source then migrates",
                       "%s\n%s" % (info, dst.stderr()))
            src.qmp.execute("quit")
            src.wait(timeout=30)
            t0 = time.monotonic()
            dst.proc.send_signal(signal.SIGTERM)
            rc = dst.wait(timeout=30)
            took = time.monotonic() - t0
            Check.that(rc == 0 and took < 5 and not os.path.exists(dst.qmp_path) and
                       "terminating on signal 15" in dst.stderr(),
                       "SIGTERM ends a running regvm (%.2f s, exit 0) and removes its socket" % took,
                       "rc %d\n%s" % (rc, dst.stderr()))
            # SIGTERM while waiting for an incoming migration.
            sock2 = os.path.join(self.work, tag + "-waiting.mig")
            waiting = Regvm(self.regvm, self.work, tag + "-waiting", self.args(b, image=False) +
                            ["--incoming", "unix:" + sock2])
            waiting.proc.send_signal(signal.SIGTERM)
            rc = waiting.wait(timeout=30)
            Check.that(rc == 0 and not os.path.exists(sock2) and not os.path.exists(waiting.qmp_path),
                       "SIGTERM ends a regvm waiting for its incoming migration and removes both sockets",
                       "rc %d\n%s" % (rc, waiting.stderr()))
        finally:
            src.kill()
            if dst:
                dst.kill()
            for c in held:
                c.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--regvm", required=True)
    p.add_argument("--arch", required=True, choices=sorted(PROFILES))
    p.add_argument("--image", required=True)
    p.add_argument("--iterations", type=int, default=0, help="guest iterations (default per arch)")
    p.add_argument("--seed", type=int, default=int(os.environ.get("REGVM_E2E_SEED", "1")))
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    if args.arch == "x86_64" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        print("SKIP: /dev/kvm is not usable here")
        return 77
    if args.iterations == 0:
        args.iterations = 2000000 if args.arch == "aarch64" else 1500
    e = E2E(args)
    print("work directory: %s (seed %d)" % (e.work, args.seed))
    try:
        e.reference()
        e.directions()
        e.checksum()
        e.cuts()
        e.faults()
    finally:
        if not args.keep and Check.failures == 0:
            shutil.rmtree(e.work, ignore_errors=True)
    print("%d failure(s)" % Check.failures)
    return 1 if Check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
