#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the benchmark's traffic as classic pcap files that replay as they are,
with the pcap PMD here or with pktgen-dpdk's pcap replay (-s P:FILE) on a real box.

    unicast-reports.pcap  special unicast IGMPv2 reports from inside hosts to the
                          gateway's inside address, each for another group
    queries.pcap          general queries (IGMPv3, IGMPv2, ...) from the upstream
                          querier to 224.0.0.1
    data-SIZE.pcap        multicast UDP data from an upstream source, SIZE-byte
                          frames, the destination group spread over --data-groups
                          (only with --data-sizes)
    data-SIZE.K.pcap      with --data-split N, the same frames dealt round robin
                          into N files, K from 0: one per RX queue of a pcap port
                          (frame i in file i mod N; each file its own groups when
                          the groups are taken in turn)

Every IGMP packet is what a real host or querier sends: TTL 1, TOS 0xc0, the
Router Alert option, valid IPv4 and IGMP checksums. Data packets are what a
multicast source sends: TTL 64, valid IPv4 and UDP checksums, the RFC 1112
group MAC. Frames are padded with zeros to the 60-byte Ethernet minimum, as
they would be captured on a wire, so that a generator does not pad them with
whatever its buffer held.

Built with struct rather than scapy so that every byte is the one written here
and the output is the same on every run.
"""
import argparse
import ipaddress
import os
import struct
import sys

IGMP_PROTO = 2
UDP_PROTO = 17
ETHERTYPE_IPV4 = 0x0800
IPOPT_RA = bytes([0x94, 0x04, 0x00, 0x00])
ETH_MIN_FRAME = 60          # without the FCS
ETH_FCS = 4
ETH_HDR = 14
DATA_HDRS = ETH_HDR + 20 + 8    # Ethernet, IPv4 without options, UDP
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


def group_mac(group):
    """RFC 1112 §6.4: 01:00:5e and the low 23 bits of the group."""
    return bytes([0x01, 0x00, 0x5E, group.packed[1] & 0x7F]) + group.packed[2:]


def udp_ipv4(src, dst, sport, dport, payload, ttl):
    """IPv4 (no options, DF clear) carrying UDP, both checksums valid."""
    udp_len = 8 + len(payload)
    pseudo = struct.pack("!4s4sBBH", src.packed, dst.packed, 0, UDP_PROTO, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    csum = checksum(pseudo + udp) or 0xFFFF     # 0 means "no checksum" in UDP
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, ttl, UDP_PROTO, 0,
                      src.packed, dst.packed)
    return with_checksum(hdr, 10) + udp


def data_groups(args):
    """The groups the data goes to: --data-group-list, or --data-groups from the base."""
    if args.data_group_list:
        return args.data_group_list
    base = int(args.data_group_base)
    return [ipaddress.IPv4Address(base + i) for i in range(args.data_groups)]


def data_group_index(i, n_groups, n_packets):
    """Packet i's group: round robin when every group fits, else evenly strided over all."""
    if n_groups <= n_packets:
        return i % n_groups
    return i * n_groups // n_packets


def data_stream(args, size):
    """SIZE-byte frames (FCS included, as generators count them) from the source to the groups."""
    groups = data_groups(args)
    n_packets = args.data_packets or len(groups)
    src_mac = mac_bytes(args.data_source_mac) if args.data_source_mac else \
        host_mac(args.data_source)
    payload_len = size - ETH_FCS - DATA_HDRS
    frames = []
    for i in range(n_packets):
        group = groups[data_group_index(i, len(groups), n_packets)]
        # A payload that differs per packet, as real data does: sequence number, then a pattern.
        payload = struct.pack("!I", i) + bytes((i + k) & 0xFF for k in range(payload_len - 4))
        pkt = udp_ipv4(args.data_source, group, args.data_port, args.data_port, payload,
                       args.data_ttl)
        frames.append(ethernet(group_mac(group), src_mac, pkt, False))
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


def sizes(text):
    out = []
    for v in text.split(","):
        try:
            n = int(v)
        except ValueError:
            raise argparse.ArgumentTypeError("sizes are whole numbers of bytes, comma separated")
        if not ETH_MIN_FRAME + ETH_FCS <= n <= 9000:
            raise argparse.ArgumentTypeError(
                "frame sizes go from %d to 9000 bytes (FCS included)" % (ETH_MIN_FRAME + ETH_FCS))
        out.append(n)
    return out


def group_list(text):
    out = []
    for v in text.split(","):
        try:
            g = ipaddress.IPv4Address(v.strip())
        except ValueError:
            raise argparse.ArgumentTypeError("not an IPv4 address: %r" % v)
        if not g.is_multicast:
            raise argparse.ArgumentTypeError("not a multicast group: %s" % g)
        out.append(g)
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Write igmpgw benchmark traffic (unicast-reports.pcap, queries.pcap, "
                    "and with --data-sizes multicast data, data-SIZE.pcap).")
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
    d = p.add_argument_group("multicast data (data-SIZE.pcap, UDP from an upstream source)")
    d.add_argument("--data-sizes", type=sizes, default=[],
                   help="frame sizes in bytes, FCS included (64 writes 60-byte frames), "
                        "comma separated; one file each (default: no data files)")
    d.add_argument("--data-only", action="store_true",
                   help="write only the data files, not unicast-reports.pcap and queries.pcap")
    d.add_argument("--data-groups", type=positive, default=1024,
                   help="groups the data goes to, consecutive from --data-group-base "
                        "(default 1024)")
    d.add_argument("--data-group-base", type=ipaddress.IPv4Address, default="232.1.0.1",
                   help="first data group (default 232.1.0.1)")
    d.add_argument("--data-group-list", type=group_list, default=None,
                   help="the data groups themselves, comma separated (instead of "
                        "--data-groups and --data-group-base)")
    d.add_argument("--data-packets", type=positive, default=None,
                   help="frames per file: the groups in turn, or evenly strided over them "
                        "when there are more groups (default: one per group)")
    d.add_argument("--data-source", type=ipaddress.IPv4Address, default="10.200.1.10",
                   help="the data's source address (default 10.200.1.10)")
    d.add_argument("--data-source-mac", default=None,
                   help="the source's MAC (default 02:00 + its address)")
    d.add_argument("--data-port", type=int, default=5000,
                   help="UDP source and destination port (default 5000)")
    d.add_argument("--data-ttl", type=int, default=64, help="IPv4 TTL (default 64)")
    d.add_argument("--data-split", type=positive, default=1, metavar="N",
                   help="write each data file as N files data-SIZE.K.pcap instead, "
                        "frame i in file i mod N (default 1: one data-SIZE.pcap)")
    args = p.parse_args(argv)

    for name in ("gw_mac", "host_mac", "querier_mac", "data_source_mac"):
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
    if args.data_group_list is None:
        if not args.data_group_base.is_multicast or \
                int(args.data_group_base) + args.data_groups - 1 > MULTICAST_LAST:
            p.error("--data-group-base: %d groups from %s leave the multicast range"
                    % (args.data_groups, args.data_group_base))
    if not 0 <= args.data_port <= 0xFFFF:
        p.error("--data-port: 0 to 65535")
    if not 1 <= args.data_ttl <= 255:
        p.error("--data-ttl: 1 to 255")
    if args.data_only and not args.data_sizes:
        p.error("--data-only: give the frame sizes with --data-sizes")
    return args


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    outputs = [] if args.data_only else [("unicast-reports.pcap", lambda: unicast_reports(args)),
                                         ("queries.pcap", lambda: queries(args))]
    n = args.data_split
    for size in args.data_sizes:
        if n == 1:
            outputs.append(("data-%d.pcap" % size, lambda size=size: data_stream(args, size)))
            continue
        for k in range(n):
            outputs.append(("data-%d.%d.pcap" % (size, k),
                            lambda size=size, k=k: data_stream(args, size)[k::n]))
    for name, make in outputs:
        path = os.path.join(args.out, name)
        frames = make()
        write_pcap(path, frames)
        print("make-traffic: %s: %d frames" % (path, len(frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
