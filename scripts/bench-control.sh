#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The control socket under abuse, against the same without abuse in the same command: a
# tracking igmpgw holding N_GROUPS groups (v3 reports replayed once from a pcap port into
# its inside), then
#   quiet   one client asks `status` SAMPLES times, one request at a time
#   abuse   the same, while ABUSERS clients have each pipelined PIPELINE `groups`
#           requests (the whole table, no cursor) and never read a byte of the answers
# Prints the status latency (p50, p99, max) of both phases, their ratio, and the gateway's
# RSS growth under the abuse; also how long one whole table takes to arrive, and one page.
# Target: status under 50 ms under the abuse. Timing, not CPU time: the latency a client
# sees is the figure, and the machine's other load moves it (run it more than once).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
COMMAND="$0${*:+ $*}"
BUILD=$ROOT/build-bench2
N_GROUPS=16384
ABUSERS=8
PIPELINE=32
SAMPLES=200
FORCE_NO_HUGE=0
MEM_MB=256
# bench-lib's start(): no warm-up or measured windows here, only a generous time limit.
SECONDS_WARMUP=0
SECONDS_MEASURE=0
START_EXTRA_SECONDS=600

usage()
{
	cat <<EOF
usage: $(basename "$0") [--groups N] [--abusers N] [--pipeline N] [--samples N]
                        [--no-huge] [--build DIR]

  --groups N    groups the gateway tracks (default $N_GROUPS)
  --abusers N   clients that pipeline table requests and never read (default $ABUSERS)
  --pipeline N  table requests each of them sends (default $PIPELINE)
  --samples N   status requests timed in each phase (default $SAMPLES)
  --no-huge     run DPDK without hugepages (the default when fewer than $MEM_MB MB of
                free hugepages are there)
  --build DIR   meson build directory, set up as a release build if missing
                (default build-bench2)
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--groups) N_GROUPS=${2:?--groups needs a value}; shift 2 ;;
	--abusers) ABUSERS=${2:?--abusers needs a value}; shift 2 ;;
	--pipeline) PIPELINE=${2:?--pipeline needs a value}; shift 2 ;;
	--samples) SAMPLES=${2:?--samples needs a value}; shift 2 ;;
	--no-huge) FORCE_NO_HUGE=1; shift ;;
	--build) BUILD=$(realpath -m "${2:?--build needs a directory}"); shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ $N_GROUPS =~ ^[1-9][0-9]*$ ]] || [ "$N_GROUPS" -gt 62500 ]; then
	die "--groups: 1 to 62500 (239.50.0.1 on, 250 a /24)"
fi
if ! [[ $ABUSERS =~ ^[0-9]+$ ]] || [ "$ABUSERS" -gt 64 ]; then
	die "--abusers: 0 to 64"
fi
[[ $PIPELINE =~ ^[1-9][0-9]*$ ]] || die "--pipeline: a whole number, at least 1"
[[ $SAMPLES =~ ^[1-9][0-9]*$ ]] || die "--samples: a whole number, at least 1"
case $BUILD in *,*) die "--build: the path may not contain a comma (it goes into devargs)" ;; esac

build_igmpgw
WORK=$BUILD/bench-control
mkdir -p "$WORK"
bench_traps
bench_memory

# ---- the reports: N_GROUPS groups from an inside host, 150 records a report ----
/usr/bin/python3 - "$WORK/reports.pcap" "$N_GROUPS" <<'EOF'
import socket
import struct
import sys

path, n = sys.argv[1], int(sys.argv[2])


def checksum(data):
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


groups = ["239.50.%d.%d" % (i // 250, 1 + i % 250) for i in range(n)]
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for k in range(0, n, 150):
        recs = b"".join(struct.pack("!BBH4s", 2, 0, 0, socket.inet_aton(g))
                        for g in groups[k:k + 150])
        igmp = struct.pack("!BBHHH", 0x22, 0, 0, 0, len(groups[k:k + 150])) + recs
        igmp = igmp[:2] + struct.pack("!H", checksum(igmp)) + igmp[4:]
        ip = struct.pack("!BBHHHBBH4s4s4s", 0x46, 0xC0, 24 + len(igmp), 0, 0, 1, 2, 0,
                         socket.inet_aton("10.200.0.11"), socket.inet_aton("224.0.0.22"),
                         b"\x94\x04\x00\x00")
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        frame = bytes.fromhex("01005e000016" "02000ac8000b" "0800") + ip + igmp
        f.write(struct.pack("<IIII", 0, k, len(frame), len(frame)) + frame)
EOF

PREFIX="igwc$$"
PREFIXES+=("$PREFIX")
CONF=$WORK/control.conf
SOCK=$WORK/control.sock
cat >"$CONF" <<EOF
; written by scripts/bench-control.sh
[outside]
port = net_null0
address = 10.200.1.2/24
[inside]
port = net_pcap0
address = 10.200.0.1/24
[igmp]
proxy_out_to_in = no
[proxy]
track_membership = yes
[querier]
; the groups stay for 2 * 1000 + 10 s without refreshes
enabled = yes
query_interval = 1000
[limits]
max_groups = $((N_GROUPS > 16384 ? N_GROUPS : 16384))
max_groups_per_port = $((N_GROUPS > 16384 ? N_GROUPS : 16384))
[exception]
mode = none
[control]
socket = $SOCK
max_clients = $((ABUSERS + 4))
EOF
LOG=$WORK/igmpgw.log
start "$LOG" "$IGMPGW" -l 0-1 "${MEM_ARGS[@]}" --no-pci --file-prefix "$PREFIX" \
	"--vdev=net_null0,no-rx=1" "--vdev=net_pcap0,rx_pcap=$WORK/reports.pcap,tx_pcap=/dev/null" \
	-- -f "$CONF"

echo "bench: $MEMORY;" \
	"$N_GROUPS groups, $ABUSERS abusers x $PIPELINE tables, $SAMPLES status samples a phase" >&2
# drive PID: the two phases against the running gateway; prints one line of raw figures.
drive()
{
	# A background job's stdin is /dev/null: the script comes in here, not from the caller.
	/usr/bin/python3 - "$1" "$SOCK" "$N_GROUPS" "$ABUSERS" "$PIPELINE" "$SAMPLES" <<'EOF'
import json
import os
import socket
import sys
import time

pid, path = sys.argv[1], sys.argv[2]
n_groups, n_abusers, pipeline, samples = (int(a) for a in sys.argv[3:7])
TIMEOUT = 120


def fail(msg):
    sys.exit("bench: " + msg)


def rss_mb():
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    fail("igmpgw is gone")


class Client:
    def __init__(self):
        deadline = time.monotonic() + 60
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if not os.path.exists("/proc/" + pid):
                    fail("igmpgw exited")
                if time.monotonic() > deadline:
                    fail("no control socket at " + path)
                time.sleep(0.2)
        self.buf = b""

    def request(self, **req):
        """(seconds to the whole answer, the answer's bytes)"""
        t = time.monotonic()
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while b"\n" not in self.buf:
            self.sock.settimeout(max(0.001, t + TIMEOUT - time.monotonic()))
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                raise TimeoutError("no answer to %s within %d s" % (req["cmd"], TIMEOUT))
            if not chunk:
                fail("igmpgw closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return time.monotonic() - t, line


def tracked(c):
    return json.loads(c.request(cmd="status")[1])["tracking"]["groups"]


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(p / 100 * len(v)))]


c = Client()
deadline = time.monotonic() + 120
while tracked(c) < n_groups:
    if time.monotonic() > deadline:
        fail("igmpgw tracks %d groups, not %d" % (tracked(c), n_groups))
    time.sleep(0.5)
# The upstream reports of the new groups and their retransmissions settle first.
time.sleep(3)
t_table, table = c.request(cmd="groups")
got = len(json.loads(table)["groups"])
if got != n_groups:
    fail("a whole table has %d groups, not %d" % (got, n_groups))
t_page, _ = c.request(cmd="groups", limit=1024, cursor=None)


def phase():
    lat = []
    for _ in range(samples):
        lat.append(c.request(cmd="status")[0])
        time.sleep(0.01)
    return lat


quiet = phase()
rss0 = rss_mb()
abusers = []
for _ in range(n_abusers):
    a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    a.connect(path)
    a.setblocking(False)
    try:
        a.send(b'{"cmd":"groups"}\n' * pipeline)
    except BlockingIOError:
        pass
    abusers.append(a)
abused, peak = [], rss0
for _ in range(samples):
    try:
        abused.append(c.request(cmd="status")[0])
    except TimeoutError as e:
        fail("under the abuse: %s (status alone: p50 %.2f ms); igmpgw RSS %.1f MB before the "
             "abuse, %.1f MB now" % (e, 1000 * pct(quiet, 50), rss0, rss_mb()))
    peak = max(peak, rss_mb())
    time.sleep(0.01)
for a in abusers:
    a.close()
print(t_table, len(table), t_page, rss0, peak,
      " ".join("%f" % x for x in quiet), "|", " ".join("%f" % x for x in abused))
EOF
}

in_background "$LOG" "$WORK/result" drive "$CHILD"
finish "$LOG"

read -r T_TABLE TABLE_BYTES T_PAGE RSS0 PEAK REST <"$WORK/result"
/usr/bin/python3 - "$T_TABLE" "$TABLE_BYTES" "$T_PAGE" "$RSS0" "$PEAK" "$REST" "$N_GROUPS" \
	"$ABUSERS" "$PIPELINE" "$SAMPLES" <<'EOF'
import sys

t_table, table_bytes, t_page, rss0, peak = (float(a) for a in sys.argv[1:6])
quiet, abused = ([float(x) for x in part.split()] for part in sys.argv[6].split("|"))
groups, abusers, pipeline, samples = sys.argv[7:11]


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100 * len(v)))]


def row(name, v):
    return "%-34s %8.2f %8.2f %8.2f" % (name, 1000 * pct(v, 50), 1000 * pct(v, 99), 1000 * max(v))


print()
print("one whole table (%s groups, %.0f KB, no cursor): %.0f ms; one page of 1024: %.1f ms"
      % (groups, table_bytes / 1024, 1000 * t_table, 1000 * t_page))
print()
print("%-34s %8s %8s %8s" % ("status latency, ms", "p50", "p99", "max"))
print(row("quiet", quiet))
print(row("%s clients x %s tables, not reading" % (abusers, pipeline), abused))
print()
ratio = pct(abused, 99) / pct(quiet, 99) if pct(quiet, 99) > 0 else float("inf")
print("p99 under abuse / quiet: %.2f; target max < 50 ms: %s" %
      (ratio, "met" if max(abused) < 0.05 else "NOT MET"))
print("igmpgw RSS: %.1f MB before the abuse, peak %.1f MB during it (+%.1f MB)"
      % (rss0, peak, peak - rss0))
EOF
echo
echo "cpu: $(cpu_model), $(nproc) cores; command: $COMMAND"
echo "logs and config: $WORK"
