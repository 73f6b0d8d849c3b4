# SPDX-License-Identifier: BSD-3-Clause
"""Automatic upstream failover with real kernels: an inside host has joined, data
flows from the outside's source; the far end of the outside veth goes down (a
pulled cable). With [igmp] failover = link the gateway makes alt the active
outside within 2 s: the alt upstream bridge's mdb holds the group (the gateway
reported its membership there at once), the host receives the alt source's
data, an outside_selected event says why. With failover_revert it goes back to
outside once that link has been up for the hold-down, not before, and leaves
the group on alt (failover_leave_old). The gap in the data is measured by
scripts/bench-failover.sh with the same helpers.
"""

import time

import pytest

from gwlab import IGMP_LEAVE, UPSRC, wait_until
from test_control import ctl
from test_tracking import Sender, receivers, start

ALTSRC = "10.200.2.10"
GROUP = "239.62.0.1"
HOLD_DOWN = 3
SWITCH_WITHIN_S = 2.0


def failover_gateway(gateway, *extra):
    """Tracking, forwarding, failover on link; the outside's own wire is not
    watched (its capture would end with the link)."""
    return start(gateway, "igmp.failover=link", *extra, roles=["alt", "inside"])


def selected(frm, to, reason):
    return lambda e: (e["event"] == "outside_selected" and
                      (e["from"], e["to"], e["reason"]) == (frm, to, reason))


def times_from(r, source):
    return [t for t, src, _ in r.got if src == source]


def pull_outside(lab, gw, ctl, r):
    """Takes the outside link down with data flowing; returns (t_down, gap): the
    seconds from the last datagram of the outside's source to the first of alt's."""
    t_down = time.time()
    lab.exec("up", ["ip", "link", "set", "gw0", "down"])
    ev = ctl.wait_event(selected("outside", "alt", "link"), 5, "outside_selected to alt")
    wait_until(lambda: times_from(r, ALTSRC), 5, "data from the alt source at the host")
    last_old = max(t for t in times_from(r, UPSRC))
    first_new = min(times_from(r, ALTSRC))
    return t_down, first_new - last_old, ev


def test_link_failover_and_revert(lab, gateway):
    gw = failover_gateway(gateway, "igmp.failover_revert=yes",
                          f"igmp.failover_hold_down={HOLD_DOWN}")
    senders = [Sender(lab, [GROUP], source=UPSRC), Sender(lab, [GROUP], source=ALTSRC, node="altsrc")]
    try:
        with receivers(lab, ("h1", GROUP)) as (r,), gw.control() as ctl:
            assert ctl.request("subscribe", events=["link", "outside_selected"])["ok"]
            r.join()
            r.wait_data(20)
            assert GROUP not in lab.mdb_groups("alt"), "alt held the group before the switch"
            assert not times_from(r, ALTSRC), "alt's data reached the host before the switch"

            t_down, gap, _ = pull_outside(lab, gw, ctl, r)
            wait_until(lambda: GROUP in lab.mdb_groups("alt"), t_down + SWITCH_WITHIN_S -
                       time.time(), f"{GROUP} in the alt bridge's mdb within 2 s")
            assert min(times_from(r, ALTSRC)) - t_down < SWITCH_WITHIN_S
            st = gw.telemetry("/igmpgw/ports")
            assert (st["alt"]["active"], st["outside"]["link"]) == ("yes", "down"), st
            r.wait_data(20, source=ALTSRC)
            print(f"data gap outside -> alt: {gap * 1000:.0f} ms")

            t_up = time.time()
            lab.exec("up", ["ip", "link", "set", "gw0", "up"])
            ctl.wait_event(selected("alt", "outside", "revert"), HOLD_DOWN + 5,
                                "outside_selected back to outside")
            t_revert = time.time()
            assert t_revert - t_up >= HOLD_DOWN - 0.5, \
                f"reverted {t_revert - t_up:.1f} s after link up, before the {HOLD_DOWN} s hold-down"
            wait_until(lambda: GROUP in lab.mdb_groups("up"), 2, f"{GROUP} in the outside mdb")
            r.wait_data(20, source=UPSRC, timeout=5)
            gw.wait_emitted("alt", lambda p: p["igmp.type"] == hex(IGMP_LEAVE) and
                            p["igmp.maddr"] == GROUP, 3, "the leave on the old outside (alt)")
            wait_until(lambda: GROUP not in lab.mdb_groups("alt"), 5,
                       f"{GROUP} gone from the alt bridge's mdb after the leave")
            n_alt = len(times_from(r, ALTSRC))
            time.sleep(0.5)
            assert len(times_from(r, ALTSRC)) == n_alt, "alt's data still forwarded after revert"
        with gw.control() as c:
            fo = c.request("status")["failover"]
        assert (fo["mode"], fo["active"], fo["primary"], fo["switches"], fo["last_reason"]) == \
            ("link", "outside", "outside", 2, "revert"), fo
    finally:
        for s in senders:
            s.stop()
        lab.exec("up", ["ip", "link", "set", "gw0", "up"], check=False)


def test_no_failover_by_default(lab, gateway):
    """failover = off: a dead outside link is said (event, counter), nothing moves."""
    gw = start(gateway, roles=["alt", "inside"])
    try:
        with receivers(lab, ("h1", GROUP)) as (r,), gw.control() as ctl:
            assert ctl.request("subscribe", events=["link", "outside_selected"])["ok"]
            r.join()
            lab.exec("up", ["ip", "link", "set", "gw0", "down"])
            ctl.wait_event(lambda e: e["event"] == "link" and e["port"] == "outside" and
                           not e["up"], 5, "outside link down")
            time.sleep(1.0)
            assert not [e for e in ctl.events if e["event"] == "outside_selected"], ctl.events
            assert gw.telemetry("/igmpgw/ports")["outside"]["active"] == "yes"
            assert GROUP not in lab.mdb_groups("alt")
    finally:
        lab.exec("up", ["ip", "link", "set", "gw0", "up"], check=False)


def test_select_outside_is_the_new_primary(lab, gateway):
    """The operator's choice is where failover reverts to; a per-outside querier
    answers for each side (reports after a switch go to the new side's querier)."""
    gw = failover_gateway(gateway, "igmp.failover_revert=yes", "igmp.failover_hold_down=1",
                          "igmp.unicast_membership_reports=yes")
    with gw.control() as ctl:
        assert ctl.request("subscribe", events=["outside_selected"])["ok"]
        # Both outsides' queriers are learned, the standby's too.
        # (telemetry flattens the nested dict: "alt/address")
        wait_until(lambda: all(gw.telemetry("/igmpgw/querier")["outsides"].get(f"{s}/address")
                               for s in ("outside", "alt")), 15, "both outsides' queriers")
        q = gw.telemetry("/igmpgw/querier")["outsides"]
        assert (q["outside/address"], q["alt/address"]) == ("10.200.1.1", "10.200.2.1"), q
        assert ctl.request("select_outside", port="alt")["ok"]
        ctl.wait_event(selected("outside", "alt", "control"), 3, "the operator's switch")
        with receivers(lab, ("h1", GROUP)) as (r,):
            r.join()
            # Unicast to alt's querier, not outside's.
            p = gw.wait_emitted("alt", lambda p: GROUP in p["igmp.maddr"].split(","), 5,
                                f"the report of {GROUP} on alt")
            assert p["ip.dst"] == "10.200.2.1", p
            time.sleep(2.5)
            assert gw.telemetry("/igmpgw/ports")["alt"]["active"] == "yes", "reverted away"
    with gw.control() as c:
        fo = c.request("status")["failover"]
    assert (fo["primary"], fo["active"]) == ("alt", "alt"), fo


# The lab's upstream bridges query every 5 s with QRV 2 and a Max Resp of 2.5 s (lab.sh:
# QRI = QI / 2 when under 10 s): their other querier present interval is 2 x 5 + 2.5 / 2.
UPSTREAM_OQPI = 11.25


@pytest.mark.slow  # a gateway waiting for both upstream queriers: about 45 s
def test_upstream_querier_timers_are_learned(lab, gateway):
    """Each outside's querier is judged by the timers its own queries carry
    (QRV, QQIC, Max Resp: RFC 3376 §8.5), not by the gateway's [querier]."""
    gw = start(gateway, "igmp.failover=querier", "querier.query_interval=30",
               roles=["outside", "alt", "inside"])
    wait_until(lambda: all(gw.telemetry("/igmpgw/querier")["outsides"].get(f"{s}/address")
                           for s in ("outside", "alt")), 15, "both outsides' queriers")
    with gw.control() as c:
        outsides = c.request("status")["querier"]["outsides"]
    for side in ("outside", "alt"):
        # [querier] alone would say 2 x 30 + 2 / 2 = 61 s.
        assert outsides[side]["present_interval"] == UPSTREAM_OQPI, outsides


@pytest.mark.slow  # waits out the upstream querier's other querier present interval
def test_querier_failover(lab, gateway):
    """failover = querier: the outside's querier stops (its link stays up); once its
    own other querier present interval (from its queries: 11.25 s) has passed without
    a query there, while alt's querier is heard, alt becomes active and gets the
    membership. The gateway's own [querier] interval (61 s) would not have switched
    within the wait, nor would the grace after start it also sets."""
    gw = start(gateway, "igmp.failover=querier", "querier.query_interval=30",
               roles=["outside", "alt", "inside"])
    try:
        with receivers(lab, ("h1", GROUP)) as (r,), gw.control() as ctl_sock:
            assert ctl_sock.request("subscribe", events=["outside_selected"])["ok"]
            r.join()
            wait_until(lambda: GROUP in lab.mdb_groups("up"), 5, f"{GROUP} in the outside mdb")
            wait_until(lambda: gw.telemetry("/igmpgw/querier")["outsides"].get("alt/address"),
                       10, "alt's querier heard while alt is the standby")
            out = ctl(gw, "status").stdout
            assert "querier on alt: 10.200.2.1" in out and "failover:" in out, out
            time.sleep(3)
            assert not ctl_sock.events, f"switched with both queriers present: {ctl_sock.events}"
            t_quiet = time.time()
            lab.exec("up", ["ip", "link", "set", "br0", "type", "bridge", "mcast_querier", "0"])
            ctl_sock.wait_event(selected("outside", "alt", "querier"), UPSTREAM_OQPI + 8,
                                "outside_selected to alt for a quiet querier")
            quiet_s = time.time() - t_quiet
            print(f"switched {quiet_s:.1f} s after the outside's querier went quiet "
                  f"(its interval {UPSTREAM_OQPI} s, the last query up to 5 s before)")
            # The last query came at most one QI (5 s) before the quiet; 0.5 s for the
            # bridge's timer and the load.
            assert quiet_s >= UPSTREAM_OQPI - 5 - 0.5, "switched before the querier went quiet"
            wait_until(lambda: GROUP in lab.mdb_groups("alt"), 2, f"{GROUP} in the alt mdb")
    finally:
        lab.exec("up", ["ip", "link", "set", "br0", "type", "bridge", "mcast_querier", "1"],
                 check=False)
