"""Hearth's CPU cost per forwarded SRTP packet, measured with real WebRTC
peers (GStreamer webrtcbin, VP8 + Opus) on loopback.

Not a pass/fail test: it prints figures. N peers join one family session,
each publishes and subscribes to all others; after the media flows, the
daemon's CPU time (user + system, all threads, from /proc) over a window is
divided by the SRTP packets it forwarded in that window (/metrics).

    HEARTHD=build/daemon/hearthd PYTHONPATH=tests/integration \\
        /usr/bin/python3 bench/forward_cost.py [peers] [seconds]
"""

import json
import os
import re
import socket
import sys
import time
import http.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from hearthlib import Daemon  # noqa: E402
from peer import Peer, wait_flowing  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def forwarded(d):
    _, body, _ = d.http("GET", "/metrics")
    text = body.decode() if isinstance(body, bytes) else str(body)
    return sum(int(v) for v in re.findall(r"^hearth_rtp_forwarded_total\{[^}]*\} (\d+)$", text, re.M))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    window = float(sys.argv[2]) if len(sys.argv) > 2 else 15
    with Daemon("[media]\nworkers = 1\n") as d:
        sock = os.path.join(d.tmp.name, "admin.sock")
        d.write_config("[media]\nworkers = 1\n[storage]\nadmin_socket = %s\n" % sock)
        d.start()

        def admin(method, path, body=None):
            c = http.client.HTTPConnection("localhost", timeout=5)
            c.sock = socket.socket(socket.AF_UNIX)
            c.sock.connect(sock)
            c.request(method, "/api/v1" + path, body=json.dumps(body) if body else None)
            return json.loads(c.getresponse().read())

        now = int(time.time())
        s = admin("POST", "/sessions", {"kind": "group", "title": "bench",
                                        "schedule": {"type": "once", "start": iso(now - 60),
                                                     "end": iso(now + 3600)}})
        peers = []
        for i in range(n):
            e = admin("POST", "/sessions/%d/roster" % s["id"],
                      {"display_name": "P%d" % i, "role": "peer", "auto_admit": True})
            tok = admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]), {})["token"]
            p = Peer(d.port, tok, name="p%d" % i)
            p.subscribe()
            p.publish()
            peers.append(p)
        pairs = [(rx, tx.participant_id) for rx in peers for tx in peers if rx is not tx]
        missing = wait_flowing(pairs, timeout=30)
        if missing:
            print("media did not flow for %d pairs" % len(missing))
        c0, f0, t0 = cpu_seconds(d.proc.pid), forwarded(d), time.monotonic()
        time.sleep(window)
        c1, f1, t1 = cpu_seconds(d.proc.pid), forwarded(d), time.monotonic()
        for p in peers:
            p.close()
        pkts = f1 - f0
        cpu = c1 - c0
        print("peers %d, window %.1f s: %d SRTP packets forwarded (%.0f/s)"
              % (n, t1 - t0, pkts, pkts / (t1 - t0)))
        print("hearthd CPU %.3f s (%.1f %% of one core): %.2f us per forwarded packet"
              % (cpu, 100 * cpu / (t1 - t0), 1e6 * cpu / pkts if pkts else float("nan")))


if __name__ == "__main__":
    main()
