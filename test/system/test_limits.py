# SPDX-License-Identifier: BSD-3-Clause
"""[limits] against floods from the inside, with real kernels and tshark.

goIGMP's modes (config/lab.conf: special unicast reports translated upstream)
keep no membership state of their own, yet what they pass upstream becomes
state in the upstream snooping switch: reports for groups beyond max_groups
must stay inside (counted), while refreshes and leaves of the groups held go
on. The judges: tshark next to the gateway's outside port and the upstream
Linux bridge's mdb.

Refused joins are summarised in the log once a period, never per packet, and
each summary names the limit that was reached: goIGMP's modes and membership
tracking, for max_groups and max_sources_per_group.
"""

import re
import time

import pytest

from gwlab import (ALL_ROUTERS, IGMP_LEAVE, IGMP_V2_REPORT, host_igmp_frame, igmp_v2,
                   igmp_v3_report, wait_until)

REC_ALLOW = 5
REC_TO_EX = 4
MAX = 50
EXTRA = 20
# The summary line control.c writes once a period for each limit that refused joins.
SUMMARY = re.compile(r"refused (\d+) joins in the last \d+ s: limits\.(\w+) = (\d+) reached")
# What the gateway wrote per refused join before the summaries (forwarding.c, tracking.c).
PER_JOIN = re.compile(r"a join was refused|the forwarding table refused a group")
TRACK = ("forward.enabled=yes", "proxy.track_membership=yes", "querier.enabled=yes",
         "igmp.proxy_out_to_in=no", "igmp.unicast_proxy_in_to_out=no")


def group(i, net=77):
    """Group i of a test; tests share a lab, whose upstream mdb remembers: each its own net."""
    return f"239.{net}.{i // 250}.{i % 250 + 1}"


def special(g, t=IGMP_V2_REPORT):
    """The special unicast v2 report (or leave) of g from h1 to the gateway's inside address."""
    return host_igmp_frame("h1", igmp_v2(t, g))


def status(gw):
    with gw.control() as c:
        r = c.request("status")
    assert r["ok"], r
    return r


def reports_upstream(gw, g):
    """v2 reports the gateway sent on the outside, to g or to groups starting with g."""
    return gw.emitted("outside", lambda p: p["igmp.type"] == "0x16" and
                      (p["ip.dst"] == g or g.endswith(".") and p["ip.dst"].startswith(g)))


def summaries(gw):
    """(count, limit key, value) of every refusal summary in the gateway's log."""
    return [(int(n), key, int(v)) for n, key, v in SUMMARY.findall(gw.log())]


@pytest.mark.parametrize("forward,net", [("no", 71), ("yes", 72)])
def test_translation_bounded_by_max_groups(lab, gateway, forward, net):
    gw = gateway(f"limits.max_groups={MAX}", f"forward.enabled={forward}")
    ours = f"239.{net}."
    lab.send("h1", [special(group(i, net)) for i in range(MAX + EXTRA)])
    wait_until(lambda: sum(gw.stats()["inside"].get(c, 0) for c in
                           ("unicast_translated", "refused_max_groups")) >= MAX + EXTRA, 10,
               "every report decided")
    first = {group(i, net) for i in range(MAX)}
    wait_until(lambda: len(reports_upstream(gw, ours)) >= MAX, 10, f"{MAX} reports upstream")
    # Give tshark a moment to show anything more that might have gone.
    time.sleep(1)
    assert sorted({p["ip.dst"] for p in reports_upstream(gw, ours)} - first) == []
    assert len(reports_upstream(gw, ours)) == MAX
    wait_until(lambda: first <= lab.mdb_groups("up"), 10, "the first groups in the upstream mdb")
    assert not {group(i, net) for i in range(MAX, MAX + EXTRA)} & lab.mdb_groups("up")
    assert gw.counter("inside", "unicast_translated") == MAX
    assert gw.counter("inside", "refused_max_groups") == EXTRA
    st = status(gw)["forwarding"]
    assert (st["asked_groups"], st["asked_room_taken"]) == (MAX, MAX), st

    # Full: a refresh of a held group still goes, a new group still does not.
    lab.send("h1", [special(group(0, net)), special(group(MAX + EXTRA, net))])
    wait_until(lambda: len(reports_upstream(gw, group(0, net))) == 2, 10, "the refresh upstream")
    wait_until(lambda: gw.counter("inside", "refused_max_groups") == EXTRA + 1, 10,
               "the new group refused")
    # A leave of a held group goes, and its room admits a new group again.
    lab.send("h1", [special(group(1, net), IGMP_LEAVE)])
    gw.wait_emitted("outside", lambda p: p["igmp.type"] == "0x17" and
                    p["igmp.maddr"] == group(1, net) and p["ip.dst"] == ALL_ROUTERS, 10,
                    "the leave upstream")
    wait_until(lambda: status(gw)["forwarding"]["asked_room_taken"] == MAX - 1, 10,
               "the left group's room given back")
    newcomer = group(MAX + EXTRA + 1, net)
    lab.send("h1", [special(newcomer)])
    gw.wait_emitted("outside", lambda p: p["igmp.type"] == "0x16" and p["ip.dst"] == newcomer,
                    10, "the new group admitted after the leave")
    assert gw.counter("inside", "refused_max_groups") == EXTRA + 1
    assert status(gw)["forwarding"]["asked_groups"] == MAX
    # 51 groups over time, never more than 50 at once.
    assert len({p["ip.dst"] for p in reports_upstream(gw, ours)}) == MAX + 1


def test_v3_report_with_too_many_new_groups_is_refused_whole(lab, gateway):
    gw = gateway("limits.max_groups=2")
    lab.send("h1", [host_igmp_frame("h1", igmp_v3_report([(REC_TO_EX, group(0, 73), [])]))])
    gw.wait_emitted("outside", lambda p: p["igmp.type"] == "0x22", 10, "the first v3 report")
    # Two new groups and room for one: nothing of it goes upstream.
    both = igmp_v3_report([(REC_TO_EX, group(1, 73), []), (REC_TO_EX, group(2, 73), [])])
    lab.send("h1", [host_igmp_frame("h1", both)])
    wait_until(lambda: gw.stats()["inside"].get("refused_max_groups", 0) +
               gw.counter("inside", "unicast_translated") >= 2, 10, "the second report decided")
    # The held group and one new one: fits.
    fits = igmp_v3_report([(REC_TO_EX, group(0, 73), []), (REC_TO_EX, group(3, 73), [])])
    lab.send("h1", [host_igmp_frame("h1", fits)])
    wait_until(lambda: len(gw.emitted("outside", lambda p: p["igmp.type"] == "0x22")) == 2, 10,
               "the report that fits upstream")
    time.sleep(1)
    sent = [p["igmp.maddr"] for p in gw.emitted("outside", lambda p: p["igmp.type"] == "0x22")]
    assert sent == [group(0, 73), f"{group(0, 73)},{group(3, 73)}"]
    assert {group(0, 73), group(3, 73)} <= lab.mdb_groups("up")
    assert not {group(1, 73), group(2, 73)} & lab.mdb_groups("up")


# ---------------------------------------------------------------- the log under a flood

def flood(lab, frames, seconds):
    """Sends frames over and over from h1 for about seconds."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        lab.send("h1", frames)


def check_summaries(gw, key, value, counter):
    """The log summarises counter()'s refusals in a few lines naming limits.key = value."""
    per_join = len(PER_JOIN.findall(gw.log()))
    assert per_join == 0, f"{per_join} log lines, one per refused join"
    total = counter()
    assert total > 100, f"the flood was refused only {total} times"
    wait_until(lambda: sum(n for n, _, _ in summaries(gw)) >= counter(), 30,
               f"summaries adding up to the {counter()} refusals")
    lines = summaries(gw)
    assert sum(n for n, _, _ in lines) == counter(), (lines, counter())
    assert 1 <= len(lines) <= 4, lines
    assert all((k, v) == (key, value) for _, k, v in lines), lines


@pytest.mark.slow  # moved out of the README's test command (its 20-minute budget); CI's slow lane runs it
def test_goigmp_refusals_summarised(lab, gateway):
    gw = gateway("limits.max_groups=5", "forward.enabled=yes")
    flood(lab, [special(group(i)) for i in range(200)], 3)
    check_summaries(gw, "max_groups", 5, lambda: gw.counter("inside", "refused_max_groups"))


@pytest.mark.slow  # moved out of the README's test command (its 20-minute budget); CI's slow lane runs it
def test_goigmp_source_refusals_name_their_limit(lab, gateway):
    """Sources pile up on a held group until max_sources_per_group: the main
    lcore refuses what passes it, and says so under that limit's name."""
    gw = gateway("limits.max_sources_per_group=32", "forward.enabled=yes")
    srcs = [f"10.99.{i // 250}.{i % 250 + 1}" for i in range(64)]
    frames = [host_igmp_frame("h1", igmp_v3_report([(REC_ALLOW, group(0), srcs[:32])])),
              host_igmp_frame("h1", igmp_v3_report([(REC_ALLOW, group(0), srcs[32:])]))]
    flood(lab, frames, 3)

    def refused():
        return status(gw)["forwarding"]["asked_refused"]["max_sources_per_group"]
    check_summaries(gw, "max_sources_per_group", 32, refused)


def tracking_counter(gw, name):
    return status(gw)["tracking"]["counters"][name]


def test_tracking_refusals_summarised(lab, gateway):
    gw = gateway("limits.max_groups=3", *TRACK)
    reports = [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, group(i)), dst=group(i))
               for i in range(200)]
    flood(lab, reports, 3)
    check_summaries(gw, "max_groups", 3, lambda: tracking_counter(gw, "refused_max_groups"))


@pytest.mark.slow  # moved out of the README's test command (its 20-minute budget); CI's slow lane runs it
def test_tracking_source_refusals_name_their_limit(lab, gateway):
    gw = gateway("limits.max_sources_per_group=2", *TRACK)
    srcs = ["10.99.0.1", "10.99.0.2", "10.99.0.3"]
    reports = [host_igmp_frame("h1", igmp_v3_report([(REC_ALLOW, group(i), srcs)]),
                               dst="224.0.0.22") for i in range(100)]
    flood(lab, reports, 3)
    check_summaries(gw, "max_sources_per_group", 2,
                    lambda: tracking_counter(gw, "refused_max_sources"))
