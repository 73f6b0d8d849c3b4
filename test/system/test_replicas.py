# SPDX-License-Identifier: BSD-3-Clause
"""The bytes each inside port receives, for both ways a replica is built: a copy in one
fresh mbuf (small packets) and a header mbuf chained to a clone of the packet (IP
packets above COPY_MAX_BYTES in replicate.c, 1500), the last port taking the received mbuf
itself. net_pcap (MTU 9000) replays multicast frames of 60 to 4000 bytes (IP options in
some) into the outside; three inside ports write what they send to pcap files, one of them a VLAN
(tag written by igmpgw: the pcap PMD inserts none). Every frame must arrive once on
each port that wants it, in order, with that port's source MAC (and tag), TTL - 1, a
valid checksum and every other byte as sent."""
import signal
import subprocess

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw
from scapy.utils import rdpcap, wrpcap

import gwlab
from gwlab import eal_args, wait_until

SOURCE = "10.200.1.10"
G_ALL = "232.1.0.1"       # inside, inside2 (VLAN 100) and inside3
G_VLAN = "232.1.0.2"      # inside2 only: the one port is a VLAN
TTL = 9
VID, PRIO = 100, 3
# Frame lengths without FCS: the smallest, copies of several sizes, either side of the
# copy/chain cut (IP packets of 1500 and 1501 bytes), chains.
SIZES = (60, 128, 257, 1024, 1400, 1514, 1515, 1600, 4000)
# 12 copies a round: more than a worker's spare mbufs (replicate.c takes them 32 at a
# time), so the spares are refilled while the test runs.
ROUNDS = 6


def data_frames():
    frames = []
    for n, size in enumerate(SIZES * ROUNDS):
        i = n % len(SIZES)
        for group in (G_ALL, G_VLAN):
            # Odd frames carry 4 bytes of IP options (NOP, NOP, NOP, EOL): the header
            # length must not matter to what is copied.
            opts = b"\x01\x01\x01\x00" if i % 2 else b""
            ip = IP(src=SOURCE, dst=group, ttl=TTL, id=n, options=opts)
            head = Ether(src="02:00:0a:c8:01:0a", dst="01:00:5e:01:00:0%s" % group[-1]) / \
                ip / UDP(sport=5000, dport=5001)
            pad = size - len(head)
            frames.append(head / Raw(bytes((n * 7 + k) & 0xff for k in range(pad))))
    assert [len(f) for f in frames[::2]] == list(SIZES) * ROUNDS
    return frames


def run_gateway(ns, tmp_path):
    """Replays data_frames() once; returns (ports view by role, stats by role, the
    frames each pcap inside port sent)."""
    wrpcap(str(tmp_path / "in.pcap"), data_frames())
    outs = {r: tmp_path / f"{r}.pcap" for r in ("inside", "inside2", "inside3")}
    conf = tmp_path / "replicas.conf"
    conf.write_text(f"""
[outside]
port = net_pcap0,rx_pcap={tmp_path / 'in.pcap'}
address = 10.200.1.2/24
mtu = 9000
[inside]
port = net_pcap1,tx_pcap={outs['inside']}
address = 10.200.0.1/24
mtu = 9000
[inside2]
port = net_pcap2,tx_pcap={outs['inside2']}
address = 10.200.3.1/24
mtu = 9000
vlan = {VID}
priority = {PRIO}
[inside3]
port = net_pcap3,tx_pcap={outs['inside3']}
address = 10.200.4.1/24
mtu = 9000
[exception]
mode = none
[control]
socket = none
[forward]
enabled = yes
[mroute]
all = {G_ALL} to inside inside2 inside3
vlan = {G_VLAN} to inside2
""")
    prefix = f"{ns}rp"
    log = tmp_path / "replicas.log"
    cmd = ["ip", "netns", "exec", ns, str(gwlab.IGMPGW)] + eal_args(prefix) + [
        "--", "-f", str(conf)]
    n = len(SIZES) * ROUNDS
    with open(log, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
    try:
        def forwarded():
            if proc.poll() is not None:
                raise AssertionError(f"igmpgw exited {proc.returncode}:\n{log.read_text()}")
            try:
                st = {r: gwlab.telemetry(prefix, f"/igmpgw/stats,{r}")
                      for r in ("outside", "inside", "inside2", "inside3")}
                done = (st["inside"]["mcast_forwarded"] >= n and
                        st["inside3"]["mcast_forwarded"] >= n and
                        st["inside2"]["mcast_forwarded"] >= 2 * n)
            except (OSError, KeyError, TypeError):    # not up yet
                return None
            return st if done else None
        stats = wait_until(forwarded, 60, "every frame forwarded to every inside port")
        ports = gwlab.telemetry(prefix, "/igmpgw/ports")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{prefix}"])
    ports = {p["role"]: p for p in ports} if isinstance(ports, list) else ports
    return ports, stats, {r: rdpcap(str(p)) for r, p in outs.items()}


def check_port(got, want, mac, role, vlan=False):
    """got: what the port sent, want: the frames it should have had, in order."""
    assert len(got) == len(want), f"{role}: {len(got)} frames, {len(want)} expected"
    for g, w in zip(got, want):
        i = w[IP].id
        raw, sent = bytes(g), bytes(w)
        assert g[Ether].src == mac, (role, i, g[Ether].src)
        if vlan:
            assert g[Ether].type == 0x8100 and g[Dot1Q].vlan == VID and g[Dot1Q].prio == PRIO, \
                (role, i, g.summary())
            assert len(raw) == len(sent) + 4, (role, i, len(raw))
            raw = raw[:12] + raw[16:]             # the frame as if untagged
        else:
            assert len(raw) == len(sent), (role, i, len(raw))
        assert g[IP].ttl == TTL - 1, (role, i, g[IP].ttl)
        ip_len = (raw[14] & 0x0f) * 4
        got_csum = int.from_bytes(raw[24:26], "big")
        assert gwlab.inet_checksum(raw[14:24] + b"\0\0" + raw[26:14 + ip_len]) == got_csum, \
            f"{role} frame {i}: bad IP checksum"
        # Destination MAC, type, the IP header but TTL and checksum, the datagram.
        assert (raw[:6], raw[12:22], raw[23], raw[26:]) == \
            (sent[:6], sent[12:22], sent[23], sent[26:]), \
            f"{role} frame {i} ({len(sent)} bytes): bytes differ beyond source MAC, TTL and checksum"


def test_replicas_byte_exact_on_every_port(scratch_ns, tmp_path):
    ports, stats, got = run_gateway(scratch_ns, tmp_path)
    frames = data_frames()
    to_all = [f for f in frames if f[IP].dst == G_ALL]
    # inside and inside2 get replicas (copies or chains by size), inside3, the last
    # port of G_ALL, the received mbuf; inside2 alone for G_VLAN: a replica with its tag.
    for role in ("inside", "inside3"):
        assert ports[role]["replicas"] == "chained", ports[role]
        check_port(got[role], to_all, ports[role]["mac"].lower(), role)
    check_port(got["inside2"], frames, ports["inside2"]["mac"].lower(), "inside2", vlan=True)
    out = stats["outside"]
    assert out["mcast_received"] == 2 * len(SIZES) * ROUNDS and out["no_mbuf"] == 0, out
    for role in ("inside", "inside3"):
        assert stats[role]["mcast_forwarded"] == len(SIZES) * ROUNDS, stats[role]
    assert stats["inside2"]["mcast_forwarded"] == 2 * len(SIZES) * ROUNDS, stats["inside2"]
