#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fuzzes igmpgw's parsers and state machines with libFuzzer under ASan and UBSan:
# each target in test/fuzz/ for SECONDS (default 60), one after the other,
# seeded with its committed corpus (test/fuzz/corpus/TARGET/; the codec also
# with the conformance captures). A crash input is kept in build-fuzz/crashes/TARGET/:
# copy it into the target's corpus as a regression input once fixed.
#
#   scripts/fuzz.sh [SECONDS] [TARGET|all] [libFuzzer flags...]
#
# Targets: codec ctl client config decode membership. Prints one line per target,
# "fuzz TARGET: PASS (N runs, T s, cov C, corpus K)" or FAIL with the input kept;
# exits non-zero when any failed. IGMPGW_FUZZ_CORPUS_OUT=DIR keeps each target's
# grown corpus in DIR/TARGET (merge it back with FUZZER -merge=1 test/fuzz/corpus/TARGET
# DIR/TARGET); IGMPGW_FUZZ_BUILD overrides the build directory (default build-fuzz);
# IGMPGW_CONFORMANCE_DIR where the captures are looked for.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${IGMPGW_FUZZ_BUILD:-$ROOT/build-fuzz}
CONFORMANCE=${IGMPGW_CONFORMANCE_DIR:-$ROOT/test/conformance/captures}
TARGETS=(codec ctl client config decode membership)

secs=${1:-60}
[ $# -gt 0 ] && shift
which=${1:-all}
[ $# -gt 0 ] && shift
if ! [[ $secs =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 [SECONDS] [TARGET|all] [libFuzzer flags...]" >&2
	exit 2
fi
if [ "$which" = all ]; then
	run=("${TARGETS[@]}")
elif [[ " ${TARGETS[*]} " == *" $which "* ]]; then
	run=("$which")
else
	echo "fuzz: unknown target '$which' (one of ${TARGETS[*]}, or all)" >&2
	exit 2
fi

if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" "$ROOT" \
		-Dfuzzer=true \
		-Db_sanitize=address,undefined \
		-Db_lundef=false \
		-Db_lto=false \
		-Dbuildtype=debugoptimized >/dev/null
fi
# Quiet when it builds; ninja prints its errors on stdout: shown when it does not.
ninja -C "$BUILD" "${run[@]/#/test/fuzz/fuzz_}" >/dev/null ||
	{ ninja -C "$BUILD" "${run[@]/#/test/fuzz/fuzz_}"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/igmpgw-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# fuzz_one TARGET: fuzzes it for $secs; prints its line, returns non-zero on a finding.
fuzz_one() {
	local t=$1 corpus=$work/$1/corpus log=$work/$1/fuzz.log crashes=$BUILD/crashes/$1
	local rc=0 done_line runs took cov artifact first

	mkdir -p "$corpus" "$crashes"
	# libFuzzer adds what it finds to its first corpus directory: a scratch copy.
	cp "$ROOT/test/fuzz/corpus/$t"/* "$corpus/"
	if [ "$t" = codec ] && [ -d "$CONFORMANCE" ]; then
		# Payload files are bare IGMP, pcaps whole frames: both make good seeds.
		cp "$CONFORMANCE"/*.payload "$corpus/" 2>/dev/null || true
		shopt -s nullglob
		local pcaps=("$CONFORMANCE"/*.pcap)
		shopt -u nullglob
		if [ ${#pcaps[@]} -gt 0 ]; then
			/usr/bin/python3 "$ROOT/test/fuzz/make_corpus.py" --extract "$corpus" \
				"${pcaps[@]}" >/dev/null
		fi
	fi
	if [ "$t" = decode ] && [ -d "$CONFORMANCE" ]; then
		cp "$CONFORMANCE"/*.pcap* "$corpus/" 2>/dev/null || true
	fi

	# UBSan only reports by default: halting turns undefined behaviour into a crash.
	ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1} \
		"$BUILD/test/fuzz/fuzz_$t" \
		-max_total_time="$secs" \
		-timeout=60 \
		-artifact_prefix="$crashes/" \
		-print_final_stats=1 \
		"${extra[@]}" \
		"$corpus" >"$log" 2>&1 || rc=$?

	if [ -n "${IGMPGW_FUZZ_CORPUS_OUT:-}" ]; then
		mkdir -p "$IGMPGW_FUZZ_CORPUS_OUT/$t"
		cp "$corpus"/* "$IGMPGW_FUZZ_CORPUS_OUT/$t/"
	fi
	done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)
	if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
		runs=$(awk '{print $2}' <<<"$done_line")
		took=$(awk '{print $5}' <<<"$done_line")
		cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}' || true)
		echo "fuzz $t: PASS ($runs runs, $took s, cov ${cov:-?}, corpus $(ls "$corpus" | wc -l))"
		return 0
	fi
	tail -n 40 "$log" >&2
	# The first report names the bug; the tail above may only show the stack.
	first=$(grep -m 1 -E 'runtime error|check failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log" || true)
	[ -n "$first" ] && echo "fuzz $t: $first" >&2
	artifact=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | awk '{print $5}' || true)
	echo "fuzz $t: FAIL (exit $rc${artifact:+, input kept in $artifact}; replay: $BUILD/test/fuzz/fuzz_$t FILE)"
	return 1
}

extra=("$@")
failed=0
for t in "${run[@]}"; do
	fuzz_one "$t" || failed=$((failed + 1))
done
[ "$failed" -eq 0 ]
