# SPDX-License-Identifier: BSD-3-Clause
"""One rule for the destination MAC of every IGMP packet the gateway sends (issue 12):
a report the main lcore originates (a client's `report` request) and a report the
worker translates (an inside host's special unicast report) go to the same MAC on the
outside wire, as tshark sees it. The case that drifted apart: unicast_membership_reports
to `unicast_dst`, a host whose MAC the gateway knows only from the ARP it sent. Before
that ARP both go to broadcast and both count neighbor_unknown.

The upstream bridge's querier is silenced for this module, so that no learned querier
takes unicast_dst's place; the last test turns it back on for the querier's own MAC.
"""

import pytest

from gwlab import (GW_ADDR, HOST, IGMP_V2_REPORT, QUERIER, UPSRC, host_igmp_frame, igmp_v2,
                   join_group, mac_of, wait_until)

BROADCAST = "ff:ff:ff:ff:ff:ff"
UNICAST_REPORTS = ("igmp.unicast_membership_reports=yes", f"igmp.unicast_dst={UPSRC}",
                   "igmp.membership_reports_to_network=yes")
TRACK = ("proxy.track_membership=yes", "querier.enabled=yes", "igmp.proxy_out_to_in=no")


def set_upstream_querier(lab, on):
    lab.exec("up", ["ip", "link", "set", "dev", "br0", "type", "bridge", "mcast_querier",
                    "1" if on else "0"])


@pytest.fixture(scope="module")
def quiet_upstream(lab):
    set_upstream_querier(lab, False)
    yield lab


def v2_report_of(group):
    return lambda p: p["igmp.type"] == "0x16" and p["igmp.maddr"] == group


def worker_translated(lab, gw, group):
    """An inside host's special unicast report, as the worker sent it upstream."""
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, group))])
    return gw.wait_emitted("outside", v2_report_of(group), 10,
                           f"the worker's translated report of {group}")


def main_originated(gw, group, want_dst):
    """A client's report, as the main lcore sent it upstream."""
    with gw.control() as c:
        r = c.request("report", items=[{"group": group}])
    assert r.get("ok") and r["packets"] == 1 and r["destination"] == want_dst, r
    return gw.wait_emitted("outside", v2_report_of(group), 10,
                           f"the main lcore's report of {group}")


def arp_from_upsrc(lab):
    """The upstream source host's own kernel ARPs for the gateway: the request passes
    the outside port on its way to the kernel twin, which answers it. Returns the
    host's MAC."""
    lab.exec("src", ["ip", "neigh", "flush", "dev", "eth0"])
    lab.exec("src", ["ping", "-c", "1", "-W", "5", GW_ADDR["outside"]])
    return lab.exec("src", ["cat", "/sys/class/net/eth0/address"]).stdout.strip()


def learned_querier(gw):
    return gw.telemetry("/igmpgw/querier")["address"]


def test_unicast_dst_known_from_arp_same_mac_from_both_lcores(quiet_upstream, gateway):
    lab = quiet_upstream
    gw = gateway(*UNICAST_REPORTS)

    # Nothing has told the gateway where UPSRC is: broadcast, counted, from both lcores.
    before = [worker_translated(lab, gw, "239.12.0.1"), main_originated(gw, "239.12.0.2", UPSRC)]
    for p in before:
        assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (GW_ADDR["outside"], UPSRC,
                                                             BROADCAST), p

    src_mac = arp_from_upsrc(lab)

    after = [worker_translated(lab, gw, "239.12.0.3"), main_originated(gw, "239.12.0.4", UPSRC)]
    for p in after:
        assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (GW_ADDR["outside"], UPSRC,
                                                             src_mac), p
    # Both lcores counted the two they could not resolve, and only those.
    assert gw.counter("outside", "neighbor_unknown") == 2
    # unicast_dst, not a querier, was the destination all along.
    assert not learned_querier(gw)


def test_tracking_proxy_report_to_unicast_dst_known_from_arp(quiet_upstream, gateway):
    """The other report the main lcore originates: the RFC 4605 proxy's, when an inside
    host's kernel joins (tracking.c hands it to originate.c)."""
    lab = quiet_upstream
    gw = gateway(*UNICAST_REPORTS, *TRACK)
    src_mac = arp_from_upsrc(lab)
    group = "239.12.2.1"
    member = join_group(lab.ns("h1"), group, HOST["h1"])
    try:
        p = gw.wait_emitted("outside", lambda p: group in p["igmp.maddr"].split(","), 15,
                            f"the membership proxy's report of {group} upstream")
    finally:
        member.close()
    assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (GW_ADDR["outside"], UPSRC, src_mac), p
    assert gw.counter("outside", "neighbor_unknown") == 0


def test_learned_querier_same_mac_from_both_lcores(quiet_upstream, gateway):
    lab = quiet_upstream
    gw = gateway(*UNICAST_REPORTS)
    set_upstream_querier(lab, True)
    try:
        wait_until(lambda: learned_querier(gw) == QUERIER["outside"], 20,
                   "the gateway to learn the upstream querier")
        got = [worker_translated(lab, gw, "239.12.1.1"),
               main_originated(gw, "239.12.1.2", QUERIER["outside"])]
    finally:
        set_upstream_querier(lab, False)
    for p in got:
        assert (p["ip.dst"], p["eth.dst"]) == (QUERIER["outside"], mac_of(QUERIER["outside"])), p
    assert gw.counter("outside", "neighbor_unknown") == 0
