#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Records the conformance captures committed in test/conformance/captures/, from
senders independent of igmpgw (never igmpgw itself):

  kernel-v3.pcap, kernel-v2.pcap, kernel-v1.pcap
      Linux kernels in network namespaces: a host (IGMPv3, or forced to v2 or v1
      with force_igmp_version) joins, joins source-specific, answers queries and
      leaves, behind a Linux bridge that is IGMP querier (v3 or v2) and sends the
      group-specific queries of the leaves. Captured with tcpdump on the
      bridge's port towards the host (Ethernet, no VLAN tags).
  goigmp-*.payload, goigmp-replica.pcap
      scapy replicas of the messages goIGMP sends, its quirks included: special
      unicast v2 reports to the gateway's address, v3 "joins" as ALLOW and
      "leaves" as BLOCK records with one source, current-state reports of many
      one-source IS_IN records, an IS_EX {} record for 224.0.0.22 itself, TOS
      0xc0 with TTL 1 and Router Alert.

Run as root: test/conformance/record.py [OUTDIR]. The tests compare igmpgw-decode
with tshark on these files and round-trip every message (test_conformance.py,
roundtrip.c).
"""
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "captures"
sys.path.insert(0, str(HERE.parent / "system"))
from gwlab import ns_socket  # noqa: E402

IP_ADD_SOURCE_MEMBERSHIP = 39
IP_DROP_SOURCE_MEMBERSHIP = 40
NET = "10.77.0"
PREFIX = "cr" + secrets.token_hex(3)


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def ns(name):
    return f"{PREFIX}{name}"


def nsx(name, *cmd):
    return sh("ip", "netns", "exec", ns(name), *cmd)


def lab_up(querier_version, host_version):
    for n in ("br", "h"):
        sh("ip", "netns", "add", ns(n))
    sh("ip", "-n", ns("br"), "link", "add", "br0", "type", "bridge")
    # Timers in centiseconds: queries every 4 s, last member queries 1 s apart.
    sh("ip", "-n", ns("br"), "link", "set", "br0", "type", "bridge", "mcast_snooping", "1",
       "mcast_query_use_ifaddr", "1", "mcast_igmp_version", str(querier_version),
       "mcast_query_interval", "400", "mcast_query_response_interval", "200",
       "mcast_startup_query_interval", "100", "mcast_last_member_interval", "100")
    sh("ip", "-n", ns("br"), "addr", "add", f"{NET}.1/24", "dev", "br0")
    sh("ip", "link", "add", "p0", "netns", ns("br"), "type", "veth", "peer", "eth0", "netns",
       ns("h"))
    sh("ip", "-n", ns("br"), "link", "set", "p0", "master", "br0")
    sh("ip", "-n", ns("h"), "addr", "add", f"{NET}.11/24", "dev", "eth0")
    nsx("h", "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    nsx("br", "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    if host_version:
        nsx("h", "sysctl", "-qw", f"net.ipv4.conf.eth0.force_igmp_version={host_version}")
        nsx("h", "sysctl", "-qw", f"net.ipv4.conf.all.force_igmp_version={host_version}")
    for n, dev in (("br", "p0"), ("br", "br0"), ("h", "eth0"), ("h", "lo")):
        sh("ip", "-n", ns(n), "link", "set", dev, "up")
    sh("ip", "-n", ns("h"), "route", "add", "224.0.0.0/4", "dev", "eth0")


def lab_down():
    for n in ("br", "h"):
        sh("ip", "netns", "del", ns(n), check=False)


def capture(path):
    p = subprocess.Popen(["ip", "netns", "exec", ns("br"), "tcpdump", "-i", "p0", "-U", "-n",
                          "-w", str(path), "igmp"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # tcpdump says "listening on" once the filter is in place.
    p.stderr.readline()
    return p


def host_socket():
    return ns_socket(ns("h"), socket.AF_INET, socket.SOCK_DGRAM)


def mreq(group, source=None):
    m = socket.inet_aton(group) + socket.inet_aton(f"{NET}.11")
    return m if source is None else m + socket.inet_aton(source)


def start_querier():
    sh("ip", "-n", ns("br"), "link", "set", "br0", "type", "bridge", "mcast_querier", "1")


def record_kernel(name, querier_version, host_version):
    lab_down()
    lab_up(querier_version, host_version)
    path = OUT / f"{name}.pcap"
    tcpdump = capture(path)
    try:
        start_querier()
        time.sleep(1.5)
        a, b = host_socket(), host_socket()
        a.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq("232.1.1.1"))
        a.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq("239.1.2.3"))
        if host_version is None:
            for src in ("10.9.0.1", "10.9.0.2"):
                b.setsockopt(socket.IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, mreq("232.2.2.2", src))
        # A general query or two, answered.
        time.sleep(5)
        if host_version is None:
            b.setsockopt(socket.IPPROTO_IP, IP_DROP_SOURCE_MEMBERSHIP,
                         mreq("232.2.2.2", "10.9.0.1"))
        # The leave and the querier's group-specific queries after it.
        a.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq("232.1.1.1"))
        time.sleep(3)
        a.close()
        b.close()
        time.sleep(3)
    finally:
        tcpdump.terminate()
        tcpdump.wait()
        lab_down()
    return path


def record_goigmp():
    from scapy.all import Ether, IP, IPOption_Router_Alert, wrpcap
    from scapy.contrib.igmp import IGMP
    from scapy.contrib.igmpv3 import IGMPv3, IGMPv3gr, IGMPv3mq, IGMPv3mr

    app, host, gw = "172.17.200.10", "172.17.201.10", "172.17.201.1"

    def v3(*records):
        return IGMPv3(type=0x22) / IGMPv3mr(records=[IGMPv3gr(rtype=t, maddr=g, srcaddrs=s)
                                                     for t, g, s in records])

    msgs = {
        # The special unicast report: to the gateway's own address, not to the group.
        "v2-report-unicast": (IGMP(type=0x16, mrcode=0, gaddr="232.0.0.9"), gw),
        "v2-leave": (IGMP(type=0x17, mrcode=0, gaddr="232.0.0.3"), "224.0.0.2"),
        "v3-join-allow": (v3((5, "232.4.10.2", ["172.17.200.8"])), "224.0.0.22"),
        "v3-leave-block": (v3((6, "232.0.0.5", [app])), "224.0.0.22"),
        "v3-many-is-in": (v3(*[(1, f"232.0.0.{9 - i}", [app]) for i in range(6)]), "224.0.0.22"),
        "v3-is-in-and-asm-224.0.0.22": (v3((1, "232.0.0.1", [app]), (2, "224.0.0.22", [])),
                                        "224.0.0.22"),
        "v3-growing": (v3(*[(5, f"232.0.0.{i}", [app]) for i in range(1, 12)]), "224.0.0.22"),
        "v3-query-general": (IGMPv3(type=0x11, mrcode=100) /
                             IGMPv3mq(gaddr="0.0.0.0", qrv=2, qqic=60), "224.0.0.1"),
        "v2-query-general": (IGMP(type=0x11, mrcode=100, gaddr="0.0.0.0"), "224.0.0.1"),
    }
    frames = []
    for name, (msg, dst) in msgs.items():
        raw = bytes(msg)
        (OUT / f"goigmp-{name}.payload").write_bytes(raw)
        src = gw if "query" in name else host
        dmac = ("01:00:5e:%02x:%02x:%02x" % tuple(socket.inet_aton(dst)[1:])
                if socket.inet_aton(dst)[0] >= 224 else "02:00:ac:11:c9:01")
        ip = IP(src=src, dst=dst, tos=0xc0, ttl=1, options=[IPOption_Router_Alert()])
        frames.append(Ether(dst=dmac, src="02:00:ac:11:c9:0a") / ip / msg)
    wrpcap(str(OUT / "goigmp-replica.pcap"), frames)
    return len(msgs)


def main():
    if os.geteuid() != 0:
        sys.exit("record.py: needs root (network namespaces)")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, qv, hv in (("kernel-v3", 3, None), ("kernel-v2", 2, 2), ("kernel-v1", 2, 1)):
        path = record_kernel(name, qv, hv)
        print(f"record: {path} ({path.stat().st_size} bytes)")
    print(f"record: {record_goigmp()} goIGMP replicas in {OUT}")


if __name__ == "__main__":
    main()
