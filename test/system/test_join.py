# SPDX-License-Identifier: BSD-3-Clause
"""Static upstream joins ([join], smcroute's mgroup): with no host joined, the
gateway asks the upstream snooping bridge for the group at start, answers the
bridge's queries for as long as the join is configured (the mdb entry outlives
the membership interval), in goIGMP mode and in tracking mode, in the version
the upstream querier speaks, and asks again on alt when igmpgwctl makes alt the
active outside. In tracking mode the last inside member leaving a joined group
sends no leave. Judges: the bridges' mdb and tshark on the gateway's ports.
"""

import struct
import subprocess
import time

import pytest

from gwlab import BUILD, GW_ADDR, HOST, QUERIER, join_group, wait_until

# Queries every 2 s; an entry nobody refreshes leaves the mdb after 6 s.
QI, MI = 2, 6
LAB_ENV = {"LAB_QUERY_INTERVAL": QI, "LAB_QUERY_RESPONSE_INTERVAL": 1,
           "LAB_MEMBERSHIP_INTERVAL": MI}
CTL = BUILD / "app" / "igmpgwctl"
ANY, SSM, SSM_SRC = "239.44.0.1", "232.44.0.2", "10.200.1.10"
JOINS = (f"join.tv={ANY}", f"join.ssm={SSM} source {SSM_SRC}")
TRACK = ("proxy.track_membership=yes", "querier.enabled=yes", "igmp.proxy_out_to_in=no")
MODES = {"goigmp": (), "tracking": TRACK}
NODE = {"outside": "up", "alt": "alt"}


def is_query_from(role):
    return lambda p: p["igmp.type"] == "0x11" and p["ip.src"] == QUERIER[role]


def reports(group):
    """A v2 report of group, or a v3 report with a record for it."""
    return lambda p: (p["igmp.type"] in ("0x16", "0x22") and
                      group in p.get("igmp.maddr", "").split(","))


def v3_records(raw):
    """The group records of a v3 report's bytes: [(type, group, [sources])]."""
    out, off = [], 8
    for _ in range(struct.unpack("!H", raw[6:8])[0]):
        rtype, aux, n = struct.unpack("!BBH", raw[off:off + 4])
        group = ".".join(map(str, raw[off + 4:off + 8]))
        srcs = [".".join(map(str, raw[off + 8 + 4 * i:off + 12 + 4 * i])) for i in range(n)]
        out.append((rtype, group, srcs))
        off += 8 + 4 * n + 4 * aux
    return out


def leaves(group):
    """A v2 leave of group, or a v3 report with TO_IN (3) for it (TO_IN {}: a leave)."""
    return lambda p: ((p["igmp.type"] == "0x17" and p["igmp.maddr"] == group) or
                      (p["igmp.type"] == "0x22" and
                       ("3", group) in zip(p["igmp.record_type"].split(","),
                                           p["igmp.maddr"].split(","))))


def mdb_holds_for(lab, node, groups, seconds):
    """groups stay in node's mdb for seconds (checked twice a second)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        missing = set(groups) - lab.mdb_groups(node)
        assert not missing, f"{missing} left {node}'s mdb with the join configured"
        time.sleep(0.5)


# goIGMP's mode in CI's slow lane: the README's test command keeps to 20 minutes.
@pytest.mark.parametrize("mode", ["tracking", pytest.param("goigmp", marks=pytest.mark.slow)])
def test_static_join_held_upstream(lab, gateway, mode):
    # What an earlier test's gateway joined ages out first (nobody answers for it).
    wait_until(lambda: {ANY, SSM}.isdisjoint(lab.mdb_groups("up")), MI + QI + 3,
               "the upstream mdb without the joins before the gateway starts")
    gw = gateway(*(MODES[mode] + JOINS))
    gw.wait_log(r"reported 2 static joins on outside")
    wait_until(lambda: {ANY, SSM} <= lab.mdb_groups("up"), 5,
               "both joins in the upstream bridge's mdb")
    # Past three membership intervals: only answers to the bridge's queries keep them.
    mdb_holds_for(lab, "up", (ANY, SSM), 3 * MI)
    q = gw.wire["outside"].wait_for(is_query_from("outside"), QI + 2, "an upstream query")
    for g in (ANY, SSM):
        p = gw.wait_emitted("outside", lambda p, g=g: reports(g)(p) and
                            float(p["frame.time_epoch"]) > float(q["frame.time_epoch"]),
                            QI + 3, f"the gateway's answer for {g} after a query")
        assert p["ip.src"] == GW_ADDR["outside"]
    # Nobody inside joined: nothing is tracked, and nothing went to alt.
    assert not gw.emitted("alt")
    assert {ANY, SSM}.isdisjoint(lab.mdb_groups("alt"))


@pytest.mark.slow  # moved out of the README's test command (its 20-minute budget); CI's slow lane runs it
def test_static_join_follows_the_active_outside(lab, gateway):
    gw = gateway(*JOINS)
    wait_until(lambda: {ANY, SSM} <= lab.mdb_groups("up"), 5, "the joins on outside")
    out = subprocess.run([str(CTL), "-s", str(gw.control_path), "select-outside", "alt"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stdout + out.stderr
    wait_until(lambda: {ANY, SSM} <= lab.mdb_groups("alt"), 5, "the joins on alt")
    gw.wait_emitted("alt", reports(ANY), 3, "the report on alt")
    mdb_holds_for(lab, "alt", (ANY, SSM), 2 * MI)
    # outside is no longer active: its queries go unanswered and the entries age out.
    wait_until(lambda: {ANY, SSM}.isdisjoint(lab.mdb_groups("up")), MI + QI + 3,
               "the joins to leave the outside bridge's mdb")


@pytest.mark.slow  # moved out of the README's test command (its 20-minute budget); CI's slow lane runs it
def test_member_leaving_keeps_the_join_upstream(lab, gateway):
    """Tracking mode: a host joins a statically joined group and leaves it. The
    RFC 4605 proxy tells the upstream its members are gone, the bridge asks for
    the group, and the gateway answers for the join: the mdb entry stays."""
    wait_until(lambda: ANY not in lab.mdb_groups("up"), MI + QI + 3,
               "the upstream mdb without the join before the gateway starts")
    gw = gateway(*(TRACK + JOINS))
    wait_until(lambda: ANY in lab.mdb_groups("up"), 5, "the join in the upstream mdb")
    host = join_group(lab.ns("h1"), ANY, HOST["h1"])
    try:
        wait_until(lambda: any(g["group"] == ANY for g in tracked(gw)), 8,
                   f"{ANY} tracked on the inside")
    finally:
        host.close()
    wait_until(lambda: not any(g["group"] == ANY for g in tracked(gw)), 10,
               f"{ANY} to leave the tracked groups")
    mdb_holds_for(lab, "up", (ANY,), 2 * MI)
    # The gateway is still a member: it never told the upstream otherwise.
    sent = gw.emitted("outside", leaves(ANY))
    assert not sent, f"a leave or TO_IN {{}} for the joined {ANY} went upstream: {sent}"


def set_querier_version(lab, version):
    lab.exec("up", ["ip", "link", "set", "br0", "type", "bridge",
                    "mcast_igmp_version", str(version)])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("version", (2, 3))
def test_static_join_speaks_the_upstream_version(lab, gateway, mode, version):
    """The joins are reported as every report of the gateway's RFC 4605 proxy:
    v2 reports to a v2 querier; v3 IS_EX {} for a join of any source and IS_IN
    {sources} for a source join to a v3 querier."""
    set_querier_version(lab, version)
    try:
        gw = gateway(*(MODES[mode] + JOINS))
        gw.wait_log(r"reported 2 static joins on outside")
        t0 = time.time()
        q = gw.wire["outside"].wait_for(
            lambda p: is_query_from("outside")(p) and p["igmp.version"] == str(version) and
            float(p["frame.time_epoch"]) > t0, 3 * QI + 3, f"a v{version} query after the start")
        tq = float(q["frame.time_epoch"])
        if version == 2:
            for g in (ANY, SSM):
                gw.wait_emitted("outside", lambda p, g=g: p["igmp.type"] == "0x16" and
                                p["igmp.maddr"] == g and float(p["frame.time_epoch"]) > tq,
                                QI + 3, f"a v2 report of {g} answering the v2 query")
            # Once the v2 querier is heard, nothing goes out in v3.
            v3 = gw.emitted("outside", lambda p: p["igmp.type"] == "0x22" and
                            float(p["frame.time_epoch"]) > tq + 0.5)
            assert not v3, f"v3 reports to a v2 querier: {v3}"
        else:
            want = {(2, ANY, ()), (1, SSM, (SSM_SRC,))}

            def answered():
                got = set()
                for p in gw.emitted("outside", lambda p: p["igmp.type"] == "0x22" and
                                    float(p["frame.time_epoch"]) > tq):
                    got |= {(t, g, tuple(s)) for t, g, s in
                            v3_records(gw.wire["outside"].igmp_raw(p))}
                return want <= got
            wait_until(answered, QI + 3, f"IS_EX {{}} for {ANY} and IS_IN {{{SSM_SRC}}} for {SSM}")
            v2 = gw.emitted("outside", lambda p: p["igmp.type"] in ("0x12", "0x16"))
            assert not v2, f"v1/v2 reports to a v3 querier: {v2}"
    finally:
        set_querier_version(lab, 3)


def tracked(gw):
    """The tracked records of the groups view (it lists the static joins too)."""
    with gw.control() as c:
        r = c.request("groups")
    assert r["ok"], r
    return [g for g in r["groups"] if g["source"] == "tracked"]
