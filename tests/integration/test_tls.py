"""Certificates replaced while hearthd runs (docs/operations.md,
"Certificates"): SIGHUP re-reads the HTTPS and the DTLS pair; new
connections get the new certificate, open ones keep theirs and go on; a bad
pair is refused with one log line and the running one stays."""

import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest

from hearthlib import Daemon, DaemonTestCase, open_now
from peer import Peer, wait_flowing
from wsclient import WsClient


def make_pair(directory, name, days=1):
    cert = os.path.join(directory, "%s.crt" % name)
    key = os.path.join(directory, "%s.key" % name)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", str(days), "-subj",
                    "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def make_expired_pair(directory, name):
    """A pair whose certificate ended yesterday (openssl req cannot)."""
    try:
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return None
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=3))
            .not_valid_after(now - datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    paths = (os.path.join(directory, "%s.crt" % name), os.path.join(directory, "%s.key" % name))
    with open(paths[0], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


def fingerprint(cert_path):
    with open(cert_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest().upper()


def install(pair, cert_path, key_path):
    """Replaces the configured files the way renewal tools do: a new file
    renamed over the old one."""
    for src, dst in zip(pair, (cert_path, key_path)):
        shutil.copyfile(src, dst + ".new")
        os.replace(dst + ".new", dst)


def reload(d, pattern):
    mark = len(d.lines)
    d.signal(signal.SIGHUP)
    return d.wait_for_log(re.compile(pattern), start=mark)


class HttpsReload(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        tmp = self.d.tmp.name
        self.a = make_pair(tmp, "a")
        self.b = make_pair(tmp, "b")
        self.cert = os.path.join(tmp, "server.crt")
        self.key = os.path.join(tmp, "server.key")
        install(self.a, self.cert, self.key)
        self.d.write_config("[server]\ntls_certificate = %s\ntls_private_key = %s\n"
                            % (self.cert, self.key))
        self.d.start()

    def tearDown(self):
        rc, _ = self.d.stop()
        log = self.d.log()
        self.d.close()
        self.assertEqual(rc, 0, log)

    def connect(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", self.d.port, timeout=5, context=ctx)
        conn.connect()
        return conn

    def presented(self, conn):
        return hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest().upper()

    def healthz(self, conn):
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        body = resp.read()
        self.assertEqual(resp.status, 200, body)
        return body

    def new_connection_gets(self, pair):
        conn = self.connect()
        try:
            self.assertEqual(self.presented(conn), fingerprint(pair[0]))
            self.healthz(conn)
        finally:
            conn.close()

    def wss(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", self.d.port), timeout=5)
        return WsClient(self.d.port, sock=ctx.wrap_socket(raw))

    def ping(self, ws, n):
        ws.send({"type": "ping", "id": n})
        reply = ws.recv()
        self.assertEqual((reply.get("type"), reply.get("id")), ("pong", n), reply)

    def test_renewal_and_refusals(self):
        old = self.connect()  # kept open (keep-alive) across the reloads
        self.assertEqual(self.presented(old), fingerprint(self.a[0]))
        self.healthz(old)
        ws = self.wss()  # a call's signaling connection, also kept
        self.ping(ws, 1)

        install(self.b, self.cert, self.key)
        line = reload(self.d, r"reloaded .*server\.tls_certificate")
        self.assertIn(":".join(re.findall("..", fingerprint(self.b[0]))), line)
        self.new_connection_gets(self.b)
        # The connections made with A go on, still with A.
        self.healthz(old)
        self.assertEqual(self.presented(old), fingerprint(self.a[0]))
        self.ping(ws, 2)
        self.assertEqual(hashlib.sha256(ws.sock.getpeercert(binary_form=True)).hexdigest().upper(),
                         fingerprint(self.a[0]))

        tmp = self.d.tmp.name
        garbage = os.path.join(tmp, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("not a certificate\n")
        bad = [
            ((self.a[0], self.b[1]), r"private key \S+server\.key does not match certificate "
                                     r"\S+server\.crt"),
            ((garbage, self.b[1]), r"certificate \S+server\.crt: holds no PEM certificate"),
            ((self.b[0], garbage), r"private key \S+server\.key: holds no unencrypted PEM"),
        ]
        expired = make_expired_pair(tmp, "expired")
        if expired:
            bad.append((expired, r"certificate \S+server\.crt: expired \d+ seconds ago"))
        for pair, problem in bad:
            install(pair, self.cert, self.key)
            line = reload(self.d, r"reload: server\.tls_certificate: ")
            self.assertRegex(line, problem)
            self.assertIn("keep getting the running certificate", line)
            self.new_connection_gets(self.b)
        # A missing key file: the configuration check refuses it already,
        # naming the file.
        install(self.b, self.cert, self.key)
        os.unlink(self.key)
        line = reload(self.d, r"reload: .*server\.key")
        self.assertRegex(line, r"tls_private_key: cannot read \S+server\.key: No such file")
        self.d.wait_for_log("reload failed: keeping the running configuration",
                            start=len(self.d.lines) - 3)
        self.new_connection_gets(self.b)
        self.healthz(old)
        self.ping(ws, 3)
        old.close()
        ws.close()

        # No key material in the log, whatever was refused.
        with open(self.b[1]) as f:
            key_text = f.read()
        body = "".join(key_text.splitlines()[1:-1])
        log = self.d.log()
        self.assertNotIn("PRIVATE KEY", log)
        for chunk in (body[i:i + 16] for i in range(0, len(body) - 16, 16)):
            self.assertNotIn(chunk, log)

        # New paths in the configuration work too.
        c = make_pair(tmp, "c")
        self.d.write_config("[server]\ntls_certificate = %s\ntls_private_key = %s\n" % c)
        reload(self.d, r"reloaded .*server\.tls_certificate")
        self.new_connection_gets(c)


def answer_fingerprint(sdp):
    m = re.search(r"^a=fingerprint:sha-256 (\S+)", sdp, re.M)
    return m.group(1).replace(":", "") if m else None


class DtlsReload(DaemonTestCase):
    """Real webrtcbin peers: media set up before the switch goes on with
    the old certificate, a peer arriving after it gets the new one in its
    SDP and in its DTLS handshake (or no media would flow)."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        tmp = cls.d.tmp.name
        cls.sock = os.path.join(tmp, "admin.sock")
        cls.a = make_pair(tmp, "media-a")
        cls.b = make_pair(tmp, "media-b")
        cls.cert = os.path.join(tmp, "media.crt")
        cls.key = os.path.join(tmp, "media.key")
        install(cls.a, cls.cert, cls.key)
        cls.d.write_config("[storage]\nadmin_socket = %s\n[media]\ndtls_certificate = %s\n"
                           "dtls_private_key = %s\n" % (cls.sock, cls.cert, cls.key))
        cls.d.start()

    def setUp(self):
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()

    def tokens(self, names):
        status, s = self.admin("POST", "/sessions", {"kind": "family", "title": "Family",
                                                     "schedule": open_now()})
        self.assertEqual(status, 201, s)
        out = []
        for i, name in enumerate(names):
            status, e = self.admin("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": "host" if i == 0 else "family",
                                    "auto_admit": True})
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                     {})
            out.append(inv["token"])
        return out

    def start(self, token, name):
        p = Peer(self.d.port, token, name=name)
        self.peers.append(p)
        self.assertEqual(p.subscribe().get("type"), "subscribe.ok")
        reply = p.publish()
        self.assertEqual(reply.get("type"), "publish.ok", reply)
        return p, reply

    def test_new_media_certificate_for_new_transports(self):
        fa, fb = fingerprint(self.a[0]), fingerprint(self.b[0])
        host_t, dana_t, sam_t = self.tokens(["Host", "Dana", "Sam"])
        host, reply = self.start(host_t, "host")
        self.assertEqual(answer_fingerprint(reply["sdp"]), fa)
        dana, reply = self.start(dana_t, "dana")
        self.assertEqual(answer_fingerprint(reply["sdp"]), fa)
        self.assertEqual(wait_flowing([(host, dana.participant_id),
                                       (dana, host.participant_id)], timeout=20), [])

        install(self.b, self.cert, self.key)
        reload(self.d, r"reloaded .*media\.dtls_certificate")

        # Dana's running connection negotiates again: same transport, same
        # certificate, media goes on.
        reply = dana.request({"type": "publish", "sdp": dana.publisher.renegotiate()})
        self.assertEqual(reply.get("type"), "publish.ok", reply)
        self.assertEqual(answer_fingerprint(reply["sdp"]), fa)
        dana.publisher.apply_answer(reply["sdp"])
        before = host.decoded_from(dana.participant_id)["video"]
        time.sleep(2)
        self.assertGreater(host.decoded_from(dana.participant_id)["video"] - before, 20)

        # Sam arrives after the switch: B in both of Sam's connections, and
        # media flows every way (a fingerprint that did not match the
        # certificate the transport uses would fail Sam's handshake).
        sam, reply = self.start(sam_t, "sam")
        self.assertEqual(answer_fingerprint(reply["sdp"]), fb)
        sam.wait_message(lambda m: m.get("type") == "subscribe.offer", 10)
        self.assertEqual({answer_fingerprint(o["sdp"]) for o in sam.sub_offers}, {fb})
        # Those subscribed before keep A in their offers.
        self.assertEqual({answer_fingerprint(o["sdp"]) for o in host.sub_offers}, {fa})
        pairs = [(sam, host.participant_id), (sam, dana.participant_id),
                 (host, sam.participant_id), (dana, sam.participant_id)]
        self.assertEqual(wait_flowing(pairs, timeout=20), [])

        # A bad pair: refused, the next transport still gets B.
        install((self.a[0], self.b[1]), self.cert, self.key)
        line = reload(self.d, r"reload: media\.dtls_certificate: ")
        self.assertRegex(line, r"private key \S+media\.key does not match certificate "
                               r"\S+media\.crt")
        status, s = self.admin("POST", "/sessions", {"kind": "individual", "title": "Other",
                                                     "schedule": open_now()})
        status, e = self.admin("POST", "/sessions/%d/roster" % s["id"],
                               {"display_name": "Robin", "role": "host"})
        status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]), {})
        robin = Peer(self.d.port, inv["token"], name="robin")
        self.peers.append(robin)
        reply = robin.publish()
        self.assertEqual(answer_fingerprint(reply["sdp"]), fb)


if __name__ == "__main__":
    unittest.main()
