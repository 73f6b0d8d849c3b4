# SPDX-License-Identifier: BSD-3-Clause
"""goIGMP's "two outside interfaces" deployment: only the active outside (outside,
or alt with igmp.active_outside=alt) has its queries proxied and receives the
translated reports; IGMP on the other one is ignored and counted.
"""

import pytest

from gwlab import (GW_ADDR, IGMP_V2_REPORT, QUERIER, host_igmp_frame, igmp_v2, multicast_mac,
                   wait_until)

LAB_ENV = {"LAB_QUERY_INTERVAL": 5, "LAB_QUERY_RESPONSE_INTERVAL": 2.5}
# Max response times (tenths of a second, as in the query) that tell the two
# queriers' queries apart once the gateway has re-sent them on the inside.
MAX_RESP = {"outside": 25, "alt": 30}  # outside: LAB_QUERY_RESPONSE_INTERVAL


@pytest.fixture(scope="module", autouse=True)
def distinct_queriers(lab):
    lab.exec("alt", ["ip", "link", "set", "br0", "type", "bridge",
                     "mcast_query_response_interval", str(MAX_RESP["alt"] * 10)])


def queries_from(gw, role):
    return gw.wire[role].matching(lambda p: is_query(p) and p["ip.src"] == QUERIER[role])


def is_query(p):
    return p["igmp.type"] == "0x11"


def check_active(lab, gw, active, inactive, group):
    gw.wire[inactive].wait_for(lambda p: is_query(p) and p["ip.src"] == QUERIER[inactive], 12,
                               f"a query from the {inactive} querier")
    gw.wait_emitted("inside", is_query, 12, "a query re-sent on the inside")
    gw.wait_counter(inactive, "inactive_outside", 1)
    gw.wait_counter(active, "proxied", 1)
    # Queries heard on the inactive side are never re-sent on the inside.
    assert gw.counter(inactive, "proxied") == 0
    inside_queries = gw.emitted("inside", is_query)
    assert inside_queries
    assert {p["igmp.max_resp"] for p in inside_queries} == {str(MAX_RESP[active])}
    assert {p["igmp.max_resp"] for p in queries_from(gw, inactive)} == {str(MAX_RESP[inactive])}

    # A translated report goes to the active side only, and lands in its bridge's mdb.
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, group))])
    p = gw.wait_emitted(active, lambda p: p["igmp.maddr"] == group, 5,
                        f"the translated report on {active}")
    assert (p["ip.src"], p["ip.dst"], p["eth.dst"]) == (GW_ADDR[active], group,
                                                         multicast_mac(group))
    node = {"outside": "up", "alt": "alt"}
    wait_until(lambda: group in lab.mdb_groups(node[active]), 5,
               f"{group} in the {active} bridge's mdb")
    assert group not in lab.mdb_groups(node[inactive])
    assert not gw.emitted(inactive)


def test_outside_active(lab, gateway):
    gw = gateway()
    assert gw.telemetry("/igmpgw/config")["active_outside"] == "outside"
    check_active(lab, gw, "outside", "alt", "239.3.0.1")


def test_alt_active(lab, gateway):
    gw = gateway("igmp.active_outside=alt")
    assert gw.telemetry("/igmpgw/config")["active_outside"] == "alt"
    ports = gw.telemetry("/igmpgw/ports")
    assert (ports["alt"]["active"], ports["outside"]["active"]) == ("yes", "no")
    check_active(lab, gw, "alt", "outside", "239.3.0.2")
    q = gw.telemetry("/igmpgw/querier")
    assert (q["address"], q["port"]) == (QUERIER["alt"], "alt")
