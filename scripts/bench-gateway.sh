#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Gateway throughput against a baseline in the same command: for each traffic stream,
# dpdk-testpmd io forwarding and then igmpgw run on the same vdevs (a pcap port replaying
# the stream forever, a null port taking the output), one lcore polling. The rate is the
# null port's opackets delta (ethdev telemetry, after a warm-up) per second of CPU time of
# the polling thread, so that other load on a shared machine does not skew the ratio
# igmpgw / testpmd (target: at least 0.8). igmpgw's own counters cross-check it.
#
#   streams:  translation  special unicast IGMPv2 reports -> inside; igmpgw sends them
#                          upstream as multicast (unicast_proxy_in_to_out)
#             query        IGMPv3/v2 general queries -> outside; igmpgw re-sends them
#                          inside (proxy_out_to_in)
#
# The same pcaps replay on a real gateway box with pktgen-dpdk (see the end of the output).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-bench2
SECONDS_MEASURE=5
SECONDS_WARMUP=2
REPEAT=1
FORCE_NO_HUGE=0
MEM_MB=256

usage()
{
	cat <<EOF
usage: $(basename "$0") [--seconds N] [--warmup N] [--repeat N] [--no-huge] [--build DIR]

  --seconds N   measured seconds of each run; the median one-second rate counts
                (default $SECONDS_MEASURE)
  --warmup N    seconds each run forwards before the measurement starts (default $SECONDS_WARMUP)
  --repeat N    runs of each program per stream, taken in turn; the best counts (default 1)
  --no-huge     run DPDK without hugepages (the default when fewer than $MEM_MB MB of
                free hugepages are there)
  --build DIR   meson build directory, set up as a release build if missing
                (default build-bench2)
EOF
}

die()
{
	echo "bench: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECONDS_MEASURE=${2:?--seconds needs a value}; shift 2 ;;
	--warmup) SECONDS_WARMUP=${2:?--warmup needs a value}; shift 2 ;;
	--repeat) REPEAT=${2:?--repeat needs a value}; shift 2 ;;
	--no-huge) FORCE_NO_HUGE=1; shift ;;
	--build) BUILD=$(realpath -m "${2:?--build needs a directory}"); shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $SECONDS_MEASURE =~ ^[1-9][0-9]*$ ]] || die "--seconds: a whole number of seconds, at least 1"
[[ $SECONDS_WARMUP =~ ^[0-9]+$ ]] || die "--warmup: a whole number of seconds"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "--repeat: a whole number of runs, at least 1"
case $BUILD in *,*) die "--build: the path may not contain a comma (it goes into devargs)" ;; esac

command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found (scripts/setup.sh installs it)"

# ---- build and traffic ----
if [ ! -f "$BUILD/build.ninja" ]; then
	if ! out=$(meson setup "$BUILD" "$ROOT" --werror -Dbuildtype=release 2>&1); then
		echo "$out" >&2
		die "meson setup $BUILD failed"
	fi
fi
if ! out=$(ninja -C "$BUILD" app/igmpgw/igmpgw 2>&1); then
	echo "$out" >&2
	die "cannot build igmpgw"
fi
IGMPGW=$BUILD/app/igmpgw/igmpgw
WORK=$BUILD/bench-gateway
mkdir -p "$WORK"
/usr/bin/python3 "$ROOT/scripts/make-traffic.py" -o "$WORK" >/dev/null

# ---- processes: every one we start is ended on the way out ----
PIDS=()
PREFIXES=()

runtime_dir()
{
	if [ "$(id -u)" -eq 0 ]; then
		echo "/var/run/dpdk/$1"
	else
		echo "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$1"
	fi
}

stop_pid()
{
	local pid=$1

	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	# SIGTERM: testpmd and igmpgw stop cleanly on it, and unlike SIGINT a background
	# job cannot have it ignored.
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# forget_pid PID: one of ours that has ended, so cleanup never signals a reused pid.
forget_pid()
{
	local i

	for i in "${!PIDS[@]}"; do
		if [ "${PIDS[$i]}" = "$1" ]; then
			unset "PIDS[$i]"
		fi
	done
}

cleanup()
{
	local p i

	# Newest first: a measurement ends before the program it reads.
	for i in $(printf '%s\n' "${!PIDS[@]}" | sort -rn); do
		stop_pid "${PIDS[$i]}"
	done
	PIDS=()
	for p in "${PREFIXES[@]}"; do
		rm -rf "$(runtime_dir "$p")"
		rm -f /dev/hugepages/"$p"map_* 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- EAL memory: hugepages when enough are free ----
hugepages_free_mb()
{
	local free size

	grep -q ' /dev/hugepages hugetlbfs' /proc/mounts || { echo 0; return; }
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	size=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
	echo $(( ${free:-0} * ${size:-0} / 1024 ))
}

if [ "$FORCE_NO_HUGE" -eq 0 ] && [ "$(hugepages_free_mb)" -ge "$MEM_MB" ]; then
	# Unlinked right after mapping: nothing is left in /dev/hugepages when a run ends.
	MEM_ARGS=(-m "$MEM_MB" --huge-unlink)
	MEMORY="hugepages ($(awk '/^Hugepagesize:/ {print $2 $3}' /proc/meminfo))"
else
	MEM_ARGS=(-m "$MEM_MB" --no-huge)
	MEMORY="no hugepages (--no-huge)"
	[ "$FORCE_NO_HUGE" -eq 1 ] || MEMORY="$MEMORY: fewer than $MEM_MB MB of hugepages free"
fi

# ---- measurement: telemetry counters and the polling thread's CPU time ----
# measure PID PREFIX [EGRESS INGRESS DECISION]: waits for net_null0 to send, warms up,
# then samples once a second. Prints the medians over those one-second windows of
#   <opackets per second of the polling thread's CPU time> <opackets per wall second>
#   <the thread's CPU share> <igmp_sent per wall second> <decision counter per wall second>
# (the last two "-" for testpmd). Per CPU second is what one dedicated core would do:
# it stays right when other processes take turns on the cores, as on a shared VM.
measure()
{
	# Run in the background, so exec: the job's pid is python's, stop_pid reaches it.
	exec /usr/bin/python3 - "$1" "$(runtime_dir "$2")/dpdk_telemetry.v2" "$SECONDS_WARMUP" \
		"$SECONDS_MEASURE" "${3:--}" "${4:--}" "${5:--}" <<'EOF'
import glob
import json
import os
import re
import signal
import socket
import sys
import time

pid, path = sys.argv[1], sys.argv[2]
warmup, seconds = int(sys.argv[3]), int(sys.argv[4])
egress, ingress, decision = sys.argv[5], sys.argv[6], sys.argv[7]


def fail(msg):
    sys.exit("bench: measure: " + msg)


# Ctrl-C reaches us too: end quietly, the script reports.
signal.signal(signal.SIGINT, lambda *_: sys.exit(1))


def connect(deadline):
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            s.connect(path)
            hello = json.loads(s.recv(4096).decode())
            return s, int(hello["max_output_len"])
        except (OSError, ValueError, KeyError):
            s.close()
            if not os.path.exists("/proc/" + pid):
                fail("the program exited")
            if time.monotonic() > deadline:
                fail("no telemetry on " + path)
            time.sleep(0.2)


deadline = time.monotonic() + 30
sock, maxlen = connect(deadline)


def query(cmd):
    sock.send(cmd.encode())
    reply = json.loads(sock.recv(maxlen).decode())
    return reply[cmd.split(",")[0]]


def null_port():
    while True:
        for port in query("/ethdev/list") or []:
            info = query("/ethdev/info,%d" % port)
            if info and info.get("name") == "net_null0":
                return port
        if time.monotonic() > deadline:
            fail("no port named net_null0")
        time.sleep(0.2)


def worker_schedstat():
    """The EAL worker thread (one polling lcore): its schedstat, ns on a CPU first."""
    for comm in glob.glob("/proc/%s/task/*/comm" % pid):
        try:
            with open(comm) as f:
                name = f.read().strip()
        except OSError:
            continue
        if re.fullmatch(r"(rte|lcore)-worker-\d+", name):
            return comm[:-len("comm")] + "schedstat"
    fail("no EAL worker thread in process %s" % pid)


def cpu_ns():
    with open(stat) as f:
        return int(f.read().split()[0])


def sample():
    opackets = query("/ethdev/stats,%d" % port)["opackets"]
    sent = got = 0
    if egress != "-":
        stats = query("/igmpgw/stats")
        sent = stats[egress]["igmp_sent"]
        got = stats[ingress][decision]
    return time.monotonic(), cpu_ns(), opackets, sent, got


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def forwarding():
    """True once net_null0 sends and, for igmpgw, both roles are open."""
    try:
        return sample()[2] > 0
    except (KeyError, TypeError):
        return False


port = null_port()
stat = worker_schedstat()
while not forwarding():
    if time.monotonic() > deadline:
        fail("net_null0 sent nothing")
    time.sleep(0.1)
time.sleep(warmup)
windows = []
prev = sample()
for _ in range(seconds):
    time.sleep(1)
    cur = sample()
    dt, dcpu = cur[0] - prev[0], (cur[1] - prev[1]) / 1e9
    if dcpu <= 0:
        fail("the polling thread got no CPU for a whole second")
    pk, sent, got = (c - p for c, p in zip(cur[2:], prev[2:]))
    windows.append((pk / dcpu, pk / dt, dcpu / dt, sent / dt, got / dt))
    prev = cur
rates = [median([w[i] for w in windows]) for i in range(5)]
print("%.0f %.0f %.3f" % tuple(rates[:3]), end=" ")
print("- -" if egress == "-" else "%.0f %.0f" % tuple(rates[3:]))
EOF
}

# start LOG CMD...: runs CMD in the background under timeout(1), so that it ends even if
# this script is killed outright; its output goes to LOG. Sets STARTED (the timeout
# process, which passes our SIGTERM on) and CHILD (CMD itself, whose threads are measured).
start()
{
	local log=$1 limit=$((SECONDS_WARMUP + SECONDS_MEASURE + 60))

	shift
	echo "+ $*" >"$log"
	timeout --signal=INT --kill-after=10 "$limit" "$@" </dev/null >>"$log" 2>&1 &
	STARTED=$!
	PIDS+=("$STARTED")
	CHILD=
	for _ in $(seq 50); do
		CHILD=$(pgrep -P "$STARTED" | head -n 1) && [ -n "$CHILD" ] && return 0
		sleep 0.1
	done
	echo "bench: $1 did not start; its output ($log):" >&2
	tail -n 20 "$log" >&2
	exit 1
}

# finish LOG: ends the run; a process that died on its own is a failed run.
finish()
{
	local log=$1

	if ! kill -0 "$CHILD" 2>/dev/null; then
		echo "bench: the run ended early; its output ($log):" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	stop_pid "$STARTED"
	forget_pid "$STARTED"
}

# measure_run LOG MEASURE_ARGS...: measures the started program, then ends it; sets RATES.
# The measurement runs in the background: "wait" lets a signal stop the script at once.
measure_run()
{
	local log=$1 pid

	shift
	measure "$@" >"$WORK/rates" &
	pid=$!
	PIDS+=("$pid")
	if ! wait "$pid"; then
		forget_pid "$pid"
		finish "$log"
		exit 1
	fi
	forget_pid "$pid"
	RATES=$(<"$WORK/rates")
	finish "$log"
}

# run_testpmd NAME PREFIX EAL...: one baseline run; sets RATES.
run_testpmd()
{
	local log=$WORK/$1-testpmd.log prefix=$2

	shift 2
	start "$log" dpdk-testpmd "$@" --file-prefix "$prefix" -- \
		--total-num-mbufs=16384 --forward-mode=io --auto-start --stats-period 5
	measure_run "$log" "$CHILD" "$prefix"
}

# run_igmpgw NAME CONF EGRESS INGRESS DECISION PREFIX EAL...: one gateway run; sets RATES.
run_igmpgw()
{
	local log=$WORK/$1-igmpgw.log conf=$2 egress=$3 ingress=$4 decision=$5 prefix=$6

	shift 6
	start "$log" "$IGMPGW" "$@" --file-prefix "$prefix" -- -f "$conf"
	measure_run "$log" "$CHILD" "$prefix" "$egress" "$ingress" "$decision"
}

role_address()
{
	if [ "$1" = inside ]; then
		echo 10.200.0.1/24
	else
		echo 10.200.1.2/24
	fi
}

# run_stream NAME PCAP INGRESS_ROLE EGRESS_ROLE DECISION_COUNTER: testpmd and igmpgw in
# turn, --repeat times; the best run of each counts (other load only ever slows a run).
run_stream()
{
	local name=$1 pcap=$2 ingress=$3 egress=$4 decision=$5
	local prefix="igwb$$${name:0:1}"
	local conf=$WORK/$name.conf
	local eal run rates tp=(0 0 0 - -) gw=(0 0 0 0 0)

	PREFIXES+=("${prefix}tp" "${prefix}gw")
	eal=(-l 0-1 "${MEM_ARGS[@]}" --no-pci
		"--vdev=net_pcap0,rx_pcap=$pcap,infinite_rx=1" "--vdev=net_null0,no-rx=1")
	cat >"$conf" <<EOF
; written by scripts/bench-gateway.sh: the $name stream
[$ingress]
port = net_pcap0
address = $(role_address "$ingress")
[$egress]
port = net_null0
address = $(role_address "$egress")
[igmp]
proxy_out_to_in = yes
unicast_proxy_in_to_out = yes
[exception]
mode = none
[control]
socket = none
EOF
	for run in $(seq "$REPEAT"); do
		run_testpmd "$name" "${prefix}tp" "${eal[@]}"
		read -ra rates <<<"$RATES"
		echo "bench: $name, run $run, testpmd: $(describe "${rates[@]}")" >&2
		if [ "${rates[0]}" -gt "${tp[0]}" ]; then
			tp=("${rates[@]}")
		fi
		run_igmpgw "$name" "$conf" "$egress" "$ingress" "$decision" "${prefix}gw" "${eal[@]}"
		read -ra rates <<<"$RATES"
		echo "bench: $name, run $run, igmpgw:  $(describe "${rates[@]}")" >&2
		if [ "${rates[0]}" -gt "${gw[0]}" ]; then
			gw=("${rates[@]}")
		fi
	done
	ROWS+=("$(row "$name" "$decision" "${tp[@]}" "${gw[@]}")")
}

# describe CPU_PPS WALL_PPS SHARE SENT DECIDED: one run, for the progress lines.
describe()
{
	awk -v c="$1" -v w="$2" -v s="$3" 'BEGIN {
		printf "%.2f Mpps per CPU second, %.2f Mpps wall clock, ", c / 1e6, w / 1e6
		printf "polling thread on a CPU %.0f%% of the time", s * 100 }'
}

# row NAME DECISION TESTPMD_RATES(5) IGMPGW_RATES(5): one line of the table.
row()
{
	awk -v n="$1" -v dn="$2" -v tc="$3" -v ts="$5" -v gc="$8" -v gw="$9" -v gs="${10}" \
		-v sent="${11}" -v got="${12}" 'BEGIN {
		r = tc > 0 ? gc / tc : 0
		printf "%-12s %9.2f %9.2f %7.2f  %-6s %4.0f%% %4.0f%%  null %.2f = igmp_sent %.2f = %s %.2f\n",
			n, tc / 1e6, gc / 1e6, r, (r >= 0.8 ? "ok" : "LOW"), ts * 100, gs * 100,
			gw / 1e6, sent / 1e6, dn, got / 1e6 }'
}

CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ROWS=()
echo "bench: ${SECONDS_WARMUP} s warm-up + ${SECONDS_MEASURE} s measured per run," \
	"best of $REPEAT, $MEMORY"
run_stream translation "$WORK/unicast-reports.pcap" inside outside unicast_translated
run_stream query "$WORK/queries.pcap" outside inside proxied

cat <<EOF

cpu:    $CPU_MODEL, $(nproc) cores, -l 0-1: one polling lcore
memory: $MEMORY
ports:  net_pcap0 (rx_pcap, infinite_rx) -> net_null0 (no-rx), the same vdevs for both programs
rates:  net_null0 opackets per second of the polling thread's CPU time, median of 1 s windows
        (the wall-clock rate on an idle machine); "cpu" is that thread's share of the wall clock

EOF
printf "%-12s %9s %9s %7s  %-6s %5s %5s\n" "" testpmd igmpgw "" target cpu cpu
printf "%-12s %9s %9s %7s  %-6s %5s %5s  %s\n" stream Mpps Mpps ratio ">=0.8" tp gw \
	"igmpgw cross-check, wall-clock Mpps"
for r in "${ROWS[@]}"; do
	echo "$r"
done
# The same streams from pktgen-dpdk on a real gateway box: regenerate the pcaps with the
# gateway's inside MAC (the queries go to 01:00:5e:00:00:01 and need nothing), cable
# pktgen's port 0 to the gateway's inside NIC for unicast-reports.pcap, to its outside NIC
# for queries.pcap, and type "start 0" at the Pktgen prompt.
cat <<EOF

With pktgen-dpdk on a real gateway box (its port 0 cabled to igmpgw's inside NIC for the
reports, to igmpgw's outside NIC for the queries; then "start 0" at the Pktgen prompt):
  scripts/make-traffic.py --gw-mac <igmpgw inside MAC> -o traffic
  pktgen -l 0-2 -n 4 -- -P -m "[1:2].0" -s 0:traffic/unicast-reports.pcap
  pktgen -l 0-2 -n 4 -- -P -m "[1:2].0" -s 0:traffic/queries.pcap
Logs and configs: $WORK
EOF
