#!/usr/bin/python3
"""Several nodes (issue 19): admin API write latency and join latency,
direct and redirected (wrong_node, then the home node), on SQLite (one
node: direct only) and on PostgreSQL (two nodes on 127.0.0.2 and .3).
Prints a table; not a test. Run from the source tree with a built hearthd:

    HEARTHD=build/daemon/hearthd tests/pg/with-postgres \\
        /usr/bin/python3 bench/cluster.py [--n 200]

Without tests/pg/with-postgres (no HEARTH_TEST_DATABASE_URL) only SQLite
is measured. A join here is: open a WebSocket, send `join`, read
`join.ok` (redirected: open, `join`, read `wrong_node`, open another,
`join`, read `join.ok`), then `leave`; the host stays connected on the
home node throughout so that the lease stays there."""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from hearthlib import Daemon, admin_call, open_now  # noqa: E402
from wsclient import WsClient  # noqa: E402

URL = os.environ.get("HEARTH_TEST_DATABASE_URL", "")
PASSWORD_FILE = os.environ.get("HEARTH_TEST_DATABASE_PASSWORD_FILE", "")


def node(name, address, pg):
    d = Daemon()
    d.address = address
    d.sock = os.path.join(d.tmp.name, "admin.sock")
    storage = "admin_socket = %s\n" % d.sock
    if pg:
        storage += "database_url = %s\ndatabase_password_file = %s\n" % (URL, PASSWORD_FILE)
    d.write_config("[server]\nlisten_address = %s\n[storage]\n%s[media]\nbind_address = %s\n"
                   "[cluster]\nnode_id = %s\n[log]\nlevel = info\n"
                   % (address, storage, address, name))
    return d.start(timeout=30)


def ms(samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return "%.2f / %.2f" % (statistics.median(samples) * 1000, p95 * 1000)


def admin_writes(d, n):
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        status, _ = admin_call(d.sock, "POST", "/sessions",
                               {"kind": "group", "title": "Bench %d" % i, "schedule": open_now()})
        out.append(time.perf_counter() - t0)
        assert status == 201, status
    return out


def family(d):
    status, s = admin_call(d.sock, "POST", "/sessions",
                           {"kind": "family", "title": "Bench", "schedule": open_now()})
    assert status == 201, s
    tokens = []
    for name, role in (("Host", "host"), ("Dana", "family")):
        status, e = admin_call(d.sock, "POST", "/sessions/%d/roster" % s["id"],
                               {"display_name": name, "role": role, "auto_admit": True})
        assert status == 201, e
        status, inv = admin_call(d.sock, "POST", "/sessions/%d/roster/%d/invite"
                                 % (s["id"], e["id"]), {"max_uses": 1000})
        assert status == 201, inv
        tokens.append(inv["token"])
    return tokens


def join_once(d, token):
    """Seconds from opening the first socket to join.ok; and how many
    wrong_node answers it took."""
    t0 = time.perf_counter()
    host, port, hops = d.address, d.port, 0
    while True:
        ws = WsClient(port, host=host)
        ws.send({"type": "join", "id": 1, "v": 1, "token": token})
        reply = ws.recv(5)
        err = reply.get("error") or {}
        if err.get("code") != "wrong_node":
            break
        ws.close()
        hops += 1
        hostport = err["url"].split("//", 1)[1]
        host, port = hostport.rsplit(":", 1)[0], int(hostport.rsplit(":", 1)[1])
    took = time.perf_counter() - t0
    assert reply.get("type") == "join.ok", reply
    ws.send({"type": "leave", "id": 2})
    ws.recv(5)
    ws.close()
    return took, hops


def joins(d, token, n, want_hops):
    out = []
    for _ in range(n):
        took, hops = join_once(d, token)
        assert hops == want_hops, (hops, want_hops)
        out.append(took)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    rows = []
    a = node("bench-sqlite", "127.0.0.2", False)
    try:
        rows.append(("SQLite, one node", "admin write", ms(admin_writes(a, args.n))))
        host_token, token = family(a)
        host = WsClient(a.port, host=a.address)
        host.send({"type": "join", "id": 1, "v": 1, "token": host_token})
        host.recv(5)
        rows.append(("SQLite, one node", "join, direct", ms(joins(a, token, args.n, 0))))
        host.close()
    finally:
        a.stop()
        a.close()
    if URL:
        a = node("bench-a", "127.0.0.2", True)
        b = node("bench-b", "127.0.0.3", True)
        try:
            rows.append(("PostgreSQL, two nodes", "admin write (node a)",
                         ms(admin_writes(a, args.n))))
            rows.append(("PostgreSQL, two nodes", "admin write (node b)",
                         ms(admin_writes(b, args.n))))
            host_token, token = family(a)
            host = WsClient(a.port, host=a.address)  # homes the session on a
            host.send({"type": "join", "id": 1, "v": 1, "token": host_token})
            host.recv(5)
            rows.append(("PostgreSQL, two nodes", "join, direct (at the home)",
                         ms(joins(a, token, args.n, 0))))
            rows.append(("PostgreSQL, two nodes", "join, redirected (b, then a)",
                         ms(joins(b, token, args.n, 1))))
            host.close()
        finally:
            for d in (a, b):
                d.stop()
                d.close()
    print("| store | operation | median / p95 ms (n=%d) |" % args.n)
    print("| --- | --- | --- |")
    for r in rows:
        print("| %s | %s | %s |" % r)


if __name__ == "__main__":
    main()
