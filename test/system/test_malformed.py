# SPDX-License-Identifier: BSD-3-Clause
"""A burst of malformed IGMP from an inside host: the gateway stays up, counts
each packet under the reason it was dropped for, logs the drops rate-limited,
sends nothing for any of them, and still translates a valid report afterwards.
"""

import random
import struct

from gwlab import (GW_ADDR, GW_MAC, HOST, IGMP_QUERY, IGMP_V2_REPORT, ether, host_igmp_frame,
                   igmp_v2, ipv4, mac_of, reason_names)

BURST = 2000


def bad_igmp_checksum(i):
    msg = igmp_v2(IGMP_V2_REPORT, "239.5.%d.%d" % (i >> 8 & 0xFF, i & 0xFF))
    return host_igmp_frame("h1", msg[:2] + struct.pack("!H", ~struct.unpack("!H", msg[2:4])[0]
                                                        & 0xFFFF) + msg[4:])


def truncated_igmp(i):
    return host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.5.0.1")[:4 + i % 4])


def bad_ip_checksum(i):
    return host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.5.0.2"), bad_checksum=True)


def bad_ihl(i):
    return host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.5.0.3"), ihl=i % 5)


def unicast_query(i):
    return host_igmp_frame("h1", igmp_v2(IGMP_QUERY, "0.0.0.0", 100))


def garbage(i, rng=random.Random(2)):
    """A valid IPv4 header (protocol 2) over random bytes: counted somewhere, never sent."""
    payload = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    return ether(GW_MAC["inside"], mac_of(HOST["h1"]),
                 ipv4(HOST["h1"], GW_ADDR["inside"], payload, router_alert=rng.random() < 0.5))


# Generator, and the counter (wire reason or proxy decision) it must land in.
KINDS = [
    (bad_igmp_checksum, "bad_igmp_checksum"),
    (truncated_igmp, "truncated_igmp"),
    (bad_ip_checksum, "bad_ip_checksum"),
    (bad_ihl, "bad_ihl"),
    (unicast_query, "unicast_query"),
    (garbage, None),
]
WIRE_REASONS = reason_names("igmp_wire.h", "IGMP_WIRE_ERRORS")[1:]   # all but "ok"
PROXY_REASONS = reason_names("igmp_proxy.h", "IGMP_PROXY_REASONS")


def test_malformed_burst(lab, gateway):
    gw = gateway()
    before = gw.stats()["inside"]
    frames, expect = [], {}
    for i in range(BURST):
        make, counter = KINDS[i % len(KINDS)]
        frames.append(make(i))
        if counter is not None:
            expect[counter] = expect.get(counter, 0) + 1
    # h1's frames, put on the wire between the inside bridge and the gateway: the
    # Linux bridge itself drops IGMP whose IP header is broken (bad IHL or checksum),
    # so sent from h1's eth0 those would never reach the gateway. Short pauses keep
    # the burst within the af_packet ring when the sender and the worker share a
    # core: the test is about parsing, not about overload.
    lab.send("in", frames, iface="gw0", pace_every=50, pace_s=0.005)
    gw.wait_counter("inside", "igmp_received", before["igmp_received"] + BURST)

    assert gw.alive()
    after = gw.stats()["inside"]
    delta = {k: after[k] - before[k] for k in after}
    n_garbage = BURST - sum(expect.values())
    for counter, n in expect.items():
        # Exactly n, plus whatever share of the random bytes failed the same way.
        assert n <= delta[counter] <= n + n_garbage, f"{counter}: {delta[counter]}, sent {n}"
    # Every packet is accounted for exactly once: rejected by the codec with a
    # reason, or valid and refused by the proxy decision.
    assert delta["igmp_invalid"] == sum(delta[r] for r in WIRE_REASONS)
    assert delta["igmp_invalid"] + sum(delta[r] for r in PROXY_REASONS) == BURST
    # Random bytes under a valid header may make a valid message by chance, never more
    # than a handful; whatever they made, nothing of the burst went out.
    assert delta["unicast_translated"] <= 5
    assert len(gw.emitted("outside")) == delta["unicast_translated"]

    # Still working: a valid special report is translated.
    report = igmp_v2(IGMP_V2_REPORT, "239.5.9.9")
    lab.send("h1", [host_igmp_frame("h1", report)])
    p = gw.wait_emitted("outside", lambda p: p["igmp.maddr"] == "239.5.9.9", 5,
                        "the report sent after the burst")
    assert gw.wire["outside"].igmp_raw(p) == report

    # The drops are logged once per period and reason, not once per packet.
    gw.wait_log(r"inside: dropped \d+ IGMP packets: bad_igmp_checksum", timeout=15)
    assert gw.log().count("IGMP packets: bad_igmp_checksum") == 1
