"""The browser client as hearthd serves it: the page for "/" and every
invite link, its files with their MIME types, the security headers (HSTS
only with TLS), and refusals. What the page does is tested in real browsers
(tests/e2e/)."""

import http.client
import os
import ssl
import subprocess
import unittest

from hearthlib import Daemon


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
        for path in ("/app/", "/app/nope.js", "/app/../signaling/web.c", "/app/js/../../README.md",
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


class WebTls(unittest.TestCase):
    def test_hsts_with_tls(self):
        d = Daemon()
        cert = os.path.join(d.tmp.name, "cert.pem")
        key = os.path.join(d.tmp.name, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        d.write_config("[server]\ntls_certificate = %s\ntls_private_key = %s\n" % (cert, key))
        with d:
            d.start()
            status, _, h = get(d, "/join/" + "c" * 43, tls=True)
            self.assertEqual(status, 200)
            self.assertEqual(h["strict-transport-security"], "max-age=31536000")


if __name__ == "__main__":
    unittest.main()
