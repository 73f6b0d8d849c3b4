# SPDX-License-Identifier: BSD-3-Clause
"""goIGMP's "client mode": nothing is proxied; each query on the active outside
raises a query event (query_notify) and other hosts' reports there raise
membership_report events (membership_reports_from_network). Events are logged
as "event {...}" lines at debug level, which works without any client, and go
to control socket subscribers. A client's reports and leaves go unicast to
the querier (unicast_membership_reports).
"""

import json
import re
import time

import pytest

from gwlab import (GW_ADDR, IGMP_V2_REPORT, QUERIER, UPSRC, host_igmp_frame, igmp_v2,
                   join_group, mac_of, wait_until)

LAB_ENV = {"LAB_QUERY_INTERVAL": 5, "LAB_QUERY_RESPONSE_INTERVAL": 2.5}
CLIENT = ("igmp.proxy_out_to_in=no", "igmp.unicast_proxy_in_to_out=no", "igmp.query_notify=yes",
          "igmp.membership_reports_from_network=yes", "igmp.membership_reports_to_network=yes",
          "igmp.unicast_membership_reports=yes")
DEBUG = ("--log-level=igmpgw.*:debug",)


def logged_events(gw):
    return [json.loads(m.group(1))
            for m in re.finditer(r"igmpgw\.control: event (\{.*\})$", gw.log(), re.M)]


def first(items, pred):
    return next((i for i in items if pred(i)), None)


def is_query(e):
    return e["event"] == "query"


def check_query_event(e):
    assert (e["port"], e["querier"], e["version"], e["group"], e["max_resp_time"]) == (
        "outside", QUERIER["outside"], 3, "0.0.0.0", 2.5), e


@pytest.mark.slow  # moved out of the README's test command (its 20-minute budget); CI's slow lane runs it
def test_query_notify_logs_each_query(lab, gateway):
    gw = gateway(*CLIENT, eal=DEBUG)
    e = wait_until(lambda: first(logged_events(gw), is_query), 12, "an 'event' line for a query")
    check_query_event(e)
    gw.wait_counter("outside", "switched_off", 1)
    assert gw.counter("outside", "proxied") == 0
    assert not gw.emitted("inside")
    # The inactive outside's queries raise nothing.
    gw.wait_counter("alt", "inactive_outside", 1, timeout=12)
    assert {e["port"] for e in logged_events(gw)} == {"outside"}
    assert gw.telemetry("/igmpgw/config")["query_notify"] == "yes"


def test_query_events_reach_a_subscriber(lab, gateway):
    gw = gateway(*CLIENT)
    with gw.control() as c:
        r = c.request("subscribe", events=["query", "membership_report"])
        assert r["ok"] and sorted(r["events"]) == ["membership_report", "query"], r
        assert r["inactive"] == [], r
        check_query_event(c.wait_event(is_query, 12, "query"))


def test_membership_reports_from_network(lab, gateway):
    gw = gateway(*CLIENT, eal=DEBUG)
    # The upstream bridge sends reports to router ports only: make the gateway's one.
    lab.exec("up", ["bridge", "link", "set", "dev", "gw0", "mcast_router", "2"])

    def from_upsrc(e):
        return (e["event"] == "membership_report" and e["from"] == UPSRC
                and any(i["group"] == "239.6.0.1" for i in e["items"]))

    with gw.control() as c:
        assert c.request("subscribe", events=["membership_report"])["ok"]
        member = join_group(lab.ns("src"), "239.6.0.1", UPSRC)
        try:
            e = c.wait_event(from_upsrc, 5, "membership_report from the upstream source")
        finally:
            member.close()
    assert (e["port"], e["message"]) == ("outside", "v3_report"), e
    # The kernel's own join (to_ex), or its answer to a query that came first (is_ex).
    item = first(e["items"], lambda i: i["group"] == "239.6.0.1")
    assert item["sources"] == [] and item["record"] in ("to_ex", "is_ex"), e
    wait_until(lambda: first(logged_events(gw), from_upsrc), 5, "the event's log line")
    assert not gw.emitted("inside")


def test_client_reports_and_leaves_go_to_the_querier(lab, gateway):
    gw = gateway(*CLIENT)
    wait_until(lambda: gw.telemetry("/igmpgw/querier")["address"], 15,
               "the gateway to learn the querier")
    items = [{"group": "239.6.0.5"}, {"group": "239.6.0.6", "sources": [UPSRC]}]
    with gw.control() as c:
        for cmd, v2_type, v3_record in (("report", "0x16", "1"), ("leave", "0x17", "6")):
            r = c.request(cmd, items=items)
            assert r["ok"] and r["destination"] == QUERIER["outside"], r
            # v2 for the item without sources, a v3 record for the one with.
            for t, group in ((v2_type, "239.6.0.5"), ("0x22", "239.6.0.6")):
                p = gw.wait_emitted("outside", lambda p: p["igmp.type"] == t and
                                    p["igmp.record_type"] in ("", v3_record) and
                                    group in p["igmp.maddr"].split(","), 5,
                                    f"the client's {cmd} for {group}")
                assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (
                    GW_ADDR["outside"], QUERIER["outside"], mac_of(QUERIER["outside"]))
    assert len(gw.emitted("outside")) == 4


def test_special_unicast_not_translated(lab, gateway):
    gw = gateway(*CLIENT)
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.6.0.2"))])
    gw.wait_counter("inside", "switched_off", 1)
    time.sleep(0.5)  # what would have been sent with it has had time to reach the wire
    assert not gw.emitted("outside")
    assert gw.counter("inside", "unicast_translated") == 0
