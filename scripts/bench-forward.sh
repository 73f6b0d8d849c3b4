#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Multicast data forwarding throughput, against baselines in the same command: a pcap
# port replays UDP multicast frames forever into the active outside, null ports take
# what is forwarded, one lcore polls. For each frame size:
#   testpmd         dpdk-testpmd io forwarding, pcap -> one null port (the ceiling)
#   igmpgw          1, 2 and 4 inside ports; the groups are joined in its forwarding
#                   table through the control socket before the measurement
#   ipv4_multicast  DPDK's reference multicast forwarder (examples/ipv4_multicast,
#                   from Debian's dpdk-doc), built here from a patched copy
# then the same igmpgw with 1, 1000, 100000 and 1000000 joined groups, the traffic spread
# over all of them: whether the lookup slows down as the table grows (rates against the
# first of them, one group), with the table's bytes per group and the time the control
# socket takes to answer status with that many groups.
# With --workers LIST only the scaling over workers instead: for each count W, the same
# pcap dealt round robin over W RX queues of the pcap port (one rx_pcap a queue), igmpgw
# with W workers (a queue each) and testpmd io with W forwarding cores; the aggregate rate
# and its ratio to one worker's (target on a 2-core box: 2 workers >= 1.8x one).
#
# Rates are per second of the polling thread's CPU time (scripts/bench-lib.sh), so that
# other load on a shared machine does not skew the ratios. Targets: igmpgw with one
# inside port >= 0.9 of testpmd and >= ipv4_multicast; every scale run >= 1/1.1 of the
# one-group run, status answered in under 50 ms.
# --profile adds where each program's polling thread spends its time (perf).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
COMMAND="$0${*:+ $*}"
BUILD=$ROOT/build-bench3
SECONDS_MEASURE=4
SECONDS_WARMUP=1
REPEAT=1
FORCE_NO_HUGE=0
PROFILE_ON=0
MEM_MB=256
SIZES=(64 1400)
INSIDE_PORTS=(1 2 4)
SCALE_GROUPS=(1 1000 100000 1000000)
JOINED=1024              # groups joined for the size/port runs, one frame each
GROUP_BASE=232.1.0.1
# The pcap PMD's infinite_rx keeps every frame of the file in an mbuf of the port's
# pool for the whole run. igmpgw's pool counts them (ports.c reads the rx_pcap files),
# but testpmd's is --total-num-mbufs=32767 and $MEM_MB MB must hold both: the scale
# pcaps stop at this.
SCALE_FRAMES=24576
MAX_GROUPS=1000000       # [limits]: the same table size in every igmpgw run
WORKERS=()               # --workers: worker counts of the scaling runs (none: the rest)

usage()
{
	cat <<EOF
usage: $(basename "$0") [--seconds N] [--warmup N] [--repeat N] [--no-huge] [--build DIR]
                        [--sizes LIST] [--inside LIST] [--scale LIST] [--profile]
                        [--workers LIST]

  --seconds N   measured seconds of each run; the median one-second rate counts
                (default $SECONDS_MEASURE)
  --warmup N    seconds each run forwards before the measurement starts (default $SECONDS_WARMUP)
  --repeat N    runs of each program per case, taken in turn; the best counts (default 1)
  --no-huge     run DPDK without hugepages (the default when fewer than $MEM_MB MB of
                free hugepages are there)
  --build DIR   meson build directory, set up as a release build if missing
                (default build-bench3); ipv4_multicast is built in DIR/ipv4_multicast
  --sizes LIST  frame sizes, FCS included, comma separated, 64 to 1500
                (default $(IFS=,; echo "${SIZES[*]}"))
  --inside LIST inside port counts, comma separated, from 1, 2 and 4 (default $(IFS=,; echo "${INSIDE_PORTS[*]}"))
  --scale LIST  joined groups of the scale runs, comma separated, each 1 to $MAX_GROUPS
                (default $(IFS=,; echo "${SCALE_GROUPS[*]}"))
  --profile     after the first run of each program in every case (size and inside port
                count), sample its polling thread with perf for 3 s: the share of time in
                the poll mode drivers, the rate ratio those shares predict, and the
                largest functions of the program's own code
  --workers LIST  only the scaling over workers, e.g. 1,2 (or 1,2,4,8,16 on a bigger box):
                the $JOINED-frame pcap of each size (--sizes, default 64 here) dealt over
                as many RX queues as workers, 1 inside port; igmpgw with that many
                workers, testpmd io with that many cores
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECONDS_MEASURE=${2:?--seconds needs a value}; shift 2 ;;
	--warmup) SECONDS_WARMUP=${2:?--warmup needs a value}; shift 2 ;;
	--repeat) REPEAT=${2:?--repeat needs a value}; shift 2 ;;
	--no-huge) FORCE_NO_HUGE=1; shift ;;
	--profile) PROFILE_ON=1; shift ;;
	--build) BUILD=$(realpath -m "${2:?--build needs a directory}"); shift 2 ;;
	--sizes) IFS=, read -ra SIZES <<<"${2:?--sizes needs a list}"; SIZES_GIVEN=1; shift 2 ;;
	--inside) IFS=, read -ra INSIDE_PORTS <<<"${2:?--inside needs a list}"; shift 2 ;;
	--scale) IFS=, read -ra SCALE_GROUPS <<<"${2:?--scale needs a list}"; shift 2 ;;
	--workers) IFS=, read -ra WORKERS <<<"${2:?--workers needs a list}"; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
check_common_options
if [ ${#WORKERS[@]} -gt 0 ]; then
	[ "${SIZES_GIVEN:-0}" = 1 ] || SIZES=(64)
	for n in "${WORKERS[@]}"; do
		if ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt 64 ]; then
			die "--workers: $n is not a worker count from 1 to 64"
		fi
	done
fi
[ ${#SIZES[@]} -gt 0 ] || die "--sizes: at least one frame size"
for n in "${SIZES[@]}"; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ "$n" -lt 64 ] || [ "$n" -gt 1500 ]; then
		die "--sizes: $n is not a frame size from 64 to 1500"
	fi
done
[ ${#INSIDE_PORTS[@]} -gt 0 ] || die "--inside: at least one port count"
for n in "${INSIDE_PORTS[@]}"; do
	case $n in
	1|2|4) ;;
	*) die "--inside: $n: ipv4_multicast's groups reach 1, 2 or 4 ports" ;;
	esac
done
[ ${#SCALE_GROUPS[@]} -gt 0 ] || die "--scale: at least one group count"
for n in "${SCALE_GROUPS[@]}"; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt "$MAX_GROUPS" ]; then
		die "--scale: $n is not a group count from 1 to $MAX_GROUPS"
	fi
done
case $BUILD in *,*) die "--build: the path may not contain a comma (it goes into devargs)" ;; esac

command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found (scripts/setup.sh installs it)"
pkg-config --exists libdpdk 2>/dev/null ||
	die "libdpdk's pkg-config file not found (scripts/setup.sh installs libdpdk-dev)"

# ---- builds: igmpgw, and DPDK's reference forwarder from a patched copy ----
build_igmpgw
WORK=$BUILD/bench-forward
mkdir -p "$WORK"
SOCK=$WORK/ctl.sock
[ ${#SOCK} -lt 100 ] || die "--build: $SOCK is too long for a unix socket path"

# ipv4_multicast: DPDK's example as Debian ships it (dpdk-doc), copied and patched here,
# never into the repository. Its ports request RTE_ETH_TX_OFFLOAD_MULTI_SEGS, which
# net_null (and net_pcap) do not announce, so rte_eth_dev_configure() refuses them; the
# one-line patch masks the request with the port's capabilities, as DPDK's newer
# examples do. The null PMD frees chained replicas whole, so nothing else changes.
build_ipv4_multicast()
{
	local src dir=$BUILD/ipv4_multicast

	src=$(dpkg -L dpdk-doc 2>/dev/null | grep '/ipv4_multicast/main\.c$' | head -n 1) || true
	if [ -z "$src" ] || [ ! -f "$src" ]; then
		die "DPDK's examples/ipv4_multicast not found: install dpdk-doc (scripts/setup.sh)"
	fi
	mkdir -p "$dir"
	sed 's|^\t\t/\* get the lcore_id for this port \*/|\t\t/* bench-forward.sh: request only the Tx offloads the port has */\n\t\tlocal_port_conf.txmode.offloads \&= dev_info.tx_offload_capa;\n\n&|' \
		"$src" >"$dir/main.c.new"
	grep -q 'txmode.offloads &= dev_info.tx_offload_capa' "$dir/main.c.new" ||
		die "$src: cannot patch it (another DPDK version?)"
	if [ -x "$dir/dpdk-ipv4_multicast" ] && cmp -s "$dir/main.c.new" "$dir/main.c"; then
		rm -f "$dir/main.c.new"
	else
		mv "$dir/main.c.new" "$dir/main.c"
		# The flags of the example's own Makefile.
		# shellcheck disable=SC2046
		if ! out=$(cc -O3 $(pkg-config --cflags libdpdk) -DALLOW_EXPERIMENTAL_API \
			"$dir/main.c" -o "$dir/dpdk-ipv4_multicast" $(pkg-config --libs libdpdk) 2>&1); then
			echo "$out" >&2
			die "cannot build ipv4_multicast"
		fi
	fi
	IPV4MC=$dir/dpdk-ipv4_multicast
}
[ ${#WORKERS[@]} -gt 0 ] || build_ipv4_multicast

# ---- traffic ----
# ipv4_multicast's groups are compiled in (mcast_group_table in its main.c): 224.0.0.101
# + m - 1 goes to the ports of bitmask m, so with the null ports first (ports 0-3) and
# the pcap port last, 224.0.0.101 goes to null0, .103 to null0-1 and .115 to null0-3.
# igmpgw never forwards 224.0.0.0/24 (link-local, RFC 5771), so it gets 232/8 groups.
IPV4MC_GROUP=([1]=224.0.0.101 [2]=224.0.0.103 [4]=224.0.0.115)
TRAFFIC=$WORK/traffic
make_traffic()
{
	local dir=$TRAFFIC/$1

	shift
	/usr/bin/python3 "$ROOT/scripts/make-traffic.py" -o "$dir" --data-only "$@" >/dev/null ||
		die "make-traffic.py $* failed"
}
sizes=$(IFS=,; echo "${SIZES[*]}")
make_traffic joined --data-sizes "$sizes" --data-groups "$JOINED" --data-group-base "$GROUP_BASE"
for w in "${WORKERS[@]}"; do
	# The same frames dealt over w files, one per RX queue (infinite_rx keeps each
	# queue's file in mbufs of the pool: $JOINED in all, whatever w).
	[ "$w" = 1 ] || make_traffic "workers-$w" --data-sizes "$sizes" --data-groups "$JOINED" \
		--data-group-base "$GROUP_BASE" --data-split "$w"
done
[ ${#WORKERS[@]} -eq 0 ] || INSIDE_PORTS=() SCALE_GROUPS=()
for k in "${INSIDE_PORTS[@]}"; do
	make_traffic "ipv4mc-$k" --data-sizes "$sizes" --data-group-list "${IPV4MC_GROUP[$k]}" \
		--data-packets "$JOINED"
done
for n in "${SCALE_GROUPS[@]}"; do
	make_traffic "scale-$n" --data-sizes 64 --data-groups "$n" --data-group-base "$GROUP_BASE" \
		--data-packets "$SCALE_FRAMES"
done

bench_traps
bench_memory

# ---- the gateway's control socket: joins and counters ----
# gw_ctl join PID N: joins groups GROUP_BASE.. +N-1 on every inside port ("report", 256
# groups a request; a request the worker has no room for yet is sent again), checks the
# table holds N groups, prints <seconds> <groups> <memory_bytes> <VmRSS delta, kB>
# <status ms: the median of 11 status requests, sent to answer, with the N groups held>.
# gw_ctl stats: prints igmpgw's counters summed over its ports: <mcast_received>
# <mcast_forwarded> <mcast_no_members> <no_mbuf> <tx_dropped>.
# gw_ctl workers: prints the number of workers, then each one's rx_packets.
gw_ctl()
{
	exec /usr/bin/python3 - "$SOCK" "$GROUP_BASE" "$@" <<'EOF'
import ipaddress
import json
import signal
import socket
import sys
import time

path, base, mode = sys.argv[1], int(ipaddress.IPv4Address(sys.argv[2])), sys.argv[3]
signal.signal(signal.SIGINT, lambda *_: sys.exit(1))


def fail(msg):
    sys.exit("bench: control socket: " + msg)


deadline = time.monotonic() + 30
while True:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        break
    except OSError:
        sock.close()
        if time.monotonic() > deadline:
            fail("nothing answers on " + path)
        time.sleep(0.1)
f = sock.makefile("rwb")


def request(obj):
    f.write((json.dumps(obj) + "\n").encode())
    f.flush()
    line = f.readline()
    if not line:
        fail("igmpgw closed the connection")
    return json.loads(line)


def rss_kb(pid):
    with open("/proc/%s/status" % pid) as st:
        for line in st:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


if mode == "join":
    pid, n = sys.argv[4], int(sys.argv[5])
    rss = rss_kb(pid)
    t0 = time.monotonic()
    for off in range(0, n, 256):
        items = [{"group": str(ipaddress.IPv4Address(base + i))}
                 for i in range(off, min(n, off + 256))]
        for _ in range(500):
            reply = request({"cmd": "report", "items": items})
            if reply.get("ok"):
                break
            # ENOBUFS: the reports wait in a ring the worker drains; give it time.
            time.sleep(0.01)
        else:
            fail("report refused: %s" % reply.get("error"))
    seconds = time.monotonic() - t0
    fwd = request({"cmd": "status"}).get("forwarding", {})
    if fwd.get("groups") != n:
        fail("%s groups in the forwarding table, %d joined" % (fwd.get("groups"), n))
    took = []
    for _ in range(11):
        t1 = time.monotonic()
        request({"cmd": "status"})
        took.append((time.monotonic() - t1) * 1000)
    print("%.2f %d %d %d %.1f" % (seconds, n, fwd["memory_bytes"], rss_kb(pid) - rss,
                                  sorted(took)[5]))
elif mode == "workers":
    # The workers igmpgw runs and what each received: <n> <rx_packets>...
    ws = request({"cmd": "status"}).get("workers") or []
    print(len(ws), " ".join(str(w.get("rx_packets", 0)) for w in ws))
elif mode == "stats":
    reply = request({"cmd": "stats"})
    if not reply.get("ok"):
        fail("stats: %s" % reply.get("error"))
    names = ("mcast_received", "mcast_forwarded", "mcast_no_members", "no_mbuf", "tx_dropped")
    ports = reply["ports"].values()
    print(" ".join(str(sum(p.get(c, 0) for p in ports)) for c in names))
else:
    fail("unknown mode " + mode)
EOF
}

# ---- runs ----
# vdevs K PCAP...: the null ports first (ipv4_multicast's group table names ports by
# number), then the pcap port with an RX queue per PCAP, and as many TX queues (tx_pcap)
# for igmpgw's upstream reports.
vdevs()
{
	local k=$1 i rx="" tx=""

	shift
	for ((i = 0; i < k; i++)); do
		echo "--vdev=net_null$i,no-rx=1"
	done
	for i in "$@"; do
		rx+=",rx_pcap=$i"
		tx+=",tx_pcap=/dev/null"
	done
	echo "--vdev=net_pcap0$rx,infinite_rx=1$tx"
}

new_prefix()
{
	PREFIX="igwf$$_$1"
	PREFIXES+=("$PREFIX")
}

# run_testpmd NAME PCAP: the baseline, pcap -> net_null0; sets RATES.
run_testpmd()
{
	local log=$WORK/$1-testpmd.log eal

	new_prefix "$1tp"
	mapfile -t eal < <(vdevs 1 "$2")
	# Room for the whole pcap (infinite_rx holds it in mbufs) and the queues.
	start "$log" dpdk-testpmd -l 0-1 "${MEM_ARGS[@]}" --no-pci "${eal[@]}" \
		--file-prefix "$PREFIX" -- --total-num-mbufs=32767 --forward-mode=io --auto-start \
		--stats-period 5
	measure_run "$log" "$CHILD" "$PREFIX"
}

# run_ipv4mc NAME K PCAP: DPDK's forwarder, every port polled by its main lcore (it sets up
# a tx queue per lcore on every port, and net_pcap has one); sets RATES.
run_ipv4mc()
{
	local log=$WORK/$1-ipv4mc.log k=$2 eal

	new_prefix "$1mc"
	mapfile -t eal < <(vdevs "$k" "$3")
	start "$log" "$IPV4MC" -l 1 "${MEM_ARGS[@]}" --no-pci "${eal[@]}" --file-prefix "$PREFIX" \
		-- -p "$(printf '%x' $(((1 << (k + 1)) - 1)))" -q $((k + 1))
	MEASURE_THREAD=main measure_run "$log" "$CHILD" "$PREFIX"
}

# write_conf FILE K: the gateway with K inside ports, forwarding on, groups joined by clients.
write_conf()
{
	local i

	{
		echo "; written by scripts/bench-forward.sh"
		printf '[outside]\nport = net_pcap0\naddress = 10.200.1.2/24\n'
		printf '[inside]\nport = net_null0\naddress = 10.200.0.1/24\n'
		for ((i = 2; i <= $2; i++)); do
			printf '[inside%d]\nport = net_null%d\naddress = 10.200.%d.1/24\n' \
				"$i" $((i - 1)) $((i + 1))
		done
		cat <<EOF
[forward]
enabled = yes
[limits]
max_groups = $MAX_GROUPS
max_groups_per_port = $MAX_GROUPS
[exception]
mode = none
[control]
socket = $SOCK
[igmp]
membership_reports_to_network = yes
EOF
	} >"$1"
}

# run_igmpgw NAME K PCAP N: the gateway with K inside ports and N groups joined; sets RATES,
# JOIN (gw_ctl join's output) and CHECK (its counters over the measurement: received,
# forwarded, dropped for want of members, mbufs or tx room).
run_igmpgw()
{
	local log=$WORK/$1-igmpgw.log conf=$WORK/$1.conf k=$2 n=$4 eal before after

	new_prefix "$1gw"
	write_conf "$conf" "$k"
	mapfile -t eal < <(vdevs "$k" "$3")
	rm -f "$SOCK"
	START_EXTRA_SECONDS=60 start "$log" "$IGMPGW" -l 0-1 "${MEM_ARGS[@]}" --no-pci "${eal[@]}" \
		--file-prefix "$PREFIX" -- -f "$conf"
	in_background "$log" "$WORK/join" gw_ctl join "$CHILD" "$n"
	JOIN=$(<"$WORK/join")
	in_background "$log" "$WORK/stats" gw_ctl stats
	read -ra before <"$WORK/stats"
	in_background "$log" "$WORK/rates" measure "$CHILD" "$PREFIX"
	RATES=$(<"$WORK/rates")
	in_background "$log" "$WORK/stats" gw_ctl stats
	read -ra after <"$WORK/stats"
	finish "$log"
	CHECK=$(awk -v k="$k" -v r=$((after[0] - before[0])) -v f=$((after[1] - before[1])) \
		-v d=$((after[2] - before[2] + after[3] - before[3] + after[4] - before[4])) 'BEGIN {
		# Every frame in gives k out; the counters are read in flight, a burst apart.
		slack = k * (1000 + r / 10000)
		good = r > 0 && d == 0 && f >= k * r - slack && f <= k * r + slack
		if (good)
			print "ok"
		else
			printf "BAD:in=%d,out=%d,dropped=%d\n", r, f, d }')
}

declare -A BEST
# keep KEY: RATES becomes BEST[KEY] when it forwards more (other load only slows a run).
keep()
{
	local old new

	read -ra new <<<"$RATES"
	read -ra old <<<"${BEST[$1]:-0}"
	if [ "${new[0]}" -gt "${old[0]}" ]; then
		BEST[$1]="$RATES${2:+ $2}"
	fi
}

progress()
{
	local rates

	read -ra rates <<<"$RATES"
	echo "bench: $1: $(describe "${rates[@]}"), in $(awk -v i="${rates[5]}" \
		'BEGIN { printf "%.2f", i / 1e6 }') Mpps${2:+, $2}" >&2
}

CPU_MODEL=$(cpu_model)
HYPERVISOR=$(lscpu 2>/dev/null | awk -F': *' '/^Hypervisor vendor/ {print " (" $2 " guest)"}') || true
REVISION=$(git -C "$ROOT" describe --always --dirty 2>/dev/null) || REVISION=unknown
cat <<EOF
igmpgw multicast forwarding benchmark
command: $COMMAND
igmpgw:  $REVISION, release build in $BUILD
cpu:     $CPU_MODEL$HYPERVISOR, $(nproc) cores; every program polls on one lcore${WORKERS[0]:+ (--workers: on W)}
load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) when the benchmark started
memory:  $MEMORY, ${MEM_ARGS[*]} for each program
EOF
echo "bench: ${SECONDS_WARMUP} s warm-up + ${SECONDS_MEASURE} s measured per run," \
	"best of $REPEAT" >&2

# profile_file PROGRAM SIZE K RUN: where --profile puts that run's perf samples, if it
# does (the first run of every case; testpmd's with the first inside port count).
profile_file()
{
	if [ "$PROFILE_ON" = 1 ] && [ "$4" = 1 ]; then
		echo "$WORK/$1-$2-$3.perf"
	fi
}

# scale_profile_file WHAT RUN: the same for the scale runs (WHAT: testpmd or a group count).
scale_profile_file()
{
	if [ "$PROFILE_ON" = 1 ] && [ "$2" = 1 ]; then
		echo "$WORK/scale-$1.perf"
	fi
}

# field KEY N: the Nth word of BEST[KEY] (0 when there is none).
field()
{
	local f

	read -ra f <<<"${BEST[$1]:-}"
	echo "${f[$2]:-0}"
}

# ---- scaling over workers (--workers) ----
# worker_lcores N: EAL's --lcores for a main lcore and N workers, lcore i on CPU i modulo
# the CPUs there are (-l 0-N where there are enough; on 2 CPUs the main lcore, mostly
# asleep, shares the first worker's).
worker_lcores()
{
	local i out="" n

	n=$(nproc)
	for ((i = 0; i <= $1; i++)); do
		out+="${out:+,}$i@$((i % n))"
	done
	echo "$out"
}

# queue_pcaps W SIZE: the pcap files of W RX queues, one a line.
queue_pcaps()
{
	local i

	if [ "$1" = 1 ]; then
		echo "$TRAFFIC/joined/data-$2.pcap"
		return
	fi
	for ((i = 0; i < $1; i++)); do
		echo "$TRAFFIC/workers-$1/data-$2.$i.pcap"
	done
}

# run_testpmd_cores NAME W SIZE: testpmd io with W forwarding cores, an RX and TX queue
# each, on the W-queue pcap port -> net_null0; sets RATES (per mean core).
run_testpmd_cores()
{
	local log=$WORK/$1-testpmd.log w=$2 eal pcaps

	new_prefix "$1tp"
	mapfile -t pcaps < <(queue_pcaps "$w" "$3")
	mapfile -t eal < <(vdevs 1 "${pcaps[@]}")
	start "$log" dpdk-testpmd --lcores "$(worker_lcores "$w")" "${MEM_ARGS[@]}" --no-pci \
		"${eal[@]}" --file-prefix "$PREFIX" -- --total-num-mbufs=32767 --nb-cores="$w" \
		--rxq="$w" --txq="$w" --forward-mode=io --auto-start --stats-period 5
	MEASURE_THREAD=workers measure_run "$log" "$CHILD" "$PREFIX"
}

# run_igmpgw_workers NAME W SIZE: igmpgw with W workers on the W-queue pcap port, one
# inside port, $JOINED groups joined; sets RATES (per mean worker CPU second), CHECK (as
# run_igmpgw's) and SHARES (each worker's part of what was received, in %).
run_igmpgw_workers()
{
	local log=$WORK/$1-igmpgw.log conf=$WORK/$1.conf w=$2 eal pcaps before after wb wa

	new_prefix "$1gw"
	write_conf "$conf" 1
	mapfile -t pcaps < <(queue_pcaps "$w" "$3")
	mapfile -t eal < <(vdevs 1 "${pcaps[@]}")
	rm -f "$SOCK"
	START_EXTRA_SECONDS=60 start "$log" "$IGMPGW" --lcores "$(worker_lcores "$w")" \
		"${MEM_ARGS[@]}" --no-pci "${eal[@]}" --file-prefix "$PREFIX" -- -f "$conf"
	in_background "$log" "$WORK/join" gw_ctl join "$CHILD" "$JOINED"
	in_background "$log" "$WORK/workers" gw_ctl workers
	read -ra wb <"$WORK/workers"
	if [ "${wb[0]}" != "$w" ]; then
		finish "$log"
		die "igmpgw runs ${wb[0]} worker(s) with --lcores $(worker_lcores "$w"), not $w (its log: $log)"
	fi
	in_background "$log" "$WORK/stats" gw_ctl stats
	read -ra before <"$WORK/stats"
	MEASURE_THREAD=workers in_background "$log" "$WORK/rates" measure "$CHILD" "$PREFIX"
	RATES=$(<"$WORK/rates")
	in_background "$log" "$WORK/stats" gw_ctl stats
	read -ra after <"$WORK/stats"
	in_background "$log" "$WORK/workers" gw_ctl workers
	read -ra wa <"$WORK/workers"
	finish "$log"
	CHECK=$(awk -v r=$((after[0] - before[0])) -v f=$((after[1] - before[1])) \
		-v d=$((after[2] - before[2] + after[3] - before[3] + after[4] - before[4])) 'BEGIN {
		slack = 1000 + r / 10000
		if (r > 0 && d == 0 && f >= r - slack && f <= r + slack)
			print "ok"
		else
			printf "BAD:in=%d,out=%d,dropped=%d\n", r, f, d }')
	SHARES=$(awk -v b="${wb[*]}" -v a="${wa[*]}" 'BEGIN {
		n = split(b, x, " "); split(a, y, " ")
		for (i = 2; i <= n; i++) { d[i] = y[i] - x[i]; t += d[i] }
		for (i = 2; i <= n; i++) printf "%s%.0f", (i > 2 ? "/" : ""), t ? 100 * d[i] / t : 0 }')
}

if [ ${#WORKERS[@]} -gt 0 ]; then
	for size in "${SIZES[@]}"; do
		for run in $(seq "$REPEAT"); do
			for w in "${WORKERS[@]}"; do
				tag="$size B, $w worker(s), run $run"
				run_testpmd_cores "w$size-$w" "$w" "$size"
				progress "$tag, testpmd"
				keep "wtp:$size:$w"
				run_igmpgw_workers "w$size-$w" "$w" "$size"
				progress "$tag, igmpgw" "counters $CHECK, workers' shares $SHARES %"
				keep "wgw:$size:$w" "$CHECK $SHARES"
			done
		done
	done
	w1=${WORKERS[0]}
	cat <<EOF
ports:   net_pcap0 (W rx_pcap, infinite_rx, W tx_pcap=/dev/null) -> net_null0 (no-rx)
rates:   aggregate, per mean second of the polling threads' CPU time (what W dedicated
         cores would do together), median of $SECONDS_MEASURE one-second windows after ${SECONDS_WARMUP} s of warm-up,
         best of $REPEAT; in = net_pcap0 ipackets (every queue), out = net_null0 opackets
lcores:  main + W workers, lcore i on CPU i mod $(nproc)

3. Workers: the $JOINED-frame pcap (a frame a group, $JOINED groups joined) dealt round robin over
   W RX queues, a queue a worker (testpmd: a forwarding core); 1 inside port.

frame  workers  testpmd io          igmpgw                              igmpgw  W vs $w1   igmpgw     workers'
bytes  W        Mpps    vs $w1       in Mpps  out Mpps  CPU    vs $w1     /tp     >=1.8    counters   rx shares %
EOF
	for size in "${SIZES[@]}"; do
		for w in "${WORKERS[@]}"; do
			awk -v s="$size" -v w="$w" -v w1="$w1" -v tp="$(field "wtp:$size:$w" 0)" \
				-v tp1="$(field "wtp:$size:$w1" 0)" -v g1="$(field "wgw:$size:$w1" 5)" \
				-v gi="$(field "wgw:$size:$w" 5)" -v go="$(field "wgw:$size:$w" 0)" \
				-v cpu="$(field "wgw:$size:$w" 2)" \
				-v chk="$(field "wgw:$size:$w" 6)" -v sh="$(field "wgw:$size:$w" 7)" 'BEGIN {
				r = g1 > 0 ? gi / g1 : 0
				t = tp1 > 0 ? tp / tp1 : 0
				target = (w == 2 * w1) ? (r >= 1.8 ? "ok" : "LOW") : ""
				printf "%-6s %-8s %-7.2f %-11.2f %-8.2f %-9.2f %-6.2f %-10.2f %-7.2f %-8s %-10s %s\n",
					s, w, tp / 1e6, t, gi / 1e6, go / 1e6, cpu, r, (tp > 0 ? gi / tp : 0),
					target, chk, sh }'
		done
	done
	cat <<EOF

"vs $w1" is against the first count of --workers; ">=1.8" applies where W is twice it.
"CPU" is the igmpgw workers' mean share of a CPU: W workers on fewer CPUs share them, and
the rates are per CPU second, so an aggregate is what W dedicated cores would forward.
Logs, configs and pcaps: $WORK
EOF
	exit 0
fi

for size in "${SIZES[@]}"; do
	for k in "${INSIDE_PORTS[@]}"; do
		for run in $(seq "$REPEAT"); do
			tag="$size B, $k inside, run $run"
			if [ "$k" = "${INSIDE_PORTS[0]}" ]; then
				PROFILE=$(profile_file testpmd "$size" "$k" "$run") \
					run_testpmd "s$size" "$TRAFFIC/joined/data-$size.pcap"
				progress "$tag, testpmd"
				keep "tp:$size"
			fi
			PROFILE=$(profile_file igmpgw "$size" "$k" "$run") \
				run_igmpgw "s$size-$k" "$k" "$TRAFFIC/joined/data-$size.pcap" "$JOINED"
			progress "$tag, igmpgw" "counters $CHECK"
			keep "gw:$size:$k" "$CHECK"
			PROFILE=$(profile_file ipv4mc "$size" "$k" "$run") \
				run_ipv4mc "s$size-$k" "$k" "$TRAFFIC/ipv4mc-$k/data-$size.pcap"
			progress "$tag, ipv4_multicast"
			keep "mc:$size:$k"
		done
	done
done
for run in $(seq "$REPEAT"); do
	last=${SCALE_GROUPS[-1]}
	PROFILE=$(scale_profile_file testpmd "$run") \
		run_testpmd scale "$TRAFFIC/scale-$last/data-64.pcap"
	progress "scale, run $run, testpmd"
	keep tp:scale
	for n in "${SCALE_GROUPS[@]}"; do
		PROFILE=$(scale_profile_file "$n" "$run") \
			run_igmpgw "scale-$n" 1 "$TRAFFIC/scale-$n/data-64.pcap" "$n"
		progress "scale, $n groups, run $run, igmpgw" "counters $CHECK, joined in ${JOIN%% *} s"
		keep "scale:$n" "$CHECK $JOIN"
	done
done

# rx_share PERF_DATA: the pcap driver's share alone (its receive: the same work for
# every frame in, whatever the program does with it).
rx_share()
{
	perf report -i "$1" --no-children --sort dso --stdio 2>/dev/null | awk '
		/^#/ || NF < 2 { next }
		{ p = $1; sub(/%/, "", p); total += p }
		$2 ~ /^librte_net_pcap/ { rx += p }
		END { if (total > 0) printf "%.3f\n", rx / total; else print "-" }'
}

# top_functions PERF_DATA N: the N largest functions outside the poll mode drivers
# (what io_share leaves out), "name share%" each.
top_functions()
{
	perf report -i "$1" --no-children --sort dso,sym --stdio 2>/dev/null | awk -v n="$2" '
		/^#/ || NF < 4 { next }
		$2 ~ /^librte_net_/ || $2 ~ /^ld-linux/ { next }
		{ sub(/%/, "", $1); if (shown++ < n) printf "%s%s %.1f", (shown > 1 ? ", " : ""), $4, $1 }'
}

# ---- the table ----
mpps()
{
	awk -v x="$1" 'BEGIN { printf "%.2f", x / 1e6 }'
}

cat <<EOF
ports:   net_pcap0 (rx_pcap, infinite_rx, tx_pcap=/dev/null) -> net_null0..3 (no-rx);
         the same vdevs for every program
rates:   per second of the polling thread's CPU time (the wall-clock rate of a dedicated
         core), median of $SECONDS_MEASURE one-second windows after ${SECONDS_WARMUP} s of warm-up, best of $REPEAT;
         in = net_pcap0 ipackets, out = net_null* opackets summed (every replica)
frames:  UDP from 10.200.1.10, TTL 64, valid checksums; sizes count the FCS (64 = 60 bytes
         in the pcap)

1. Forwarding: $JOINED groups joined in igmpgw's table (control socket "report"), $JOINED frames
   per pcap, each to the next group. ipv4_multicast forwards only its compiled-in groups
   (224.0.0.101 -> port 0, .103 -> ports 0-1, .115 -> ports 0-3): its pcaps send the same
   $JOINED frames to the one group that reaches 1, 2 or 4 null ports.

                   testpmd  igmpgw                          ipv4_multicast  igmpgw/ipv4mc
frame  inside      io       in      out     in/tp  >=0.9    in      out     in     >=1.0   igmpgw
bytes  ports       Mpps     Mpps    Mpps                    Mpps    Mpps                   counters
EOF
for size in "${SIZES[@]}"; do
	for k in "${INSIDE_PORTS[@]}"; do
		tp=$(field "tp:$size" 0)
		gw_in=$(field "gw:$size:$k" 5)
		gw_out=$(field "gw:$size:$k" 0)
		mc_in=$(field "mc:$size:$k" 5)
		mc_out=$(field "mc:$size:$k" 0)
		awk -v s="$size" -v k="$k" -v tp="$tp" -v gi="$gw_in" -v go="$gw_out" -v mi="$mc_in" \
			-v mo="$mc_out" -v chk="$(field "gw:$size:$k" 6)" 'BEGIN {
			printf "%-6s %-11s ", s, k
			if (k == 1) {
				r = gi / tp
				printf "%-8.2f %-7.2f %-7.2f %-6.2f %-8s ", tp / 1e6, gi / 1e6, go / 1e6, r,
					(r >= 0.9 ? "ok" : "LOW")
			} else {
				printf "%-8s %-7.2f %-7.2f %-6s %-8s ", "", gi / 1e6, go / 1e6, "", ""
			}
			m = mi > 0 ? gi / mi : 0
			printf "%-7.2f %-7.2f %-6.2f %-7s %s\n", mi / 1e6, mo / 1e6, m,
				(m >= 1.0 ? "ok" : "LOW"), chk }'
	done
done

if [ "$PROFILE_ON" = 1 ]; then
	cat <<EOF

   Where the polling thread's time goes (perf for 3 s after each case's first run): "in
   PMDs" is the pcap and null drivers' receive and transmit (with the mbuf frees of what
   they send), testpmd io's whole job; "pcap rx" the pcap driver's part alone, which
   does the same work for every frame in, whatever the program and the port count: the
   ratio of two programs' pcap rx shares is the ratio of their rates with the machine's
   other load taken out. (The null driver's part is not: it frees what each program
   built, and a chain costs it more than a copy.)
frame  inside  in PMDs:                     pcap rx:                     igmpgw/ipv4mc     igmpgw/testpmd
bytes  ports   testpmd  igmpgw   ipv4mc     testpmd  igmpgw   ipv4mc     from pcap rx      from pcap rx
EOF
	for size in "${SIZES[@]}"; do
		tp=$WORK/testpmd-$size-${INSIDE_PORTS[0]}.perf
		for k in "${INSIDE_PORTS[@]}"; do
			gw=$WORK/igmpgw-$size-$k.perf mc=$WORK/ipv4mc-$size-$k.perf
			awk -v s="$size" -v k="$k" -v t="$(io_share "$tp")" -v g="$(io_share "$gw")" \
				-v m="$(io_share "$mc")" -v tr="$(rx_share "$tp")" -v gr="$(rx_share "$gw")" \
				-v mr="$(rx_share "$mc")" -v first="${INSIDE_PORTS[0]}" 'BEGIN {
				printf "%-6s %-7s %-8s %-8s %-10s %-8s %-8s %-10s %-17s %s\n", s, k,
					(k == first ? t : ""), g, m, (k == first ? tr : ""), gr, mr,
					(mr > 0 && gr != "-" ? sprintf("%.2f", gr / mr) : "-"),
					(k == first && tr > 0 && gr != "-" ? sprintf("%.2f", gr / tr) : "") }'
		done
	done
	echo
	echo "   Own code's largest functions (% of the polling thread's time; PMDs left out):"
	for size in "${SIZES[@]}"; do
		for k in "${INSIDE_PORTS[@]}"; do
			for prog in igmpgw ipv4mc; do
				printf '   %4s B %s port(s) %-7s %s\n' "$size" "$k" "$prog" \
					"$(top_functions "$WORK/$prog-$size-$k.perf" 6)"
			done
		done
	done
fi

fastest=0
slowest=
for n in "${SCALE_GROUPS[@]}"; do
	r=$(field "scale:$n" 0)
	[ "$r" -gt "$fastest" ] && fastest=$r
	{ [ -z "$slowest" ] || [ "$r" -lt "$slowest" ]; } && slowest=$r
done
first=$(field "scale:${SCALE_GROUPS[0]}" 0)
cat <<EOF

2. Scale: igmpgw, 1 inside port, 64-byte frames; $SCALE_FRAMES frames per pcap (the most
   the pcap port can replay from testpmd's 32767-mbuf pool), each to the next group, or
   strided over all the groups when there are more of them. [limits] max_groups is
   $MAX_GROUPS in every run; "table" is status forwarding.memory_bytes (the index grows
   with the groups held), "RSS +" the process's resident memory growth while joining (the
   control side's goIGMP-mode bookkeeping, forwarding.asked_memory_bytes; the table itself
   is in DPDK's preallocated memory), "B/group" the table's bytes over the groups held
   (from 100 000 groups, where they outweigh the fixed part),
   "status" the median time of 11 status requests answered with the groups held, "vs
   first" the rate against the first run (${SCALE_GROUPS[0]} joined).

joined    groups    igmpgw   vs       table      B/group  RSS +     join     status
groups    hit       Mpps     first    MB                  MB        s        ms       igmpgw counters
EOF
for n in "${SCALE_GROUPS[@]}"; do
	# BEST: rates(6) check join_seconds groups memory_bytes rss_kb status_ms
	awk -v n="$n" -v f="$SCALE_FRAMES" -v r="$(field "scale:$n" 0)" -v one="$first" \
		-v chk="$(field "scale:$n" 6)" -v js="$(field "scale:$n" 7)" \
		-v mem="$(field "scale:$n" 9)" -v rss="$(field "scale:$n" 10)" \
		-v st="$(field "scale:$n" 11)" 'BEGIN {
		# per group only where the groups, not the fixed part, make up the table
		bpg = n >= 100000 ? sprintf("%.0f", mem / n) : "-"
		printf "%-9d %-9d %-8.2f %-8.2f %-10.1f %-8s %-9.1f %-8s %-8s %s\n", n,
			n < f ? n : f, r / 1e6, r / one, mem / 1048576, bpg, rss / 1024, js, st,
			chk }'
done
awk -v s="$slowest" -v f="$fastest" -v tp="$(field tp:scale 0)" 'BEGIN {
	r = f / s
	printf "testpmd io on the same pcap: %.2f Mpps\n", tp / 1e6
	printf "fastest/slowest: %.2f (target <= 1.1: %s)\n", r, (r <= 1.1 ? "ok" : "HIGH") }'
if [ "$PROFILE_ON" = 1 ] && [ -f "$WORK/scale-testpmd.perf" ]; then
	echo "From the PMD shares (perf after the first run; other load taken out):"
	tp_share=$(io_share "$WORK/scale-testpmd.perf")
	for n in "${SCALE_GROUPS[@]}"; do
		echo "$n $(io_share "$WORK/scale-$n.perf")"
	done | awk -v t="$tp_share" '
		$2 == "-" || t == "-" || t == 0 { printf "  %-9s (no samples)\n", $1; next }
		{ r = $2 / t; printf "  %-9s groups: %.3f in the PMDs, %.2f of testpmd io\n", $1, $2, r
		  if (r > hi) hi = r; if (lo == "" || r < lo) lo = r }
		END { if (lo > 0) printf "  fastest/slowest from the shares: %.2f (target <= 1.1: %s)\n",
			hi / lo, (hi / lo <= 1.1 ? "ok" : "HIGH") }'
fi
cat <<EOF

Logs, configs and pcaps: $WORK
With pktgen-dpdk on a real gateway box (PCI ports cabled to igmpgw's; README, "Driven by
pktgen-dpdk"): scripts/bench-pktgen.sh --gw-ports OUT,IN --pktgen-ports UP,DN
EOF
