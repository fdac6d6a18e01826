"""A small RFC 6455 WebSocket client for tests (stdlib only): handshake with a
subprotocol, masked text frames out, text frames in (fragments joined), pings
answered, close frames reported.

Blocking by default (recv with a timeout). start_reader() instead hands every
message to a callback from a background thread; sending stays possible from
any thread (frames are written under a lock)."""

import base64
import json
import os
import socket
import struct
import threading
import time


class Closed(Exception):
    def __init__(self, code):
        super().__init__("closed with %s" % code)
        self.code = code


class WsClient:
    def __init__(self, port, path="/ws", protocol="hearth.v1", host="127.0.0.1", timeout=5,
                 sock=None):
        # sock: an already connected socket (e.g. TLS through a proxy).
        self.sock = sock or socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (path, host, port, key))
        if protocol:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        self.sock.sendall((req + "\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("handshake refused: %r" % head)
            head += chunk
        status_line, _, rest = head.partition(b"\r\n")
        if b" 101 " not in status_line:
            raise ConnectionError("handshake refused: %r" % status_line)
        self.buf = rest.partition(b"\r\n\r\n")[2]
        self.close_code = None
        self.send_lock = threading.Lock()
        self.reader = None

    def _frame(self, opcode, payload, fin=True):
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return head + mask + body

    def send_raw(self, payload, opcode=1):
        frame = self._frame(opcode, payload)
        with self.send_lock:
            self.sock.sendall(frame)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode())

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed(self.close_code)
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _next_frame(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        return b0 & 0x80, b0 & 0x0F, self._read(n)

    def recv(self, timeout=5):
        """The next JSON message; raises Closed when the server closes."""
        self.sock.settimeout(timeout)
        parts = []
        while True:
            fin, op, payload = self._next_frame()
            if op == 8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(self.close_code)
            if op == 9:
                self.send_raw(payload, opcode=10)
                continue
            if op in (0, 1):
                parts.append(payload)
                if fin:
                    return json.loads(b"".join(parts))

    def recv_type(self, type_, timeout=5):
        """Skips other messages until one of type_ arrives."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(0.1, deadline - time.monotonic()))
            if msg.get("type") == type_:
                return msg

    def expect_close(self, timeout=5):
        """Reads until the server closes; returns the close code and the messages seen."""
        seen = []
        try:
            while True:
                seen.append(self.recv(timeout))
        except Closed as c:
            return c.code, seen

    def start_reader(self, on_message, on_closed=None):
        """Receives in a daemon thread from now on: on_message(msg) for every
        message, then on_closed(code) once when the connection ends (code is
        None when it ended without a close frame). Don't call recv() after."""
        def run():
            code = None
            try:
                while True:
                    on_message(self.recv(timeout=None))
            except Closed as c:
                code = c.code
            except (OSError, ValueError):
                pass
            if on_closed:
                on_closed(code)

        self.reader = threading.Thread(target=run, name="ws-reader", daemon=True)
        self.reader.start()
        return self.reader

    def close(self):
        try:
            self.send_raw(struct.pack("!H", 1000), opcode=8)
        except OSError:
            pass
        try:
            # Wakes a reader thread blocked in recv (close() alone does not).
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        if self.reader and self.reader is not threading.current_thread():
            self.reader.join(5)
