# SPDX-License-Identifier: BSD-3-Clause
"""Several workers: every lcore after the main one polls. The lab's af_packet
ports get a queue pair per worker (qpairs=N, PACKET_FANOUT spreads the kernel's
frames over them), every queue is polled by exactly one worker, and what a
worker receives for a port's owner (kernel twin, IGMP) reaches it over a ring.
Two workers on this box's two CPUs (three share them): correctness, not speed.
"""

import re

import pytest

from gwlab import GW_ADDR, HOST, IGMP_V2_REPORT, host_igmp_frame, igmp_v2, wait_until
from test_tracking import Sender

ROLES = ("outside", "alt", "inside")


def plan(gw):
    """The log's "worker N on lcore L polls outside:0 alt:1" lines: {worker: [(port, queue)]}."""
    out = {}
    for w, pairs in re.findall(r"worker (\d+) on lcore \d+ polls((?: \w+:\d+)+)", gw.log()):
        out[int(w)] = [(p, int(q)) for p, q in (x.split(":") for x in pairs.split())]
    return out


def status(gw):
    with gw.control() as c:
        r = c.request("status")
    assert r["ok"], r
    return r


@pytest.mark.parametrize("workers", [2, 3], indirect=True)
def test_every_af_packet_queue_is_polled_by_one_worker(lab, gateway, workers):
    gw = gateway()
    p = plan(gw)
    assert sorted(p) == list(range(workers)), gw.log()
    polled = sorted(pq for pairs in p.values() for pq in pairs)
    # qpairs=N appended to the lab's af_packet devargs: N queues a port, each once.
    assert polled == sorted((r, q) for r in ROLES for q in range(workers)), p
    assert all(len(pairs) == len(ROLES) for pairs in p.values()), p


def test_both_workers_receive_and_forward(lab, gateway, workers=2):
    gw = gateway("forward.enabled=yes", workers=workers)
    # Sixteen groups: sixteen flows the fanout hash spreads over the outside's queues.
    groups = [f"239.7.9.{i}" for i in range(1, 17)]
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, g)) for g in groups])
    wait_until(lambda: status(gw)["forwarding"]["groups"] == len(groups), 10,
               "the gateway to forward the 16 groups")
    with Sender(lab, groups):
        def both_busy():
            ws = status(gw)["workers"]
            return len(ws) == workers and all(w["rx_packets"] >= 50 and w["tx_packets"] >= 50
                                              for w in ws)
        wait_until(both_busy, 20, "both workers to receive and forward 50 frames")
    ws = status(gw)["workers"]
    print(ws)
    assert sum(w["tx_packets"] for w in ws) >= 100
    assert gw.counter("inside", "mcast_forwarded") >= 100
    assert gw.counter("inside", "handoff_dropped") == 0


def test_tap_queues_spread_over_both_workers(lab, gateway):
    """The outside as a TAP port with a queue pair per worker: the kernel picks a
    tun queue by flow hash, so sixteen groups sent into the TAP interface arrive
    on both queues, and each worker forwards what its queue received."""
    tap = f"{lab.prefix}tq"
    gw = gateway("forward.enabled=yes", f"outside.port=net_tap0,iface={tap}", workers=2)
    p = plan(gw)
    assert sorted(q for pairs in p.values() for q in pairs if q[0] == "outside") == \
        [("outside", 0), ("outside", 1)], p
    src = "10.77.0.1"
    # The TAP PMD gives the kernel side the port's own MAC: frames with it are
    # the gateway's own echo and dropped, so the kernel side sends with another.
    lab.exec("gw", ["ip", "link", "set", tap, "address", "02:00:0a:4d:00:01"])
    lab.exec("gw", ["ip", "addr", "add", f"{src}/24", "dev", tap])
    lab.exec("gw", ["ip", "link", "set", tap, "up"])
    groups = [f"239.7.10.{i}" for i in range(1, 17)]
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, g)) for g in groups])
    wait_until(lambda: status(gw)["forwarding"]["groups"] == len(groups), 10,
               "the gateway to forward the 16 groups")
    with Sender(lab, groups, source=src, node="gw"):
        def both_queues_busy():
            qs = {(q["port"], q["queue"]): q["rx_packets"]
                  for w in status(gw)["workers"] for q in w["queues"]}
            return qs[("outside", 0)] >= 50 and qs[("outside", 1)] >= 50
        wait_until(both_queues_busy, 20, "both TAP queues to receive 50 frames")
        wait_until(lambda: all(w["tx_packets"] >= 50 for w in status(gw)["workers"]), 20,
                   "both workers to forward 50 frames")
    assert gw.counter("inside", "mcast_forwarded") >= 100
    assert gw.counter("inside", "handoff_dropped") == 0


def test_exception_path_from_either_worker(lab, gateway):
    """Sixteen flows to the gateway's inside address (ping from sixteen source
    addresses of h1): the fanout hash puts some on the worker that does not own
    the inside port, whose frames reach the twin through the owner; every echo
    is answered."""
    gw = gateway(workers=2)
    base = HOST["h1"].rsplit(".", 1)[0]
    extra = [f"{base}.{100 + i}" for i in range(16)]
    for a in extra:
        lab.exec("h1", ["ip", "addr", "add", f"{a}/24", "dev", "eth0"])
    try:
        for a in extra:
            out = ""
            for _ in range(3):
                out = lab.exec("h1", ["ping", "-c", "1", "-W", "3", "-I", a, GW_ADDR["inside"]],
                               check=False).stdout
                if "1 received" in out:
                    break
            assert "1 received" in out, f"no echo reply to {a}: {out}"
    finally:
        for a in extra:
            lab.exec("h1", ["ip", "addr", "del", f"{a}/24", "dev", "eth0"], check=False)
    queues = {(q["port"], q["queue"]): q["rx_packets"]
              for w in status(gw)["workers"] for q in w["queues"]}
    assert queues[("inside", 0)] > 0 and queues[("inside", 1)] > 0, queues
    assert gw.counter("inside", "to_kernel") >= 32   # an echo request and an ARP each
    assert gw.counter("inside", "handoff_dropped") == 0


def test_workers_map_pins_ports_to_lcores(lab, gateway):
    """[workers] map as the issue's example: outside on lcore 1, inside and alt on
    lcore 2. Each port's two queues (qpairs=2) go to its lcore, which owns it; an
    upstream query still reaches the inside hosts and a ping the inside twin."""
    gw = gateway("workers.map=outside@1,alt@2,inside@2", workers=2)
    p = plan(gw)
    assert sorted(p[0]) == [("outside", 0), ("outside", 1)], p
    assert sorted(p[1]) == [("alt", 0), ("alt", 1), ("inside", 0), ("inside", 1)], p
    ws = {w["lcore"]: sorted((q["port"], q["queue"]) for q in w["queues"])
          for w in status(gw)["workers"]}
    assert ws == {1: sorted(p[0]), 2: sorted(p[1])}, ws
    gw.wait_emitted("inside", lambda q: q["igmp.type"] == "0x11", 20,
                    "the upstream query proxied to the inside")
    out = lab.exec("h1", ["ping", "-c", "3", "-i", "0.2", "-W", "5", GW_ADDR["inside"]],
                   check=False).stdout
    assert " 0% packet loss" in out or "3 received" in out, out


def start_error(gateway, *overrides, workers):
    """The one line a start-up refused for overrides ends with (exit status 2)."""
    gw = gateway(*overrides, workers=workers, wait=False)
    wait_until(lambda: gw.proc.poll() is not None, 60, "igmpgw to stop at start-up")
    assert gw.proc.returncode == 2, gw.log()
    return gw.log().strip().splitlines()[-1]


@pytest.mark.parametrize("overrides, workers, line", [
    # lcore 5 is not one of -l 0-1's.
    (("workers.map=outside@5 alt@1 inside@1",), 1,
     "igmpgw: config: workers.map: lcore 5 is not a worker lcore"),
    # The main lcore polls nothing.
    (("workers.map=outside@0 alt@1 inside@1",), 1,
     "igmpgw: config: workers.map: lcore 0 is not a worker lcore"),
    # One worker: each af_packet port has one queue.
    (("workers.map=outside/1@1 alt@1 inside@1",), 1,
     "igmpgw: config: workers.map: outside/1: outside has 1 rx queues"),
    # Two workers: outside has two queues (qpairs=2) and its queue 1 has no lcore.
    (("workers.map=outside/0@1 alt@1 inside@2",), 2,
     "igmpgw: config: workers.map: outside/1 is not mapped"),
    # A port the config does not have: refused before EAL starts.
    (("workers.map=outside@1 alt@1 inside@1 inside2@1",), 1,
     "igmpgw: config: workers.map: 'inside2' is not a configured port"),
])
def test_a_bad_workers_map_stops_start_up(lab, gateway, overrides, workers, line):
    got = start_error(gateway, *overrides, workers=workers)
    assert got.startswith(line), got
