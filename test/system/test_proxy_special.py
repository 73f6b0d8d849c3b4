# SPDX-License-Identifier: BSD-3-Clause
"""goIGMP's "proxy from outside to inside" deployment with special unicast IGMP
(config/lab.conf as is): upstream queries are re-sent to the inside hosts, and
IGMP the hosts send by unicast to the gateway's inside address is translated
to multicast on the outside, IGMP bytes untouched. Then the same with
unicast_membership_reports=yes: translated IGMP goes unicast to the querier.
"""

import pytest

from gwlab import (ALL_ROUTERS, ALL_SYSTEMS, ALL_V3_ROUTERS, CHECKSUM_GOOD, GW_ADDR, GW_MAC,
                   IGMP_LEAVE, IGMP_V2_REPORT, QUERIER, REC_TO_EX, REC_TO_IN, ether,
                   host_igmp_frame, igmp_v2, igmp_v3_query, igmp_v3_report, ipv4, mac_of,
                   multicast_mac, wait_until, with_checksum)

# Additional data after an IGMP message (RFC 3376 §4.1.10, §4.2; RFC 2236 §2.5): the
# sender's checksum covers it, receivers ignore it, and nobody sends it on (the RFCs'
# "MUST NOT include additional octets"): the gateway re-sends the message alone.
EXTRA = b"\xde\xad\xbe\xef"


def with_extra(msg):
    """msg followed by EXTRA, its checksum made to cover both, as a sender's would."""
    return with_checksum(msg + EXTRA, 2)


def is_type(t):
    return lambda p: p["igmp.type"] == t


@pytest.mark.parametrize("workers", [1, 2, 3], indirect=True)
def test_upstream_query_reaches_inside_hosts(lab, gateway, tmp_path, workers):
    h1 = lab.capture("h1", "eth0", tmp_path / "h1.pcap",
                     bpf=f"igmp and ether src {GW_MAC['inside']}")
    try:
        gw = gateway()
        out = gw.wire["outside"]
        q_out = out.wait_for(lambda p: p["igmp.type"] == "0x11" and
                             p["ip.src"] == QUERIER["outside"], 15, "the upstream querier's query")
        q_in = h1.wait_for(lambda p: p["igmp.type"] == "0x11" and
                           p["igmp.max_resp"] == q_out["igmp.max_resp"], 15,
                           "the querier's query, re-sent by the gateway")
        raw_in = h1.igmp_raw(q_in)
    finally:
        h1.stop()
    assert q_in["ip.src"] == GW_ADDR["inside"]
    assert (q_in["ip.dst"], q_in["eth.dst"]) == (ALL_SYSTEMS, multicast_mac(ALL_SYSTEMS))
    # It is the upstream querier's query, IGMP bytes and all.
    assert out.igmp_raw(q_out) == raw_in
    assert gw.counter("outside", "proxied") >= 1
    # The gateway sends no query of its own upstream, and raises no events when
    # query_notify is off.
    assert not gw.emitted("outside", is_type("0x11"))
    assert "event query" not in gw.log()


@pytest.mark.parametrize("workers", [1, 2, 3], indirect=True)
def test_unicast_v2_report_and_leave_translated(lab, gateway, workers):
    gw = gateway()
    group = "239.1.2.3"
    report = igmp_v2(IGMP_V2_REPORT, group)
    lab.send("h1", [host_igmp_frame("h1", report)])
    p = gw.wait_emitted("outside", is_type("0x16"), 5, "the translated v2 report")
    assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (GW_ADDR["outside"], group,
                                                         multicast_mac(group))
    assert gw.wire["outside"].igmp_raw(p) == report
    wait_until(lambda: group in lab.mdb_groups("up"), 5,
               f"{group} on port gw0 in the upstream bridge's mdb")

    leave = igmp_v2(IGMP_LEAVE, group)
    lab.send("h1", [host_igmp_frame("h1", leave)])
    p = gw.wait_emitted("outside", is_type("0x17"), 5, "the translated leave")
    assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (GW_ADDR["outside"], ALL_ROUTERS,
                                                         multicast_mac(ALL_ROUTERS))
    assert gw.wire["outside"].igmp_raw(p) == leave
    # The upstream querier asks twice, 1 s apart (lab default), then forgets the group.
    wait_until(lambda: group not in lab.mdb_groups("up"), 10,
               f"{group} to leave the upstream bridge's mdb")

    assert gw.counter("inside", "unicast_translated") == 2
    # One packet out per packet in: nothing duplicated, nothing else sent upstream.
    assert [q["igmp.type"] for q in gw.emitted("outside")] == ["0x16", "0x17"]


def test_unicast_v3_report_translated(lab, gateway):
    gw = gateway()
    join = igmp_v3_report([(REC_TO_EX, "239.1.2.4", []), (REC_TO_EX, "239.1.2.5", [])])
    lab.send("h1", [host_igmp_frame("h1", join)])
    p = gw.wait_emitted("outside", is_type("0x22"), 5, "the translated v3 report")
    assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (GW_ADDR["outside"], ALL_V3_ROUTERS,
                                                         multicast_mac(ALL_V3_ROUTERS))
    assert p["igmp.maddr"] == "239.1.2.4,239.1.2.5"
    assert gw.wire["outside"].igmp_raw(p) == join
    wait_until(lambda: {"239.1.2.4", "239.1.2.5"} <= lab.mdb_groups("up"), 5,
               "both groups in the upstream bridge's mdb")

    leave = igmp_v3_report([(REC_TO_IN, "239.1.2.4", [])])
    lab.send("h1", [host_igmp_frame("h1", leave)])
    p = gw.wait_emitted("outside", lambda p: p["igmp.type"] == "0x22" and
                        p["igmp.record_type"] == str(REC_TO_IN), 5, "the translated TO_IN")
    assert gw.wire["outside"].igmp_raw(p) == leave
    wait_until(lambda: "239.1.2.4" not in lab.mdb_groups("up"), 10,
               "239.1.2.4 to leave the upstream bridge's mdb")
    assert "239.1.2.5" in lab.mdb_groups("up")
    assert len(gw.emitted("outside")) == 2


@pytest.mark.parametrize("workers", [1, 2, 3], indirect=True)
def test_unicast_membership_reports_go_to_the_querier(lab, gateway, workers):
    gw = gateway("igmp.unicast_membership_reports=yes")
    # The querier's MAC comes from its query: wait until one has been heard.
    q = wait_until(lambda: (lambda q: q if q["address"] else None)(
        gw.telemetry("/igmpgw/querier")), 15, "the gateway to learn the querier")
    assert (q["address"], q["mac"].lower(), q["port"]) == (QUERIER["outside"],
                                                           mac_of(QUERIER["outside"]), "outside")

    group = "239.1.3.3"
    sent = [igmp_v2(IGMP_V2_REPORT, group), igmp_v2(IGMP_LEAVE, group),
            igmp_v3_report([(REC_TO_EX, "239.1.3.4", [])])]
    for msg in sent:
        lab.send("h1", [host_igmp_frame("h1", msg)])
        t = "0x%02x" % msg[0]
        p = gw.wait_emitted("outside", is_type(t), 5, f"translated IGMP type {t}")
        assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (
            GW_ADDR["outside"], QUERIER["outside"], mac_of(QUERIER["outside"]))
        assert gw.wire["outside"].igmp_raw(p) == msg
    assert len(gw.emitted("outside")) == 3
    assert gw.counter("outside", "neighbor_unknown") == 0
    assert gw.counter("inside", "unicast_translated") == 3


def test_extra_data_after_a_unicast_v2_report_is_dropped_with_its_checksum(lab, gateway):
    """A special unicast v2 report with 4 bytes after it goes upstream as the 8-byte
    report with the checksum those 8 bytes need: the upstream snooping bridge takes it."""
    gw = gateway()
    group = "239.1.4.1"
    report = igmp_v2(IGMP_V2_REPORT, group)
    sent = with_extra(report)
    assert sent[2:4] != report[2:4], "the extra bytes change the sender's checksum"
    lab.send("h1", [host_igmp_frame("h1", sent)])
    p = gw.wait_emitted("outside", is_type("0x16"), 5, "the translated v2 report")
    assert p["igmp.checksum.status"] == CHECKSUM_GOOD, p
    assert gw.wire["outside"].igmp_raw(p) == report
    assert (p["ip.dst"], p["ip.len"]) == (group, str(24 + 8))
    wait_until(lambda: group in lab.mdb_groups("up"), 5,
               f"{group} on port gw0 in the upstream bridge's mdb")
    assert gw.counter("inside", "unicast_translated") == 1


def test_extra_data_after_an_upstream_v3_query_is_dropped_with_its_checksum(lab, gateway,
                                                                          tmp_path):
    """A v3 query with 4 bytes of additional data from the upstream querier's side is
    re-sent inside as the 12-byte query with its own checksum."""
    h1 = lab.capture("h1", "eth0", tmp_path / "h1.pcap",
                     bpf=f"igmp and ether src {GW_MAC['inside']}")
    try:
        gw = gateway()
        # Values the upstream bridge's own queries never carry, to tell this one apart.
        query = igmp_v3_query(max_resp=77, qrv=3, qqic=99)
        frame = ether(multicast_mac(ALL_SYSTEMS), mac_of(QUERIER["outside"]),
                      ipv4(QUERIER["outside"], ALL_SYSTEMS, with_extra(query)))
        # Straight into the gateway's outside port, as from the querier.
        lab.send("up", [frame], iface="gw0")
        p = h1.wait_for(lambda p: p["igmp.type"] == "0x11" and p["igmp.max_resp"] == "77",
                        5, "the query with extra data, re-sent by the gateway")
        raw = h1.igmp_raw(p)
    finally:
        h1.stop()
    assert p["igmp.checksum.status"] == CHECKSUM_GOOD, p
    assert raw == query
    assert (p["ip.src"], p["ip.dst"], p["ip.len"]) == (GW_ADDR["inside"], ALL_SYSTEMS,
                                                        str(24 + 12))
    # Extra data after a v3 query is allowed (RFC 3376 4.1.10): valid to the codec.
    assert gw.counter("outside", "igmp_invalid") == 0, gw.stats()["outside"]
