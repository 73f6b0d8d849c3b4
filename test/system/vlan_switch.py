#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A small userspace 802.1Q switch for the VLAN lab (this box's kernel has no 802.1Q
devices and no bridge VLAN filtering): one tagged trunk and untagged access ports.

    vlan_switch.py TRUNK VID=IFACE [VID=IFACE ...]

Run in the switch's namespace (ip netns exec). A frame from the access port of VID v
leaves the trunk tagged v (VID 0: the untagged access port, sent as it came); a frame
from the trunk goes, tag removed, to the access port of its VID (untagged or VID 0: the
VID 0 port). Anything else (an unknown VID, a second tag, an S-tag, a tagged frame on an
access port) is dropped and counted; the counts are printed on stdout at SIGTERM.
The kernel takes a received tag off into the packet's metadata, so the tag is read
from PACKET_AUXDATA. Prints "ready" once every port is bound.
"""

import errno
import os
import select
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
TPID_8021Q = 0x8100
TAG_TYPES = (0x8100, 0x88A8, 0x9100)
LINK_ERRORS = (errno.ENETDOWN, errno.ENXIO, errno.ENOBUFS)
AUXDATA = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata


def open_port(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((iface, ETH_P_ALL))
    return s


def received(s):
    """(frame, tag) of the next frame the port received, tag (tpid, tci) or None;
    None for the frames the port sent itself, and for the error a port whose link
    went down reports once (ENETDOWN): the socket works again when it comes back."""
    try:
        frame, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(AUXDATA.size))
    except OSError as e:
        if e.errno in LINK_ERRORS:
            return None
        raise
    if addr[2] == PACKET_OUTGOING:
        return None
    for level, kind, data in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= AUXDATA.size:
            status, _, _, _, _, tci, tpid = AUXDATA.unpack_from(data)
            if status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = TPID_8021Q
                return frame, (tpid, tci)
    return frame, None


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    trunk = open_port(argv[1])
    access = {}
    for arg in argv[2:]:
        vid, iface = arg.split("=", 1)
        access[int(vid)] = open_port(iface)
    vid_of = {s.fileno(): vid for vid, s in access.items()}
    dropped = {}

    def drop(why):
        dropped[why] = dropped.get(why, 0) + 1

    def send(port, frame):
        # A link down (a test flapping it) loses the frame, as a real switch port does.
        try:
            port.send(frame)
        except OSError as e:
            if e.errno not in LINK_ERRORS:
                raise
            drop("link_down")

    def stop(*_):
        print("dropped", dropped, flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    poll = select.poll()
    for s in [trunk] + list(access.values()):
        poll.register(s, select.POLLIN)
    print("ready", flush=True)
    while True:
        for fd, _ in poll.poll():
            if fd == trunk.fileno():
                got = received(trunk)
                if got is None:
                    continue
                frame, tag = got
                if tag is not None and tag[0] != TPID_8021Q:
                    drop("s_tag")
                    continue
                if len(frame) >= 14 and struct.unpack_from("!H", frame, 12)[0] in TAG_TYPES:
                    drop("second_tag")
                    continue
                port = access.get(0 if tag is None else tag[1] & 0x0FFF)
                if port is None:
                    drop("unknown_vid")
                    continue
                send(port, frame)
            else:
                vid = vid_of[fd]
                got = received(access[vid])
                if got is None:
                    continue
                frame, tag = got
                if tag is not None or len(frame) < 14:
                    drop("tagged_on_access")
                    continue
                if vid != 0:
                    frame = frame[:12] + struct.pack("!HH", TPID_8021Q, vid) + frame[12:]
                send(trunk, frame)


if __name__ == "__main__":
    main(sys.argv)
