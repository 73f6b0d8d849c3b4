# SPDX-License-Identifier: BSD-3-Clause
"""goIGMP's "full proxy" deployment (proxy_in_to_out=yes on top of config/lab.conf):
the inside hosts' own multicast IGMP, as real kernels send it, goes upstream
with its bytes untouched; queries from the inside never do (RFC 4605 §4.1).
"""

from gwlab import (ALL_ROUTERS, ALL_SYSTEMS, ALL_V3_ROUTERS, GW_ADDR, HOST, IGMP_V2_REPORT,
                   host_igmp_frame, igmp_v2, igmp_v3_query, join_group, multicast_mac,
                   wait_until)

FULL_PROXY = "igmp.proxy_in_to_out=yes"


def from_host(host, igmp_type, group=None):
    def pred(p):
        return (p["ip.src"] == HOST[host] and p["igmp.type"] == igmp_type
                and (group is None or group in p["igmp.maddr"].split(",")))
    return pred


def forwarded(gw, host, igmp_type, group, dst):
    """Waits for host's IGMP on the inside wire and its copy on the outside one;
    checks the copy's addresses and that its IGMP bytes are the host's."""
    inside, outside = gw.wire["inside"], gw.wire["outside"]
    p_in = inside.wait_for(from_host(host, igmp_type, group), 5,
                           f"{host}'s IGMP type {igmp_type} for {group}")
    p_out = gw.wait_emitted("outside", lambda p: p["igmp.type"] == igmp_type and
                            group in p["igmp.maddr"].split(","), 5,
                            f"{host}'s IGMP type {igmp_type} for {group} forwarded upstream")
    assert (p_out["ip.src"], p_out["ip.dst"], p_out["eth.dst"]) == (
        GW_ADDR["outside"], dst, multicast_mac(dst))
    assert outside.igmp_raw(p_out) == inside.igmp_raw(p_in)
    return p_out


def test_kernel_v2_join_and_leave_forwarded(lab, gateway):
    gw = gateway(FULL_PROXY)
    lab.exec("h1", ["sysctl", "-qw", "net.ipv4.conf.eth0.force_igmp_version=2"])
    group = "239.2.0.1"
    member = join_group(lab.ns("h1"), group, HOST["h1"])
    try:
        forwarded(gw, "h1", "0x16", group, group)
        wait_until(lambda: group in lab.mdb_groups("up"), 5,
                   f"{group} in the upstream bridge's mdb")
    finally:
        member.close()
    # Closing the socket drops the membership: the kernel sends a v2 leave.
    forwarded(gw, "h1", "0x17", group, ALL_ROUTERS)
    wait_until(lambda: group not in lab.mdb_groups("up"), 10,
               f"{group} to leave the upstream bridge's mdb")
    assert gw.counter("inside", "proxied") >= 2


def test_kernel_v3_join_forwarded(lab, gateway):
    gw = gateway(FULL_PROXY)
    group = "239.2.0.2"
    member = join_group(lab.ns("h2"), group, HOST["h2"])
    try:
        p = forwarded(gw, "h2", "0x22", group, ALL_V3_ROUTERS)
        wait_until(lambda: group in lab.mdb_groups("up"), 5,
                   f"{group} in the upstream bridge's mdb")
    finally:
        member.close()
    # CHANGE_TO_EXCLUDE (the join), or MODE_IS_EXCLUDE if a query's answer came first.
    assert p["igmp.record_type"].split(",")[0] in ("4", "2")


def test_queries_from_inside_not_forwarded(lab, gateway):
    gw = gateway(FULL_PROXY)
    # A v3 query, so that the other hosts' kernels stay in v3 mode.
    lab.send("h2", [host_igmp_frame("h2", igmp_v3_query(), dst=ALL_SYSTEMS)])
    gw.wait_counter("inside", "query_from_inside", 1)
    # The worker handles frames in order: once a report sent after the query is
    # out, a forwarded query would be on the wire before it.
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.2.0.3"))])
    gw.wait_emitted("outside", lambda p: p["igmp.maddr"] == "239.2.0.3", 5,
                    "the report sent after the query")
    assert not gw.emitted("outside", lambda p: p["igmp.type"] == "0x11")
    assert gw.counter("inside", "query_from_inside") == 1
