# SPDX-License-Identifier: BSD-3-Clause
"""The exception path: what is not IGMP reaches the kernel through a TAP twin
of each port, so ARP and ping work with the kernel's own tools, while the
gateway keeps IGMP to itself (the kernel's own IGMP on a twin is dropped and
counted). Also: SIGTERM stops the gateway within a second and the twins go,
and the wire check the fixtures apply does catch bad IGMP.
"""

import json
import re
import socket

import pytest

import gwlab
from gwlab import (GW_ADDR, GW_MAC, TWIN, ether, igmp_v2, ipv4, join_group, multicast_mac, run,
                   wait_until)


def test_twins_carry_the_addresses(lab, gateway):
    gw = gateway()
    ports = gw.telemetry("/igmpgw/ports")
    for role, twin in TWIN.items():
        info = json.loads(run(["ip", "-n", lab.ns("gw"), "-j", "addr", "show", "dev",
                               twin]).stdout)[0]
        assert info["address"] == GW_MAC[role]
        assert [(a["local"], a["prefixlen"]) for a in info["addr_info"]
                if a["family"] == "inet"] == [(GW_ADDR[role], 24)]
        assert "UP" in info["flags"]
        assert ports[role]["twin"] == twin
        assert ports[role]["mac"].lower() == GW_MAC[role]


def ping(lab, node, addr):
    """Three echo requests all answered, none twice. A loaded machine can lose one
    on the way (the veths, not the gateway): a round with a loss is tried again."""
    for _ in range(3):
        out = lab.exec(node, ["ping", "-c", "3", "-i", "0.2", "-W", "5", addr], check=False).stdout
        assert "DUP!" not in out, out
        if "3 received" in out:
            return
    raise AssertionError(f"no round of 3 echo requests all answered: {out}")


@pytest.mark.parametrize("workers", [1, 2, 3], indirect=True)
def test_ping_and_arp_through_the_twins(lab, gateway, tmp_path, workers):
    gw = gateway()
    icmp = lab.capture("h1", "eth0", tmp_path / "icmp.pcap", bpf="icmp")
    is_reply = lambda p: p["ip.src"] == GW_ADDR["inside"]
    # tshark says "Capturing on" a moment before its filter is live and may miss
    # the first echo; it also dissects late on a loaded machine. So: ping, wait
    # for the replies the capture saw, and ping again if it saw fewer than 3.
    for _ in range(3):
        ping(lab, "h1", GW_ADDR["inside"])
        try:
            wait_until(lambda: len(icmp.matching(is_reply)) >= 3, 10, "3 echo replies on h1")
            break
        except AssertionError:
            pass
    wait_until(lambda: len(icmp.matching(is_reply)) >= 3, 20, "3 echo replies on h1")
    replies = [p for p in icmp.stop() if is_reply(p)]
    # The kernel answered through the twin, with the gateway port's MAC.
    assert len(replies) >= 3 and {p["eth.src"] for p in replies} == {GW_MAC["inside"]}, replies
    ping(lab, "src", GW_ADDR["outside"])
    ping(lab, "altsrc", GW_ADDR["alt"])
    neigh = lab.exec("h1", ["ip", "neigh", "show", GW_ADDR["inside"]]).stdout
    assert f"lladdr {GW_MAC['inside']}" in neigh, neigh
    for role in TWIN:
        assert gw.counter(role, "to_kernel") >= 4      # ARP request + 3 echo requests
        assert gw.counter(role, "from_kernel") >= 4    # ARP reply + 3 echo replies
        assert gw.counter(role, "exception_dropped") == 0


def test_kernel_igmp_on_a_twin_is_dropped(lab, gateway):
    gw = gateway()
    group = "239.4.0.1"
    # A process in the gateway namespace joins on igw-inside: its kernel reports.
    member = join_group(lab.ns("gw"), group, GW_ADDR["inside"])
    try:
        gw.wait_counter("inside", "kernel_igmp_dropped", 1)
    finally:
        member.close()
    # Frames are handled in order: once a ping through the same twin is answered,
    # a kernel report that got out would already be on the wire.
    ping(lab, "h1", GW_ADDR["inside"])
    assert not gw.emitted("inside", lambda p: group in p["igmp.maddr"].split(",")
                          or p["igmp.type"] in ("0x16", "0x17", "0x22"))


def test_sigterm_stops_within_a_second(lab, gateway):
    gw = gateway()
    seconds = gw.stop()
    assert gw.proc.returncode == 0
    assert seconds < 1.0, f"igmpgw took {seconds:.2f} s to stop"
    assert gw.log().rstrip().endswith("igmpgw.main: stopping")
    links = run(["ip", "-n", lab.ns("gw"), "-o", "link"]).stdout
    assert not re.search(r"igw-", links), links
    # The ports themselves stay, ready for the next start.
    assert all(f" {p}@" in links for p in ("out0", "alt0", "in0")), links


def test_wire_check_catches_bad_igmp(lab, tmp_path):
    """The check every gateway test ends with must fail on what it is there to catch:
    frames sent where the gateway's go out (its out0), with its MAC and address."""
    gw = gwlab.Gateway(lab, tmp_path, "meta")
    try:
        gw.wait_running()
        good = ipv4(GW_ADDR["outside"], "239.4.0.2", igmp_v2(0x16, "239.4.0.2"))
        bad = {
            "TTL 2": ipv4(GW_ADDR["outside"], "239.4.0.3", igmp_v2(0x16, "239.4.0.3"), ttl=2),
            "TOS 0x00": ipv4(GW_ADDR["outside"], "239.4.0.4", igmp_v2(0x16, "239.4.0.4"), tos=0),
            "no Router Alert": ipv4(GW_ADDR["outside"], "239.4.0.5", igmp_v2(0x16, "239.4.0.5"),
                                    router_alert=False),
            "IP checksum": ipv4(GW_ADDR["outside"], "239.4.0.6", igmp_v2(0x16, "239.4.0.6"),
                                bad_checksum=True),
            "IGMP checksum": ipv4(GW_ADDR["outside"], "239.4.0.7",
                                  igmp_v2(0x16, "239.4.0.7")[:2] + b"\0\0" +
                                  socket.inet_aton("239.4.0.7")),
        }
        frames = [ether(multicast_mac("239.4.0.2"), GW_MAC["outside"], good)]
        frames += [ether(multicast_mac("239.4.0.9"), GW_MAC["outside"], b) for b in bad.values()]
        lab.send("gw", frames, iface="out0")
        gw.wire["outside"].wait_for(lambda p: p["ip.dst"] == "239.4.0.7", 5, "the last frame")
    finally:
        problems = gw.finish()
    text = "\n".join(problems)
    assert len(problems) == len(bad), text
    assert "239.4.0.2" not in text
    assert "TTL 2" in text and "TOS 0x00" in text and "no Router Alert" in text
    assert "IP checksum status '0'" in text and "IGMP checksum status '0'" in text
    assert "igmpgw-decode: error bad_ip_checksum" in text
    assert "igmpgw-decode: error bad_igmp_checksum" in text
