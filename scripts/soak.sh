#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Soak: igmpgw in the namespace lab for MINUTES under churn of joins and leaves
# over thousands of groups, with data flowing and control clients subscribed,
# sampling RSS, mbufs in use, ring depths, table memory and every drop counter
# (test/soak/soak.py says what and how it judges). Fails on growth after
# warm-up (last third > middle third + 2%) or an unexpected drop.
# Ends with one line "N passed, N failed, 0 skipped".
#   scripts/soak.sh MINUTES        (CI runs scripts/soak.sh 1)
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${IGMPGW_BUILD:-$ROOT/build}
if [ $# -ne 1 ] || ! [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
	echo "usage: $0 MINUTES" >&2
	exit 2
fi

bash "$ROOT/scripts/setup.sh" >/dev/null || exit 1
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" --werror >/dev/null || exit 1
fi
ninja -C "$BUILD" >/dev/null || { ninja -C "$BUILD"; exit 1; }
IGMPGW_BUILD=$BUILD exec /usr/bin/python3 "$ROOT/test/soak/soak.py" "$1"
