#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's first command: sets the machine up, builds igmpgw, brings the
# namespace lab up, runs the gateway in it with config/proxy-special.conf as
# shipped (only its ports and addresses pointed at the lab), and plays goIGMP's
# special-unicast scenario with real kernel hosts while printing what happens on
# the wire. Then the gateway keeps running until Ctrl-C.
#   scripts/demo.sh [--once] [--prefix P]
#     --once       stop after the scenario
#     --prefix P   the lab's namespace prefix (default igl)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${IGMPGW_BUILD:-$ROOT/build}
ONCE=0
PREFIX=igl
while [ $# -gt 0 ]; do
	case $1 in
	--once) ONCE=1 ;;
	--prefix) PREFIX=$2; shift ;;
	-h | --help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

LAB="$ROOT/scripts/lab.sh --prefix $PREFIX"
GROUP=232.1.1.1
GW_LOG=$BUILD/demo-igmpgw.log
GW_PID=

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
info() { printf '   %s\n' "$*"; }

cleanup()
{
	[ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
	$LAB down >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Captures IGMP on a lab node's interface for a while, one tcpdump line per packet.
capture()
{
	local node=$1 ifname=$2 seconds=$3 filter=${4:-igmp}
	$LAB exec "$node" timeout "$seconds" tcpdump -l -nn -v -i "$ifname" "$filter" 2>/dev/null || true
}

mdb_has()
{
	$LAB exec up bridge mdb show dev br0 | grep -q "grp $1"
}

say "setting up the machine and building"
bash "$ROOT/scripts/setup.sh"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" "$ROOT" >/dev/null
ninja -C "$BUILD" >/dev/null
info "built $BUILD/app/igmpgw/igmpgw"

say "bringing the lab up (prefix $PREFIX)"
LAB_QUERY_INTERVAL=${LAB_QUERY_INTERVAL:-10} $LAB up | sed 's/^/   /'

# The shipped config as a newcomer uses it: the lab's ports and addresses, a socket of its own.
GW_CMD=("$BUILD/app/igmpgw/igmpgw" -l 0-1 -m 256 --no-pci --file-prefix "igmpgw-$PREFIX"
	-- -f "$ROOT/config/proxy-special.conf"
	--set outside.port=net_af_packet0,iface=out0 --set outside.address=10.200.1.2/24
	--set inside.port=net_af_packet2,iface=in0 --set inside.address=10.200.0.1/24
	--set control.socket="$BUILD/demo-$PREFIX.sock")
say "starting igmpgw in ${PREFIX}gw with config/proxy-special.conf (it forwards the data: [forward])"
info "ip netns exec ${PREFIX}gw ${GW_CMD[*]}"
ip netns exec "${PREFIX}gw" "${GW_CMD[@]}" >"$GW_LOG" 2>&1 &
GW_PID=$!
for _ in $(seq 50); do
	grep -q "running with" "$GW_LOG" && break
	kill -0 "$GW_PID" 2>/dev/null || { cat "$GW_LOG"; exit 1; }
	sleep 0.1
done
grep " igmpgw\.\|^igmpgw\." "$GW_LOG" | sed 's/^/   /'

say "1. the upstream querier's query reaches the inside hosts (tcpdump in h1)"
info "waiting for the next query from the bridge querier 10.200.1.1 ..."
capture h1 eth0 25 "igmp[0] == 0x11" | head -n 2 | sed 's/^/   h1 sees: /'

say "2. h1 sends a special unicast IGMPv2 report for $GROUP to the gateway (10.200.0.1)"
capture up gw0 3 >"$BUILD/demo-up.txt" &
sleep 0.5
$LAB exec h1 /usr/bin/python3 "$ROOT/scripts/igmp-send.py" 10.200.0.1 report2 "$GROUP"
wait $!
sed 's/^/   upstream sees: /' "$BUILD/demo-up.txt"
if mdb_has "$GROUP"; then
	info "upstream bridge learned it: $($LAB exec up bridge mdb show dev br0 | grep "grp $GROUP")"
else
	info "upstream bridge did NOT learn $GROUP"
fi

say "3. the source 10.200.1.10 sends 20 datagrams to $GROUP: igmpgw forwards them to the inside"
$LAB exec h1 /usr/bin/python3 - "$GROUP" >"$BUILD/demo-rx.txt" <<-'PY' &
	import socket, struct, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("", 5000))
	s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
	             struct.pack("4s4s", socket.inet_aton(sys.argv[1]), bytes(4)))
	s.settimeout(2)
	n = 0
	try:
	    while True:
	        s.recv(64)
	        n += 1
	except socket.timeout:
	    pass
	print(n)
	PY
sleep 0.5
$LAB exec src /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
for i in range(20):
    s.sendto(b"demo %d" % i, (sys.argv[1], 5000))
    time.sleep(0.02)
' "$GROUP"
wait $!
info "h1 received $(cat "$BUILD/demo-rx.txt") of 20 (forwarded by igmpgw's worker, TTL decremented)"

say "4. h1 sends a unicast leave for $GROUP: it goes upstream to 224.0.0.2"
capture up gw0 3 >"$BUILD/demo-up.txt" &
sleep 0.5
$LAB exec h1 /usr/bin/python3 "$ROOT/scripts/igmp-send.py" 10.200.0.1 leave "$GROUP"
wait $!
sed 's/^/   upstream sees: /' "$BUILD/demo-up.txt"
for _ in $(seq 50); do mdb_has "$GROUP" || break; sleep 0.1; done
if mdb_has "$GROUP"; then
	info "upstream bridge still has $GROUP"
else
	info "upstream bridge dropped $GROUP from its mdb"
fi

say "5. ping through the kernel exception path (h1 -> 10.200.0.1)"
$LAB exec h1 ping -c 2 -i 0.3 -W 1 10.200.0.1 | sed 's/^/   /' | tail -n 2

say "gateway counters (dpdk-telemetry.py /igmpgw/stats, non-zero only)"
echo /igmpgw/stats | dpdk-telemetry.py -f "igmpgw-$PREFIX" 2>/dev/null |
	/usr/bin/python3 -c '
import json, sys
text = sys.stdin.read()
stats = json.loads(text[text.index("{"):])["/igmpgw/stats"]
for port, counters in stats.items():
    print("   %-8s %s" % (port, ", ".join("%s=%d" % kv for kv in counters.items() if kv[1])))
' || info "(telemetry unavailable: no hugepages?)"

if [ "$ONCE" -eq 1 ]; then
	say "done (--once)"
	exit 0
fi
say "igmpgw keeps running in the lab; Ctrl-C stops it and removes the lab"
info "try: scripts/lab.sh --prefix $PREFIX exec h2 /usr/bin/python3 scripts/igmp-send.py 10.200.0.1 report2 232.9.9.9"
info "     $BUILD/app/igmpgwctl -s $BUILD/demo-$PREFIX.sock status"
info "     scripts/lab.sh --prefix $PREFIX status; tail -f $GW_LOG"
wait "$GW_PID"
