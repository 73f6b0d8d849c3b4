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
# The same traffic from pktgen-dpdk, on veths here or on a real box: scripts/bench-pktgen.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"
BUILD=$ROOT/build-bench2
SECONDS_MEASURE=5
SECONDS_WARMUP=2
REPEAT=1
FORCE_NO_HUGE=0
PROFILE_ON=0
MEM_MB=256

usage()
{
	cat <<EOF
usage: $(basename "$0") [--seconds N] [--warmup N] [--repeat N] [--no-huge] [--build DIR]
                        [--profile]

  --seconds N   measured seconds of each run; the median one-second rate counts
                (default $SECONDS_MEASURE)
  --warmup N    seconds each run forwards before the measurement starts (default $SECONDS_WARMUP)
  --repeat N    runs of each program per stream, taken in turn; the best counts (default 1)
  --no-huge     run DPDK without hugepages (the default when fewer than $MEM_MB MB of
                free hugepages are there)
  --build DIR   meson build directory, set up as a release build if missing
                (default build-bench2)
  --profile     after the first run of each program and stream, sample its polling
                thread with perf for 3 s: the share of time in the poll mode drivers,
                and the rate ratio those shares predict
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
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
check_common_options
case $BUILD in *,*) die "--build: the path may not contain a comma (it goes into devargs)" ;; esac

command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found (scripts/setup.sh installs it)"

# ---- build and traffic ----
build_igmpgw
WORK=$BUILD/bench-gateway
mkdir -p "$WORK"
/usr/bin/python3 "$ROOT/scripts/make-traffic.py" -o "$WORK" >/dev/null

bench_traps
bench_memory

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

# profile_file NAME RUN: where --profile puts that run's perf samples, if it does.
profile_file()
{
	if [ "$PROFILE_ON" = 1 ] && [ "$2" = 1 ]; then
		echo "$WORK/$1.perf"
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
		PROFILE=$(profile_file "$name-testpmd" "$run") \
			run_testpmd "$name" "${prefix}tp" "${eal[@]}"
		read -ra rates <<<"$RATES"
		echo "bench: $name, run $run, testpmd: $(describe "${rates[@]}")" >&2
		if [ "${rates[0]}" -gt "${tp[0]}" ]; then
			tp=("${rates[@]:0:5}")
		fi
		PROFILE=$(profile_file "$name-igmpgw" "$run") \
			run_igmpgw "$name" "$conf" "$egress" "$ingress" "$decision" "${prefix}gw" "${eal[@]}"
		read -ra rates <<<"$RATES"
		echo "bench: $name, run $run, igmpgw:  $(describe "${rates[@]}")" >&2
		if [ "${rates[0]}" -gt "${gw[0]}" ]; then
			gw=("${rates[@]:0:5}")
		fi
	done
	ROWS+=("$(row "$name" "$decision" "${tp[@]}" "${gw[@]}")")
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

CPU_MODEL=$(cpu_model)
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
if [ "$PROFILE_ON" = 1 ]; then
	cat <<EOF

Where the polling thread's time goes (perf for 3 s after the first run): "in PMDs" is the
pcap and null drivers' receive and transmit, testpmd io's whole job. The same drivers do
the same work in both programs, so the ratio of the shares is the ratio of the rates with
the machine's other load taken out.
stream        testpmd in PMDs   igmpgw in PMDs   igmpgw own code   ratio from the shares
EOF
	for name in translation query; do
		awk -v n="$name" -v t="$(io_share "$WORK/$name-testpmd.perf")" \
			-v g="$(io_share "$WORK/$name-igmpgw.perf")" 'BEGIN {
			if (t == "-" || g == "-" || t == 0)
				printf "%-13s (no samples)\n", n
			else
				printf "%-13s %-17.3f %-16.3f %-17.3f %.2f\n", n, t, g, 1 - g, g / t }'
	done
fi
cat <<EOF

With pktgen-dpdk on a real gateway box (PCI ports cabled to igmpgw's; README, "Driven by
pktgen-dpdk"): scripts/bench-pktgen.sh --gw-ports OUT,IN --pktgen-ports UP,DN
Logs and configs: $WORK
EOF
