#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the wire codec benchmark as a release build in build-bench and runs it:
# ns per packet to parse and to build a v2 report, a v3 query and a v3 report.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-bench

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" -Dbuildtype=release -Dgateway=false >/dev/null
fi
ninja -C "$BUILD" test/bench/bench_wire >/dev/null
exec "$BUILD/test/bench/bench_wire"
