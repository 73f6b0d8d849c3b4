# SPDX-License-Identifier: BSD-3-Clause
"""goIGMP's "client mode" switches that work without a control client: nothing is
proxied, each query on the active outside is logged as an "event query" line
(query_notify), and other hosts' reports on the outside as "event
membership_report" lines (membership_reports_from_network).
"""

import time

from gwlab import IGMP_V2_REPORT, QUERIER, UPSRC, host_igmp_frame, igmp_v2, join_group

LAB_ENV = {"LAB_QUERY_INTERVAL": 5, "LAB_QUERY_RESPONSE_INTERVAL": 2.5}
CLIENT = ("igmp.proxy_out_to_in=no", "igmp.unicast_proxy_in_to_out=no", "igmp.query_notify=yes",
          "igmp.membership_reports_from_network=yes", "igmp.unicast_membership_reports=yes")


def test_query_notify_logs_each_query(lab, gateway):
    gw = gateway(*CLIENT)
    quoted = QUERIER["outside"].replace(".", r"\.")
    gw.wait_log(rf"^igmpgw: event query on outside from {quoted}: v3, group 0\.0\.0\.0, "
                r"max resp 2\.5 s$", timeout=12)
    gw.wait_counter("outside", "switched_off", 1)
    assert gw.counter("outside", "proxied") == 0
    assert not gw.emitted("inside")
    # The inactive outside's queries raise nothing.
    gw.wait_counter("alt", "inactive_outside", 1, timeout=12)
    assert "event query on alt" not in gw.log()
    assert gw.telemetry("/igmpgw/config")["query_notify"] == "yes"


def test_membership_reports_from_network_logged(lab, gateway):
    gw = gateway(*CLIENT)
    # The upstream bridge sends reports to router ports only: make the gateway's one.
    lab.exec("up", ["bridge", "link", "set", "dev", "gw0", "mcast_router", "2"])
    member = join_group(lab.ns("src"), "239.6.0.1", UPSRC)
    try:
        gw.wait_log(rf"^igmpgw: event membership_report on outside from "
                    rf"{UPSRC.replace('.', '[.]')}: to_ex 239\.6\.0\.1$", timeout=5)
    finally:
        member.close()
    assert not gw.emitted("inside")


def test_special_unicast_not_translated(lab, gateway):
    gw = gateway(*CLIENT)
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.6.0.2"))])
    gw.wait_counter("inside", "switched_off", 1)
    time.sleep(0.5)  # what would have been sent with it has had time to reach the wire
    assert not gw.emitted("outside")
    assert gw.counter("inside", "unicast_translated") == 0
