# SPDX-License-Identifier: BSD-3-Clause
"""Fast leave ([inside] fast_leave = yes) with real kernel hosts: the gateway tracks
which hosts report each group, so the last host's leave stops the data on the inside
and reaches the upstream at once, with no last-member queries, while a leave by one of
two hosts changes nothing for the other. The judges are tshark on the bridge ports
(the host's leave, the data, the gateway's queries and upstream reports), the hosts'
own sockets (sequence numbers) and the gateway's groups table and counters.

The queries' timers are those of test_tracking (LMQI 1 s x LMQC 2): without fast leave
the data would go on for 2 s after the leave, after two group-specific queries.
"""

import time

import pytest

from gwlab import HOST, wait_until
from test_tracking import (LMQC, LMQI, Sender, counters, data_captures, group_of,
                           host_version, is_group_query, last_time, max_gap, receivers, records,
                           start, wait_group)

FAST = ("inside.fast_leave=yes",)


def is_leave_from(host, group):
    """A host's leave of group on the wire: a v2 leave, or a v3 TO_IN({}) record."""
    def pred(p):
        if p["ip.src"] != HOST[host]:
            return False
        if p["igmp.type"] == "0x17":
            return p["igmp.maddr"] == group
        return p["igmp.type"] == "0x22" and ("3", group) in records(p)
    return pred


def is_upstream_leave(group):
    """The gateway's leave of group upstream: v2 leave, or a v3 TO_IN record."""
    def pred(p):
        if p["igmp.type"] == "0x17":
            return p["igmp.maddr"] == group
        return p["igmp.type"] == "0x22" and ("3", group) in records(p)
    return pred


def t(p):
    return float(p["frame.time_epoch"])


# v2 in CI's slow lane: the README's test command keeps to 20 minutes.
@pytest.mark.parametrize("version", [pytest.param(2, marks=pytest.mark.slow), 3])
def test_last_host_leaves_at_once(lab, gateway, tmp_path, version):
    gw = start(gateway, *FAST)
    group = f"239.7.5.{version}"
    host_version(lab, "h1", version)
    try:
        with data_captures(lab, tmp_path, [("in", "gw0")], group) as caps, \
                receivers(lab, ("h1", group)) as (r,), Sender(lab, [group]):
            r.join()
            g = wait_group(gw, "inside", group)
            assert g["compat"] == version, g
            r.wait_data(20)
            r.leave()
            leave = gw.wire["inside"].wait_for(is_leave_from("h1", group), 5, "h1's leave")
            up = gw.wait_emitted("outside", is_upstream_leave(group), 5,
                                 f"the gateway's leave of {group} upstream")
            assert group_of(gw, "inside", group) is None
            time.sleep(LMQI * LMQC + 1)
    finally:
        host_version(lab, "h1", 0)
    # h1 got 20 datagrams; tshark, started just before, may have missed the first few.
    assert caps[("in", "gw0")].packets, "data forwarded to the inside seen on the wire"
    stop, upstream = last_time(caps[("in", "gw0")]) - t(leave), t(up) - t(leave)
    print(f"v{version}: last datagram {stop * 1000:.1f} ms and upstream leave "
          f"{upstream * 1000:.1f} ms after the host's leave (RFC: {LMQI * LMQC} s)")
    # Without fast leave the data goes on for LMQI x LMQC (2 s) and the upstream leave
    # follows the last query: under a second is the tell, whatever the machine's load.
    assert stop < LMQI and upstream < LMQI
    assert not gw.emitted("inside", lambda p: is_group_query(group)(p) and t(p) >= t(leave)), \
        "no last-member query"
    c = counters(gw)
    assert c["fast_leaves"] >= 1 and c["hosts_untracked"] == 0, c


def test_one_of_two_hosts_leaves_the_other_keeps_receiving(lab, gateway, tmp_path):
    """h2 (IGMPv2) and h1 (IGMPv3) join; h2 leaves: no query, no upstream leave, and h1
    loses no datagram; then h1 leaves and the group goes at once."""
    gw = start(gateway, *FAST)
    group = "239.7.5.9"
    host_version(lab, "h2", 2)
    try:
        with data_captures(lab, tmp_path, [("in", "gw0")], group) as caps, \
                receivers(lab, ("h1", group), ("h2", group)) as (r1, r2), \
                Sender(lab, [group]):
            r1.join()
            r2.join()
            wait_until_hosts(gw, group, 2)
            r1.wait_data(20)
            r2.wait_data(20)
            r2.leave()
            leave2 = gw.wire["inside"].wait_for(is_leave_from("h2", group), 5, "h2's leave")
            t_leave2 = t(leave2)
            time.sleep(LMQI * LMQC + 1)
            g = group_of(gw, "inside", group)
            t_end = time.time()
            r1.leave()
            leave1 = gw.wire["inside"].wait_for(is_leave_from("h1", group), 5, "h1's leave")
            gw.wait_emitted("outside", is_upstream_leave(group), 5,
                            f"the gateway's leave of {group} after the last host")
            time.sleep(1)
    finally:
        host_version(lab, "h2", 0)
    assert g is not None and g["mode"] == "exclude", g
    window = [(at, seq) for at, src, seq in r1.got if t_leave2 - 1 <= at <= t_end]
    times, seqs = [at for at, _ in window], [seq for _, seq in window]
    missing = max(seqs) - min(seqs) + 1 - len(set(seqs))
    print(f"h1 got {len(seqs)} datagrams from 1 s before h2's leave to "
          f"{t_end - t_leave2:.1f} s after, {missing} missing, longest gap "
          f"{max_gap(times) * 1000:.0f} ms")
    assert missing == 0 and min(times) < t_leave2 and max(times) > t_leave2 + LMQI * LMQC
    assert not gw.emitted("inside", lambda p: is_group_query(group)(p) and t(p) >= t_leave2), \
        "no query after one of two hosts left"
    ups = gw.emitted("outside", is_upstream_leave(group))
    assert ups and min(t(p) for p in ups) >= t(leave1), \
        "no upstream leave before the last host left"
    assert last_time(caps[("in", "gw0")]) - t(leave1) < LMQI


def wait_until_hosts(gw, group, n):
    """Both hosts' reports reached the gateway: its groups table names the last reporter,
    and its counters saw reports from each (v2 and v3)."""
    wait_until(lambda: (lambda c: c["rx_v2_report"] >= 1 and c["rx_v3_report"] >= 1)(
        counters(gw)), 5, f"reports of {n} hosts for {group}")
    wait_group(gw, "inside", group)
