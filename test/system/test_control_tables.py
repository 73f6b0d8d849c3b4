# SPDX-License-Identifier: BSD-3-Clause
"""The control socket with big tables, against the live gateway in the lab: a
tracking gateway holding thousands of groups (reported by an inside host in
IGMPv3 reports of many records), asked for them by clients that half-close,
never read, or page through the table while it changes.

The speed of the answers is the business of scripts/bench-control.sh; these
cases check that every answer is whole, that abusers cost the gateway bounded
memory and do not stop other clients, and that paging sees every group once.
"""

import json
import random
import socket
import time

import pytest

from gwlab import (ALL_V3_ROUTERS, HOST, ether, igmp_v3_report, ipv4, mac_of, multicast_mac,
                   wait_until)
from test_control import CTL, ctl, RawClient

# Upstream queriers rarely query: their answers (thousands of groups) are not the subject.
LAB_ENV = {"LAB_QUERY_INTERVAL": 120}

# Tracking with the gateway as the inside querier: its query interval keeps the groups
# for 2 * 100 + 2 s without refreshes; a leave removes a group 2 * 0.1 s later.
TRACK = ("proxy.track_membership=yes", "querier.enabled=yes", "igmp.proxy_out_to_in=no",
         "querier.query_interval=100", "querier.query_response_interval=2",
         "querier.last_member_query_interval=0.1", "querier.last_member_query_count=2")
REC_IS_EX, REC_TO_IN = 2, 3
RECORDS_PER_REPORT = 150    # 8 bytes each: a report stays under the 1500-byte MTU
N_GROUPS = 3000
DRAIN_TIMEOUT_S = 5          # ctl_server.c's CTL_DRAIN_TIMEOUT_MS


def group_addr(i):
    """The i-th address of 239.50.0.1 on, 250 a /24 (i below 62 500)."""
    return "239.50.%d.%d" % (i // 250, 1 + i % 250)


def initial_groups():
    """The big table: every other address, so that others can join in between."""
    return [group_addr(2 * i) for i in range(N_GROUPS)]


def report_frames(groups, rtype):
    """v3 reports from h1 to 224.0.0.22 carrying one record of rtype per group."""
    frames = []
    for k in range(0, len(groups), RECORDS_PER_REPORT):
        msg = igmp_v3_report([(rtype, g, []) for g in groups[k:k + RECORDS_PER_REPORT]])
        frames.append(ether(multicast_mac(ALL_V3_ROUTERS), mac_of(HOST["h1"]),
                            ipv4(HOST["h1"], ALL_V3_ROUTERS, msg)))
    return frames


def tracked(gw):
    """The number of groups the gateway tracks (status: cheap, whatever the table)."""
    with gw.control() as c:
        r = c.request("status")
    assert r["ok"], r
    return r["tracking"]["groups"]


def join(lab, gw, groups, expect):
    """h1 reports groups; waits until the gateway tracks expect groups."""
    lab.send("h1", report_frames(groups, REC_IS_EX), pace_every=4, pace_s=0.01)
    wait_until(lambda: tracked(gw) == expect, 20, f"{expect} tracked groups")


@pytest.fixture
def big_table(lab, gateway):
    """A tracking gateway holding N_GROUPS groups on its inside port (only the inside
    wire is watched: the upstream answers to queries are not what is tested here)."""
    def start(*extra):
        gw = gateway(*(TRACK + extra), roles=["inside"])
        join(lab, gw, initial_groups(), N_GROUPS)
        return gw
    return start


def read_to_eof(sock, timeout, wait=1.0):
    """Everything sock receives until the gateway closes it, read from wait seconds on:
    a reader that lags behind its writer, as the end of a shell pipe may."""
    time.sleep(wait)
    data = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"the gateway did not close within {timeout} s "
                                 f"({len(data)} bytes read)")
        sock.settimeout(left)
        chunk = sock.recv(1 << 20)
        if not chunk:
            return bytes(data)
        data += chunk


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def control_stats(gw):
    with gw.control() as c:
        r = c.request("stats")
    assert r["ok"], r
    return r["control"]


# ---------------------------------------------------------------- half-closed clients

@pytest.mark.slow  # moved out of the README's test command (its 20-minute budget); CI's slow lane runs it
def test_half_closed_client_gets_every_pipelined_answer(lab, gateway):
    """printf ... | socat: all requests, then the end of the client's writing side."""
    gw = gateway("control.max_clients=4", roles=["inside"])
    n = 1000
    for cmd in ("status", "stats"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(gw.control_path))
        s.sendall(b"".join(json.dumps({"cmd": cmd, "id": k}).encode() + b"\n"
                           for k in range(n)))
        s.shutdown(socket.SHUT_WR)
        lines = read_to_eof(s, 60).split(b"\n")
        s.close()
        assert lines[-1] == b"", f"{cmd}: the last answer is cut: {lines[-1][:80]!r}"
        answers = [json.loads(line) for line in lines[:-1]]
        assert [a.get("id") for a in answers] == list(range(n)), \
            f"{cmd}: {len(answers)} answers of {n}"
        assert all(a["ok"] for a in answers)


def test_half_closed_client_gets_a_whole_big_table(lab, big_table):
    gw = big_table()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(gw.control_path))
    s.sendall(b'{"cmd":"groups","id":"all"}\n{"cmd":"status","id":"after"}\n')
    s.shutdown(socket.SHUT_WR)
    data = read_to_eof(s, 60)
    s.close()
    lines = data.split(b"\n")
    assert len(lines) == 3 and lines[2] == b"", \
        f"{len(data)} bytes in {len(lines) - 1} lines: {data[-80:]!r}"
    table, after = json.loads(lines[0]), json.loads(lines[1])
    assert (table["ok"], table["id"], after["id"]) == (True, "all", "after")
    got = [g["group"] for g in table["groups"]]
    assert len(got) == N_GROUPS and set(got) == set(initial_groups())
    assert table.get("cursor") is None, "a request without a cursor gets the whole table"
    print(f"{N_GROUPS} groups: {len(lines[0])} bytes, whole")

    # A half-closed client that never reads its answers is let go after the drain
    # deadline, and its place is free again.
    before = control_stats(gw)["clients"]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(gw.control_path))
    s.sendall(b'{"cmd":"groups"}\n' * 8)
    s.shutdown(socket.SHUT_WR)
    try:
        wait_until(lambda: control_stats(gw)["clients"] == before + 1, 5,
                   "the gateway to hold the client that does not read")
        stats = wait_until(lambda: (lambda c: c if c["clients"] == before else None)(
            control_stats(gw)), DRAIN_TIMEOUT_S + 10, "the drain deadline to free the place")
        assert stats["clients_timed_out"] >= 1, stats
    finally:
        s.close()


# ---------------------------------------------------------------- clients that never read

def test_clients_that_never_read_cost_bounded_memory_and_stop_nobody(lab, big_table):
    gw = big_table("control.max_clients=16")
    pid = gw.proc.pid
    # Every code path once (a table answer, status), so that growth is the abusers' alone.
    ctl(gw, "--json", "groups")
    ctl(gw, "status")
    rss0 = rss_kb(pid)
    abusers = []
    try:
        for _ in range(8):
            a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            a.connect(str(gw.control_path))
            a.setblocking(False)
            try:
                a.send(b'{"cmd":"groups"}\n' * 32)
            except BlockingIOError:
                pass
            abusers.append(a)
        peak = rss0
        with RawClient(gw.control_path) as other:
            for k in range(10):
                # Answered, whatever the abusers asked for (how fast is the benchmark's
                # business: 10 s is 200 times its target).
                other.timed_request("status", 10)
                peak = max(peak, rss_kb(pid))
                time.sleep(0.2)
        growth_mb = (peak - rss0) / 1024
        print(f"RSS {rss0 / 1024:.1f} MB before, peak {peak / 1024:.1f} MB with 8 clients "
              f"each pipelining 32 tables of {N_GROUPS} groups without reading")
        # What the 8 x 32 answers would take in full: 8 * 32 * ~380 KB = 97 MB.
        assert growth_mb < 16, f"the gateway grew by {growth_mb:.1f} MB"
        assert gw.alive()
    finally:
        for a in abusers:
            a.close()
    # Only the client asking is left.
    wait_until(lambda: control_stats(gw)["clients"] == 1, 5, "the abusers to be let go")


# ---------------------------------------------------------------- paging

def test_paging_returns_every_group_once_while_groups_change(lab, big_table):
    gw = big_table()
    initial = initial_groups()
    # Every sixth group leaves while the pages are read, and as many new ones join in
    # between the others, in an order that lands changes before and after the cursor.
    doomed = initial[::6]
    stable = set(initial) - set(doomed)
    newcomers = [group_addr(12 * i + 1) for i in range(len(doomed))]
    random.Random(11).shuffle(doomed)
    random.Random(12).shuffle(newcomers)
    pages, got, cursor = 0, [], None
    changes = iter(range(0, len(doomed), 20))
    with RawClient(gw.control_path) as c:
        while True:
            fields = {"limit": 100}
            if cursor is not None:
                fields["cursor"] = cursor
            r = c.request("groups", timeout=10, **fields)
            assert r["ok"] and r["tracking"], r
            assert len(r["groups"]) <= 100, len(r["groups"])
            assert "cursor" in r, "a paged answer says where the next page starts"
            got += [(g["port"], g["group"]) for g in r["groups"]]
            pages += 1
            cursor = r["cursor"]
            if cursor is None:
                break
            assert isinstance(cursor, str) and pages < 200, (pages, cursor)
            k = next(changes, None)
            if k is not None:
                lab.send("h1", report_frames(doomed[k:k + 20], REC_TO_IN)
                         + report_frames(newcomers[k:k + 20], REC_IS_EX))
    print(f"{len(got)} groups in {pages} pages")
    assert len(got) == len(set(got)), "a group came twice"
    assert {p for p, _ in got} == {"inside"}
    names = {g for _, g in got}
    assert stable <= names, f"{len(stable - names)} groups present throughout were missed"
    assert names <= set(initial) | set(newcomers), names - set(initial) - set(newcomers)

    # Once the changes have settled, igmpgwctl pages through the whole table by itself.
    final = stable | set(newcomers)
    wait_until(lambda: tracked(gw) == len(final), 10, f"{len(final)} tracked groups")
    out = ctl(gw, "--json", "groups").stdout
    table = json.loads(out)
    assert [g["group"] for g in table["groups"]] == sorted(final, key=socket.inet_aton)
    assert "cursor" not in table
    human = ctl(gw, "groups").stdout.splitlines()
    assert len(human) == 1 + len(final), human[:3]
    assert CTL.exists()
