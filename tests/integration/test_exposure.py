"""What an attacker on the network can reach and make the daemon do: the HTTP
listener binds exactly the configured address, a client address holds a
capped number of connections, query strings and paths are parsed strictly,
/metrics is not public, and rate limits follow the real client behind a
trusted proxy (and only behind one)."""

import hashlib
import http.client
import json
import socket
import time
import unittest

from hearthlib import Daemon


def listening_sockets(port):
    """(address, port) of every TCP socket in LISTEN on port, from /proc."""
    found = []
    for path, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state != "0A":  # TCP_LISTEN
                continue
            addr_hex, port_hex = local.split(":")
            if int(port_hex, 16) != port:
                continue
            raw = bytes.fromhex(addr_hex)
            if v6:
                # Four host-order 32-bit words.
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.append((socket.inet_ntop(socket.AF_INET6, raw), port))
            else:
                found.append((socket.inet_ntop(socket.AF_INET, raw[::-1]), port))
    return found


def connect_refused(family, host, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((host, port))
        return False
    except ConnectionRefusedError:
        return True
    finally:
        s.close()


def raw_request(port, text, host="127.0.0.1", source=None):
    """Sends raw request bytes; returns (status or None, body bytes)."""
    s = socket.create_connection((host, port), timeout=5, source_address=source)
    try:
        s.sendall(text)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = [
                    int(l.split(b":")[1])
                    for l in head.split(b"\r\n")
                    if l.lower().startswith(b"content-length:")
                ]
                if length and len(body) >= length[0]:
                    break
    finally:
        s.close()
    if not data:
        return None, b""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def request(port, method, path, body=None, headers=None, source=None, host="127.0.0.1"):
    """One HTTP/1.1 request from an optional source address: (status, JSON or text)."""
    conn = http.client.HTTPConnection(host, port, timeout=5, source_address=source)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers=headers or {})
        resp = conn.getresponse()
        text = resp.read()
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text.decode(errors="replace")
    finally:
        conn.close()


def metric(port, name, **kw):
    status, text = request(port, "GET", "/metrics", **kw)
    assert status == 200, (status, text)
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError("no metric %s in\n%s" % (name, text))


def has_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


class ListenerTest(unittest.TestCase):
    def test_binds_only_the_configured_ipv4_address(self):
        with Daemon().start() as d:
            self.assertEqual(listening_sockets(d.port), [("127.0.0.1", d.port)])
            self.assertEqual(request(d.port, "GET", "/healthz")[0], 200)
            # Another loopback address, and IPv6, are refused.
            self.assertTrue(connect_refused(socket.AF_INET, "127.0.0.2", d.port))
            if has_ipv6_loopback():
                self.assertTrue(connect_refused(socket.AF_INET6, "::1", d.port))
            # The log states what the kernel reports as bound.
            self.assertIn("(HTTP 127.0.0.1 port %d)" % d.port, d.log())

    def test_binds_a_non_default_loopback_address(self):
        with Daemon("[server]\nlisten_address = 127.0.0.9\n").start() as d:
            self.assertEqual(listening_sockets(d.port), [("127.0.0.9", d.port)])
            self.assertEqual(request(d.port, "GET", "/healthz", host="127.0.0.9")[0], 200)
            self.assertTrue(connect_refused(socket.AF_INET, "127.0.0.1", d.port))

    @unittest.skipUnless(has_ipv6_loopback(), "no IPv6 loopback")
    def test_binds_only_ipv6_loopback(self):
        with Daemon("[server]\nlisten_address = ::1\n").start() as d:
            self.assertEqual(listening_sockets(d.port), [("::1", d.port)])
            self.assertIn("(HTTP ::1 port %d)" % d.port, d.log())
            self.assertTrue(connect_refused(socket.AF_INET, "127.0.0.1", d.port))
            s = socket.create_connection(("::1", d.port), timeout=5)
            s.close()

    def test_connection_cap_per_address(self):
        with Daemon("[server]\nmax_connections_per_address = 4\n").start() as d:
            held = [socket.create_connection(("127.0.0.1", d.port)) for _ in range(4)]
            time.sleep(0.3)
            status, body = raw_request(d.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(status, 503)
            self.assertEqual(json.loads(body)["error"]["code"], "too_many_connections")
            # A WebSocket upgrade over the cap is refused the same way.
            status, _ = raw_request(
                d.port,
                b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                b"Sec-WebSocket-Protocol: hearth.v1\r\n\r\n",
            )
            self.assertEqual(status, 503)
            # Another client address is not affected.
            self.assertEqual(
                request(d.port, "GET", "/healthz", source=("127.0.0.2", 0))[0], 200)
            for s in held:
                s.close()
            # The server sees the closes a moment later: until then a
            # request may still be refused (and counted).
            refused = 2
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                status = request(d.port, "GET", "/healthz")[0]
                if status == 200:
                    break
                self.assertEqual(status, 503)
                refused += 1
                time.sleep(0.1)
            else:
                self.fail("connections were not released")
            self.assertEqual(metric(d.port, "hearth_http_connections_refused_total"), refused)
            self.assertGreaterEqual(metric(d.port, "hearth_http_connections_open"), 1)


class StrictRequestTest(unittest.TestCase):
    KEY = "exposure-test-key"

    @classmethod
    def setUpClass(cls):
        digest = hashlib.sha256(cls.KEY.encode()).hexdigest()
        cls.d = Daemon("[admin]\napi_keys = t:%s\n" % digest).start()
        cls.auth = {"Authorization": "Bearer " + cls.KEY}

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def get(self, path):
        return request(self.d.port, "GET", path, headers=self.auth)

    def test_good_query(self):
        self.assertEqual(self.get("/api/v1/audit?after=1&limit=5")[0], 200)
        self.assertEqual(self.get("/api/v1/audit")[0], 200)

    def test_bad_queries_are_400(self):
        for q in ("after=1;junk", "after=1&after=2", "after=1&&limit=2", "junk",
                  "=1", "After=1", "after=1&"):
            status, body = self.get("/api/v1/audit?" + q)
            self.assertEqual(status, 400, q)
            self.assertEqual(body["error"]["code"], "bad_query", q)

    def test_unknown_query_argument_is_400(self):
        status, body = self.get("/api/v1/audit?limit=5&x=1")
        self.assertEqual((status, body["error"]["code"]), (400, "bad_query"))
        self.assertIn('"x"', body["error"]["message"])
        status, body = self.get("/api/v1/sessions/1?after=1")
        self.assertEqual((status, body["error"]["code"]), (400, "bad_query"))

    def test_long_query_argument_is_414(self):
        status, body = self.get("/api/v1/audit?after=" + "1" * 300)
        self.assertEqual((status, body["error"]["code"]), (414, "uri_too_long"))

    def test_content_length_is_digits(self):
        # RFC 9110 §8.6: 1*DIGIT.
        for value, want in ((b"+5", 400), (b"-1", 400), (b"5x", 400),
                            (b"99999999999999999999999", 413), (b"70000", 413)):
            status, _ = raw_request(
                self.d.port,
                b"POST /invite/check HTTP/1.1\r\nHost: x\r\nContent-Length: " + value +
                b"\r\n\r\n{}")
            self.assertEqual(status, want, value)

    def test_long_paths_are_414_at_any_length(self):
        for n in (1100, 5000, 20000, 200000):
            status, body = raw_request(
                self.d.port, b"GET /" + b"a" * n + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(status, 414, n)
            self.assertEqual(json.loads(body)["error"]["code"], "uri_too_long")


class MetricsAccessTest(unittest.TestCase):
    def test_loopback_only_by_default(self):
        cfg = "[server]\ntrusted_proxies = 127.0.0.1\n"
        with Daemon(cfg).start() as d:
            self.assertEqual(request(d.port, "GET", "/metrics")[0], 200)
            # Through a (trusted) proxy for a remote client: refused.
            status, body = request(d.port, "GET", "/metrics",
                                   headers={"X-Forwarded-For": "198.51.100.20"})
            self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
            # A header that names no usable client leaves the proxy's own
            # (loopback) address: still not a local scraper.
            for junk in ('"', "unknown", "127.0.0.1, garbage", "x" * 3000):
                status, _ = request(d.port, "GET", "/metrics",
                                    headers={"X-Forwarded-For": junk})
                self.assertEqual(status, 403, junk[:20])

    def test_key(self):
        key = "metrics-secret"
        cfg = "[metrics]\nkey_sha256 = %s\n" % hashlib.sha256(key.encode()).hexdigest()
        with Daemon(cfg).start() as d:
            self.assertEqual(request(d.port, "GET", "/metrics")[0], 401)
            bad = {"Authorization": "Bearer nope"}
            self.assertEqual(request(d.port, "GET", "/metrics", headers=bad)[0], 401)
            good = {"Authorization": "Bearer " + key}
            status, text = request(d.port, "GET", "/metrics", headers=good)
            self.assertEqual(status, 200)
            self.assertIn("hearth_http_connections_open", text)

    def test_own_listener(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        mport = probe.getsockname()[1]
        probe.close()
        cfg = "[metrics]\nlisten_address = 127.0.0.3\nlisten_port = %d\n" % mport
        with Daemon(cfg).start() as d:
            self.assertIn("/metrics on 127.0.0.3 port %d" % mport, d.log())
            self.assertEqual(listening_sockets(mport), [("127.0.0.3", mport)])
            self.assertEqual(request(mport, "GET", "/metrics", host="127.0.0.3")[0], 200)
            self.assertEqual(request(mport, "GET", "/healthz", host="127.0.0.3")[0], 200)
            # Nothing else there, and /metrics no longer on the main listener.
            self.assertEqual(request(mport, "GET", "/", host="127.0.0.3")[0], 404)
            self.assertEqual(request(mport, "GET", "/api/v1/audit", host="127.0.0.3")[0], 404)
            self.assertEqual(request(d.port, "GET", "/metrics")[0], 404)


def fail_invites(port, n, source=None, xff=None):
    """n failed invite checks; returns the statuses."""
    headers = {"Content-Type": "application/json"}
    if xff:
        headers["X-Forwarded-For"] = xff
    return [
        request(port, "POST", "/invite/check", {"token": "A" * 43}, headers, source)[0]
        for _ in range(n)
    ]


class ProxyTest(unittest.TestCase):
    def test_forwarded_header_ignored_from_untrusted_peers(self):
        with Daemon().start() as d:
            # Each request claims another address; all are the same client.
            statuses = [
                request(d.port, "POST", "/invite/check", {"token": "A" * 43},
                        {"X-Forwarded-For": "198.51.100.%d" % i})[0]
                for i in range(12)
            ]
            self.assertIn(429, statuses)

    def test_rate_limit_per_client_behind_trusted_proxy(self):
        with Daemon("[server]\ntrusted_proxies = 127.0.0.1\n").start() as d:
            statuses = fail_invites(d.port, 12, xff="198.51.100.1")
            self.assertEqual(statuses[-1], 429)
            # Another family behind the same proxy is not affected...
            self.assertEqual(fail_invites(d.port, 1, xff="198.51.100.2"), [404])
            # ...and the first cannot escape by prepending an address.
            self.assertEqual(fail_invites(d.port, 1, xff="203.0.113.9, 198.51.100.1"), [429])
            # Refusals are counted, and logged once a minute per client,
            # without the address.
            self.assertGreaterEqual(metric(d.port, "hearth_rate_limited_total"), 3)
            refusals = [l for l in d.log().splitlines() if "rate limit: refusing" in l]
            self.assertEqual(len(refusals), 1, d.log())
            self.assertNotIn("198.51.100", d.log())

    def test_forwarded_rfc7239(self):
        cfg = "[server]\ntrusted_proxies = 127.0.0.1\ntrusted_proxy_header = forwarded\n"
        with Daemon(cfg).start() as d:
            headers = {"Content-Type": "application/json",
                       "Forwarded": 'for="[2001:db8::7]:4711";proto=https'}
            statuses = [
                request(d.port, "POST", "/invite/check", {"token": "A" * 43}, headers)[0]
                for _ in range(12)
            ]
            self.assertEqual(statuses[-1], 429)
            other = dict(headers, Forwarded="for=192.0.2.60")
            self.assertEqual(
                request(d.port, "POST", "/invite/check", {"token": "A" * 43}, other)[0], 404)
            # X-Forwarded-For is not the configured header: ignored, so
            # every one of these counts against the proxy itself.
            statuses = [
                request(d.port, "POST", "/invite/check", {"token": "A" * 43},
                        {"X-Forwarded-For": "192.0.2.%d" % i})[0]
                for i in range(12)
            ]
            self.assertEqual(statuses[-1], 429)


class ConfigTest(unittest.TestCase):
    def test_host_name_is_a_config_error(self):
        import subprocess
        from hearthlib import HEARTHD
        r = subprocess.run([HEARTHD, "--check-config", "--set", "server.listen_address=localhost"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 78)
        self.assertIn("listen_address", r.stderr)
        r = subprocess.run([HEARTHD, "--check-config", "--set",
                            "server.trusted_proxies=10.0.0.1/8"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 78)
        self.assertIn("10.0.0.1/8", r.stderr)


if __name__ == "__main__":
    unittest.main()
