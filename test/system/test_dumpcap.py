# SPDX-License-Identifier: BSD-3-Clause
"""dpdk-dumpcap attached to a running gateway (a DPDK secondary process over
hugepages) captures the IGMP the gateway sends; the commands are the README's
own (its capture block under "Observing it"), with this test's prefix, port
and file put in, and tshark judges the pcapng."""

import re
import shlex

import pytest

import gwlab

# Minutes of the README test command's 20: the slow lane (scripts/test-slow.sh) runs it.
pytestmark = pytest.mark.slow

FIELDS = ["eth.src", "ip.src", "ip.dst", "ip.ttl", "igmp.type", "igmp.checksum.status"]


def readme_capture_lines():
    """The two lines of the README's capture block: dpdk-dumpcap, then tshark."""
    text = (gwlab.ROOT / "README.md").read_text()
    m = re.search(r"test_dumpcap\.py` runs these two lines.*?```sh\n(.*?)```", text, re.S)
    assert m, "README.md: the capture block test_dumpcap.py runs is gone"
    lines = [ln.strip() for ln in m.group(1).splitlines() if ln.strip()]
    assert len(lines) == 2 and lines[0].startswith("dpdk-dumpcap ") \
        and lines[1].startswith("tshark "), lines
    return lines


def test_dumpcap_captures_the_igmp_the_gateway_sends(lab, gateway, tmp_path):
    if gwlab.hugepages_free_mb() < 256 + 64:
        pytest.fail("dpdk-dumpcap needs the gateway on hugepages: fewer than 320 MB free "
                    "(scripts/setup.sh reserves them)")
    # The gateway's own queries on the inside, one a second.
    gw = gateway("igmp.self_query_interval=1")
    ports = gw.telemetry("/igmpgw/ports")
    inside = ports["inside"].get("name")
    assert inside, ports
    pcap = tmp_path / "inside.pcapng"
    dump, show = readme_capture_lines()
    dump = (dump.replace("--file-prefix igmpgw", f"--file-prefix {gw.file_prefix}")
                .replace("-i net_af_packet2", f"-i {inside}")
                .replace("duration:10", "duration:4")
                .replace("/tmp/inside.pcapng", str(pcap)))
    out = gwlab.run(["ip", "netns", "exec", lab.ns("gw")] + shlex.split(dump), timeout=60)
    assert pcap.exists(), out.stdout + out.stderr
    show = shlex.split(show.replace("/tmp/inside.pcapng", str(pcap)))
    listed = gwlab.run(show).stdout
    assert "IGMP" in listed, listed
    fields = gwlab.run(show + ["-T", "fields"] + sum((["-e", f] for f in FIELDS), [])).stdout
    rows = [dict(zip(FIELDS, ln.split("\t"))) for ln in fields.splitlines() if ln]
    mac = gwlab.GW_MAC["inside"]
    queries = [r for r in rows if r["eth.src"] == mac and r["igmp.type"] == "0x11"]
    # Four seconds of one query a second, whatever the load: at least two.
    assert len(queries) >= 2, rows
    for q in queries:
        assert q["ip.src"] == gwlab.GW_ADDR["inside"], q
        assert q["ip.ttl"] == "1", q
    assert gw.alive()
