# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034  # MEM_ARGS, MEMORY, RATES, ...: for the sourcing script
# What the throughput benchmarks (bench-gateway.sh, bench-forward.sh) share: process
# control (every program under timeout(1), all of them ended on the way out), the
# choice of EAL memory, and the measurement of one polling thread's rate.
#
# Sourced, not run. The sourcing script sets, before calling these functions:
#   WORK              directory for logs and the measurement's output
#   SECONDS_WARMUP    seconds a run forwards before the measurement starts
#   SECONDS_MEASURE   one-second windows measured
#   FORCE_NO_HUGE     1: --no-huge even when hugepages are free
#   MEM_MB            EAL memory of each program
# and calls bench_traps once, then bench_memory (sets MEM_ARGS and MEMORY). A script with
# more to undo on the way out defines bench_cleanup_more, which cleanup calls last.

die()
{
	echo "bench: $*" >&2
	exit 1
}

# check_common_options: the options both throughput benchmarks take (--seconds, --warmup,
# --repeat, --profile), as the sourcing script parsed them.
check_common_options()
{
	[[ $SECONDS_MEASURE =~ ^[1-9][0-9]*$ ]] || die "--seconds: a whole number of seconds, at least 1"
	[[ $SECONDS_WARMUP =~ ^[0-9]+$ ]] || die "--warmup: a whole number of seconds"
	[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "--repeat: a whole number of runs, at least 1"
	[ "$PROFILE_ON" = 0 ] || command -v perf >/dev/null ||
		die "--profile needs perf (scripts/setup.sh installs linux-perf)"
}

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
	if declare -F bench_cleanup_more >/dev/null; then
		bench_cleanup_more
	fi
}

bench_traps()
{
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# build_igmpgw: a release build of igmpgw in $BUILD (set up once); sets IGMPGW.
build_igmpgw()
{
	local out

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
}

# ---- EAL memory: hugepages when enough are free ----
hugepages_free_mb()
{
	local free size

	grep -q ' /dev/hugepages hugetlbfs' /proc/mounts || { echo 0; return; }
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	size=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
	echo $(( ${free:-0} * ${size:-0} / 1024 ))
}

# bench_memory: sets MEM_ARGS (the EAL memory arguments) and MEMORY (what they mean).
bench_memory()
{
	if [ "$FORCE_NO_HUGE" -eq 0 ] && [ "$(hugepages_free_mb)" -ge "$MEM_MB" ]; then
		# Unlinked right after mapping: nothing is left in /dev/hugepages when a run ends.
		MEM_ARGS=(-m "$MEM_MB" --huge-unlink)
		MEMORY="hugepages ($(awk '/^Hugepagesize:/ {print $2 $3}' /proc/meminfo))"
	else
		MEM_ARGS=(-m "$MEM_MB" --no-huge)
		MEMORY="no hugepages (--no-huge)"
		[ "$FORCE_NO_HUGE" -eq 1 ] || MEMORY="$MEMORY: fewer than $MEM_MB MB of hugepages free"
	fi
}

# ---- measurement: telemetry counters and the polling thread's CPU time ----
# measure PID PREFIX [EGRESS INGRESS DECISION]: waits for the null ports to send, warms
# up, then samples once a second. Prints the medians over those one-second windows of
#   <opackets of every net_null* port per second of the polling thread's CPU time>
#   <the same per wall second> <the thread's CPU share> <igmp_sent per wall second>
#   <decision counter per wall second> <net_pcap0 ipackets per second of CPU time>
# (the igmp_sent and decision rates "-" without EGRESS). Per CPU second is what one
# dedicated core would do: it stays right when other processes take turns on the cores,
# as on a shared VM. The polling thread is the one EAL worker thread, or with
# MEASURE_THREAD=main the main thread (a program polling on its main lcore), or with
# MEASURE_THREAD=workers every EAL worker thread, net_pcap0's RX queue i polled by the
# one on the i-th lcore: then "per second of CPU time" is the sum over the workers of
# their queue's packets per second of their own CPU time (what as many dedicated cores
# would do together; the output side in the same proportion) and the CPU share is their
# mean. With PROFILE=FILE, perf then samples the (first) polling thread for
# PROFILE_SECONDS (default 3) into FILE.
measure()
{
	# Run in the background, so exec: the job's pid is python's, stop_pid reaches it.
	exec /usr/bin/python3 - "$1" "$(runtime_dir "$2")/dpdk_telemetry.v2" "$SECONDS_WARMUP" \
		"$SECONDS_MEASURE" "${3:--}" "${4:--}" "${5:--}" "${MEASURE_THREAD:-worker}" \
		"${PROFILE:--}" "${PROFILE_SECONDS:-3}" <<'EOF'
import glob
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

pid, path = sys.argv[1], sys.argv[2]
warmup, seconds = int(sys.argv[3]), int(sys.argv[4])
egress, ingress, decision = sys.argv[5], sys.argv[6], sys.argv[7]
thread = sys.argv[8]
profile, profile_seconds = sys.argv[9], sys.argv[10]


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


def find_ports():
    """The net_null* ports (their output is summed) and net_pcap0 (the input), if any."""
    while True:
        nulls, pcap = [], None
        for port in query("/ethdev/list") or []:
            info = query("/ethdev/info,%d" % port)
            name = (info or {}).get("name", "")
            if name.startswith("net_null"):
                nulls.append(port)
            elif name == "net_pcap0":
                pcap = port
        if nulls:
            return nulls, pcap
        if time.monotonic() > deadline:
            fail("no port named net_null*")
        time.sleep(0.2)


def polling_schedstats():
    """The polling threads' schedstat files (ns on a CPU first), by lcore id."""
    if thread == "main":
        return ["/proc/%s/task/%s/schedstat" % (pid, pid)]
    found = []
    for comm in glob.glob("/proc/%s/task/*/comm" % pid):
        try:
            with open(comm) as f:
                name = f.read().strip()
        except OSError:
            continue
        m = re.fullmatch(r"(rte|lcore)-worker-(\d+)", name)
        if m:
            found.append((int(m.group(2)), comm[:-len("comm")] + "schedstat"))
    if not found:
        fail("no EAL worker thread in process %s" % pid)
    found = [path for _, path in sorted(found)]
    return found if thread == "workers" else found[:1]


def cpu_ns():
    """Each polling thread's CPU time."""
    out = []
    for path in stats:
        with open(path) as f:
            out.append(int(f.read().split()[0]))
    return out


def sample():
    opackets = sum(query("/ethdev/stats,%d" % p)["opackets"] for p in nulls)
    queues = []
    ipackets = 0
    if pcap is not None:
        st = query("/ethdev/stats,%d" % pcap)
        ipackets, queues = st["ipackets"], st["q_ipackets"][:len(stats)]
    sent = got = 0
    if egress != "-":
        stats_ = query("/igmpgw/stats")
        sent = stats_[egress]["igmp_sent"]
        got = stats_[ingress][decision]
    return time.monotonic(), cpu_ns(), opackets, sent, got, ipackets, queues


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def forwarding():
    """True once the null ports send and, for igmpgw, both roles are open."""
    try:
        return sample()[2] > 0
    except (KeyError, TypeError):
        return False


nulls, pcap = find_ports()
stats = polling_schedstats()
while not forwarding():
    if time.monotonic() > deadline:
        fail("the net_null* ports sent nothing")
    time.sleep(0.1)
time.sleep(warmup)
windows = []
prev = sample()
for _ in range(seconds):
    time.sleep(1)
    cur = sample()
    dt = cur[0] - prev[0]
    dcpus = [(c - p) / 1e9 for c, p in zip(cur[1], prev[1])]
    if min(dcpus) <= 0:
        # Other load kept a polling thread off the CPUs for the whole window: no rate.
        prev = cur
        continue
    dcpu = sum(dcpus) / len(dcpus)
    pk, sent, got, rx = (c - p for c, p in zip(cur[2:6], prev[2:6]))
    if len(dcpus) > 1 and pcap is not None:
        # Each worker's queue per second of that worker's CPU time, summed.
        rx_cpu = sum((c - p) / d for c, p, d in zip(cur[6], prev[6], dcpus))
        pk_cpu = rx_cpu * pk / rx if rx else 0
    else:
        rx_cpu, pk_cpu = rx / dcpu, pk / dcpu
    windows.append((pk_cpu, pk / dt, dcpu / dt, sent / dt, got / dt, rx_cpu))
    prev = cur
if not windows:
    fail("a polling thread got no CPU in any of the %d one-second windows" % seconds)
rates = [median([w[i] for w in windows]) for i in range(6)]
if profile != "-":
    tid = stats[0].split("/")[4]
    subprocess.run(["perf", "record", "-q", "-F", "4999", "-t", tid, "-o", profile, "--",
                    "sleep", profile_seconds], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
print("%.0f %.0f %.3f" % tuple(rates[:3]), end=" ")
print("- -" if egress == "-" else "%.0f %.0f" % tuple(rates[3:5]), end=" ")
print("%.0f" % rates[5])
EOF
}

# io_share PERF_DATA: the share of the sampled thread's time spent in the poll mode
# drivers (librte_net_*, and the dynamic linker's TLS lookups they make on every mbuf
# alloc and free): the receive and transmit work testpmd io does and nothing more. As a
# ratio of two shares in one process it does not move with other load on the machine.
io_share()
{
	perf report -i "$1" --no-children --sort dso --stdio 2>/dev/null | awk '
		/^#/ || NF < 2 { next }
		{ p = $1; sub(/%/, "", p); total += p }
		$2 ~ /^librte_net_/ || $2 ~ /^ld-linux/ { io += p }
		END { if (total > 0) printf "%.3f\n", io / total; else print "-" }'
}

# start LOG CMD...: runs CMD in the background under timeout(1), so that it ends even if
# this script is killed outright; its output goes to LOG. Sets STARTED (the timeout
# process, which passes our SIGTERM on) and CHILD (CMD itself, whose threads are
# measured). START_EXTRA_SECONDS adds to its time limit (time spent before measuring),
# START_STDIN names its standard input (default /dev/null; a FIFO must be open already).
start()
{
	local log=$1 limit=$((SECONDS_WARMUP + SECONDS_MEASURE + 60 + ${START_EXTRA_SECONDS:-0}))

	shift
	echo "+ $*" >"$log"
	timeout --signal=INT --kill-after=10 "$limit" "$@" <"${START_STDIN:-/dev/null}" >>"$log" 2>&1 &
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

# in_background LOG OUT CMD...: runs CMD (a function or program) in the background with
# its output in OUT, and waits for it: "wait" lets a signal stop the script at once. If
# CMD fails, the started program (whose LOG is shown) is ended and the script exits.
in_background()
{
	local log=$1 out=$2 pid

	shift 2
	"$@" >"$out" &
	pid=$!
	PIDS+=("$pid")
	if ! wait "$pid"; then
		forget_pid "$pid"
		finish "$log"
		exit 1
	fi
	forget_pid "$pid"
}

# measure_run LOG MEASURE_ARGS...: measures the started program, then ends it; sets RATES.
measure_run()
{
	local log=$1

	shift
	in_background "$log" "$WORK/rates" measure "$@"
	RATES=$(<"$WORK/rates")
	finish "$log"
}

# describe CPU_PPS WALL_PPS SHARE ...: one run, for the progress lines.
describe()
{
	awk -v c="$1" -v w="$2" -v s="$3" 'BEGIN {
		printf "%.2f Mpps per CPU second, %.2f Mpps wall clock, ", c / 1e6, w / 1e6
		printf "polling thread on a CPU %.0f%% of the time", s * 100 }'
}

cpu_model()
{
	awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo
}
