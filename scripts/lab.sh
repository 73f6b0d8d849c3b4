#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds, inspects and tears down the igmpgw network-namespace lab: two upstream networks
# with a Linux-bridge IGMP querier and a multicast source each, a gateway namespace holding
# the three veth ends igmpgw opens with af_packet, and an inside snooping bridge with hosts.
#
#   ${P}upsrc  eth0 ── src0 ┐
#                           br0 10.200.1.1 querier (${P}up)   gw0 ── out0 ┐
#   ${P}altsrc eth0 ── src0 ┐                                              │
#                           br0 10.200.2.1 querier (${P}alt)  gw0 ── alt0 ├ ${P}gw (igmpgw)
#   ${P}hN     eth0 ── hN   ┐                                              │
#                           br0 snooping, no querier (${P}in) gw0 ── in0  ┤
#   ${P}in2h1  eth0 ── h1   ┐                                              │
#                           br0 snooping, no querier (${P}in2) gw0 ── in1 ┘  (LAB_INSIDE2=1)
#
# Every link is created directly inside its namespaces, so labs with different prefixes
# never collide in the root namespace and share nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

PREFIX=${LAB_PREFIX:-igl}
QUERIER_VERSION=${LAB_QUERIER_VERSION:-3}
NHOSTS=${LAB_HOSTS:-3}
INSIDE2=${LAB_INSIDE2:-0}

UP_NET=10.200.1
ALT_NET=10.200.2
IN_NET=10.200.0
IN2_NET=10.200.3
QUERIER_STARTED=0

usage()
{
	cat <<EOF
usage: $(basename "$0") [--prefix P] up [--querier-version 2|3]
       $(basename "$0") [--prefix P] down|status
       $(basename "$0") [--prefix P] exec NODE CMD [ARG...]

NODE is one of: up alt gw in src altsrc h1..hN, and in2 in2h1 with LAB_INSIDE2=1
(namespace \${P}NODE; src is \${P}upsrc).
Options may also follow the command (before NODE for exec).

Environment (timers in seconds, applied to both upstream querier bridges on every 'up'):
  LAB_PREFIX                  namespace prefix (default igl; [a-z][a-z0-9]{0,8})
  LAB_QUERIER_VERSION         IGMP version of the upstream queriers (default 3)
  LAB_HOSTS                   inside hosts, 3..200 (default 3)
  LAB_INSIDE2                 1: a second inside network, veth in1 of the gateway to
                              snooping bridge \${P}in2 with host \${P}in2h1 at $IN2_NET.11
                              (gateway $IN2_NET.1); 0 (default): none, and 'up'
                              removes one an earlier 'up' made
  LAB_QUERY_INTERVAL          general query interval (default 125)
  LAB_QUERY_RESPONSE_INTERVAL max response time in queries (default 10, at most
                              half the query interval)
  LAB_STARTUP_QUERY_INTERVAL  startup query interval (default query interval / 4)
  LAB_MEMBERSHIP_INTERVAL     group membership timeout (default 260)
  LAB_LAST_MEMBER_INTERVAL    last member query interval (default 1)

'down' also ends any process still running inside the lab's namespaces, since their
links would otherwise outlive the namespace names.
EOF
}

die()
{
	echo "lab: $*" >&2
	exit 1
}

# Seconds (decimals allowed) to the centiseconds the bridge attributes take.
centisecs()
{
	local name=$1 val=$2
	[[ $val =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$name: '$val' is not a number of seconds"
	awk -v s="$val" 'BEGIN { printf "%d\n", s * 100 + 0.5 }'
}

secs()
{
	printf '%d.%02d\n' $(($1 / 100)) $(($1 % 100))
}

# Namespace of a node name, empty if the name is not a node of this lab.
node_ns()
{
	case $1 in
	up | alt | gw | in | altsrc | in2 | in2h1) echo "${PREFIX}$1" ;;
	src | upsrc) echo "${PREFIX}upsrc" ;;
	h[1-9] | h[1-9][0-9] | h[1-9][0-9][0-9]) echo "${PREFIX}$1" ;;
	*) echo "" ;;
	esac
}

# Fixed MACs (02:00 + the IPv4 address the interface stands for) keep captures and
# neighbour caches stable across 'up' runs; a bridge would otherwise take a port's MAC.
mac_of()
{
	local a b c d
	IFS=. read -r a b c d <<<"$1"
	printf '02:00:%02x:%02x:%02x:%02x\n' "$a" "$b" "$c" "$d"
}

ns_exists()
{
	[ -e "/run/netns/$1" ]
}

# Namespaces of this lab that exist now: the fixed ones, then hosts in numeric order.
lab_namespaces()
{
	local n
	for n in up alt gw in upsrc altsrc in2 in2h1; do
		if ns_exists "${PREFIX}$n"; then
			echo "${PREFIX}$n"
		fi
	done
	lab_hosts
}

lab_hosts()
{
	ip netns list | awk '{ print $1 }' | grep -E "^${PREFIX}h[0-9]+$" | sort -V || true
}

nsx()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

sysctl_set()
{
	nsx "$1" sysctl -qw "$2=$3"
}

# A namespace with loopback up, and defaults that every interface made later inherits:
# no IPv6 (no MLD or router solicitation noise on the captures), no reverse path filter.
ensure_ns()
{
	local ns=$1
	if ! ns_exists "$ns"; then
		ip netns add "$ns"
	fi
	ip -n "$ns" link set lo up
	sysctl_set "$ns" net.ipv6.conf.all.disable_ipv6 1
	sysctl_set "$ns" net.ipv6.conf.default.disable_ipv6 1
	sysctl_set "$ns" net.ipv4.conf.all.rp_filter 0
	sysctl_set "$ns" net.ipv4.conf.default.rp_filter 0
}

link_exists()
{
	ip -n "$1" link show dev "$2" >/dev/null 2>&1
}

# "IFINDEX PEERINDEX PEERNS" of a veth end, from ip's one-line output
# ("7: out0@if6: <...> ... link-netns iglup").
veth_peer()
{
	ip -n "$1" -o link show dev "$2" 2>/dev/null |
		sed -nE 's/^([0-9]+): [^@:]+@if([0-9]+):.* link-netns ([^ ]+).*/\1 \2 \3/p' || true
}

# A veth pair NS1:IF1 <-> NS2:IF2; an existing pair is kept only if it is exactly this pair.
ensure_veth()
{
	local ns1=$1 if1=$2 ns2=$3 if2=$4 a b a_idx a_peer a_ns b_idx b_peer b_ns
	a=$(veth_peer "$ns1" "$if1")
	b=$(veth_peer "$ns2" "$if2")
	if [ -n "$a" ] && [ -n "$b" ]; then
		read -r a_idx a_peer a_ns <<<"$a"
		read -r b_idx b_peer b_ns <<<"$b"
		if [ "$a_peer" = "$b_idx" ] && [ "$b_peer" = "$a_idx" ] &&
			[ "$a_ns" = "$ns2" ] && [ "$b_ns" = "$ns1" ]; then
			return 0
		fi
	fi
	if link_exists "$ns1" "$if1"; then
		ip -n "$ns1" link del dev "$if1"
	fi
	if link_exists "$ns2" "$if2"; then
		ip -n "$ns2" link del dev "$if2"
	fi
	ip -n "$ns1" link add "$if1" type veth peer name "$if2" netns "$ns2"
}

# No IPv6, no reverse path filter and no transmit checksum offload: with offload a frame
# leaves a veth with a partial checksum, and af_packet would hand igmpgw (and tcpdump)
# a packet whose checksum is wrong on the wire.
tune_if()
{
	local ns=$1 ifname=$2
	sysctl_set "$ns" "net.ipv6.conf.$ifname.disable_ipv6" 1
	sysctl_set "$ns" "net.ipv4.conf.$ifname.rp_filter" 0
	nsx "$ns" ethtool -K "$ifname" tx off >/dev/null 2>&1 ||
		die "ethtool -K $ifname tx off failed in $ns"
}

ensure_bridge()
{
	local ns=$1
	shift
	if ! link_exists "$ns" br0; then
		ip -n "$ns" link add br0 type bridge
	fi
	sysctl_set "$ns" net.ipv6.conf.br0.disable_ipv6 1
	# Attributes are set on every run so that 'up' with other options updates a lab.
	ip -n "$ns" link set br0 type bridge "$@"
}

attach()
{
	local ns=$1 port=$2
	ip -n "$ns" link set dev "$port" master br0
	tune_if "$ns" "$port"
	ip -n "$ns" link set dev "$port" up
}

# An upstream network: querier bridge holding NET.1, source host NET.10 in namespace SRC.
build_upstream()
{
	local ns=$1 src=$2 net=$3 gwif=$4
	ensure_bridge "$ns" \
		mcast_snooping 1 \
		mcast_query_use_ifaddr 1 \
		mcast_igmp_version "$QUERIER_VERSION" \
		mcast_query_interval "$QI" \
		mcast_query_response_interval "$QRI" \
		mcast_startup_query_interval "$SQI" \
		mcast_membership_interval "$MI" \
		mcast_last_member_interval "$LMI" \
		mcast_stats_enabled 1
	tune_if "$ns" br0
	# Without mcast_query_use_ifaddr the bridge queries from 0.0.0.0, and unicast
	# reports need an address to go to: the bridge is querier and router at NET.1.
	ip -n "$ns" link set dev br0 address "$(mac_of "$net.1")"
	ip -n "$ns" addr replace "$net.1/24" dev br0
	ensure_veth "$GW" "$gwif" "$ns" gw0
	ensure_veth "$src" eth0 "$ns" src0
	attach "$ns" gw0
	attach "$ns" src0
	ip -n "$ns" link set dev br0 up

	tune_if "$src" eth0
	ip -n "$src" link set dev eth0 address "$(mac_of "$net.10")"
	ip -n "$src" addr replace "$net.10/24" dev eth0
	ip -n "$src" link set dev eth0 up
	ip -n "$src" route replace default via "$net.1" dev eth0
	ip -n "$src" route replace 224.0.0.0/4 dev eth0

	# The querier goes on last, once its timers and ports are in place: enabling it sends
	# the startup queries at once, and starts the query response interval during which
	# the bridge still floods all multicast (it trusts snooping only after that delay).
	if ! ip -n "$ns" -d link show dev br0 | grep -q 'mcast_querier 1'; then
		ip -n "$ns" link set br0 type bridge mcast_querier 1
		QUERIER_STARTED=1
	fi
}

build_inside()
{
	local i host
	ensure_bridge "$IN" \
		mcast_snooping 1 \
		mcast_querier 0 \
		mcast_stats_enabled 1
	tune_if "$IN" br0
	ensure_veth "$GW" in0 "$IN" gw0
	attach "$IN" gw0
	ip -n "$IN" link set dev br0 up
	for ((i = 1; i <= NHOSTS; i++)); do
		host=${PREFIX}h$i
		ensure_veth "$host" eth0 "$IN" "h$i"
		attach "$IN" "h$i"
		tune_if "$host" eth0
		ip -n "$host" link set dev eth0 address "$(mac_of "$IN_NET.$((10 + i))")"
		ip -n "$host" addr replace "$IN_NET.$((10 + i))/24" dev eth0
		ip -n "$host" link set dev eth0 up
		ip -n "$host" route replace default via "$IN_NET.1" dev eth0
		ip -n "$host" route replace 224.0.0.0/4 dev eth0
	done
}

# The second inside network: like the first, with one host, on the gateway's in1.
build_inside2()
{
	local host=${PREFIX}in2h1
	ensure_bridge "$IN2" \
		mcast_snooping 1 \
		mcast_querier 0 \
		mcast_stats_enabled 1
	tune_if "$IN2" br0
	ensure_veth "$GW" in1 "$IN2" gw0
	attach "$IN2" gw0
	ip -n "$IN2" link set dev br0 up
	ensure_veth "$host" eth0 "$IN2" h1
	attach "$IN2" h1
	tune_if "$host" eth0
	ip -n "$host" link set dev eth0 address "$(mac_of "$IN2_NET.11")"
	ip -n "$host" addr replace "$IN2_NET.11/24" dev eth0
	ip -n "$host" link set dev eth0 up
	ip -n "$host" route replace default via "$IN2_NET.1" dev eth0
	ip -n "$host" route replace 224.0.0.0/4 dev eth0
}

# An 'up' without LAB_INSIDE2 takes away the second inside network of an earlier one.
remove_inside2()
{
	local ns
	for ns in "$IN2" "${PREFIX}in2h1"; do
		if ns_exists "$ns"; then
			end_ns_processes "$ns"
			ip netns del "$ns"
		fi
	done
	if link_exists "$GW" in1; then
		ip -n "$GW" link del dev in1
	fi
}

# The gateway's ends carry no kernel address: igmpgw owns them through af_packet, and its
# TAP twins (created by igmpgw in this namespace) carry the addresses for the kernel.
tune_gateway()
{
	local ifname in1_chain=""
	local -a ifnames=(out0 alt0 in0)
	ip -n "$GW" link set dev out0 address "$(mac_of "$UP_NET.2")"
	ip -n "$GW" link set dev alt0 address "$(mac_of "$ALT_NET.2")"
	ip -n "$GW" link set dev in0 address "$(mac_of "$IN_NET.1")"
	if [ "$INSIDE2" -eq 1 ]; then
		ip -n "$GW" link set dev in1 address "$(mac_of "$IN2_NET.1")"
		ifnames+=(in1)
		# A netdev chain names its device, which must exist: only with inside2.
		in1_chain='chain in1 { type filter hook ingress device "in1" priority 0; policy drop; }'
	fi
	for ifname in "${ifnames[@]}"; do
		tune_if "$GW" "$ifname"
		ip -n "$GW" addr flush dev "$ifname"
		ip -n "$GW" link set dev "$ifname" up
	done
	# af_packet sees frames before the kernel's ingress hook does; dropping them there keeps
	# the kernel from answering ping and ARP on the veth too (duplicates beside the twin's).
	nsx "$GW" nft -f - <<-EOF
		table netdev igmpgw_lab
		delete table netdev igmpgw_lab
		table netdev igmpgw_lab {
			chain out0 { type filter hook ingress device "out0" priority 0; policy drop; }
			chain alt0 { type filter hook ingress device "alt0" priority 0; policy drop; }
			chain in0 { type filter hook ingress device "in0" priority 0; policy drop; }
			$in1_chain
		}
	EOF
}

cmd_up()
{
	local i ns n
	local qi_s=${LAB_QUERY_INTERVAL:-125}
	QI=$(centisecs LAB_QUERY_INTERVAL "$qi_s")
	if [ -n "${LAB_QUERY_RESPONSE_INTERVAL:-}" ]; then
		QRI=$(centisecs LAB_QUERY_RESPONSE_INTERVAL "$LAB_QUERY_RESPONSE_INTERVAL")
	else
		# RFC 3376 wants the response time below the interval; 10 s unless that is not.
		QRI=$((QI / 2 < 1000 ? QI / 2 : 1000))
	fi
	if [ -n "${LAB_STARTUP_QUERY_INTERVAL:-}" ]; then
		SQI=$(centisecs LAB_STARTUP_QUERY_INTERVAL "$LAB_STARTUP_QUERY_INTERVAL")
	else
		SQI=$((QI / 4))
	fi
	MI=$(centisecs LAB_MEMBERSHIP_INTERVAL "${LAB_MEMBERSHIP_INTERVAL:-260}")
	LMI=$(centisecs LAB_LAST_MEMBER_INTERVAL "${LAB_LAST_MEMBER_INTERVAL:-1}")
	# The kernel clamps query intervals below 1 s; say so instead of silently differing.
	[ "$QI" -ge 100 ] || die "LAB_QUERY_INTERVAL must be >= 1 s"
	[ "$SQI" -ge 100 ] || SQI=100
	[ "$QRI" -lt "$QI" ] || die "LAB_QUERY_RESPONSE_INTERVAL must be below LAB_QUERY_INTERVAL"

	for n in up alt gw in upsrc altsrc; do
		ensure_ns "${PREFIX}$n"
	done
	for ((i = 1; i <= NHOSTS; i++)); do
		ensure_ns "${PREFIX}h$i"
	done
	if [ "$INSIDE2" -eq 1 ]; then
		ensure_ns "$IN2"
		ensure_ns "${PREFIX}in2h1"
	fi
	# A previous 'up' with more hosts leaves namespaces this one does not want.
	while read -r ns; do
		[ -n "$ns" ] || continue
		i=${ns#"${PREFIX}h"}
		if [ "$i" -gt "$NHOSTS" ]; then
			end_ns_processes "$ns"
			ip netns del "$ns"
		fi
	done < <(lab_hosts)

	build_upstream "$UP" "$UPSRC" "$UP_NET" out0
	build_upstream "$ALT" "$ALTSRC" "$ALT_NET" alt0
	build_inside
	if [ "$INSIDE2" -eq 1 ]; then
		build_inside2
	else
		remove_inside2
	fi
	tune_gateway

	# Wait out the flooding period so that whoever runs 'up' finds snooping in force.
	if [ "$QUERIER_STARTED" -eq 1 ]; then
		echo "lab: waiting $(secs "$QRI") s for the upstream queriers to take effect" >&2
		sleep "$(secs $((QRI + 10)))"
	fi

	cat <<EOF
lab $PREFIX up (upstream IGMPv$QUERIER_VERSION queriers, query interval $(secs "$QI") s, response $(secs "$QRI") s)
  gateway namespace: $GW
    outside: out0  (bridge $UP/br0 at $UP_NET.1, source $UPSRC $UP_NET.10)
    alt:     alt0  (bridge $ALT/br0 at $ALT_NET.1, source $ALTSRC $ALT_NET.10)
    inside:  in0   (bridge $IN/br0, hosts ${PREFIX}h1..${PREFIX}h$NHOSTS at $IN_NET.11..$IN_NET.$((10 + NHOSTS)))
EOF
	if [ "$INSIDE2" -eq 1 ]; then
		cat <<EOF
    inside2: in1   (bridge $IN2/br0, host ${PREFIX}in2h1 at $IN2_NET.11)
  run: ip netns exec $GW igmpgw --vdev=net_af_packet0,iface=out0 \\
         --vdev=net_af_packet1,iface=alt0 --vdev=net_af_packet2,iface=in0 -- -f $ROOT/config/lab.conf \\
         --set inside2.port=net_af_packet3,iface=in1 --set inside2.address=$IN2_NET.1/24
EOF
	else
		cat <<EOF
  run: ip netns exec $GW igmpgw --vdev=net_af_packet0,iface=out0 \\
         --vdev=net_af_packet1,iface=alt0 --vdev=net_af_packet2,iface=in0 -- -f $ROOT/config/lab.conf
EOF
	fi
}

# Processes left in a namespace keep it, and its links, alive after 'ip netns del'.
end_ns_processes()
{
	local ns=$1 pids t
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	[ -n "$pids" ] || return 0
	echo "lab: ending processes in $ns: $(echo "$pids" | tr '\n' ' ')" >&2
	# shellcheck disable=SC2086 # one pid per word
	kill -TERM $pids 2>/dev/null || true
	for ((t = 0; t < 20; t++)); do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		[ -n "$pids" ] || return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
}

cmd_down()
{
	local ns
	for ns in $(lab_namespaces); do
		end_ns_processes "$ns"
		ip netns del "$ns"
	done
	echo "lab $PREFIX down"
}

# A link that must exist, be up and have carrier; prints what is wrong with it.
check_link()
{
	local ns=$1 ifname=$2 flags
	ns_exists "$ns" || return 0
	flags=$(ip -n "$ns" -o link show dev "$ifname" 2>/dev/null |
		sed -nE 's/^[^<]*<([^>]*)>.*/,\1,/p' || true)
	if [ -z "$flags" ]; then
		echo "$ns: link $ifname missing"
	elif [[ $flags != *,UP,* ]]; then
		echo "$ns: link $ifname is down"
	elif [[ $flags != *,LOWER_UP,* ]]; then
		echo "$ns: link $ifname has no carrier"
	fi
}

# Every namespace, link and state the lab needs, as "what is missing" lines.
lab_problems()
{
	local i ns ifname
	for ns in "$UP" "$ALT" "$GW" "$IN" "$UPSRC" "$ALTSRC" "${PREFIX}h1" "${PREFIX}h2" "${PREFIX}h3"; do
		ns_exists "$ns" || echo "namespace $ns missing"
	done
	for ifname in out0 alt0 in0; do
		check_link "$GW" "$ifname"
	done
	for ifname in br0 gw0 src0; do
		check_link "$UP" "$ifname"
		check_link "$ALT" "$ifname"
	done
	check_link "$UPSRC" eth0
	check_link "$ALTSRC" eth0
	check_link "$IN" br0
	check_link "$IN" gw0
	for ns in $(lab_hosts); do
		i=${ns#"${PREFIX}h"}
		check_link "$IN" "h$i"
		check_link "$ns" eth0
	done
	if [ "$INSIDE2" -eq 1 ] || ns_exists "$IN2"; then
		for ns in "$IN2" "${PREFIX}in2h1"; do
			ns_exists "$ns" || echo "namespace $ns missing"
		done
		check_link "$GW" in1
		check_link "$IN2" br0
		check_link "$IN2" gw0
		check_link "$IN2" h1
		check_link "${PREFIX}in2h1" eth0
	fi
	for ns in "$UP" "$ALT"; do
		if ns_exists "$ns"; then
			ip -n "$ns" -d link show dev br0 2>/dev/null | grep -q 'mcast_querier 1' ||
				echo "$ns: br0 is not a querier"
		fi
	done
}

# The bridge's querier settings and the router ports it learnt; iproute2 6.1 does not
# print the elected querier, but the router ports show who queried.
print_querier()
{
	local ns=$1
	ip -n "$ns" -d link show dev br0 2>/dev/null |
		grep -oE '(mcast_snooping|mcast_querier|mcast_igmp_version|mcast_query_use_ifaddr|mcast_query_interval|mcast_query_response_interval|mcast_startup_query_interval|mcast_membership_interval) [0-9]+' |
		paste -sd ' ' | sed 's/^/  /'
	bridge -n "$ns" -d mdb show 2>/dev/null | grep -i router | sed 's/^/  /' || true
}

cmd_status()
{
	local ns problems
	local -a lines
	echo "== lab $PREFIX namespaces"
	lab_namespaces | sed 's/^/  /'
	for ns in $(lab_namespaces); do
		echo "== $ns"
		ip -n "$ns" -br link | sed 's/^/  link /'
		ip -n "$ns" -br -4 addr | grep -v '^lo ' | sed 's/^/  addr /' || true
		if link_exists "$ns" br0; then
			echo "  mdb:"
			bridge -n "$ns" mdb show | sed 's/^/    /'
			echo "  querier:"
			print_querier "$ns" | sed 's/^/  /'
		fi
	done
	problems=$(lab_problems)
	if [ -n "$problems" ]; then
		echo "== lab $PREFIX is NOT up:"
		mapfile -t lines <<<"$problems"
		printf '  %s\n' "${lines[@]}"
		return 1
	fi
	echo "== lab $PREFIX is up"
}

cmd_exec()
{
	local node=${1:-} ns
	[ -n "$node" ] || die "exec needs a NODE and a command"
	shift
	[ $# -gt 0 ] || die "exec $node: no command"
	ns=$(node_ns "$node")
	[ -n "$ns" ] || die "exec: unknown node '$node' (up alt gw in src altsrc h1..hN in2 in2h1)"
	ns_exists "$ns" || die "exec: namespace $ns does not exist (is lab $PREFIX up?)"
	exec ip netns exec "$ns" "$@"
}

# Sourced (scripts/bench-pktgen.sh builds its namespaces and veths with the helpers above):
# no command to run.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
	return 0
fi

# Options are accepted before the command and after it (for exec: before NODE).
cmd=""
while [ $# -gt 0 ]; do
	case $1 in
	--prefix)
		[ $# -ge 2 ] || die "--prefix needs a value"
		PREFIX=$2
		shift 2
		;;
	--prefix=*)
		PREFIX=${1#*=}
		shift
		;;
	--querier-version)
		[ $# -ge 2 ] || die "--querier-version needs a value"
		QUERIER_VERSION=$2
		shift 2
		;;
	--querier-version=*)
		QUERIER_VERSION=${1#*=}
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		die "unknown option '$1' (see --help)"
		;;
	*)
		if [ -z "$cmd" ]; then
			cmd=$1
			shift
		else
			break
		fi
		;;
	esac
done

# The longest name is ${PREFIX}altsrc or ${PREFIX}hNNN; keep them within IFNAMSIZ habits.
[[ $PREFIX =~ ^[a-z][a-z0-9]{0,8}$ ]] || die "prefix '$PREFIX' must match [a-z][a-z0-9]{0,8}"
[[ $QUERIER_VERSION =~ ^[23]$ ]] || die "querier version must be 2 or 3, not '$QUERIER_VERSION'"
[[ $INSIDE2 =~ ^[01]$ ]] || die "LAB_INSIDE2 must be 0 or 1, not '$INSIDE2'"
if ! [[ $NHOSTS =~ ^[0-9]+$ ]] || [ "$NHOSTS" -lt 3 ] || [ "$NHOSTS" -gt 200 ]; then
	die "LAB_HOSTS must be 3..200, not '$NHOSTS'"
fi

UP=${PREFIX}up
ALT=${PREFIX}alt
GW=${PREFIX}gw
IN=${PREFIX}in
UPSRC=${PREFIX}upsrc
ALTSRC=${PREFIX}altsrc
IN2=${PREFIX}in2

case $cmd in
up)
	[ $# -eq 0 ] || die "up: unexpected '$1'"
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	cmd_up
	;;
down)
	[ $# -eq 0 ] || die "down: unexpected '$1'"
	cmd_down
	;;
status)
	[ $# -eq 0 ] || die "status: unexpected '$1'"
	cmd_status
	;;
exec)
	cmd_exec "$@"
	;;
"")
	usage >&2
	exit 2
	;;
*)
	die "unknown command '$cmd' (see --help)"
	;;
esac
