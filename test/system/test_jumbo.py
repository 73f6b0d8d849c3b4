# SPDX-License-Identifier: BSD-3-Clause
"""Jumbo frames and the two ways a replica is built, on the lab PMDs that take a 9000 MTU:
net_pcap replays 8000-byte multicast datagrams into the outside, net_pcap files and a
net_null port take what is forwarded, and the bytes out are checked frame by frame
(scapy). Chained replicas (a header mbuf chained to the shared packet) and linear ones
(one copy per port, what a PMD that takes no chains gets; forced here with the test-only
IGMPGW_TEST_LINEAR_REPLICAS=1) must give the same bytes. af_packet (max frame 1518 in
DPDK 22.11) refuses the MTU with one line."""
import os
import signal
import subprocess

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import rdpcap, wrpcap

import gwlab
from gwlab import eal_args, run, wait_until

SOURCE = "10.200.1.10"
GROUP = "232.1.0.1"
DATAGRAM = 8000           # UDP payload bytes: an 8042-byte frame
N_DATA = 40
TTL = 16


def data_frames():
    frames = []
    for i in range(N_DATA):
        payload = bytes((i + k) & 0xff for k in range(DATAGRAM))
        frames.append(Ether(src="02:00:0a:c8:01:0a", dst="01:00:5e:01:00:01") /
                      IP(src=SOURCE, dst=GROUP, ttl=TTL, id=i) /
                      UDP(sport=5000, dport=5001) / Raw(payload))
    return frames


def igmp_frames():
    """IGMP on the jumbo port: a general query, a v2 report padded to 8000 bytes of
    IP (decoded: a longer message is read for its first 8 bytes, RFC 3376 §7), and
    a giant frame whose IP total length claims more than it carries (refused by
    length, bad_total_length, as on any port)."""
    query = gwlab.ether("01:00:5e:00:00:01", "02:00:0a:c8:01:01",
                        gwlab.ipv4("10.200.1.1", "224.0.0.1", gwlab.igmp_v2(0x11, "0.0.0.0", 100)))
    padded = gwlab.ether("01:00:5e:01:00:01", "02:00:0a:c8:01:01",
                         gwlab.ipv4("10.200.1.1", GROUP,
                                    gwlab.igmp_v2(0x16, GROUP) + bytes(8000 - 24)))
    giant = bytearray(padded)
    giant[16:18] = (8800).to_bytes(2, "big")     # total length beyond the frame
    ihl = (giant[14] & 0x0f) * 4
    giant[24:26] = b"\0\0"
    giant[24:26] = gwlab.inet_checksum(bytes(giant[14:14 + ihl])).to_bytes(2, "big")
    return [Ether(query), Ether(padded), Ether(bytes(giant))]


def config(tmp_path, name):
    out = tmp_path / f"{name}-inside.pcap"
    out3 = tmp_path / f"{name}-inside3.pcap"
    conf = tmp_path / f"{name}.conf"
    conf.write_text(f"""
[outside]
port = net_pcap0,rx_pcap={tmp_path / 'in.pcap'}
address = 10.200.1.2/24
mtu = 9000
[inside]
port = net_pcap1,tx_pcap={out}
address = 10.200.0.1/24
mtu = 9000
[inside2]
port = net_null0
address = 10.200.3.1/24
mtu = 9000
[inside3]
port = net_pcap2,tx_pcap={out3}
address = 10.200.4.1/24
mtu = 9000
[inside4]
port = net_ring0
address = 10.200.5.1/24
[exception]
mode = none
[control]
socket = none
[forward]
enabled = yes
[mroute]
data = {GROUP} to inside inside2 inside3 inside4
""")
    return conf, {"inside": out, "inside3": out3}


def run_jumbo(ns, tmp_path, name, env=None):
    """Runs the gateway until the datagrams went out; returns (ports view, stats)."""
    wrpcap(str(tmp_path / "in.pcap"), igmp_frames() + data_frames())
    conf, outs = config(tmp_path, name)
    prefix = f"{ns}{name[:4]}"
    log = tmp_path / f"{name}.log"
    cmd = ["ip", "netns", "exec", ns, str(gwlab.IGMPGW)] + eal_args(prefix) + [
        "--", "-f", str(conf)]
    with open(log, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
    try:
        def forwarded():
            if proc.poll() is not None:
                raise AssertionError(f"igmpgw exited {proc.returncode}:\n{log.read_text()}")
            try:
                st = {r: gwlab.telemetry(prefix, f"/igmpgw/stats,{r}")
                      for r in ("outside", "inside", "inside2", "inside3", "inside4")}
                done = all(st[r]["mcast_forwarded"] >= N_DATA
                           for r in ("inside", "inside2", "inside3"))
            except (OSError, KeyError, TypeError):    # not up yet
                return None
            return st if done else None
        stats = wait_until(forwarded, 60, f"{N_DATA} datagrams forwarded to every inside port")
        ports = gwlab.telemetry(prefix, "/igmpgw/ports")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{prefix}"])
    return ports, stats, {r: rdpcap(str(p)) for r, p in outs.items()}


def check_bytes(ports, got, role):
    """Every datagram, whole, in order: the port's MAC, TTL - 1, a valid checksum."""
    want = data_frames()
    assert len(got) == N_DATA, f"{role}: {len(got)} frames"
    for i, (g, w) in enumerate(zip(got, want)):
        raw = bytes(g)
        assert len(raw) == len(bytes(w)) == DATAGRAM + 42, f"{role} frame {i}: {len(raw)} bytes"
        assert g[Ether].src == ports[role]["mac"].lower(), (role, i, g[Ether].src)
        assert g[Ether].dst == w[Ether].dst
        assert g[IP].ttl == TTL - 1, (role, i, g[IP].ttl)
        sent_csum = g[IP].chksum
        del g[IP].chksum
        assert IP(bytes(g[IP]))[IP].chksum == sent_csum, f"{role} frame {i}: bad IP checksum"
        sent = bytes(w)
        # Ethernet destination and type, the IP header but TTL and checksum, the datagram.
        assert (raw[:6], raw[12:22], raw[23], raw[26:]) == (sent[:6], sent[12:22], sent[23], sent[26:]), \
            f"{role} frame {i}: bytes differ beyond source MAC, TTL and checksum"


@pytest.mark.parametrize("replicas", ["chained", "linear"])
def test_jumbo_datagrams_forwarded_whole(scratch_ns, tmp_path, replicas):
    env = {"IGMPGW_TEST_LINEAR_REPLICAS": "1"} if replicas == "linear" else None
    ports, stats, got = run_jumbo(scratch_ns, tmp_path, f"j{replicas}", env)
    ports = {p["role"]: p for p in ports} if isinstance(ports, list) else ports
    for role in ("outside", "inside", "inside2", "inside3"):
        assert ports[role]["mtu"] == 9000, ports[role]
    for role in ("inside", "inside2", "inside3"):
        assert ports[role]["replicas"] == replicas, ports[role]
    # inside (and inside2) take a replica built for them, inside3, the last, the
    # received mbuf itself.
    check_bytes(ports, got["inside"], "inside")
    check_bytes(ports, got["inside3"], "inside3")
    assert stats["inside2"]["mcast_forwarded"] == N_DATA
    # net_ring at the default MTU: the datagrams are too big for it, counted.
    assert (ports["inside4"]["mtu"], ports["inside4"]["replicas"]) == (1500, replicas)
    assert stats["inside4"]["mcast_too_big"] >= N_DATA, stats["inside4"]
    assert stats["inside4"]["mcast_forwarded"] == 0, stats["inside4"]
    out = stats["outside"]
    assert out["mcast_received"] == N_DATA and out["no_mbuf"] == 0, out
    # IGMP on the jumbo port: two decoded, the giant one refused by its length.
    assert out["igmp_received"] == 3 and out["igmp_invalid"] == 1, out
    assert out["bad_total_length"] == 1, {k: v for k, v in out.items() if v}
    print(f"{replicas}: {N_DATA} datagrams of {DATAGRAM} bytes forwarded whole to 3 ports")


def test_af_packet_refuses_mtu_9000(scratch_ns, tmp_path):
    run(["ip", "-n", scratch_ns, "link", "add", "jmb0", "type", "veth", "peer", "name", "jmb1"])
    try:
        prefix = f"{scratch_ns}afj"
        p = subprocess.run(["ip", "netns", "exec", scratch_ns, str(gwlab.IGMPGW)] +
                           eal_args(prefix) + ["--", "-f", str(gwlab.LAB_CONF)] +
                           [a for o in ["control.socket=none", "exception.mode=none",
                                        "outside.port=net_af_packet0,iface=jmb0",
                                        "alt.port=net_null1", "inside.port=net_null2",
                                        "outside.mtu=9000"] for a in ("--set", o)],
                           capture_output=True, text=True, timeout=60)
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{prefix}"])
        assert p.returncode != 0, p.stdout + p.stderr
        lines = [l for l in p.stderr.splitlines() if l.startswith("igmpgw:")]
        assert lines == ["igmpgw: config: outside.mtu: port 'net_af_packet0': MTU 9000 is more "
                         "than net_af_packet takes (max MTU 1500: max_mtu 65535, "
                         "max_rx_pktlen 1518)"], p.stderr
    finally:
        run(["ip", "-n", scratch_ns, "link", "del", "jmb0"], check=False)
