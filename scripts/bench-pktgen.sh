#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# igmpgw driven by pktgen-dpdk, the way the appliance's users test it. pktgen's two ports
# face igmpgw's outside and inside (goIGMP's proxy-special deployment, forwarding on):
#
#   pktgen port "up" ── igmpgw outside     up sends the upstream source's multicast data,
#                                          receives the reports igmpgw translated
#   pktgen port "dn" ── igmpgw inside      dn sends the inside hosts' special unicast
#                                          reports, receives the data igmpgw forwarded
#
# Here the four ports are af_packet vdevs on two veth pairs between two network
# namespaces this script creates (unique prefix, deleted on exit); on a real box they are
# PCI ports cabled pairwise (--gw-ports, --pktgen-ports), and the same run is the box's
# performance test. scripts/pktgen_drive.py runs the phases through pktgen's command
# line (a FIFO) and reads both programs' counters (DPDK telemetry, igmpgw's control socket):
#   join     every group reported once, slowly, until igmpgw holds them all
#   reports  dn replays the reports for --duration s at --rate: sent, translated, lost
#   data     up replays the data for --duration s at --rate: sent, forwarded, lost
# On veths the rates are the kernel's (veth, af_packet), not igmpgw's.
#
# pktgen is built once from its source tarball into a cache outside the tree (PKTGEN=path
# uses another one). --build-pktgen only builds it and prints its path.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lab.sh
. "$ROOT/scripts/lab.sh"        # namespaces and veths: ensure_ns, ensure_veth, tune_if, mac_of
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"  # processes, EAL memory, build_igmpgw (its die wins)
COMMAND="$0${*:+ $*}"
BUILD=$ROOT/build-bench3
PKTGEN_VERSION=23.03.0
PKTGEN_SHA256=23873c49c1a6e8530b4d32a186b52d0393b95fc250d687e78659335ad483417c
PKTGEN_CACHE=${PKTGEN_CACHE:-/var/cache/igmpgw}
DURATION=10
RATE=100
JOIN_RATE=0.01
NGROUPS=256
NHOSTS_TRAFFIC=16
SIZE=64
NS_PREFIX=
JSON=
GW_PORTS=
PG_PORTS=
GW_CPUS=
PG_CPUS=
GW_SETS=()
FORCE_NO_HUGE=0
BUILD_ONLY=0
GW_MEM_MB=128
PG_MEM_MB=${PKTGEN_MEM_MB:-3072}
# The lab's address plan (scripts/lab.sh, test/system/gwlab.py).
GW_OUTSIDE=10.200.1.2/24
GW_INSIDE=10.200.0.1/24
SOURCE=10.200.1.10
HOST_BASE=10.200.0.11
GROUP_BASE=232.1.0.1

usage()
{
	cat <<EOF
usage: $(basename "$0") [--duration S] [--rate PCT] [--groups N] [--size BYTES]
                        [--prefix P] [--json FILE] [--build DIR] [--no-huge]
                        [--gw-ports OUT,IN --pktgen-ports UP,DN]
                        [--gw-cpus MAIN,WORKER...] [--pktgen-cpus MAIN,WORKER[,WORKER]]
                        [--gw-set SECTION.KEY=VALUE]...
       $(basename "$0") --build-pktgen

  --duration S     seconds each stream is sent (default $DURATION)
  --rate PCT       pktgen's send rate, percent of the link speed (default $RATE; pktgen
                   counts 10 Gb/s on af_packet); --join-rate the same for the join
                   (default $JOIN_RATE)
  --groups N       groups reported and sent to (default $NGROUPS)
  --size BYTES     data frame size, FCS included (default $SIZE)
  --prefix P       namespace and EAL file prefix (default pg + 5 random characters)
  --json FILE      every number of the run, as JSON
  --build DIR      igmpgw's meson build directory, set up as a release build if missing
                   (default build-bench3); IGMPGW=path runs that binary instead
  --no-huge        DPDK without hugepages (the default when too few are free)
  --gw-ports OUT,IN        igmpgw's outside and inside PCI addresses (default: veths)
  --pktgen-ports UP,DN     pktgen's ports cabled to them, PCI addresses
  --gw-cpus MAIN,WORKER... igmpgw's CPUs: its main lcore, then a worker each
                   (default 0,1: one worker)
  --pktgen-cpus MAIN,W[,W] pktgen's CPUs: its main lcore, then one worker for both ports
                   or one per port (default: 1,0 on a 2-CPU box, the main lcores
                   sharing the other's polling CPU; else 2,3)
  --gw-set S.K=V   an igmpgw --set override on top of config/proxy-special.conf
  --build-pktgen   only build pktgen (or find it) and print its path

Environment: PKTGEN (a pktgen binary to use), PKTGEN_CACHE (where pktgen is built,
default $PKTGEN_CACHE), PKTGEN_TARBALL (its source, default
../shared/tools/pktgen-$PKTGEN_VERSION.tar.gz beside the main checkout), IGMPGW.
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=${2:?--duration needs seconds}; shift 2 ;;
	--rate) RATE=${2:?--rate needs a percentage}; shift 2 ;;
	--join-rate) JOIN_RATE=${2:?--join-rate needs a percentage}; shift 2 ;;
	--groups) NGROUPS=${2:?--groups needs a number}; shift 2 ;;
	--size) SIZE=${2:?--size needs bytes}; shift 2 ;;
	--prefix) NS_PREFIX=${2:?--prefix needs a value}; shift 2 ;;
	--json) JSON=$(realpath -m "${2:?--json needs a file}"); shift 2 ;;
	--build) BUILD=$(realpath -m "${2:?--build needs a directory}"); shift 2 ;;
	--no-huge) FORCE_NO_HUGE=1; shift ;;
	--gw-ports) GW_PORTS=${2:?--gw-ports needs OUT,IN}; shift 2 ;;
	--pktgen-ports) PG_PORTS=${2:?--pktgen-ports needs UP,DN}; shift 2 ;;
	--gw-cpus) GW_CPUS=${2:?--gw-cpus needs MAIN,WORKER...}; shift 2 ;;
	--pktgen-cpus) PG_CPUS=${2:?--pktgen-cpus needs MAIN,WORKER}; shift 2 ;;
	--gw-set) GW_SETS+=("${2:?--gw-set needs SECTION.KEY=VALUE}"); shift 2 ;;
	--build-pktgen) BUILD_ONLY=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

[[ $DURATION =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--duration: seconds"
if ! [[ $RATE =~ ^[0-9]+(\.[0-9]+)?$ && $JOIN_RATE =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
	die "--rate, --join-rate: a percentage of the link speed"
fi
if ! [[ $NGROUPS =~ ^[1-9][0-9]*$ ]] || [ "$NGROUPS" -gt 16384 ]; then
	die "--groups: 1 to 16384 (igmpgw's default limits.max_groups)"
fi
if ! [[ $SIZE =~ ^[0-9]+$ ]] || [ "$SIZE" -lt 64 ] || [ "$SIZE" -gt 1518 ]; then
	die "--size: 64 to 1518"
fi
if [ -z "$NS_PREFIX" ]; then
	NS_PREFIX=pg$(printf '%05x' $((RANDOM * 32 + RANDOM % 32)))
fi
# lab.sh's rule, so that ${NS_PREFIX}gw stays a short namespace name.
[[ $NS_PREFIX =~ ^[a-z][a-z0-9]{0,8}$ ]] || die "--prefix '$NS_PREFIX' must match [a-z][a-z0-9]{0,8}"
if [ -n "$GW_PORTS$PG_PORTS" ]; then
	if ! [[ $GW_PORTS =~ ^[^,]+,[^,]+$ && $PG_PORTS =~ ^[^,]+,[^,]+$ ]]; then
		die "--gw-ports OUT,IN and --pktgen-ports UP,DN go together, two PCI addresses each"
	fi
fi
[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, af_packet, hugepages, apt-get)"

# ---- pktgen: built once per DPDK version into the cache ----
# The source tarball: PKTGEN_TARBALL, or ../shared/tools beside the main checkout (the
# main worktree's, when this is a git worktree).
pktgen_tarball()
{
	local common main

	if [ -n "${PKTGEN_TARBALL:-}" ]; then
		echo "$PKTGEN_TARBALL"
		return
	fi
	main=$ROOT
	if common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
		main=$(dirname "$common")
	fi
	echo "$main/../shared/tools/pktgen-$PKTGEN_VERSION.tar.gz"
}

# build_pktgen: sets PKTGEN, building it into PKTGEN_CACHE first if it is not there.
# Concurrent runs (a test and a benchmark) wait for one build under a lock.
build_pktgen()
{
	local dpdk dir tarball tmp start

	if [ -n "${PKTGEN:-}" ]; then
		[ -x "$PKTGEN" ] || die "PKTGEN=$PKTGEN is not an executable"
		return
	fi
	dpdk=$(pkg-config --modversion libdpdk 2>/dev/null) || die "no libdpdk-dev (pkg-config libdpdk)"
	dir=$PKTGEN_CACHE/pktgen-$PKTGEN_VERSION-dpdk$dpdk
	PKTGEN=$dir/pktgen
	[ -x "$PKTGEN" ] && return
	mkdir -p "$PKTGEN_CACHE"
	exec 9>"$PKTGEN_CACHE/.pktgen.lock"
	flock 9
	if [ ! -x "$PKTGEN" ]; then
		tarball=$(pktgen_tarball)
		[ -f "$tarball" ] || die "pktgen's source $tarball is missing (set PKTGEN_TARBALL, or PKTGEN to a built pktgen)"
		echo "$PKTGEN_SHA256  $tarball" | sha256sum --quiet -c - ||
			die "$tarball is not pktgen-$PKTGEN_VERSION (sha256 differs)"
		echo "bench: building pktgen $PKTGEN_VERSION against DPDK $dpdk into $dir" >&2
		start=$(date +%s)
		tmp=$(mktemp -d "$PKTGEN_CACHE/.build.XXXXXX")
		tar -xzf "$tarball" -C "$tmp"
		# -march=native already; pktgen would add -mavx2 whatever the CPU has.
		if ! meson setup "$tmp/build" "$tmp/pktgen-$PKTGEN_VERSION" -Dbuildtype=release \
			-Denable-avx=false -Denable-avx2=false >"$tmp/build.log" 2>&1 ||
			! nice ninja -C "$tmp/build" >>"$tmp/build.log" 2>&1; then
			tail -n 30 "$tmp/build.log" >&2
			rm -rf "$tmp"
			die "building pktgen failed"
		fi
		mkdir -p "$dir"
		install -m 755 "$tmp/build/app/pktgen" "$dir/pktgen.new"
		mv "$dir/pktgen.new" "$PKTGEN"
		rm -rf "$tmp"
		echo "bench: pktgen built in $(($(date +%s) - start)) s" >&2
	fi
	exec 9>&-
}

# Debian's packages (build tools, DPDK, iproute2, ethtool; scripts/setup.sh runs
# apt-get update before it installs anything missing).
if ! out=$(bash "$ROOT/scripts/setup.sh" 2>&1); then
	echo "$out" >&2
	die "scripts/setup.sh failed"
fi
build_pktgen
if [ "$BUILD_ONLY" = 1 ]; then
	echo "$PKTGEN"
	exit 0
fi
if [ -n "${IGMPGW:-}" ]; then
	[ -x "$IGMPGW" ] || die "IGMPGW=$IGMPGW is not an executable"
else
	build_igmpgw
fi

# ---- the CPUs: each program's polling lcore on its own CPU ----
if [ -z "$GW_CPUS" ]; then
	GW_CPUS=0,1
fi
if [ -z "$PG_CPUS" ]; then
	if [ "$(nproc)" -ge 4 ]; then
		PG_CPUS=2,3
	else
		# Two CPUs: each main lcore (mostly asleep) shares the other program's polling CPU.
		PG_CPUS=1,0
	fi
fi
# lcores_of CPUS: EAL's --lcores mapping lcore i to the i-th CPU of the list.
lcores_of()
{
	local i=0 c out=

	IFS=, read -ra cpus <<<"$1"
	for c in "${cpus[@]}"; do
		[[ $c =~ ^[0-9]+$ ]] || die "'$1': CPU numbers, comma separated"
		out+="${out:+,}$i@$c"
		i=$((i + 1))
	done
	[ "$i" -ge 2 ] || die "'$1': a main CPU and at least one worker CPU"
	echo "$out"
}
GW_LCORES=$(lcores_of "$GW_CPUS")
PG_LCORES=$(lcores_of "$PG_CPUS")
IFS=, read -ra pg_cpus <<<"$PG_CPUS"
[ "${#pg_cpus[@]}" -le 3 ] || die "--pktgen-cpus: a main CPU and one or two workers"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/igmpgw-bench-pktgen.XXXXXX")
echo "bench: logs, pcaps and commands in $WORK" >&2
GW_NS=${NS_PREFIX}gw
PG_NS=${NS_PREFIX}pg
NAMESPACES=()
FIFO_OPEN=0

bench_cleanup_more()
{
	local ns

	[ "$FIFO_OPEN" = 0 ] || exec 8>&-
	for ns in "${NAMESPACES[@]}"; do
		if ns_exists "$ns"; then
			end_ns_processes "$ns"
			ip netns del "$ns"
		fi
	done
}
bench_traps

# ---- the ports ----
# Veths: igmpgw's ends (out0, in0) in GW_NS carry the lab's gateway MACs, pktgen's (up0,
# dn0) in PG_NS the upstream source's and the first inside host's. No addresses: the
# kernels there answer nothing; af_packet hands every frame to the programs.
make_veths()
{
	local ns

	for ns in "$GW_NS" "$PG_NS"; do
		ns_exists "$ns" && die "namespace $ns exists already (another run with --prefix $NS_PREFIX?)"
		NAMESPACES+=("$ns")
		ensure_ns "$ns"
	done
	ensure_veth "$GW_NS" out0 "$PG_NS" up0
	ensure_veth "$GW_NS" in0 "$PG_NS" dn0
	ip -n "$GW_NS" link set dev out0 address "$(mac_of "${GW_OUTSIDE%/*}")"
	ip -n "$GW_NS" link set dev in0 address "$(mac_of "${GW_INSIDE%/*}")"
	ip -n "$PG_NS" link set dev up0 address "$(mac_of "$SOURCE")"
	ip -n "$PG_NS" link set dev dn0 address "$(mac_of "$HOST_BASE")"
	tune_if "$GW_NS" out0
	tune_if "$GW_NS" in0
	tune_if "$PG_NS" up0
	tune_if "$PG_NS" dn0
	for ns in "$GW_NS:out0" "$GW_NS:in0" "$PG_NS:up0" "$PG_NS:dn0"; do
		ip -n "${ns%%:*}" link set dev "${ns#*:}" up
	done
}

if [ -z "$GW_PORTS" ]; then
	make_veths
	# A ring of 4096 frames a port (af_packet's default is 512): a polling thread that
	# loses its CPU for a moment on a shared box does not lose frames at once.
	GW_OUT_PORT="net_af_packet0,iface=out0,framecnt=4096"
	GW_IN_PORT="net_af_packet1,iface=in0,framecnt=4096"
	GW_EAL=(--no-pci)
	GW_RUN=(ip netns exec "$GW_NS")
	# shellcheck disable=SC2054 # the commas are the devargs'
	PG_EAL=(--no-pci --vdev=net_af_packet0,iface=up0,framecnt=4096
		--vdev=net_af_packet1,iface=dn0,framecnt=4096)
	PG_RUN=(ip netns exec "$PG_NS")
	UP_NAME=net_af_packet0
	DN_NAME=net_af_packet1
	UP_ID=0
	DN_ID=1
	PORTS_DESC="veths between namespaces $GW_NS and $PG_NS (af_packet)"
	VETHS=(--veth "$GW_NS:out0" --veth "$GW_NS:in0" --veth "$PG_NS:up0" --veth "$PG_NS:dn0")
else
	IFS=, read -r GW_OUT_PORT GW_IN_PORT <<<"$GW_PORTS"
	IFS=, read -r UP_NAME DN_NAME <<<"$PG_PORTS"
	GW_EAL=(-a "$GW_OUT_PORT" -a "$GW_IN_PORT")
	GW_RUN=()
	PG_EAL=(-a "$UP_NAME" -a "$DN_NAME")
	PG_RUN=()
	# EAL numbers PCI ports in bus order.
	if [[ $UP_NAME < $DN_NAME ]]; then UP_ID=0; DN_ID=1; else UP_ID=1; DN_ID=0; fi
	VETHS=()
	PORTS_DESC="PCI: igmpgw outside $GW_OUT_PORT, inside $GW_IN_PORT; pktgen $UP_NAME, $DN_NAME"
fi

# ---- igmpgw ----
MEM_MB=$GW_MEM_MB
bench_memory
GW_MEM_ARGS=("${MEM_ARGS[@]}")
GW_MEMORY=$MEMORY
GW_PREFIX=${NS_PREFIX}gw
PREFIXES+=("$GW_PREFIX")
SOCK=$WORK/igmpgw.sock
sets=(--set "outside.port=$GW_OUT_PORT" --set "outside.address=$GW_OUTSIDE"
	--set "inside.port=$GW_IN_PORT" --set "inside.address=$GW_INSIDE"
	--set "control.socket=$SOCK"
	# pktgen's ports count every frame they get: no kernel twin adding its own.
	--set exception.mode=none)
for s in "${GW_SETS[@]}"; do
	sets+=(--set "$s")
done
# Time for the join, both streams and the pauses between them.
START_EXTRA_SECONDS=$(awk -v d="$DURATION" 'BEGIN { printf "%d", 2 * d + 300 }')
SECONDS_WARMUP=0
SECONDS_MEASURE=0
start "$WORK/igmpgw.log" "${GW_RUN[@]}" "$IGMPGW" --lcores "$GW_LCORES" "${GW_MEM_ARGS[@]}" \
	--file-prefix "$GW_PREFIX" "${GW_EAL[@]}" -- -f "$ROOT/config/proxy-special.conf" "${sets[@]}"
GW_PID=$CHILD
GW_STARTED=$STARTED
for _ in $(seq 600); do
	grep -q 'running with' "$WORK/igmpgw.log" && break
	kill -0 "$GW_PID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q 'running with' "$WORK/igmpgw.log"; then
	tail -n 20 "$WORK/igmpgw.log" >&2
	die "igmpgw did not start (its log: $WORK/igmpgw.log)"
fi
GW_TELEMETRY=$(runtime_dir "$GW_PREFIX")/dpdk_telemetry.v2
GW_MAC=$(/usr/bin/python3 "$ROOT/scripts/pktgen_drive.py" --print-gw-mac \
	--gw-telemetry "$GW_TELEMETRY" --gw-pid "$GW_PID")

# ---- the traffic: reports to igmpgw's inside MAC, data to the same groups ----
/usr/bin/python3 "$ROOT/scripts/make-traffic.py" -o "$WORK" --reports "$NGROUPS" \
	--hosts "$NHOSTS_TRAFFIC" --host-base "$HOST_BASE" --gw-inside "${GW_INSIDE%/*}" \
	--gw-mac "$GW_MAC" --group-base "$GROUP_BASE" --queries 1 --data-sizes "$SIZE" \
	--data-groups "$NGROUPS" --data-group-base "$GROUP_BASE" --data-source "$SOURCE" \
	>"$WORK/make-traffic.log"

# ---- pktgen, its command line on a FIFO ----
# pktgen makes five pools of 24576 mbufs a port (rx, tx, range, rate, sequence) whatever
# it sends: about 600 MB for two. On veths nothing needs DMA: ordinary memory, and the
# hugepages stay for the gateways of other runs.
MEM_MB=$PG_MEM_MB
if [ -z "$GW_PORTS" ]; then
	FORCE_NO_HUGE=1 bench_memory
else
	bench_memory
fi
PG_MEM_ARGS=("${MEM_ARGS[@]}")
PG_PREFIX=${NS_PREFIX}pg
PREFIXES+=("$PG_PREFIX")
FIFO=$WORK/pktgen.cmd
mkfifo "$FIFO"
# Open for reading and writing: pktgen's open for reading does not wait for a writer.
exec 8<>"$FIFO"
FIFO_OPEN=1
if [ "${#pg_cpus[@]}" -ge 3 ]; then
	PG_MAP="1.$UP_ID,2.$DN_ID"
else
	PG_MAP="1.[0-1]"
fi
START_STDIN=$FIFO start "$WORK/pktgen.log" "${PG_RUN[@]}" "$PKTGEN" --lcores "$PG_LCORES" \
	"${PG_MEM_ARGS[@]}" --file-prefix "$PG_PREFIX" "${PG_EAL[@]}" -- -P -m "$PG_MAP" \
	-s "$UP_ID:$WORK/data-$SIZE.pcap" -s "$DN_ID:$WORK/unicast-reports.pcap"
PG_PID=$CHILD
PG_STARTED=$STARTED

REVISION=$(git -C "$ROOT" describe --always --dirty 2>/dev/null) || REVISION=unknown
cat <<EOF
igmpgw driven by pktgen-dpdk
command: $COMMAND
igmpgw:  $REVISION ($IGMPGW), config/proxy-special.conf, lcores $GW_LCORES, $GW_MEMORY ${GW_MEM_ARGS[*]}
pktgen:  $PKTGEN, lcores $PG_LCORES, -m "$PG_MAP", ${PG_MEM_ARGS[*]}
ports:   $PORTS_DESC
cpu:     $(cpu_model), $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)
traffic: $NGROUPS groups from $GROUP_BASE; reports from $NHOSTS_TRAFFIC hosts at $HOST_BASE.. to ${GW_INSIDE%/*} ($GW_MAC);
         $SIZE-byte UDP data from $SOURCE; each stream $DURATION s at $RATE% of the link speed

EOF
in_background "$WORK/pktgen.log" "$WORK/result.txt" /usr/bin/python3 "$ROOT/scripts/pktgen_drive.py" \
	--fifo "$FIFO" --pktgen-telemetry "$(runtime_dir "$PG_PREFIX")/dpdk_telemetry.v2" \
	--pktgen-pid "$PG_PID" --gw-telemetry "$GW_TELEMETRY" --gw-pid "$GW_PID" --control "$SOCK" \
	--up-name "$UP_NAME" --dn-name "$DN_NAME" --groups "$NGROUPS" --duration "$DURATION" \
	--rate "$RATE" --join-rate "$JOIN_RATE" ${JSON:+--json "$JSON"} "${VETHS[@]}"
cat "$WORK/result.txt"
# The driver's last command was "quit".
for _ in $(seq 100); do
	kill -0 "$PG_PID" 2>/dev/null || break
	sleep 0.1
done
finish_quietly()
{
	stop_pid "$1"
	forget_pid "$1"
}
finish_quietly "$PG_STARTED"
finish_quietly "$GW_STARTED"
echo
echo "Logs, pcaps and commands: $WORK"
