"""The browser client as hearthd serves it: the page for "/" and every
invite link, its files with their MIME types, the security headers (HSTS
only with TLS), and refusals. What the page does is tested in real browsers
(tests/e2e/)."""

import hashlib
import http.client
import json
import os
import re
import ssl
import subprocess
import tempfile
import unittest

import h2raw
from hearthlib import Daemon, open_now


def get(d, path, method="GET", tls=False, body=None, headers=None):
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", d.port, timeout=5, context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.headers
    finally:
        conn.close()


class Web(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_page_for_root_and_invite_links(self):
        status, root, headers = get(self.d, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertIn(b'<script type="module" src="/app/js/app.js">', root)
        # Any token: the page itself asks /invite/check, so a bad one gets
        # the page too (it says the link does not work).
        for path in ("/join/" + "A" * 43, "/join/short"):
            status, page, _ = get(self.d, path)
            self.assertEqual((status, page), (200, root))

    def test_security_headers(self):
        for path in ("/", "/join/" + "b" * 43, "/app/js/app.js", "/app/style.css"):
            _, _, h = get(self.d, path)
            csp = h["content-security-policy"]
            self.assertTrue(csp.startswith("default-src 'self';"), csp)
            self.assertNotIn("unsafe", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            self.assertEqual(h["referrer-policy"], "no-referrer")
            self.assertEqual(h["x-content-type-options"], "nosniff")
            self.assertIn("camera=(self)", h["permissions-policy"])
            self.assertIsNone(h["strict-transport-security"], "HSTS without TLS")

    def test_files_and_types(self):
        types = {
            "/app/js/app.js": "text/javascript; charset=utf-8",
            "/app/js/signal.js": "text/javascript; charset=utf-8",
            "/app/style.css": "text/css; charset=utf-8",
            "/app/index.html": "text/html; charset=utf-8",
        }
        for path, mime in types.items():
            status, body, h = get(self.d, path)
            self.assertEqual((status, h["content-type"]), (200, mime), path)
            self.assertGreater(len(body), 100)
        src = os.path.join(os.path.dirname(__file__), "..", "..", "web", "js", "signal.js")
        with open(src, "rb") as f:
            self.assertEqual(get(self.d, "/app/js/signal.js")[1], f.read(), "served as built")

    def test_no_inline_script_or_style(self):
        """The CSP forbids inline code: the page must not rely on any."""
        _, page, _ = get(self.d, "/")
        self.assertNotRegex(page, rb"<script(?![^>]*\bsrc=)")
        self.assertNotIn(b"<style", page)
        self.assertNotRegex(page, rb"\son[a-z]+=")
        self.assertNotRegex(page, rb"\sstyle=")

    def test_refusals(self):
        for path in ("/app/", "/app/nope.js", "/app/../http/web.c", "/app/js/../../README.md",
                     "/joinx", "/favicon.ico"):
            self.assertEqual(get(self.d, path)[0], 404, path)
        status, body, h = get(self.d, "/", method="POST", body=b"{}")
        self.assertEqual(status, 405)
        self.assertEqual(h["allow"], "GET")

    def test_chunked_body_refused(self):
        status, body, _ = get(self.d, "/invite/check", method="POST", body=iter([b'{"token": "x"}']),
                              headers={"Transfer-Encoding": "chunked"})
        self.assertEqual(status, 411)
        self.assertIn(b"length_required", body)


WEB_ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "web")


def web_files():
    """Every file the page loads: what web/meson.build embeds."""
    with open(os.path.join(WEB_ROOT, "meson.build")) as f:
        return re.findall(r"'([\w/.-]+\.(?:html|css|js))'", f.read())


def make_cert(directory, name="", days=1):
    cert = os.path.join(directory, "cert%s.pem" % name)
    key = os.path.join(directory, "key%s.pem" % name)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", str(days), "-subj",
                    "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def curl(d, paths, version, method="GET", headers=()):
    """Fetches paths over one TLS connection with curl (--http2 or
    --http1.1); returns [(status, http version, body)] in order."""
    with tempfile.TemporaryDirectory() as out:
        cmd = ["curl", version, "-sk", "--max-time", "10", "-X", method,
               "-w", "%{http_code} %{http_version}\\n"]
        for h in headers:
            cmd += ["-H", h]
        for i, path in enumerate(paths):
            cmd += ["-o", os.path.join(out, str(i)), "https://127.0.0.1:%d%s" % (d.port, path)]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            lines = res.stdout.split()
        except subprocess.TimeoutExpired as e:  # what came so far is compared
            lines = (e.stdout or b"").decode().split()
        got = []
        for i in range(len(paths)):
            name = os.path.join(out, str(i))
            body = b""
            if os.path.exists(name):
                with open(name, "rb") as f:
                    body = f.read()
            got.append((lines[2 * i] if 2 * i < len(lines) else "?",
                        lines[2 * i + 1] if 2 * i + 1 < len(lines) else "?", body))
        return got


class WebTls(unittest.TestCase):
    KEY = "tls-test-key-0123456789abcdef0123456789"

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        cert, key = make_cert(cls.d.tmp.name)
        digest = hashlib.sha256(cls.KEY.encode()).hexdigest()
        cls.d.write_config("[server]\ntls_certificate = %s\ntls_private_key = %s\n"
                           "[admin]\napi_keys = test:%s\n" % (cert, key, digest))
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_hsts_with_tls(self):
        status, _, h = get(self.d, "/join/" + "c" * 43, tls=True)
        self.assertEqual(status, 200)
        self.assertEqual(h["strict-transport-security"], "max-age=31536000")

    def test_every_file_whole(self):
        """Issue 13: over HTTP/2 a body larger than one frame (session.js)
        came out empty. Every file the page loads, over one connection each
        way, byte for byte."""
        files = web_files()
        self.assertIn("js/session.js", files)
        paths = ["/app/" + f for f in files] + ["/", "/join/" + "d" * 43]
        for version, label in (("--http2", "2"), ("--http1.1", "1.1")):
            got = curl(self.d, paths, version)
            for path, (status, proto, body) in zip(paths, got):
                name = path[len("/app/"):] if path.startswith("/app/") else "index.html"
                with open(os.path.join(WEB_ROOT, name), "rb") as f:
                    want = f.read()
                self.assertEqual((status, proto), ("200", label), path)
                self.assertEqual(len(body), len(want), "%s over HTTP/%s" % (path, label))
                self.assertEqual(body, want, "%s over HTTP/%s" % (path, label))

    def test_http2_flow_control(self):
        """A peer with a small stream window gets the body in frames that
        fit it, the rest after each WINDOW_UPDATE."""
        with open(os.path.join(WEB_ROOT, "js", "session.js"), "rb") as f:
            want = f.read()
        for window in (65535, 1000, 100):
            res = h2raw.get(self.d.port, "/app/js/session.js", window)
            self.assertTrue(res.headers)
            self.assertEqual(res.over_window, [], "window %d" % window)
            self.assertEqual(res.body, want, "window %d" % window)
            self.assertGreater(len(res.frames), len(want) // max(window, 4096))

    def test_errors_and_empty_bodies_over_http2(self):
        got = curl(self.d, ["/app/nope.js", "/healthz"], "--http2")
        self.assertEqual(got[0][:2], ("404", "2"))
        self.assertIn(b"not_found", got[0][2])
        self.assertEqual(got[1][:2], ("200", "2"))
        self.assertEqual(json.loads(got[1][2])["status"], "ok")
        auth = "Authorization: Bearer " + self.KEY
        got = curl(self.d, ["/"], "--http2", method="POST")
        self.assertEqual(got[0][:2], ("405", "2"))
        status, body, _ = get(self.d, "/api/v1/sessions", method="POST", tls=True,
                              body=json.dumps({"kind": "individual", "title": "t",
                                               "schedule": open_now()}),
                              headers={"Authorization": "Bearer " + self.KEY,
                                       "Content-Type": "application/json"})
        self.assertEqual(status, 201, body)
        sid = json.loads(body)["id"]
        # 204: an empty body still ends the stream, and the connection
        # serves the next request.
        got = curl(self.d, ["/api/v1/sessions/%d" % sid], "--http2", method="DELETE",
                   headers=[auth])
        self.assertEqual(got[0], ("204", "2", b""))
        got = curl(self.d, ["/app/js/session.js", "/healthz"], "--http2")
        self.assertEqual([g[:2] for g in got], [("200", "2"), ("200", "2")])


if __name__ == "__main__":
    unittest.main()
