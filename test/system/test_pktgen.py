# SPDX-License-Identifier: BSD-3-Clause
"""igmpgw driven by pktgen-dpdk (scripts/bench-pktgen.sh), a short run at a low rate:
pktgen's inside port sends the special unicast reports, its upstream port the
multicast data, and every frame it sent must come back to it translated (reports)
or forwarded (data), counted alike by pktgen's ports and by igmpgw's counters.

pktgen is built from its source tarball into the cache the benchmark uses
(scripts/bench-pktgen.sh --build-pktgen; about 3.5 min the first time on this
machine under load, 48 s of CPU), then reused. One worker for igmpgw: pktgen
busy-polls too, and the script gives each polling lcore a CPU of its own.
"""

import json
import os
import subprocess
import time

import pytest

import gwlab

BENCH = gwlab.ROOT / "scripts" / "bench-pktgen.sh"
GROUPS = 32


@pytest.fixture(scope="module")
def pktgen():
    """The pktgen binary, built into the cache if it is not there yet."""
    t0 = time.monotonic()
    p = subprocess.run([str(BENCH), "--build-pktgen"], capture_output=True, text=True,
                       timeout=1800)
    if p.returncode != 0:
        pytest.fail(f"bench-pktgen.sh --build-pktgen exited {p.returncode}:\n"
                    f"{p.stdout}{p.stderr}")
    print(f"pktgen: {p.stdout.strip()} ({time.monotonic() - t0:.0f} s to build or find)")
    return p.stdout.strip().splitlines()[-1]


def _prefix():
    existing = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    while True:
        prefix = "p" + gwlab.random_suffix(5)
        if not any(n.startswith(prefix) for n in existing):
            return prefix


def run_bench(pktgen, tmp_path, *args):
    """One run of the harness; returns its JSON and output, and checks its namespaces
    are gone afterwards."""
    prefix = _prefix()
    out = tmp_path / "result.json"
    # TMPDIR: the run's work directory (logs, pcaps) goes with the test's.
    env = dict(os.environ, PKTGEN=pktgen, IGMPGW=str(gwlab.IGMPGW), TMPDIR=str(tmp_path))
    cmd = [str(BENCH), "--prefix", prefix, "--json", str(out)] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    print(f"---- {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    left = [n for n in os.listdir("/run/netns") if n.startswith(prefix)]
    assert not left, f"namespaces left behind: {left}"
    assert p.returncode == 0, f"bench-pktgen.sh exited {p.returncode}"
    return json.loads(out.read_text()), p.stdout


@pytest.mark.slow  # moved out of the README's test command (its 20-minute budget); CI's slow lane runs it
def test_pktgen_reports_translated_and_data_forwarded(pktgen, tmp_path):
    # 0.02% of af_packet's 10 Gb/s: about 3 000 frames a second, which the veths and
    # both polling threads take without loss even on a loaded 2-CPU machine.
    res, out = run_bench(pktgen, tmp_path, "--duration", "2", "--rate", "0.02",
                         "--groups", str(GROUPS))
    for name, handled in (("reports", "inside.unicast_translated"),
                          ("data", "outside.mcast_received")):
        s = res["streams"][name]
        gw = s["igmpgw"]
        # pktgen sent the stream for 2 s: at least half of what the rate asks.
        assert s["sent"] >= 2500, f"{name}: pktgen sent only {s['sent']}"
        assert s["pktgen"]["tx_port"]["opackets"] == s["sent"]
        # Every frame, on both sides: pktgen's port out, igmpgw's port in, igmpgw's
        # decision, igmpgw's port out, pktgen's other port in.
        assert (s["sent"], gw["received"], gw[handled], gw["sent"], s["forwarded"]) == \
            (s["sent"],) * 5, f"{name}: {s}"
        assert s["lost"] == 0
        assert gw["other_counters"] == {}, f"{name}: igmpgw counted more: {gw}"
        assert s["kernel_drops"] == {}
    assert res["groups_held"] == GROUPS
    assert "reports (inside->outside)" in out and "data (outside->inside)" in out
