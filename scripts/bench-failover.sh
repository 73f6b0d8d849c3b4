#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The data gap of an upstream failover: igmpgw in a fresh lab (scripts/lab.sh), membership
# tracking and forwarding on, inside host h1 joined to a group that both upstream sources
# send to (50 datagrams a second each, numbered); the far end of the outside veth is set
# down (a pulled cable) and the gap is the time from the last datagram h1 got from the
# outside's source to the first from alt's. Two ways, in the same command:
#   link:   [igmp] failover = link: the gateway switches by itself
#   manual: failover = off and an application that switches with select_outside as soon as
#           the gateway's `link` event says the outside is down (the baseline: what a
#           client of goIGMP had to do)
# Prints each run, the median of each way, the ratio, and the target (link under 1 s).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=3

usage()
{
	cat <<EOF
usage: scripts/bench-failover.sh [--runs N] [--build DIR]
  --runs N     failovers measured each way (default $RUNS)
  --build DIR  the meson build directory (default \$IGMPGW_BUILD or build/)
Needs root (network namespaces), tshark, and a built igmpgw.
EOF
}

while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=$2; shift 2 ;;
	--build) export IGMPGW_BUILD=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
export IGMPGW_BUILD=${IGMPGW_BUILD:-$ROOT/build}

cd "$ROOT/test/system"
exec /usr/bin/python3 - "$RUNS" <<'EOF'
import statistics
import sys
import tempfile
import time

sys.path.insert(0, ".")
import gwlab
from gwlab import UPSRC, wait_until
from test_failover import ALTSRC, Sender, times_from
from test_tracking import QRI, TRACK, Receiver, is_general_query

GROUP = "239.63.0.1"
TARGET_S = 1.0


def one_run(lab, work, name, manual):
    mode = "off" if manual else "link"
    gw = gwlab.Gateway(lab, work, name, overrides=TRACK + (f"igmp.failover={mode}",),
                       roles=["alt", "inside"])
    senders, r = [], None
    try:
        gw.wait_running()
        q = gw.wait_emitted("inside", is_general_query, 5, "the first general query")
        time.sleep(max(0.0, float(q["frame.time_epoch"]) + QRI + 0.3 - time.time()))
        senders = [Sender(lab, "src", UPSRC, GROUP), Sender(lab, "altsrc", ALTSRC, GROUP)]
        r = Receiver(lab, "h1", GROUP)
        r.join()
        r.wait_data(25, timeout=10)
        with gw.control() as ctl:
            assert ctl.request("subscribe", events=["link", "outside_selected"])["ok"]
            lab.exec("up", ["ip", "link", "set", "gw0", "down"])
            if manual:
                ctl.wait_event(lambda e: e["event"] == "link" and e["port"] == "outside"
                               and not e["up"], 10, "outside link down")
                assert ctl.request("select_outside", port="alt")["ok"]
            ctl.wait_event(lambda e: e["event"] == "outside_selected", 10, "the switch")
        wait_until(lambda: times_from(r, ALTSRC), 10, "alt's data at the host")
        return min(times_from(r, ALTSRC)) - max(times_from(r, UPSRC))
    finally:
        if r is not None:
            r.close()
        for s in senders:
            s.stop()
        lab.exec("up", ["ip", "link", "set", "gw0", "up"], check=False)
        gw.finish()


def main(runs):
    lab = gwlab.Lab("b" + gwlab.random_suffix(5))
    gaps = {"link": [], "manual": []}
    try:
        lab.up({"LAB_QUERY_INTERVAL": 5})
        with tempfile.TemporaryDirectory(prefix="bench-failover-") as work:
            for i in range(runs):
                for way in gaps:
                    g = one_run(lab, work, f"{way}{i}", way == "manual")
                    gaps[way].append(g)
                    print(f"run {i + 1} {way:6s} data gap {g * 1000:7.1f} ms", flush=True)
    finally:
        lab.down()
    med = {w: statistics.median(v) for w, v in gaps.items()}
    print(f"median data gap: failover=link {med['link'] * 1000:.1f} ms, "
          f"manual select_outside on the link event {med['manual'] * 1000:.1f} ms "
          f"(link/manual {med['link'] / med['manual']:.2f}x)")
    ok = med["link"] < TARGET_S
    print(f"target: failover=link under {TARGET_S * 1000:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


sys.exit(main(int(sys.argv[1])))
EOF
