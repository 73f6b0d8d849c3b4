#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What an idle gateway costs: igmpgw in a fresh lab (scripts/lab.sh) that carries only the
# upstream queriers' queries, once per [workers] idle mode in the same command (adaptive,
# then busy by default). For each: the share of a CPU each of its threads used over the
# measured seconds (/proc/PID/task/TID/schedstat: time on a CPU, exact where the tick-based
# /proc stat columns are sampled), the share of the time the worker wanted a CPU (used or
# waited in a run queue: 100% for a thread that never sleeps, whatever others take), and
# from the status workers list its sleeps a second and their mean length. Then the worker's
# CPU with adaptive as a share of busy's, the floor (a bare loop of the longest idle sleep,
# nanosleep(90 us) with 10 us timer slack, alone: what the sleeps cost on this machine
# whatever the worker does when it wakes) and the target:
#   adaptive: the worker under 5% of one core
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
BUILD=$ROOT/build-lat
SECONDS_MEASURE=10
SECONDS_WARMUP=3
MODES="adaptive busy"
FORCE_NO_HUGE=0
MEM_MB=256
WORK=""
TARGET=0.05

usage()
{
	cat <<EOF
usage: $(basename "$0") [--seconds N] [--warmup N] [--modes "adaptive busy"] [--build DIR]
                     [--work DIR] [--no-huge]

  --seconds N   measured seconds per mode (default $SECONDS_MEASURE)
  --warmup N    seconds between start-up and the measurement (default $SECONDS_WARMUP)
  --modes LIST  [workers] idle values to measure, in this order (default "$MODES")
  --build DIR   meson build directory, set up as a release build if missing
                (default build-lat, shared with bench-latency.sh)
  --work DIR    where the logs go (default BUILD/bench-idle)
  --no-huge     run igmpgw without hugepages (the default when fewer than $MEM_MB MB of
                hugepages are free)

Takes about a minute with the defaults (a lab and $((SECONDS_WARMUP + SECONDS_MEASURE)) s per mode).
EOF
}

say()
{
	echo "bench-idle: $*" >&2
}

while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECONDS_MEASURE=${2:?--seconds needs a value}; shift 2 ;;
	--warmup) SECONDS_WARMUP=${2:?--warmup needs a value}; shift 2 ;;
	--modes) MODES=${2:?--modes needs a value}; shift 2 ;;
	--build) BUILD=$(realpath -m "${2:?--build needs a directory}"); shift 2 ;;
	--work) WORK=$(realpath -m "${2:?--work needs a directory}"); shift 2 ;;
	--no-huge) FORCE_NO_HUGE=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $SECONDS_MEASURE =~ ^[1-9][0-9]*$ ]] || die "--seconds: a whole number of seconds, at least 1"
[[ $SECONDS_WARMUP =~ ^[0-9]+$ ]] || die "--warmup: a whole number of seconds"
for m in $MODES; do
	case $m in adaptive|busy) ;; *) die "--modes: '$m' is neither adaptive nor busy" ;; esac
done
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
WORK=${WORK:-$BUILD/bench-idle}
build_igmpgw
mkdir -p "$WORK"
bench_memory

# The lab, ended on the way out with everything else (bench-lib.sh's cleanup).
LAB=li$(($$ % 1000000))
bench_cleanup_more()
{
	"$ROOT/scripts/lab.sh" --prefix "$LAB" down >/dev/null 2>&1 || true
}
bench_traps
PREFIXES+=("$LAB")
say "lab $LAB up"
# Queries every 5 s from both upstream queriers: the only traffic the gateway sees.
if ! LAB_QUERY_INTERVAL=5 LAB_QUERY_RESPONSE_INTERVAL=2 \
	"$ROOT/scripts/lab.sh" --prefix "$LAB" up >"$WORK/lab.log" 2>&1; then
	cat "$WORK/lab.log" >&2
	die "lab $LAB did not come up"
fi

# threads PID MODE SOCKET: measures the running gateway; prints one result line
#   MODE worker_cpu worker_wanted main_cpu others_cpu sleeps_per_s mean_sleep_us idle
threads()
{
	/usr/bin/python3 - "$@" "$SECONDS_MEASURE" <<'EOF'
import json
import os
import socket
import sys
import time

pid, mode, path, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def tasks():
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            comm = open(f"/proc/{pid}/task/{t}/comm").read().strip()
            on_cpu, waited = open(f"/proc/{pid}/task/{t}/schedstat").read().split()[:2]
        except FileNotFoundError:
            continue
        out[t] = (comm, int(on_cpu), int(waited))
    return out


def worker():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall(b'{"cmd":"status"}\n')
        buf = b""
        while b"\n" not in buf:
            buf += s.recv(65536)
    return json.loads(buf.split(b"\n")[0])["workers"][0]


a, wa, t0 = tasks(), worker(), time.monotonic()
time.sleep(seconds)
b, wb, dt = tasks(), worker(), time.monotonic() - t0
share = {}
for t, (comm, cpu, waited) in b.items():
    if t in a:
        share[t] = (comm, (cpu - a[t][1]) / 1e9 / dt, (cpu - a[t][1] + waited - a[t][2]) / 1e9 / dt)
w = [v for v in share.values() if v[0].startswith("rte-worker")]
m = share.get(pid)
if len(w) != 1 or m is None:
    sys.exit(f"bench-idle: no worker or main thread among {share}")
others = sum(v[1] for t, v in share.items() if t != pid and not v[0].startswith("rte-worker"))
sleeps = wb["sleeps"] - wa["sleeps"]
mean = (wb["slept_us"] - wa["slept_us"]) / sleeps if sleeps else 0.0
print(f"{mode} {w[0][1]:.4f} {w[0][2]:.4f} {m[1]:.4f} {others:.4f} {sleeps / dt:.0f} {mean:.1f} "
      f"{wb['idle']}")
EOF
}

RESULTS=()
for mode in $MODES; do
	p=$LAB$mode
	PREFIXES+=("$p")
	log=$WORK/igmpgw-$mode.log
	sock=/tmp/$p.sock
	START_EXTRA_SECONDS=30
	start "$log" ip netns exec "${LAB}gw" "$IGMPGW" -l 0-1 "${MEM_ARGS[@]}" --no-pci \
		--file-prefix "$p" -- -f "$ROOT/config/lab.conf" --set "control.socket=$sock" \
		--set "workers.idle=$mode"
	for _ in $(seq 300); do
		grep -q "running with" "$log" && break
		kill -0 "$CHILD" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "running with" "$log" || { tail -n 20 "$log" >&2; die "igmpgw ($mode) did not start"; }
	say "$mode: warm-up ${SECONDS_WARMUP} s, then ${SECONDS_MEASURE} s measured"
	sleep "$SECONDS_WARMUP"
	in_background "$log" "$WORK/threads" threads "$CHILD" "$mode" "$sock"
	RESULTS+=("$(<"$WORK/threads")")
	finish "$log"
	rm -f "$sock"
done

# floor: the bare sleep loop, measured the same way (its own CPU time over wall time).
floor()
{
	/usr/bin/python3 - "$SECONDS_MEASURE" <<'EOF'
import ctypes
import sys
import time

PR_SET_TIMERSLACK = 29
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(PR_SET_TIMERSLACK, 10000, 0, 0, 0)


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


ts = Timespec(0, 90000)
seconds = int(sys.argv[1])
periods = []
t0, c0 = time.monotonic_ns(), time.thread_time()
last = t0
while last - t0 < seconds * 1e9:
    libc.nanosleep(ctypes.byref(ts), None)
    now = time.monotonic_ns()
    periods.append(now - last)
    last = now
dt, cpu = (last - t0) / 1e9, time.thread_time() - c0
periods.sort()
n = len(periods)
print(f"{cpu / dt:.4f} {n / dt:.0f} {periods[n // 2] / 1e3:.1f} {periods[n * 99 // 100] / 1e3:.1f} "
      f"{periods[-1] / 1e3:.1f}")
EOF
}
say "floor: a bare nanosleep(90 us) loop, ${SECONDS_MEASURE} s"
FLOOR=$(floor)

echo
echo "igmpgw idle in the lab (queries only), ${SECONDS_MEASURE} s per mode, $(nproc) CPUs: $(cpu_model)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); memory: $MEMORY"
printf '%-9s %11s %14s %10s %12s %9s %12s %6s\n' mode worker_cpu worker_wanted main_cpu \
	other_threads sleeps/s mean_sleep_us idle
for r in "${RESULTS[@]}"; do
	# shellcheck disable=SC2086  # the fields of one result line
	set -- $r
	awk -v m="$1" -v w="$2" -v x="$3" -v c="$4" -v o="$5" -v s="$6" -v l="$7" -v i="$8" 'BEGIN {
		printf "%-9s %10.1f%% %13.1f%% %9.1f%% %11.1f%% %9d %12.1f %6s\n",
			m, w * 100, x * 100, c * 100, o * 100, s, l, i }'
done
# shellcheck disable=SC2086  # the fields of one result line
set -- $FLOOR
awk -v c="$1" -v s="$2" -v p="$3" -v q="$4" -v m="$5" 'BEGIN {
	printf "%-9s %10.1f%% %14s %10s %12s %9d %12s   (nanosleep(90 us) alone)\n",
		"floor", c * 100, "", "", "", s, ""
	printf "a 90 us sleep with 10 us slack lasts %.1f us (median), %.1f us (p99), %.1f us (max) here\n",
		p, q, m }'
adaptive=$(printf '%s\n' "${RESULTS[@]}" | awk '$1 == "adaptive" {print $2}')
busy=$(printf '%s\n' "${RESULTS[@]}" | awk '$1 == "busy" {print $2}')
if [ -n "$adaptive" ] && [ -n "$busy" ]; then
	awk -v a="$adaptive" -v b="$busy" 'BEGIN {
		if (b > 0) printf "adaptive worker CPU / busy worker CPU: %.3f\n", a / b }'
fi
if [ -n "$adaptive" ]; then
	awk -v a="$adaptive" -v t="$TARGET" 'BEGIN {
		printf "target: adaptive worker under %.0f%% of one core: %s (%.1f%%)\n", t * 100,
			a < t ? "met" : "MISSED", a * 100 }'
fi
