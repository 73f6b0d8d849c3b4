#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the benchmark's traffic as classic pcap files that replay as they are,
with the pcap PMD here or with pktgen-dpdk's pcap replay (-s P:FILE) on a real box.

    unicast-reports.pcap  special unicast IGMPv2 reports from inside hosts to the
                          gateway's inside address, each for another group
    queries.pcap          general queries (IGMPv3, IGMPv2, ...) from the upstream
                          querier to 224.0.0.1

Every packet is what a real host or querier sends: TTL 1, TOS 0xc0, the Router
Alert option, valid IPv4 and IGMP checksums. Frames are padded with zeros to the
60-byte Ethernet minimum, as they would be captured on a wire, so that a
generator does not pad them with whatever its buffer held.

Built with struct rather than scapy so that every byte is the one written here
and the output is the same on every run.
"""
import argparse
import ipaddress
import os
import struct
import sys

IGMP_PROTO = 2
ETHERTYPE_IPV4 = 0x0800
IPOPT_RA = bytes([0x94, 0x04, 0x00, 0x00])
ETH_MIN_FRAME = 60          # without the FCS
DLT_EN10MB = 1
PCAP_MAGIC_USEC = 0xA1B2C3D4
TS_BASE = 1700000000        # fixed timestamps: identical files on every run

IGMP_QUERY = 0x11
IGMP_V2_REPORT = 0x16
ALL_SYSTEMS = "224.0.0.1"
ALL_SYSTEMS_MAC = "01:00:5e:00:00:01"
MULTICAST_LAST = int(ipaddress.IPv4Address("239.255.255.255"))


def checksum(data):
    """RFC 1071 Internet checksum, as the value to store."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def with_checksum(msg, off):
    return msg[:off] + struct.pack("!H", checksum(msg)) + msg[off + 2:]


def mac_bytes(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError("not a MAC address: %r" % text)
    return bytes(int(p, 16) for p in parts)


def host_mac(addr):
    """The locally administered MAC the lab gives an address: 02:00 then its four bytes."""
    return b"\x02\x00" + addr.packed


def ipv4(src, dst, payload):
    """IPv4 header with Router Alert, TTL 1, TOS 0xc0 (Internetwork Control)."""
    ihl = (20 + len(IPOPT_RA)) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0xC0, ihl * 4 + len(payload), 0, 0,
                      1, IGMP_PROTO, 0, src.packed, dst.packed) + IPOPT_RA
    return with_checksum(hdr, 10) + payload


def ethernet(dst_mac, src_mac, packet, pad):
    frame = dst_mac + src_mac + struct.pack("!H", ETHERTYPE_IPV4) + packet
    if pad and len(frame) < ETH_MIN_FRAME:
        frame += bytes(ETH_MIN_FRAME - len(frame))
    return frame


def igmp_v2(type_, code, group):
    return with_checksum(struct.pack("!BBH4s", type_, code, 0, group.packed), 2)


def igmp_v3_general_query(code, qrv, qqic):
    msg = struct.pack("!BBH4sBBH", IGMP_QUERY, code, 0, bytes(4), qrv & 0x07, qqic, 0)
    return with_checksum(msg, 2)


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", PCAP_MAGIC_USEC, 2, 4, 0, 0, 65535, DLT_EN10MB))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", TS_BASE + i // 1000000, i % 1000000,
                                len(frame), len(frame)))
            f.write(frame)


def unicast_reports(args):
    """Host h (cycling over --hosts) reports group base+i to the gateway, by unicast."""
    gw_mac = mac_bytes(args.gw_mac)
    frames = []
    for i in range(args.reports):
        host = args.host_base + (i % args.hosts)
        group = args.group_base + i
        src_mac = mac_bytes(args.host_mac) if args.host_mac else host_mac(host)
        pkt = ipv4(host, args.gw_inside, igmp_v2(IGMP_V2_REPORT, 0, group))
        frames.append(ethernet(gw_mac, src_mac, pkt, not args.no_pad))
    return frames


def queries(args):
    """General queries to 224.0.0.1, the IGMP versions taken in turn from --query-versions."""
    querier_mac = mac_bytes(args.querier_mac) if args.querier_mac else host_mac(args.querier)
    dst = ipaddress.IPv4Address(ALL_SYSTEMS)
    frames = []
    for i in range(args.queries):
        version = args.query_versions[i % len(args.query_versions)]
        if version == 3:
            # Max resp 10 s, robustness 2, query interval 125 s: the RFC 3376 defaults.
            msg = igmp_v3_general_query(100, 2, 125)
        else:
            msg = igmp_v2(IGMP_QUERY, 100, ipaddress.IPv4Address(0))
        pkt = ipv4(args.querier, dst, msg)
        frames.append(ethernet(mac_bytes(ALL_SYSTEMS_MAC), querier_mac, pkt, not args.no_pad))
    return frames


def positive(text):
    n = int(text)
    if n <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def versions(text):
    out = []
    for v in text.split(","):
        if v.strip() not in ("2", "3"):
            raise argparse.ArgumentTypeError("versions are 2 or 3, comma separated")
        out.append(int(v))
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Write igmpgw benchmark traffic (unicast-reports.pcap, queries.pcap).")
    p.add_argument("-o", "--out", default=".", help="output directory (default: .)")
    p.add_argument("--reports", type=positive, default=1024,
                   help="unicast reports, one group each (default 1024)")
    p.add_argument("--hosts", type=positive, default=16,
                   help="inside hosts sending them, in turn (default 16)")
    p.add_argument("--host-base", type=ipaddress.IPv4Address, default="10.200.0.11",
                   help="first inside host (default 10.200.0.11)")
    p.add_argument("--host-mac", default=None,
                   help="source MAC of every report (default 02:00 + the host's address)")
    p.add_argument("--gw-inside", type=ipaddress.IPv4Address, default="10.200.0.1",
                   help="the gateway's inside address (default 10.200.0.1)")
    p.add_argument("--gw-mac", default="02:00:0a:c8:00:01",
                   help="the gateway's inside MAC (default 02:00:0a:c8:00:01)")
    p.add_argument("--group-base", type=ipaddress.IPv4Address, default="232.1.0.1",
                   help="first reported group, the next ones follow (default 232.1.0.1)")
    p.add_argument("--queries", type=positive, default=1024,
                   help="general queries (default 1024)")
    p.add_argument("--query-versions", type=versions, default=[3, 2],
                   help="IGMP versions of the queries, in turn (default 3,2)")
    p.add_argument("--querier", type=ipaddress.IPv4Address, default="10.200.1.1",
                   help="the upstream querier's address (default 10.200.1.1)")
    p.add_argument("--querier-mac", default=None,
                   help="the querier's MAC (default 02:00 + its address)")
    p.add_argument("--no-pad", action="store_true",
                   help="do not pad frames to the 60-byte Ethernet minimum")
    args = p.parse_args(argv)

    for name in ("gw_mac", "host_mac", "querier_mac"):
        value = getattr(args, name)
        if value is not None:
            try:
                mac_bytes(value)
            except ValueError:
                p.error("--%s: not a MAC address: %s" % (name.replace("_", "-"), value))
    last_group = int(args.group_base) + args.reports - 1
    if not args.group_base.is_multicast or last_group > MULTICAST_LAST:
        p.error("--group-base: %d groups from %s leave the multicast range"
                % (args.reports, args.group_base))
    if int(args.host_base) + args.hosts - 1 > 0xFFFFFFFF:
        p.error("--hosts: too many hosts after %s" % args.host_base)
    return args


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    outputs = (("unicast-reports.pcap", unicast_reports(args)),
               ("queries.pcap", queries(args)))
    for name, frames in outputs:
        path = os.path.join(args.out, name)
        write_pcap(path, frames)
        print("make-traffic: %s: %d frames" % (path, len(frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
