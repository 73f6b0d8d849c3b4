#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sends one IGMP message from this host, as the special unicast reports of goIGMP's
deployment do: a raw IGMP socket with TTL 1, TOS 0xc0 and the Router Alert option.

  igmp-send.py DST report2|report1|leave|report3|query GROUP [SOURCE...] [--to-ex]
"""
import argparse
import socket
import struct

IP_OPTIONS_RA = b"\x94\x04\x00\x00"
TYPES = {"query": 0x11, "report1": 0x12, "report2": 0x16, "leave": 0x17, "report3": 0x22}


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def message(kind: str, group: str, sources: list, to_ex: bool) -> bytes:
    t = TYPES[kind]
    if t != 0x22:
        body = struct.pack("!BBH4s", t, 100 if t == 0x11 else 0, 0, socket.inet_aton(group))
    else:
        # ALLOW_NEW_SOURCES with sources, CHANGE_TO_EXCLUDE {} (a join) without, or as asked.
        rtype = 4 if (to_ex or not sources) else 5
        rec = struct.pack("!BBH4s", rtype, 0, len(sources), socket.inet_aton(group))
        rec += b"".join(socket.inet_aton(s) for s in sources)
        body = struct.pack("!BBHHH", t, 0, 0, 0, 1) + rec
    c = checksum(body)
    return body[:2] + struct.pack("!H", c) + body[4:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dst")
    ap.add_argument("kind", choices=sorted(TYPES))
    ap.add_argument("group")
    ap.add_argument("sources", nargs="*")
    ap.add_argument("--to-ex", action="store_true", help="v3: CHANGE_TO_EXCLUDE record")
    ap.add_argument("--count", type=int, default=1)
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, IP_OPTIONS_RA)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0xC0)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    msg = message(a.kind, a.group, a.sources, a.to_ex)
    for _ in range(a.count):
        s.sendto(msg, (a.dst, 0))


if __name__ == "__main__":
    main()
