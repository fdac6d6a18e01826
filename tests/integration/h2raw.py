"""A minimal HTTP/2 client (RFC 9113) over TLS for one GET with a small
flow-control window, written here so that a test controls what curl and
browsers do not: the stream window the server must respect, and when
credit comes back. Literal HPACK headers only (RFC 7541 §6.2.2); response
headers are not decoded."""

import socket
import ssl
import struct

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
SETTINGS_INITIAL_WINDOW_SIZE = 4
DEFAULT_MAX_FRAME = 16384


def frame(type_, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([type_, flags]) + \
        struct.pack(">I", stream) + payload


def literal(name, value):
    n, v = name.encode(), value.encode()
    assert len(n) < 127 and len(v) < 127
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v


class Result:
    def __init__(self):
        self.body = b""
        self.frames = []        # DATA payload lengths, in order
        self.over_window = []   # (length, credit) of frames beyond the window
        self.headers = False


def get(port, path, window, timeout=10):
    """GETs path with a stream window of `window` bytes, returning each
    frame's worth of credit to the stream only after reading it (the
    connection window, 65,535, is not touched: bodies here are smaller)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=timeout))
    res = Result()
    try:
        if sock.selected_alpn_protocol() != "h2":
            raise AssertionError("ALPN chose %r" % sock.selected_alpn_protocol())
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" +
                     frame(SETTINGS, 0, 0, struct.pack(">HI", SETTINGS_INITIAL_WINDOW_SIZE,
                                                       window)))
        block = b"".join(literal(k, v) for k, v in (
            (":method", "GET"), (":scheme", "https"), (":path", path),
            (":authority", "127.0.0.1")))
        sock.sendall(frame(HEADERS, END_HEADERS | END_STREAM, 1, block))
        buf = b""
        credit = window

        def read(n):
            nonlocal buf
            while len(buf) < n:
                chunk = sock.recv(65536)
                if not chunk:
                    raise AssertionError("connection closed after %d body bytes" % len(res.body))
                buf += chunk
            out, buf = buf[:n], buf[n:]
            return out

        while True:
            head = read(9)
            length = int.from_bytes(head[:3], "big")
            type_, flags = head[3], head[4]
            stream = int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
            payload = read(length)
            if type_ == SETTINGS and not flags & ACK:
                sock.sendall(frame(SETTINGS, ACK, 0))
            elif type_ == PING and not flags & ACK:
                sock.sendall(frame(PING, ACK, 0, payload))
            elif type_ == HEADERS and stream == 1:
                res.headers = True
            elif type_ == DATA and stream == 1:
                if length > credit or length > DEFAULT_MAX_FRAME:
                    res.over_window.append((length, credit))
                credit -= length
                res.frames.append(length)
                res.body += payload
                if flags & END_STREAM:
                    return res
                if length:
                    sock.sendall(frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", length)))
                    credit += length
            elif type_ == RST_STREAM and stream == 1:
                raise AssertionError("RST_STREAM %s" % payload.hex())
            elif type_ == GOAWAY:
                raise AssertionError("GOAWAY %s" % payload.hex())
    finally:
        sock.close()
