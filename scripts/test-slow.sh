#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The slow lane: the system tests marked slow (minutes each: real servers,
# installs into fresh roots, timed failovers), which scripts/test.sh skips.
# Expects scripts/test.sh to have run (set-up done, build present).
# Ends with one line "N passed, N failed, N skipped".
#   scripts/test-slow.sh [PYTEST ARGS...]
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${IGMPGW_BUILD:-$ROOT/build}
export IGMPGW_BUILD=$BUILD

bash "$ROOT/scripts/setup.sh" >/dev/null || exit 1
ninja -C "$BUILD" >/dev/null || { ninja -C "$BUILD"; exit 1; }

junit=$BUILD/pytest-slow-junit.xml
rm -f "$junit"
/usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$junit" -m slow \
	"$ROOT/test/system" "$@"
rc=$?
# Exit 5 = nothing selected: an empty lane is 0 passed, not a failure.
if [ -f "$junit" ]; then
	read -r p f s < <(/usr/bin/python3 "$ROOT/scripts/junit-counts.py" "$junit")
elif [ $rc -eq 5 ]; then
	p=0 f=0 s=0
else
	p=0 f=1 s=0
fi
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
