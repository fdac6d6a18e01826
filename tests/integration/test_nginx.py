"""Debian's nginx in front of hearthd, with the shipped example
(config/nginx-hearth.conf) as ops would install it: TLS terminated by nginx,
HTTP/2 to browsers, WebSockets upgraded through it, and hearthd's rate limits
per family rather than one budget for everyone behind the proxy.

nginx is started by the test as a process on loopback and stopped by its PID.
Clients connect from different loopback source addresses (127.0.0.2 and
127.0.0.3), which nginx forwards in X-Forwarded-For."""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest
import http.client
import json

from hearthlib import Daemon
from test_exposure import listening_sockets, metric
from wsclient import WsClient

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
EXAMPLE = os.path.join(ROOT, "config", "nginx-hearth.conf")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_certificate(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    return cert, key


def nginx_config(tmp, port, upstream_port, cert, key):
    """The shipped example, pointed at our ports and certificate, inside a
    minimal main configuration of its own (no system paths)."""
    with open(EXAMPLE) as f:
        site = f.read()
    site, n1 = re.subn(r"listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % port, site)
    site, n2 = re.subn(r"\n\s*listen \[::\]:443 ssl http2;", "", site)
    site, n3 = re.subn(r"server 127\.0\.0\.1:8080;", "server 127.0.0.1:%d;" % upstream_port, site)
    site, n4 = re.subn(r"/etc/ssl/hearth/fullchain\.pem", cert, site)
    site, n5 = re.subn(r"/etc/ssl/hearth/privkey\.pem", key, site)
    assert (n1, n2, n3, n4, n5) == (1, 1, 1, 1, 1), "the example changed shape"
    site_path = os.path.join(tmp, "hearth.conf")
    with open(site_path, "w") as f:
        f.write(site)
    main = os.path.join(tmp, "nginx.conf")
    temp = os.path.join(tmp, "temp")
    os.makedirs(temp, exist_ok=True)
    with open(main, "w") as f:
        f.write(
            "daemon off;\nworker_processes 1;\npid %(tmp)s/nginx.pid;\n"
            "error_log %(tmp)s/error.log warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            "  client_body_temp_path %(temp)s/body;\n  proxy_temp_path %(temp)s/proxy;\n"
            "  fastcgi_temp_path %(temp)s/fastcgi;\n  uwsgi_temp_path %(temp)s/uwsgi;\n"
            "  scgi_temp_path %(temp)s/scgi;\n"
            "  include %(site)s;\n"
            "}\n" % {"tmp": tmp, "temp": temp, "site": site_path})
    return main


class Nginx:
    def __init__(self, tmp, upstream_port):
        self.tmp = tmp
        self.port = free_port()
        cert, key = make_certificate(tmp)
        conf = nginx_config(tmp, self.port, upstream_port, cert, key)
        check = subprocess.run([NGINX, "-t", "-c", conf, "-p", tmp], capture_output=True,
                               text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen([NGINX, "-c", conf, "-p", tmp],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not start: %s" % self.error_log())

    def error_log(self):
        try:
            with open(os.path.join(self.tmp, "error.log")) as f:
                return f.read()
        except OSError:
            return ""

    def tls_socket(self, source, alpn=("http/1.1",)):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(list(alpn))
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=5,
                                       source_address=(source, 0))
        return ctx.wrap_socket(raw, server_hostname="localhost")

    def request(self, method, path, body=None, source="127.0.0.2", headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=5,
                                           source_address=(source, 0),
                                           context=ssl._create_unverified_context())
        try:
            hdrs = {"Content-Type": "application/json"}
            hdrs.update(headers or {})
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers=hdrs)
            resp = conn.getresponse()
            text = resp.read()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class NginxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("[server]\ntrusted_proxies = 127.0.0.1\n").start()
        cls.nginx = Nginx(cls.d.tmp.name, cls.d.port)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        cls.d.close()

    def test_page_over_tls_and_http2(self):
        status, body = self.nginx.request("GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        s = self.nginx.tls_socket("127.0.0.2", alpn=("h2", "http/1.1"))
        self.assertEqual(s.selected_alpn_protocol(), "h2")
        s.close()
        # hearthd itself is reachable only on loopback, not beside nginx.
        self.assertEqual(listening_sockets(self.d.port), [("127.0.0.1", self.d.port)])

    def test_metrics_not_public(self):
        self.assertEqual(self.nginx.request("GET", "/metrics")[0], 404)

    def test_websocket_through_nginx(self):
        sock = self.nginx.tls_socket("127.0.0.3")
        ws = WsClient(self.nginx.port, host="127.0.0.1", sock=sock)
        ws.send({"type": "join", "id": 1, "token": "B" * 43})
        reply = ws.recv()
        self.assertEqual(reply["type"], "error")
        ws.close()

    def test_rate_limit_is_per_client(self):
        family_a = [
            self.nginx.request("POST", "/invite/check", {"token": "A" * 43}, "127.0.0.2")[0]
            for _ in range(12)
        ]
        self.assertEqual(family_a[:10], [404] * 10)
        self.assertEqual(family_a[-1], 429)
        # Another household behind the same nginx still gets its answers.
        status, body = self.nginx.request("POST", "/invite/check", {"token": "A" * 43},
                                          "127.0.0.4")
        self.assertEqual(status, 404, body)
        # A header the client sends is replaced by nginx: no escape.
        status, _ = self.nginx.request("POST", "/invite/check", {"token": "A" * 43},
                                       "127.0.0.2", {"X-Forwarded-For": "198.51.100.77"})
        self.assertEqual(status, 429)
        self.assertGreaterEqual(metric(self.d.port, "hearth_rate_limited_total"), 2)
        self.assertNotIn("127.0.0.2", self.d.log())


if __name__ == "__main__":
    unittest.main()
