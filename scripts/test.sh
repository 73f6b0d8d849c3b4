#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Sets up the machine, builds igmpgw and runs every test suite: C unit and
# conformance tests (meson, TAP), a short libFuzzer run of every fuzz target
# (each one counts as a test), and the pytest suites (decoder vs tshark,
# gateway system tests in network namespaces).
# Ends with one line "N passed, N failed, N skipped" summing every suite.
#   scripts/test.sh [--fuzz-seconds N] [PYTEST ARGS...]   (N: per fuzz target, default 5)
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${IGMPGW_BUILD:-$ROOT/build}
FUZZ_SECONDS=5
if [ "${1:-}" = "--fuzz-seconds" ]; then
	FUZZ_SECONDS=$2
	shift 2
fi

passed=0
failed=0
skipped=0

bash "$ROOT/scripts/setup.sh" || exit 1
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" --werror >/dev/null || exit 1
fi
ninja -C "$BUILD" >/dev/null || { ninja -C "$BUILD"; exit 1; }
export IGMPGW_BUILD=$BUILD

echo "== C unit and conformance tests (meson)"
meson_out=$BUILD/meson-test-output.txt
meson test -C "$BUILD" --print-errorlogs 2>&1 | tee "$meson_out"
log=$BUILD/meson-logs/testlog.txt
ok=$(grep -cE '^ok [0-9]+' "$log")
nok=$(grep -cE '^not ok [0-9]+' "$log")
skip=$(grep -cE '^ok [0-9]+.*# SKIP' "$log")
# A test program that dies (crash, timeout, bad plan) fails as a whole, whatever it printed.
crashed=$(awk '/^(Fail|Timeout):/ { n += $2 } END { print n + 0 }' "$meson_out")
passed=$((passed + ok - skip))
skipped=$((skipped + skip))
failed=$((failed + nok + crashed))

echo "== fuzz smoke run (${FUZZ_SECONDS} s a target)"
fuzz_out=$BUILD/fuzz-output.txt
bash "$ROOT/scripts/fuzz.sh" "$FUZZ_SECONDS" all 2>&1 | tee "$fuzz_out"
fuzz_pass=$(grep -cE '^fuzz [a-z]+: PASS' "$fuzz_out")
fuzz_fail=$(grep -cE '^fuzz [a-z]+: FAIL' "$fuzz_out")
passed=$((passed + fuzz_pass))
failed=$((failed + fuzz_fail))
# No line at all (the build failed): one failure, not silence.
[ $((fuzz_pass + fuzz_fail)) -eq 0 ] && failed=$((failed + 1))

echo "== pytest: decoder conformance and gateway system tests"
junit=$BUILD/pytest-junit.xml
# Tests marked slow run in the slow lane (scripts/test-slow.sh), not here.
/usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$junit" -m "not slow" \
	"$ROOT/test/conformance" "$ROOT/test/system" "$@"
rc=$?
if [ -f "$junit" ]; then
	read -r p f s < <(/usr/bin/python3 "$ROOT/scripts/junit-counts.py" "$junit")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
elif [ $rc -ne 0 ]; then
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
