# SPDX-License-Identifier: BSD-3-Clause
"""[limits] rate keys against a flooding inside host, with real kernels and tshark.

One host (h1) sends 10 000 IGMP reports a second for 5 s, each for a group of its
own, from frames built once and sent on a raw socket (scapy manages only a few
thousand a second here). limits.igmp_rate_per_host cuts it to its rate in the
port owner's worker, while another host's (h2) kernel join still reaches the
upstream in the usual time; the drops are counted and the host is named in the
log once a period; upstream, tshark sees at most limits.upstream_reports_per_second
reports a second.
"""

import contextlib
import socket
import time
import threading

from gwlab import HOST, IGMP_LEAVE, IGMP_V2_REPORT, ether, host_igmp_frame, igmp_v2, ipv4, \
    join_group, mac_of, multicast_mac, ns_socket, wait_until

TRACK = ("forward.enabled=yes", "proxy.track_membership=yes", "querier.enabled=yes",
         "igmp.proxy_out_to_in=no", "igmp.unicast_proxy_in_to_out=no")
HOST_RATE, HOST_BURST = 50, 20
UPSTREAM_RATE = 20
FLOOD_PPS, FLOOD_S = 10000, 5
LIMITS = (f"limits.igmp_rate_per_host={HOST_RATE}/s burst {HOST_BURST}",
          "limits.igmp_rate_per_port=400/s burst 100",
          f"limits.upstream_reports_per_second={UPSTREAM_RATE}")


def flood_frames(n):
    """n v2 reports from h1, each for its own group, sent to that group as a host would."""
    frames = []
    for i in range(n):
        g = f"239.91.{i // 250}.{i % 250 + 1}"
        frames.append(ether(multicast_mac(g), mac_of(HOST["h1"]),
                            ipv4(HOST["h1"], g, igmp_v2(IGMP_V2_REPORT, g))))
    return frames


def flood(lab, frames, pps, seconds, tail=()):
    """Sends frames round and round at pps for seconds; returns the frames sent."""
    sent = 0
    with contextlib.closing(ns_socket(lab.ns("h1"), socket.AF_PACKET, socket.SOCK_RAW)) as s:
        s.bind(("eth0", 0))
        start = time.monotonic()
        end = start + seconds
        while True:
            now = time.monotonic()
            if now >= end:
                break
            # Catch up to where the schedule says we should be, then yield a moment.
            due = int((now - start) * pps)
            while sent < due:
                try:
                    s.send(frames[sent % len(frames)])
                except BlockingIOError:
                    break
                sent += 1
            time.sleep(0.0005)
        for f in tail:
            s.send(f)
    return sent


def upstream_reports_per_second(gw):
    """The most IGMP reports the gateway sent on the outside within one wall-clock second."""
    times = [float(p["frame.time_epoch"]) for p in gw.emitted("outside")
             if p["igmp.type"] in ("0x12", "0x16", "0x17", "0x22")]
    times.sort()
    worst, j = 0, 0
    for i, t in enumerate(times):
        while times[j] < t - 1.0:
            j += 1
        worst = max(worst, i - j + 1)
    return worst, len(times)


def test_flooding_host_is_cut_to_its_rate(lab, gateway):
    gw = gateway(*(TRACK + LIMITS))
    frames = flood_frames(FLOOD_PPS)
    result = {}
    flooder = threading.Thread(target=lambda: result.update(
        sent=flood(lab, frames, FLOOD_PPS, FLOOD_S)))
    flooder.start()
    try:
        time.sleep(1.5)  # the flood runs: h2 joins in the middle of it
        t0 = time.monotonic()
        with contextlib.closing(join_group(lab.ns("h2"), "239.92.0.1", HOST["h2"])):
            wait_until(lambda: "239.92.0.1" in lab.mdb_groups("up"), 5,
                       "h2's group in the upstream mdb during the flood")
            joined = time.monotonic() - t0
    finally:
        flooder.join()
    sent = result["sent"]
    print(f"flood: {sent} frames in {FLOOD_S} s; h2's join upstream after {joined:.2f} s")
    assert sent >= FLOOD_PPS * FLOOD_S * 0.6, f"the sender managed only {sent} frames"

    st = gw.stats()["inside"]
    # What passed h1's bucket: its burst and its rate over the flood (and slack for a slow start).
    passed_h1 = st["igmp_received"] - st["igmp_rate_host_dropped"] - st["igmp_rate_port_dropped"]
    allowed = HOST_BURST + HOST_RATE * (FLOOD_S + 2) + 20  # + h2's and the kernel's own
    print(f"inside: {st['igmp_received']} received, {st['igmp_rate_host_dropped']} over the "
          f"host rate, {st['igmp_rate_port_dropped']} over the port rate, {passed_h1} passed")
    assert st["igmp_received"] >= sent * 0.5, st
    assert passed_h1 <= allowed, (passed_h1, allowed)
    assert st["igmp_rate_host_dropped"] >= st["igmp_received"] - allowed, st
    assert st["igmp_rate_hosts_evicted"] == 0, st
    # Named in the log, once a period, never per packet.
    gw.wait_log(rf"inside: host {HOST['h1']} sends IGMP faster than "
                rf"limits.igmp_rate_per_host = {HOST_RATE}/s burst {HOST_BURST}")
    lines = [ln for ln in gw.log().splitlines() if "faster than limits.igmp_rate_per_host" in ln]
    assert len(lines) <= FLOOD_S // 10 + 2, lines
    assert not [ln for ln in lines if HOST["h2"] in ln], lines

    # Upstream: at most the configured rate (the paced queue's burst is a hundredth of it).
    time.sleep(1)
    worst, total = upstream_reports_per_second(gw)
    print(f"upstream: {total} reports, at most {worst} in one second "
          f"(limit {UPSTREAM_RATE}/s)")
    assert worst <= UPSTREAM_RATE + UPSTREAM_RATE // 100 + 1, worst


def test_translated_flood_coalesced_upstream(lab, gateway):
    """goIGMP's special unicast translation (lab.conf as is): h1 floods 10 000
    unicast v2 reports a second over 50 groups for 3 s, no input limit. The
    upstream sees at most limits.upstream_reports_per_second (the reports over it
    coalesced in the paced queue, rebuilt per group), and each group's last
    message upstream is h1's last one for it: a leave sent after the flood is
    not overtaken by the flood's reports, nor a report by an earlier leave."""
    gw = gateway(f"limits.upstream_reports_per_second={UPSTREAM_RATE}")
    groups = [f"239.94.0.{i}" for i in range(1, 51)]
    # Under the rate the translation is byte for byte, as without the limit.
    probe = igmp_v2(IGMP_V2_REPORT, "239.94.1.1")
    lab.send("h1", [host_igmp_frame("h1", probe)])
    p = gw.wait_emitted("outside", lambda p: p["igmp.maddr"] == "239.94.1.1", 5,
                        "the probe's translated report")
    assert gw.wire["outside"].igmp_raw(p) == probe
    frames = [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, g)) for g in groups]
    # After the flood: .1 leaves, .2 leaves then reports again, .77 reports, .78
    # reports then leaves.
    tail = [host_igmp_frame("h1", igmp_v2(t, g)) for t, g in (
        (IGMP_LEAVE, "239.94.0.1"), (IGMP_LEAVE, "239.94.0.2"), (IGMP_V2_REPORT, "239.94.0.2"),
        (IGMP_V2_REPORT, "239.94.0.77"), (IGMP_V2_REPORT, "239.94.0.78"),
        (IGMP_LEAVE, "239.94.0.78"))]
    sent = flood(lab, frames, FLOOD_PPS, 3, tail)
    want = {g: "0x16" for g in groups}
    want.update({"239.94.0.1": "0x17", "239.94.0.77": "0x16", "239.94.0.78": "0x17"})

    def last_upstream():
        last = {}
        for q in gw.emitted("outside", lambda q: q["igmp.maddr"].startswith("239.94.0.")):
            last[q["igmp.maddr"]] = q["igmp.type"]
        return last
    # 56 groups at 20/s: under 3 s once the flood stops.
    wait_until(lambda: last_upstream() == want, 15,
               "each group's last message upstream to be h1's last for it")
    inside = gw.stats()["inside"]
    worst, total = upstream_reports_per_second(gw)
    print(f"flood: {sent} frames in 3 s, {inside['unicast_translated']} translated; upstream: "
          f"{total} reports, at most {worst} in one second")
    assert sent >= FLOOD_PPS * 3 * 0.6, f"the sender managed only {sent} frames"
    assert inside["unicast_translated"] >= sent * 0.5, inside
    assert worst <= UPSTREAM_RATE + UPSTREAM_RATE // 100 + 1, worst
    out = gw.stats()["outside"]
    # The main lcore takes up to a ring a pass: none of the flood lost before it.
    assert out["upstream_paced_dropped"] == 0, out
    assert out["upstream_paced"] >= inside["unicast_translated"] - total, out
    with gw.control() as c:
        q = c.request("status")["upstream_coalescing"]["outside"]
    assert q["merged"] > 0 and q["dropped_full"] == 0 and q["depth"] == 0, q


def test_control_client_flooding_reports_is_refused(lab, gateway):
    """A client sending `report` requests as fast as it can gets its rate, then errors
    naming the key; the upstream sees no more reports than the requests that passed."""
    gw = gateway("igmp.membership_reports_to_network=yes",
                 "limits.control_requests_per_client=20/s burst 10")
    answers = []
    with gw.control() as c:
        t0 = time.monotonic()
        for i in range(200):
            answers.append(c.request("report", items=[{"group": f"239.93.0.{i % 250 + 1}"}]))
        took = time.monotonic() - t0
        time.sleep(1)  # the bucket fills again: stats is answered
        stats = c.request("stats")
    ok = [a for a in answers if a["ok"]]
    refused = [a for a in answers if not a["ok"]]
    print(f"200 report requests in {took:.2f} s: {len(ok)} answered, {len(refused)} refused")
    assert len(ok) <= 10 + 20 * (took + 1), len(ok)
    assert refused and all("too many requests: limits.control_requests_per_client = 20/s "
                           "burst 10" in a["error"] for a in refused), refused[:3]
    assert stats["ok"] and stats["control"]["requests_refused"] == len(refused), stats
    time.sleep(1)
    upstream = gw.emitted("outside", lambda p: p["igmp.type"] == "0x16" and
                          p["ip.dst"].startswith("239.93."))
    assert len(upstream) == len(ok), (len(upstream), len(ok))
