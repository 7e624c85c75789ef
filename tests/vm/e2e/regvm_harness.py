"""Process-level helpers for regvm's end-to-end tests and benchmark: start
regvm instances, talk QMP to them (regvm's or QEMU's), wait for them.
Python 3 standard library only."""
import json
import os
import socket
import subprocess
import time


class Qmp:
    """A QMP client over a Unix socket: one JSON object per line."""

    def __init__(self, path, timeout=60.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise RuntimeError("no QMP socket at %s after %.0f s" % (path, timeout))
                time.sleep(0.02)
        self.sock.settimeout(timeout)
        self.buf = b""
        greeting = self._read()
        if "QMP" not in greeting:
            raise RuntimeError("not a QMP greeting: %r" % greeting)
        self.execute("qmp_capabilities")

    def _read(self):
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                if line.strip():
                    return json.loads(line)
                continue
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("QMP connection closed")
            self.buf += chunk

    def command(self, name, **arguments):
        """The whole reply object ({"return": ...} or {"error": ...})."""
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall((json.dumps(msg) + "\n").encode())
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            return reply

    def execute(self, name, **arguments):
        reply = self.command(name, **arguments)
        if "error" in reply:
            raise RuntimeError("%s failed: %s" % (name, reply["error"]))
        return reply["return"]

    def close(self):
        self.sock.close()


def wait_migration(qmp, timeout=600.0, poll=0.01):
    """Polls query-migrate until completed or failed; returns the last reply."""
    deadline = time.monotonic() + timeout
    while True:
        info = qmp.execute("query-migrate")
        if info.get("status") in ("completed", "failed", "cancelled"):
            return info
        if time.monotonic() > deadline:
            raise RuntimeError("migration still %s after %.0f s" % (info.get("status"), timeout))
        time.sleep(poll)


class Regvm:
    """One regvm process with a control socket, a console file and stderr."""

    def __init__(self, regvm, workdir, name, args, qmp=True):
        self.name = name
        self.console = os.path.join(workdir, name + ".console")
        self.stderr_path = os.path.join(workdir, name + ".stderr")
        self.qmp_path = os.path.join(workdir, name + ".qmp")
        cmd = [regvm] + args + ["--console", self.console]
        if qmp:
            cmd += ["--qmp", "unix:" + self.qmp_path]
        self.cmd = cmd
        self.err = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.err)
        self.qmp = None
        if qmp:
            try:
                self.qmp = Qmp(self.qmp_path)
            except Exception:
                self.kill()
                raise RuntimeError("%s did not start: %s\n%s" % (name, " ".join(cmd), self.stderr()))

    def wait(self, timeout=600):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError("%s did not exit within %d s" % (self.name, timeout))
        if self.qmp:
            self.qmp.close()
            self.qmp = None
        self.err.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr(self):
        if not self.err.closed:
            self.err.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def console_text(self):
        with open(self.console, errors="replace") as f:
            return f.read()
