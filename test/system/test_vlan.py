# SPDX-License-Identifier: BSD-3-Clause
"""802.1Q sub-ports on one trunk (net_pcap: a file of tagged frames in, a file out,
tshark reading vlan.id as the judge): the outside is VLAN 200 of the trunk, inside is
untagged, inside2 VLAN 100. One datagram in on VLAN 200 leaves the same port once per
section that wants it, each copy with its section's tag; VLAN 999 and QinQ frames are
counted on the trunk head, not forwarded. The pcap PMD offers no VLAN offloads: this
is the software tagging path."""
import signal
import subprocess

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Dot1Q, Dot1AD, Ether
from scapy.packet import Raw
from scapy.utils import wrpcap

import gwlab
from gwlab import eal_args, wait_until

SOURCE = "10.200.1.10"
G_BOTH = "232.1.0.1"      # inside and inside2
G_TWO = "232.1.0.2"       # inside2 only
N = 10


def frames():
    def data(group, i, tag):
        return (Ether(src="02:00:0a:c8:01:0a", dst="01:00:5e:01:00:0%s" % group[-1]) / tag /
                IP(src=SOURCE, dst=group, ttl=16, id=i) / UDP(sport=5000, dport=5001) /
                Raw(bytes(100)))
    out = []
    for i in range(N):
        out.append(data(G_BOTH, i, Dot1Q(vlan=200)))
        out.append(data(G_TWO, i, Dot1Q(vlan=200)))
    out.append(data(G_BOTH, 99, Dot1Q(vlan=999)))                  # unknown VLAN
    out.append(data(G_BOTH, 98, Dot1AD(vlan=200) / Dot1Q(vlan=5)))  # QinQ
    return out


def test_trunk_replicates_to_tagged_sections(scratch_ns, tmp_path):
    wrpcap(str(tmp_path / "in.pcap"), frames())
    out = tmp_path / "out.pcap"
    port = f"net_pcap0,rx_pcap={tmp_path / 'in.pcap'},tx_pcap={out}"
    conf = tmp_path / "vlan.conf"
    conf.write_text(f"""
[outside]
port = {port}
address = 10.200.1.2/24
vlan = 200
[inside]
port = {port}
address = 10.200.0.1/24
[inside2]
port = {port}
address = 10.200.3.1/24
vlan = 100
priority = 5
[exception]
mode = none
[control]
socket = none
[forward]
enabled = yes
[mroute]
both = {G_BOTH} to inside inside2
two = {G_TWO} to inside2
""")
    prefix = f"{scratch_ns}vl"
    log = tmp_path / "vlan.log"
    cmd = ["ip", "netns", "exec", scratch_ns, str(gwlab.IGMPGW)] + eal_args(prefix) + [
        "--", "-f", str(conf)]
    with open(log, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
    try:
        def done():
            if proc.poll() is not None:
                raise AssertionError(f"igmpgw exited {proc.returncode}:\n{log.read_text()}")
            try:
                st = {r: gwlab.telemetry(prefix, f"/igmpgw/stats,{r}")
                      for r in ("outside", "inside", "inside2")}
            except (OSError, KeyError, TypeError):
                return None
            ok = (st["inside2"]["mcast_forwarded"] >= 2 * N and
                  st["inside"]["mcast_forwarded"] >= N and
                  st["outside"]["unknown_vlan"] + st["outside"]["vlan_qinq"] >= 2)
            return st if ok else None
        stats = wait_until(done, 60, "the datagrams forwarded, the bad tags counted")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{prefix}"])
    assert stats["outside"]["unknown_vlan"] == 1 and stats["outside"]["vlan_qinq"] == 1, \
        stats["outside"]
    assert stats["inside"]["mcast_forwarded"] == N and stats["inside2"]["mcast_forwarded"] == 2 * N
    tshark = subprocess.run(["tshark", "-r", str(out), "-T", "fields", "-e", "vlan.id",
                             "-e", "vlan.priority", "-e", "ip.dst", "-Y", "udp"],
                            capture_output=True, text=True, check=True).stdout.split("\n")
    rows = [tuple(r.split("\t")) for r in tshark if r]
    assert sorted(set(rows)) == [("", "", G_BOTH), ("100", "5", G_BOTH), ("100", "5", G_TWO)], rows
    assert rows.count(("", "", G_BOTH)) == N and rows.count(("100", "5", G_TWO)) == N, rows
    assert not any(r[0] in ("200", "999") for r in rows), rows
