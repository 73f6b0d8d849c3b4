#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fuzzes the wire codec for SECONDS (default 60) with libFuzzer, seeded with the
# committed corpus and the goIGMP captures. Crashes are kept in build-fuzz/crashes/.
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#
# IGMPGW_CONFORMANCE_DIR overrides where the goIGMP captures are looked for.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-fuzz
FUZZER=$BUILD/test/fuzz/fuzz_parse
CRASHES=$BUILD/crashes
CONFORMANCE=${IGMPGW_CONFORMANCE_DIR:-$ROOT/../shared/conformance/goigmp}

secs=${1:-60}
shift || true
if ! [[ $secs =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 [SECONDS] [libFuzzer flags...]" >&2
	exit 2
fi

if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" "$ROOT" \
		-Dfuzzer=true \
		-Dgateway=false \
		-Db_sanitize=address,undefined \
		-Db_lundef=false \
		-Db_lto=false \
		-Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$BUILD" test/fuzz/fuzz_parse >/dev/null

# libFuzzer adds what it finds to its first corpus directory: a scratch copy,
# never the committed seeds.
work=$(mktemp -d "${TMPDIR:-/tmp}/igmpgw-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$CRASHES"
cp "$ROOT"/test/fuzz/corpus/* "$work/corpus/"
if [ -d "$CONFORMANCE" ]; then
	# Payload files are bare IGMP, pcaps whole frames: both make good seeds.
	cp "$CONFORMANCE"/*.payload "$work/corpus/" 2>/dev/null || true
	shopt -s nullglob
	pcaps=("$CONFORMANCE"/*.pcap)
	shopt -u nullglob
	if [ ${#pcaps[@]} -gt 0 ]; then
		/usr/bin/python3 "$ROOT/test/fuzz/make_corpus.py" --extract "$work/corpus" \
			"${pcaps[@]}" >/dev/null
	fi
else
	echo "fuzz: no goIGMP captures at $CONFORMANCE, seeding with the corpus only" >&2
fi

log=$work/fuzz.log
rc=0
# UBSan only reports by default: halting turns undefined behaviour into a crash.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1} \
	"$FUZZER" \
	-max_total_time="$secs" \
	-artifact_prefix="$CRASHES/" \
	-print_final_stats=1 \
	"$@" \
	"$work/corpus" >"$log" 2>&1 || rc=$?

done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)
if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
	runs=$(awk '{print $2}' <<<"$done_line")
	t=$(awk '{print $5}' <<<"$done_line")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 || true)
	echo "fuzz: corpus $(ls "$work/corpus" | wc -l) inputs${cov:+, $cov}"
	echo "fuzz: PASS ($runs runs, $t s)"
	exit 0
fi

tail -n 40 "$log" >&2
# The first report names the bug; the tail above may only show the stack.
first=$(grep -m 1 -E 'runtime error|codec check failed|ERROR: (AddressSanitizer|libFuzzer)' "$log" || true)
[ -n "$first" ] && echo "fuzz: $first" >&2
artifact=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | awk '{print $5}' || true)
echo "fuzz: FAIL (exit $rc${artifact:+, input kept in $artifact}; replay: UBSAN_OPTIONS=halt_on_error=1 $FUZZER FILE)"
exit 1
