#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs every Debian package igmpgw builds, runs and tests with, and reserves hugepages.
# Idempotent and non-interactive: safe to run on every start.
set -euo pipefail

PACKAGES=(
	build-essential
	clang
	debhelper
	debootstrap
	dpkg-dev
	dpdk
	dpdk-dev
	dpdk-doc
	ethtool
	igmpproxy
	iproute2
	iputils-ping
	libclang-rt-14-dev
	libdpdk-dev
	libjansson-dev
	libmicrohttpd-dev
	libnuma-dev
	libpcap-dev
	libsystemd-dev
	lintian
	linux-perf
	meson
	nftables
	ninja-build
	pkg-config
	procps
	prometheus
	python3
	python3-pytest
	python3-scapy
	scdoc
	tcpdump
	tshark
	util-linux
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# The prometheus package is here for its binaries (test_metrics runs its own
	# server in a namespace): the host-wide service its install starts is not wanted.
	if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
		systemctl disable --now prometheus.service >/dev/null 2>&1 || true
		echo "setup: prometheus.service disabled (only its binaries are used)"
	fi
fi

# Hugepages let secondary processes (dpdk-dumpcap, dpdk-proc-info) attach and make
# forwarding faster; tests fall back to --no-huge when none can be had.
want=${IGMPGW_HUGEPAGES:-1024}
have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$have" -lt "$want" ]; then
	echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
if ! grep -q ' /dev/hugepages hugetlbfs' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
echo "setup: ok (hugepages: $(cat /proc/sys/vm/nr_hugepages))"
