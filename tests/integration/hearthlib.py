"""Shared helpers for tests that run the real hearthd as a separate process."""

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HEARTHD = os.environ.get("HEARTHD", "hearthd")
LISTEN_RE = re.compile(r"\(HTTP (\S+) port (\d+)\)")


class Daemon:
    """A hearthd process on loopback with free ports and a private state dir.

    Its stderr is collected line by line; wait_for_log() waits for a pattern.
    """

    def __init__(self, config_text="", args=(), env=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="hearth-test-")
        self.config_path = os.path.join(self.tmp.name, "hearthd.conf")
        self.write_config(config_text)
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.lines = []
        self.lock = threading.Condition()
        self.proc = None
        self.port = None

    def write_config(self, text):
        base = (
            "[server]\nlisten_address = 127.0.0.1\nlisten_port = 0\n"
            "[storage]\nstate_directory = {state}\n"
            "[media]\nworkers = 2\nport_min = 0\nport_max = 0\n"
        ).format(state=os.path.join(self.tmp.name, "state"))
        with open(self.config_path, "w") as f:
            f.write(merge_ini(base, text))

    def start(self, timeout=10):
        cmd = [HEARTHD, "--config", self.config_path] + self.args
        mark = len(self.lines)  # a restart: this process's line, not the last one's
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, text=True
        )
        threading.Thread(target=self._read_stderr, daemon=True).start()
        line = self.wait_for_log(LISTEN_RE, timeout, start=mark)
        self.port = int(LISTEN_RE.search(line).group(2))
        return self

    def _read_stderr(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))
                self.lock.notify_all()
        with self.lock:
            self.lock.notify_all()

    def wait_for_log(self, pattern, timeout=10, start=0):
        """Returns the first log line from index start that matches."""
        if isinstance(pattern, str):
            pattern = re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for line in self.lines[start:]:
                    if pattern.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader_alive()):
                    raise AssertionError(
                        "no log line matching %r; log:\n%s" % (pattern.pattern, self.log())
                    )
                self.lock.wait(min(left, 0.2))

    def _reader_alive(self):
        return any(t.is_alive() for t in threading.enumerate() if t.name != "MainThread")

    def log(self):
        with self.lock:
            return "\n".join(self.lines)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def http(self, method, path, body=None, headers=None):
        """Returns (status, parsed JSON or raw bytes, headers)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), data=data, method=method)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status, decode(resp.read()), resp.headers
        except urllib.error.HTTPError as e:
            return e.code, decode(e.read()), e.headers

    def signal(self, signo):
        self.proc.send_signal(signo)

    def stop(self, timeout=5):
        """SIGTERM, then returns (exit status, seconds it took)."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, time.monotonic() - t0

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def decode(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def merge_ini(base, extra):
    """Overlays INI text extra on base (same section/key: extra wins)."""
    def parse(text):
        out, section = {}, None
        for line in text.splitlines():
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if s.startswith("["):
                section = s[1:-1]
                out.setdefault(section, {})
            else:
                k, _, v = s.partition("=")
                out[section][k.strip()] = v.strip()
        return out

    merged = parse(base)
    for sec, kv in parse(extra).items():
        merged.setdefault(sec, {}).update(kv)
    return "".join(
        "[%s]\n%s" % (sec, "".join("%s = %s\n" % kv for kv in kv_map.items()))
        for sec, kv_map in merged.items()
    )


def iso(t):
    """RFC 3339 UTC text of a Unix time."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def open_now(minutes=60):
    """A one-off schedule whose window contains now."""
    now = int(time.time())
    return {"type": "once", "start": iso(now - 60), "end": iso(now + minutes * 60)}


def admin_call(sock_path, method, path, body=None):
    """One admin API request over the unix socket: (status, parsed JSON or None)."""
    import http.client
    import socket

    conn = http.client.HTTPConnection("localhost", timeout=5)
    conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.sock.connect(sock_path)
    try:
        conn.request(method, "/api/v1" + path, body=None if body is None else json.dumps(body))
        resp = conn.getresponse()
        text = resp.read()
        return resp.status, (json.loads(text) if text else None)
    finally:
        conn.close()


class DaemonTestCase(unittest.TestCase):
    """One hearthd with an admin socket shared by the tests of a class; the
    class fails if the daemon does not exit 0 at the end."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        cls.sock = os.path.join(cls.d.tmp.name, "admin.sock")
        cls.d.write_config("[storage]\nadmin_socket = %s\n" % cls.sock)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        rc, _ = cls.d.stop()
        log = cls.d.log()
        cls.d.close()
        assert rc == 0, "hearthd exited %d:\n%s" % (rc, log)

    def admin(self, method, path, body=None):
        return admin_call(self.sock, method, path, body)
