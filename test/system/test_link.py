# SPDX-License-Identifier: BSD-3-Clause
"""Link state with real kernels: the far end of the gateway's af_packet veths is
set down and up again, as a pulled cable. The gateway notices (netlink on the
veth's ifindex: af_packet's own link never changes), says so once (log, counter
link_lost, a `link` event, status), keeps the membership, and on link up the
inside is queried again and the active outside hears the whole membership again
within a second, tracking and goIGMP's modes alike. tshark on the far bridge
judges the wire (its capture on the flapped port itself would end with the link).
"""

import time

from gwlab import GW_ADDR, GW_MAC, HOST, IGMP_V2_REPORT, host_igmp_frame, igmp_v2, wait_until
from test_tracking import Sender, is_general_query, receivers, start, status, group_of, wait_group

GROUP = "239.61.0.1"
GROUP_ASKED = "239.61.0.2"
# The re-report must come this soon after the link is up (issue 15: "within a second").
REPORT_WITHIN_S = 1.0


def reports_group(group):
    """Any report naming group (v2 report to it, or a v3 report with a record for it)."""
    return lambda p: (p["igmp.type"] in ("0x16", "0x22") and group in p["igmp.maddr"].split(","))


def from_gw(role, pred):
    return lambda p: p["eth.src"] == GW_MAC[role] and pred(p)


def port_json(gw, role):
    return gw.telemetry("/igmpgw/ports")[role]


def flap(lab, gw, ctl, node, role):
    """Sets node's gw0 down until the gateway says so, then up; returns when it went up."""
    lab.exec(node, ["ip", "link", "set", "gw0", "down"])
    try:
        ctl.wait_event(lambda e: e["event"] == "link" and e["port"] == role and not e["up"], 5,
                       f"{role} link down")
        assert port_json(gw, role)["link"] == "down"
        assert gw.counter(role, "link_lost") == 1
    finally:
        t_up = time.time()
        lab.exec(node, ["ip", "link", "set", "gw0", "up"])
    ctl.wait_event(lambda e: e["event"] == "link" and e["port"] == role and e["up"], 5,
                   f"{role} link up")
    assert port_json(gw, role)["link"] == "up"
    return t_up


def test_outside_flap_tracking(lab, gateway, tmp_path):
    gw = start(gateway, roles=["alt", "inside"])
    up = lab.capture("up", "br0", tmp_path / "up-br0.pcap")
    try:
        with receivers(lab, ("h1", GROUP)) as (r,), Sender(lab, [GROUP]), gw.control() as ctl:
            assert ctl.request("subscribe", events=["link"])["ok"]
            r.join()
            wait_group(gw, "inside", GROUP)
            wait_until(lambda: GROUP in lab.mdb_groups("up"), 5, f"{GROUP} in the upstream mdb")
            r.wait_data(10)
            t_up = flap(lab, gw, ctl, "up", "outside")
            p = up.wait_for(from_gw("outside", lambda p: reports_group(GROUP)(p) and
                                    float(p["frame.time_epoch"]) >= t_up), 5,
                            f"the gateway's re-report of {GROUP} after link up")
            assert float(p["frame.time_epoch"]) - t_up < REPORT_WITHIN_S, p
            wait_until(lambda: GROUP in lab.mdb_groups("up"), 2,
                       f"{GROUP} back in the upstream mdb after the flap")
            assert group_of(gw, "inside", GROUP) is not None, "membership lost over the flap"
            r.wait_data(20, timeout=5)
        assert "outside: link down" in gw.log()
        assert gw.log().count("outside: link down") == 1
    finally:
        up.stop()


def test_inside_flap_tracking(lab, gateway, tmp_path):
    gw = start(gateway)
    inside = lab.capture("in", "br0", tmp_path / "in-br0.pcap")
    try:
        with receivers(lab, ("h1", GROUP)) as (r,), Sender(lab, [GROUP]), gw.control() as ctl:
            assert ctl.request("subscribe", events=["link"])["ok"]
            r.join()
            wait_group(gw, "inside", GROUP)
            r.wait_data(10)
            t_up = flap(lab, gw, ctl, "in", "inside")
            assert group_of(gw, "inside", GROUP) is not None, "membership lost over the flap"
            q = inside.wait_for(from_gw("inside", lambda p: is_general_query(p) and
                                        float(p["frame.time_epoch"]) >= t_up), 5,
                                "a startup query after the inside link came up")
            assert float(q["frame.time_epoch"]) - t_up < REPORT_WITHIN_S, q
            inside.wait_for(lambda p: p["ip.src"] == HOST["h1"] and reports_group(GROUP)(p) and
                            float(p["frame.time_epoch"]) >= t_up, 5,
                            "h1 answering the startup query")
            r.wait_data(20, timeout=5)
        st = status(gw)
        assert st["tracking"]["groups"] == 1, st
    finally:
        inside.stop()


def test_outside_flap_asked(lab, gateway, tmp_path):
    """goIGMP's mode (lab.conf: special unicast reports translated upstream): the
    groups the gateway asked for are asked again when the outside comes back."""
    gw = gateway("forward.enabled=no", roles=["alt", "inside"])
    up = lab.capture("up", "br0", tmp_path / "up-br0.pcap")
    try:
        with gw.control() as ctl:
            assert ctl.request("subscribe", events=["link"])["ok"]
            # Sent until translated: the first may come before the worker polls.
            def translated():
                lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, GROUP_ASKED))])
                return up.matching(from_gw("outside", reports_group(GROUP_ASKED)))
            wait_until(translated, 10, "the translated report", interval=1.0)
            t_up = flap(lab, gw, ctl, "up", "outside")
            p = up.wait_for(from_gw("outside", lambda p: reports_group(GROUP_ASKED)(p) and
                                    float(p["frame.time_epoch"]) >= t_up), 5,
                            f"the re-sent report of {GROUP_ASKED} after link up")
            assert float(p["frame.time_epoch"]) - t_up < REPORT_WITHIN_S, p
            assert (p["igmp.type"], p["ip.src"]) == ("0x16", GW_ADDR["outside"]), p
    finally:
        up.stop()
