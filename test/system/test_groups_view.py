# SPDX-License-Identifier: BSD-3-Clause
"""The groups view in every mode (issue 13): in goIGMP's proxy-special mode with
forwarding on, the `groups` request lists the group a host's special report asked
for upstream ("source": "asked", "via": "translated", from the host, going to the
inside port), a client's report request ("via": "client"), a host's multicast
report passed up by proxy_in_to_out ("via": "proxied"), and the [mroute] routes
and [join]s ("source": "static", named), each with the ports its data goes to; a
paged walk with a one-record limit gives the same table, every record once, also
where two records share a (port, group); igmpgwctl prints it with its source
column; telemetry's /igmpgw/groups counts it. In tracking mode the tracked group
and the static entries appear side by side. Judges: the control socket, igmpgwctl
and telemetry of the running gateway, fed by real reports from a lab host.
"""

import json
import subprocess

from gwlab import (ALL_V3_ROUTERS, BUILD, HOST, IGMP_V2_REPORT, REC_TO_EX, host_igmp_frame,
                   igmp_v2, igmp_v3_report, join_group, wait_until)

CTL = BUILD / "app" / "igmpgwctl"
ASKED = "239.1.2.3"           # a host's special report asks for it
CLIENT = "239.2.2.2"          # a control client's report request asks for it
ROUTED = "239.55.0.0"         # [mroute] cams: a /16 to inside
JOINED = "239.44.0.1"         # [join] tv
STATIC = ("forward.enabled=yes", f"mroute.cams={ROUTED}/16 to inside",
          # A route for the asked group itself: two records of one (port, group).
          f"mroute.same={ASKED} to inside", f"join.tv={JOINED}")
TRACK = ("proxy.track_membership=yes", "querier.enabled=yes", "igmp.proxy_out_to_in=no")


def groups(gw, **fields):
    with gw.control() as c:
        r = c.request("groups", timeout=10, **fields)
    assert r["ok"], r
    return r


def find(table, **want):
    """The records of table holding every field of want."""
    return [g for g in table if all(g.get(k) == v for k, v in want.items())]


def timeless(table):
    """table without its timers, which run down between two reads."""
    return [{k: v for k, v in g.items() if k != "timer"} | {
        "sources": [{k: v for k, v in s.items() if k != "timer"} for s in g["sources"]]}
        for g in table]


def paged(gw, limit):
    """The whole table read limit records a page, as a client pages it."""
    got, cursor, pages = [], None, 0
    while True:
        r = groups(gw, limit=limit, cursor=cursor)
        assert len(r["groups"]) <= limit, r
        got += r["groups"]
        cursor, pages = r["cursor"], pages + 1
        if cursor is None:
            return got
        assert isinstance(cursor, str) and pages < 100, (pages, cursor)


def check_static(table):
    """The [mroute] routes under inside, the [join] under the active outside."""
    cams = find(table, source="static", via="mroute", name="cams")
    assert cams == [{"port": "inside", "group": ROUTED, "prefix_len": 16, "source": "static",
                     "ports": ["inside"], "via": "mroute", "name": "cams", "sources": []}], table
    assert len(find(table, port="inside", group=ASKED, via="mroute", name="same")) == 1, table
    tv = find(table, source="static", via="join")
    # Nobody inside wants its data, and no route covers it: it goes to no port.
    assert tv == [{"port": "outside", "group": JOINED, "source": "static", "ports": [],
                   "via": "join", "name": "tv", "sources": []}], table


def test_goigmp_groups_view_lists_asked_and_static(lab, gateway):
    gw = gateway(*STATIC, "igmp.membership_reports_to_network=yes")
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, ASKED))])
    with gw.control() as c:
        r = c.request("report", items=[{"group": CLIENT}])
        assert r["ok"], r
    wait_until(lambda: find(groups(gw)["groups"], source="asked", group=ASKED), 5,
               f"{ASKED} asked for in the groups view")
    r = groups(gw)
    assert (r["tracking"], r["forwarding"]) == (False, True), r
    table = r["groups"]
    asked = find(table, source="asked", group=ASKED)
    assert len(asked) == 1, table
    a = asked[0]
    assert (a["port"], a["via"], a["from"], a["ports"], a["sources"]) == \
        ("inside", "translated", HOST["h1"], ["inside"], []), a
    assert 0 < a["timer"] <= 260, a
    client = find(table, source="asked", group=CLIENT)
    assert [(g["port"], g["via"], g["from"], g["ports"]) for g in client] == \
        [("inside", "client", None, ["inside"])], table
    check_static(table)
    # The order: the active outside's joins, then inside by group, the asked record
    # before the route of the same group.
    keys = [(g["port"], g["group"]) for g in table]
    assert keys == [("outside", JOINED), ("inside", ASKED), ("inside", ASKED),
                    ("inside", CLIENT), ("inside", ROUTED)], keys
    assert [g["source"] for g in table[1:3]] == ["asked", "static"], table

    # A page a record: the same table, each record once (the cursor tells the two
    # records of (inside, ASKED) apart).
    assert timeless(paged(gw, 1)) == timeless(table)

    # igmpgwctl: one row a record, with its source, via, ports and origin.
    out = subprocess.run([str(CTL), "-s", str(gw.control_path), "groups"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    head = lines[0].split()
    assert head[:5] == ["PORT", "GROUP", "SOURCE", "VIA", "TO"] and head[-1] == "ORIGIN", lines
    rows = [dict(zip(head, line.split())) for line in lines[1:]]
    assert len(rows) == len(table), lines
    assert {(x["GROUP"], x["SOURCE"], x["VIA"], x["TO"], x["ORIGIN"]) for x in rows} == {
        (JOINED, "static", "join", "-", "join.tv"),
        (ASKED, "asked", "translated", "inside", HOST["h1"]),
        (ASKED, "static", "mroute", "inside", "mroute.same"),
        (CLIENT, "asked", "client", "inside", "-"),
        (f"{ROUTED}/16", "static", "mroute", "inside", "mroute.cams")}, lines
    js = subprocess.run([str(CTL), "-s", str(gw.control_path), "--json", "groups"],
                        capture_output=True, text=True, timeout=10)
    assert js.returncode == 0 and timeless(json.loads(js.stdout)["groups"]) == timeless(table), \
        js.stdout

    # Telemetry: the snapshot the main lcore refreshes each second.
    def tel_counts():
        t = gw.telemetry("/igmpgw/groups")
        return t["records"], t
    wait_until(lambda: tel_counts()[0] == {"tracked": 0, "asked": 2, "static_routes": 2,
                                           "static_joins": 1}, 5,
               "telemetry's groups snapshot")
    t = tel_counts()[1]
    assert (t["tracking"], t["forwarding"], t["complete"]) == ("no", "yes", "yes"), t
    assert t["groups"]["1/via"] == "translated" and t["groups"]["1/group"] == ASKED, t


def test_proxied_report_is_listed_as_proxied(lab, gateway):
    """proxy_in_to_out: a host's own v3 report to 224.0.0.22, passed upstream as it is."""
    gw = gateway("igmp.proxy_in_to_out=yes", "forward.enabled=yes")
    lab.send("h2", [host_igmp_frame("h2", igmp_v3_report([(REC_TO_EX, ASKED, [])]),
                                    dst=ALL_V3_ROUTERS)])
    wait_until(lambda: find(groups(gw)["groups"], source="asked", group=ASKED), 5,
               f"{ASKED} asked for in the groups view")
    [a] = find(groups(gw)["groups"], source="asked", group=ASKED)
    assert (a["port"], a["via"], a["from"], a["ports"]) == \
        ("inside", "proxied", HOST["h2"], ["inside"]), a


def test_tracking_groups_view_lists_tracked_and_static(lab, gateway):
    gw = gateway(*(TRACK + STATIC))
    host = join_group(lab.ns("h1"), ASKED, HOST["h1"])
    try:
        wait_until(lambda: find(groups(gw)["groups"], source="tracked", group=ASKED), 10,
                   f"{ASKED} tracked in the groups view")
        r = groups(gw)
    finally:
        host.close()
    assert (r["tracking"], r["forwarding"]) == (True, True), r
    table = r["groups"]
    t = find(table, source="tracked", group=ASKED)
    assert len(t) == 1 and (t[0]["port"], t[0]["ports"], t[0]["last_reporter"]) == \
        ("inside", ["inside"], HOST["h1"]), table
    assert not find(table, source="asked"), table
    check_static(table)
    assert timeless(paged(gw, 1)) == timeless(table)
