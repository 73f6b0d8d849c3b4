#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Join and leave latency of igmpgw against the kernel's multicast routing driven by
# igmpproxy, each in a fresh lab (scripts/lab.sh) of its own, measured the same way by
# scripts/latency_probe.py: a source sends one packet per ms to a fresh group per run,
# h1 joins it (IP_ADD_MEMBERSHIP -> first packet at h1) and later leaves it
# (IP_DROP_MEMBERSHIP -> last packet of the group arriving from the gateway at the inside
# bridge's port gw0). Medians with min..max, side by side, then the targets:
#   join:  igmpgw's median at most 0.6 x igmpproxy's
#   leave: igmpgw's last data within last_member_query_interval x count + 0.5 s of
#          every leave
#   fast leave: igmpgw_fast ([inside] fast_leave = yes) stops the data less than 5 ms
#          (median) after the leave, and in its "keep" runs a second host (h2) on the
#          same group loses no datagram when h1 leaves, and nothing goes upstream
# igmpproxy holds a group 6 to 25 s after a leave (one group-specific query, then 10 s),
# so it gets 3 leave runs by default (--leave-runs sets both).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
BUILD=$ROOT/build-lat
RUNS=10
LEAVE_RUNS=""
# igmpproxy holds a group 6 to 25 s after each leave: fewer leave runs by default.
PROXY_LEAVE_RUNS=3
IGMP_VERSION=3
MODES="igmpproxy igmpgw igmpgw_fast"
KEEP_RUNS=5
STRICT=0
FORCE_NO_HUGE=0
WORK=""
NICE=0
# igmpgw's inside querier: a leave is followed by COUNT group-specific queries INTERVAL s
# apart, after which the group goes.
LMQ_INTERVAL=1
LMQ_COUNT=2
PROBE=(/usr/bin/python3 "$ROOT/scripts/latency_probe.py")

usage()
{
	cat <<EOF
usage: $(basename "$0") [--runs N] [--leave-runs N] [--igmp-version 2|3]
                        [--modes "igmpproxy igmpgw"] [--build DIR] [--work DIR]
                        [--nice N] [--no-huge] [--strict]

  --runs N          join runs per gateway, one fresh group each (default $RUNS)
  --leave-runs N    leave runs per gateway (default: as many as --runs for igmpgw,
                    $PROXY_LEAVE_RUNS for igmpproxy, whose leave runs take 8 to 27 s each)
  --igmp-version V  force_igmp_version on h1 (default $IGMP_VERSION). A Linux host falls
                    back to IGMPv2 on hearing a v2 query whatever this says, and igmpproxy
                    queries with v2: under igmpproxy h1 speaks v2 either way (the report
                    shows what h1 sent)
  --modes LIST      gateways to measure, in this order (default "$MODES"); igmpgw_busy
                    is igmpgw with [workers] idle = busy, against igmpgw's default
                    (adaptive: an idle worker sleeps up to 100 us); igmpgw_fast is
                    igmpgw with [inside] fast_leave = yes
  --keep-runs N     igmpgw_fast's runs with a second host on the group (default $KEEP_RUNS)
  --build DIR       meson build directory, set up as a release build if missing
                    (default build-lat)
  --work DIR        where the logs and the JSON of the runs go (default BUILD/bench-latency)
  --nice N          run the gateway (igmpgw or igmpproxy, the same for both) at this
                    nice level, e.g. -10 on a machine busy with other work: igmpgw's
                    worker busy-polls lcore 1, and sharing that core with other
                    busy-pollers costs it time slices of several ms (default 0)
  --no-huge         run igmpgw without hugepages (the default when fewer than 256 MB of
                    free hugepages are there)
  --strict          exit 1 when a target is missed

Takes about 4 min with the defaults (1 min per gateway, labs included, 2 for igmpgw_fast).
EOF
}

die()
{
	echo "bench-latency: $*" >&2
	exit 1
}

say()
{
	echo "bench-latency: $*" >&2
}

while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
	--leave-runs) LEAVE_RUNS=${2:?--leave-runs needs a value}; shift 2 ;;
	--keep-runs) KEEP_RUNS=${2:?--keep-runs needs a value}; shift 2 ;;
	--igmp-version) IGMP_VERSION=${2:?--igmp-version needs a value}; shift 2 ;;
	--modes) MODES=${2:?--modes needs a value}; shift 2 ;;
	--build) BUILD=$(realpath -m "${2:?--build needs a directory}"); shift 2 ;;
	--work) WORK=$(realpath -m "${2:?--work needs a directory}"); shift 2 ;;
	--nice) NICE=${2:?--nice needs a value}; shift 2 ;;
	--no-huge) FORCE_NO_HUGE=1; shift ;;
	--strict) STRICT=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ $RUNS =~ ^[0-9]+$ ]] || [ "$RUNS" -gt 254 ]; then
	die "--runs: 0..254"
fi
if ! [[ $KEEP_RUNS =~ ^[0-9]+$ ]] || [ "$KEEP_RUNS" -gt 254 ]; then
	die "--keep-runs: 0..254"
fi
if [ -n "$LEAVE_RUNS" ] && { ! [[ $LEAVE_RUNS =~ ^[0-9]+$ ]] || [ "$LEAVE_RUNS" -gt 254 ]; }; then
	die "--leave-runs: 0..254"
fi
[[ $IGMP_VERSION =~ ^[23]$ ]] || die "--igmp-version: 2 or 3"
if ! [[ $NICE =~ ^-?[0-9]+$ ]] || [ "$NICE" -lt -20 ] || [ "$NICE" -gt 19 ]; then
	die "--nice: -20..19"
fi
for m in $MODES; do
	case $m in
	igmpproxy|igmpgw|igmpgw_busy|igmpgw_fast) ;;
	*) die "--modes: '$m' is none of igmpproxy, igmpgw, igmpgw_busy, igmpgw_fast" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
WORK=${WORK:-$BUILD/bench-latency}

# ---- build ----
IGMPGW=$BUILD/app/igmpgw/igmpgw
if [[ " $MODES " == *" igmpgw"* ]]; then
	build_igmpgw
fi
if [[ " $MODES " == *" igmpproxy "* ]]; then
	command -v igmpproxy >/dev/null || die "igmpproxy not found (scripts/setup.sh installs it)"
fi
mkdir -p "$WORK"
rm -f "$WORK"/*.json

# ---- labs and processes: everything we start is ended on the way out ----
# bench-lib.sh's cleanup stops PIDS and removes the DPDK files of PREFIXES (each lab's
# prefix is also its gateway's file prefix); the labs themselves go here.
LABS=()

bench_cleanup_more()
{
	local p

	for p in "${LABS[@]}"; do
		"$ROOT/scripts/lab.sh" --prefix "$p" down >/dev/null 2>&1 || true
		rm -f "/tmp/$p.sock"
	done
	LABS=()
}
bench_traps

# wait_log FILE PATTERN SECONDS PID: until FILE has PATTERN; fails if PID ends first.
wait_log()
{
	local file=$1 pattern=$2 secs=$3 pid=$4 t

	for ((t = 0; t < secs * 10; t++)); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# A fresh lab per gateway: namespaces (and h1's IGMP compatibility mode) never carry over.
lab_up()
{
	local p=$1

	LABS+=("$p")
	PREFIXES+=("$p")
	# The upstream bridges flood everything for their query response interval after
	# start; 2 s instead of 10 shortens lab.sh's wait and changes nothing measured.
	if ! LAB_QUERY_RESPONSE_INTERVAL=${LAB_QUERY_RESPONSE_INTERVAL:-2} \
		"$ROOT/scripts/lab.sh" --prefix "$p" up >"$WORK/$p-lab.log" 2>&1; then
		cat "$WORK/$p-lab.log" >&2
		die "lab $p did not come up"
	fi
	ip netns exec "${p}h1" sysctl -qw "net.ipv4.conf.eth0.force_igmp_version=$IGMP_VERSION"
}

start_igmpproxy()
{
	local p=$1 gw=${1}gw conf=$WORK/$1-igmpproxy.conf log=$WORK/igmpproxy.log

	# The kernel owns the veths here: no ingress drop, addresses, routing on.
	ip netns exec "$gw" nft delete table netdev igmpgw_lab
	ip -n "$gw" addr add 10.200.1.2/24 dev out0
	ip -n "$gw" addr add 10.200.0.1/24 dev in0
	ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
	cat >"$conf" <<-EOF
		# igmpproxy for the latency lab $p: upstream towards the source's bridge,
		# downstream towards the inside bridge (no quickleave: its default behaviour).
		phyint out0 upstream ratelimit 0 threshold 1
		    altnet 10.200.1.0/24
		phyint in0 downstream ratelimit 0 threshold 1
		phyint alt0 disabled
	EOF
	# -d keeps it in the foreground and logs on stderr; -v says when routes come and go.
	ip netns exec "$gw" nice -n "$NICE" igmpproxy -d -v "$conf" >"$log" 2>&1 &
	PIDS+=($!)
	sleep 1
	kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$log" >&2; die "igmpproxy exited at start"; }
	# igmpproxy turns multicast routing on (MRT_INIT); without it nothing would forward.
	[ "$(ip netns exec "$gw" sysctl -n net.ipv4.conf.all.mc_forwarding)" = 1 ] ||
		die "mc_forwarding is off in $gw with igmpproxy running"
}

# start_igmpgw PREFIX [--set KEY=VALUE...]
start_igmpgw()
{
	local p=$1 log=$WORK/igmpgw.log
	local -a eal=(-l 0-1 -m 256 --no-pci --file-prefix "$p")

	if [ "$FORCE_NO_HUGE" -eq 1 ] || [ "$(hugepages_free_mb)" -lt 256 ]; then
		eal+=(--no-huge)
	fi
	ip netns exec "${p}gw" nice -n "$NICE" "$IGMPGW" "${eal[@]}" -- \
		-f "$ROOT/config/lab.conf" --set "control.socket=/tmp/$p.sock" \
		--set forward.enabled=yes --set proxy.track_membership=yes \
		--set querier.enabled=yes --set igmp.proxy_out_to_in=no \
		--set "querier.last_member_query_interval=$LMQ_INTERVAL" \
		--set "querier.last_member_query_count=$LMQ_COUNT" "${@:2}" >"$log" 2>&1 &
	PIDS+=($!)
	if ! wait_log "$log" "running with" 30 "${PIDS[-1]}"; then
		cat "$log" >&2
		die "igmpgw did not start"
	fi
}

start_igmpgw_busy()
{
	start_igmpgw "$1" --set workers.idle=busy
}

start_igmpgw_fast()
{
	start_igmpgw "$1" --set inside.fast_leave=yes
}

# What igmpgw holds, kept beside the results when a run went wrong.
igmpgw_state()
{
	local p=$1 out=$WORK/igmpgw-state.json

	{
		"${PROBE[@]}" ctl "/tmp/$p.sock" '{"cmd":"status"}'
		"${PROBE[@]}" ctl "/tmp/$p.sock" '{"cmd":"groups"}'
	} >"$out" 2>&1 || true
	say "igmpgw status and groups: $out"
}

measure()
{
	local mode=$1 p leave_runs=$LEAVE_RUNS keep_runs=0

	# Prefixes unique to this run and mode ([a-z][a-z0-9]{0,8} for lab.sh).
	case $mode in
	igmpproxy) p=lp$(($$ % 1000000)) ;;
	igmpgw) p=lg$(($$ % 1000000)) ;;
	igmpgw_busy) p=lb$(($$ % 1000000)) ;;
	igmpgw_fast) p=lf$(($$ % 1000000)); keep_runs=$KEEP_RUNS ;;
	esac
	say "$mode: lab $p up"
	lab_up "$p"
	"start_$mode" "$p"
	# Let the gateway's first general query reach h1 and the inside bridge: it sets the
	# version h1 speaks and makes gw0 the bridge's router port.
	sleep 2
	if [ -z "$leave_runs" ]; then
		case $mode in
		igmpproxy) leave_runs=$PROXY_LEAVE_RUNS ;;
		igmpgw*) leave_runs=$RUNS ;;
		esac
	fi
	say "$mode: $RUNS join runs, $leave_runs leave runs, $keep_runs runs with a second host"
	if ! "${PROBE[@]}" measure --prefix "$p" --label "$mode" --runs "$RUNS" \
		--leave-runs "$leave_runs" --keep-runs "$keep_runs" -o "$WORK/$mode.json"; then
		[ "$mode" = igmpproxy ] || igmpgw_state "$p"
		die "$mode: the probe failed (logs in $WORK)"
	fi
	if [ "$mode" != igmpproxy ] && grep -q '"join_ms": null\|"leave_stopped": false' "$WORK/$mode.json"; then
		igmpgw_state "$p"
	fi
	cleanup
}

started=$(date +%s)
for mode in $MODES; do
	measure "$mode"
done

echo
echo "join/leave latency, h1 forced to IGMPv$IGMP_VERSION, one packet per ms to a fresh group" \
	"per run, gateways at nice $NICE ($(($(date +%s) - started)) s)"
limit_ms=$((LMQ_INTERVAL * LMQ_COUNT * 1000 + 500))
args=(--leave-limit-ms "$limit_ms")
[ "$STRICT" -eq 0 ] || args+=(--strict)
files=()
for mode in $MODES; do
	files+=("$WORK/$mode.json")
done
"${PROBE[@]}" report "${args[@]}" "${files[@]}"
