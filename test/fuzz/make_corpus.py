#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the fuzzer's seed corpus: one small IPv4+IGMP packet per message kind.

    make_corpus.py                      rewrites the seeds in test/fuzz/corpus/codec/
    make_corpus.py --extract OUT PCAP.. writes every IPv4 packet carrying IGMP
                                        found in the captures into OUT

Built by hand with struct rather than scapy so that every byte, reserved bits
and odd IP options included, is the one written here.
"""
import hashlib
import os
import socket
import struct
import sys

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "codec")

IGMP_PROTO = 2
IPOPT_RA = bytes([0x94, 0x04, 0x00, 0x00])
IPOPT_NOP = 0x01
IPOPT_EOL = 0x00

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_VLANS = (0x8100, 0x88A8, 0x9100)
DLT_EN10MB = 1


def checksum(data):
    """RFC 1071 Internet checksum, as the value to store."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def addr(a):
    return socket.inet_aton(a)


def with_checksum(msg, off):
    return msg[:off] + struct.pack("!H", checksum(msg)) + msg[off + 2:]


def ipv4(src, dst, payload, options=IPOPT_RA, tos=0xC0, ttl=1, padding=b""):
    """An IPv4 header (options padded by the caller to 4 bytes) around payload."""
    assert len(options) % 4 == 0
    ihl = (20 + len(options)) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + len(payload), 0, 0,
                      ttl, IGMP_PROTO, 0, addr(src), addr(dst)) + options
    return with_checksum(hdr, 10) + payload + padding


def igmp_v2(type_, code, group):
    return with_checksum(struct.pack("!BBH4s", type_, code, 0, addr(group)), 2)


def igmp_v3_query(code, group, s_flag, qrv, qqic, sources):
    msg = struct.pack("!BBH4sBBH", 0x11, code, 0, addr(group),
                      (0x08 if s_flag else 0) | qrv, qqic, len(sources))
    msg += b"".join(addr(s) for s in sources)
    return with_checksum(msg, 2)


def igmp_v3_report(records):
    """records: (type, group, [sources], aux bytes) tuples."""
    msg = struct.pack("!BBHHH", 0x22, 0, 0, 0, len(records))
    for rtype, group, sources, aux in records:
        assert len(aux) % 4 == 0
        msg += struct.pack("!BBH4s", rtype, len(aux) // 4, len(sources), addr(group))
        msg += b"".join(addr(s) for s in sources) + aux
    return with_checksum(msg, 2)


HOST = "172.17.200.10"
QUERIER = "172.17.0.1"

SEEDS = {
    "v1_query": ipv4(QUERIER, "224.0.0.1", igmp_v2(0x11, 0, "0.0.0.0"), options=b"", tos=0),
    "v2_query_general": ipv4(QUERIER, "224.0.0.1", igmp_v2(0x11, 100, "0.0.0.0")),
    "v2_query_group": ipv4(QUERIER, "239.1.2.3", igmp_v2(0x11, 10, "239.1.2.3")),
    "v3_query_general": ipv4(QUERIER, "224.0.0.1",
                             igmp_v3_query(100, "0.0.0.0", False, 2, 125, [])),
    # Max resp code and QQIC in their floating point forms, S flag set.
    "v3_query_sources": ipv4(QUERIER, "232.1.1.1",
                             igmp_v3_query(0x8C, "232.1.1.1", True, 3, 0x91,
                                           ["10.0.0.1", "10.0.0.2", "172.17.200.8"])),
    "v1_report": ipv4(HOST, "239.1.1.1", igmp_v2(0x12, 0, "239.1.1.1"), options=b"", tos=0),
    "v2_report": ipv4(HOST, "232.0.0.9", igmp_v2(0x16, 0, "232.0.0.9")),
    # Ethernet pads short frames: bytes past the IP total length are not IGMP.
    "v2_report_padded": ipv4(HOST, "232.0.0.2", igmp_v2(0x16, 0, "232.0.0.2"),
                             padding=bytes(14)),
    "v2_leave": ipv4(HOST, "224.0.0.2", igmp_v2(0x17, 0, "232.0.0.1")),
    "v3_report_aux": ipv4(HOST, "224.0.0.22", igmp_v3_report([
        (2, "239.2.2.2", [], b""),
        (5, "232.0.0.1", ["172.17.200.10", "172.17.200.11"], b""),
        (6, "232.0.0.5", ["172.17.200.10"], b"\xde\xad\xbe\xef"),
        (3, "232.4.10.2", [], bytes(range(8))),
    ])),
    # NOP, Router Alert, then EOL and its padding: a 28-byte header.
    "v2_report_nop_ra": ipv4(HOST, "232.0.0.3", igmp_v2(0x16, 0, "232.0.0.3"),
                             options=bytes([IPOPT_NOP]) + IPOPT_RA + bytes([IPOPT_EOL, 0, 0])),
}


def write_seeds():
    os.makedirs(CORPUS, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(CORPUS, name), "wb") as f:
            f.write(data)
    print("make_corpus: wrote %d seeds to %s" % (len(SEEDS), CORPUS))


def pcap_frames(path):
    """Yields (link type, frame) of a classic pcap file, either byte order."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return  # pcapng and others: not worth a seed reader
    dlt = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        yield dlt, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def ipv4_of_frame(dlt, frame):
    if dlt != DLT_EN10MB or len(frame) < 14:
        return None
    off = 12
    etype = struct.unpack("!H", frame[off:off + 2])[0]
    while etype in ETHERTYPE_VLANS and len(frame) >= off + 6:
        off += 4
        etype = struct.unpack("!H", frame[off:off + 2])[0]
    if etype != ETHERTYPE_IPV4:
        return None
    return frame[off + 2:]


def extract(out, pcaps):
    os.makedirs(out, exist_ok=True)
    n = 0
    for path in pcaps:
        for dlt, frame in pcap_frames(path):
            pkt = ipv4_of_frame(dlt, frame)
            if pkt is None or len(pkt) < 20 or pkt[9] != IGMP_PROTO:
                continue
            # Named by content, as libFuzzer names its inputs: duplicates collapse.
            name = hashlib.sha1(pkt).hexdigest()
            with open(os.path.join(out, name), "wb") as f:
                f.write(pkt)
            n += 1
    print("make_corpus: %d IGMP packets from %d captures" % (n, len(pcaps)))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--extract":
        if len(sys.argv) < 3:
            sys.exit("usage: make_corpus.py [--extract OUT PCAP...]")
        extract(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 1:
        write_seeds()
    else:
        sys.exit("usage: make_corpus.py [--extract OUT PCAP...]")


if __name__ == "__main__":
    main()
