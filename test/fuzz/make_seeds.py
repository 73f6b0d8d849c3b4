#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpora of the fuzz targets other than the codec's
(make_corpus.py writes that one) into test/fuzz/corpus/TARGET/.

    make_seeds.py        rewrites the seeds (files named seed-*); inputs the
                         fuzzers found (crash-*, regress-*, merged ones) stay

Seeds are small, valid examples of each input: fuzzers start from them.
"""
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import make_corpus  # noqa: E402  (the codec seeds: IPv4+IGMP packets)

CORPUS = os.path.join(HERE, "corpus")

CTL_LINES = [
    b'{"cmd":"status"}',
    b'{"cmd":"stats","id":7}',
    b'{"cmd":"groups","id":"a"}',
    b'{"cmd":"select_outside","port":"alt","id":[1,{"x":null}]}',
    b'{"cmd":"report","items":[{"group":"232.1.1.1"},'
    b'{"group":"232.1.1.2","sources":["10.0.0.1","10.0.0.2"]}],"id":3}',
    b'{"cmd":"leave","items":[{"group":"239.1.2.3","sources":null}]}',
    b'{"cmd":"subscribe","events":["query","membership_report","group_added"]}',
    b'{"cmd":"unsubscribe","events":["group_removed"]}',
    b'{"cmd":"log_level","level":"debug","type":"igmpgw.*"}',
    b'{"cmd":"log_level","level":5}',
    b'{"cmd":"report","items":[{"group":"224.0.0.5"}]}',
    b'{"cmd":"report","items":[{"group":"232.1.1.1","sources":["10.0.0.1","10.0.0.1"]}]}',
    b'[1,2,3]',
    b'{"cmd":"status"',
    b'{"cmd":"groups","limit":100,"cursor":null}',
    b'{"cmd":"groups","limit":4096,"cursor":"inside2/239.1.2.3","id":9}',
]

CLIENT_STREAMS = [
    # byte 0: the client's script (2 bits a step: request, next event, dispatch, subscribe)
    b"\x00" + b'{"ok":true,"id":1,"version":"0.1.0"}\n{"ok":true,"id":2}\n',
    b"\x1b" + b'{"event":"query","port":"outside","querier":"10.200.1.1","version":3}\n'
              b'{"ok":true,"id":1}\n{"event":"missed","count":3}\n{"ok":false,"error":"no"}\n',
    b"\xe4" + b'{"ok":false,"error":"too many clients"}\n',
    b"\x00" + b'not json\n{"ok":true,"id":1}\n',
    b"\x55" + b'{"event":"group_added","port":"inside","group":"232.1.1.1"}\n{"event":1}\n'
              b'{"ok":true,"id":2}\n{"partial',
    b"232.1.1.1@10.0.0.1,10.0.0.2\n" + b'{"ok":true,"id":1}\n',
]


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def ether(pkt):
    return bytes.fromhex("01005e000016020000000001") + b"\x08\x00" + pkt


def pcap(frames, linktype=1):
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)
    for i, fr in enumerate(frames):
        out += struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr
    return out


def pcapng(frames):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 65535))
    for fr in frames:
        out += block(6, struct.pack("<IIIII", 0, 0, 0, len(fr), len(fr)) + fr)
    return out


def main():
    for i, line in enumerate(CTL_LINES):
        write("ctl", "line%02d" % i, line)
    for name, pkt in sorted(make_corpus.SEEDS.items()):
        write("ctl", "igmp-" + name, pkt)
    for i, data in enumerate(CLIENT_STREAMS):
        write("client", "stream%02d" % i, data)

    for conf in sorted(os.listdir(os.path.join(ROOT, "config"))):
        with open(os.path.join(ROOT, "config", conf), "rb") as f:
            text = f.read()
        write("config", conf, text)
        write("config", conf + "-set", text + b"\0igmp.proxy_in_to_out=yes\0limits.max_groups=7"
              b"\0querier.query_interval=0.5")
    # A newline in a --set value once made a two-line error (issue 11, item 12).
    with open(os.path.join(ROOT, "config", "lab.conf"), "rb") as f:
        write("config", "set-newline", f.read() + b"\0igmp.proxy_in_to_out=ye\ns")

    pkts = [p for _, p in sorted(make_corpus.SEEDS.items())]
    frames = [ether(p) for p in pkts]
    write("decode", "ethernet.pcap", pcap(frames))
    write("decode", "raw-ip.pcap", pcap(pkts, 101))
    write("decode", "sll.pcap", pcap([struct.pack("!HHH8sH", 0, 1, 6, bytes(8), 0x0800) + p
                                      for p in pkts], 113))
    write("decode", "vlan.pcap", pcap([bytes.fromhex("01005e0000160200000000018100000a0800") + p
                                       for p in pkts]))
    write("decode", "ethernet.pcapng", pcapng(frames))
    write("decode", "raw-v3-report", make_corpus.SEEDS["v3_report_aux"][24:])

    # Membership: sequences are opaque bytes; random ones of a few lengths get it going.
    rnd = random.Random(11)
    for n in (48, 160, 600, 2000):
        write("membership", "random%d" % n, bytes(rnd.randrange(256) for _ in range(n)))
    print("make_seeds: wrote the seeds under %s" % CORPUS)


if __name__ == "__main__":
    main()
