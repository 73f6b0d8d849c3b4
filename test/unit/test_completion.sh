#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# igmpgwctl's bash completion, sourced in bash as bash-completion would: the
# completions offered for command lines typed so far, as TAP. The commands and
# events come from the built igmpgwctl's --help; the groups need a gateway
# (test/system/test_mroute_runtime.py checks those).
# Usage: test_completion.sh COMPLETION_SCRIPT IGMPGWCTL
set -u
script=$1
ctl=$2
n=0
fail=0

# shellcheck source=/dev/null
source "$script"

# complete WORD... : what _igmpgwctl offers for the last word (may be empty).
complete_line()
{
	COMP_WORDS=("$ctl" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_igmpgwctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

check()
{
	local what=$1 want=$2
	shift 2
	local got
	got=$(complete_line "$@")
	n=$((n + 1))
	if [[ $got == "$want" ]]; then
		echo "ok $n - $what: '$got'"
	else
		echo "not ok $n - $what: got '$got', want '$want'"
		fail=1
	fi
}

check "commands starting with s" "select-outside stats status" "s"
check "commands starting with re" "reload report" "re"
check "mroute and its subcommands" "mroute" "mr"
check "mroute's subcommands" "add del show" "mroute" ""
check "options" "--help --json --socket --version" "--"
check "select-outside's ports" "alt outside" "select-outside" ""
check "events from the help's list" "group_added group_removed" "events" "group_"
check "events: query" "query" "events" "q"
check "events: the second one given" "membership_report" "events" "query" "mem"
check "trace's ports" "inside inside2 inside3 inside4 inside5 inside6 inside7 inside8" "trace" "ins"
check "mroute add: 'source' or 'to' after the group" "source to" "mroute" "add" "239.1.1.1" ""
check "mroute add: inside ports after 'to'" "inside inside2 inside3 inside4 inside5 inside6 inside7 inside8" \
	"mroute" "add" "239.1.1.1" "to" "in"
check "mroute del: only 'source' after the group" "source" "mroute" "del" "239.1.1.1" ""
check "after -s SOCKET, the commands still" "groups" -s /nonexistent/sock "gr"
check "groups of a gateway that does not answer: none" "" -s /nonexistent/sock report ""
# Every command igmpgwctl --help lists is offered, and nothing else.
all=$("$ctl" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
check "every command of the help" "$all" ""
n=$((n + 1))
if [[ $all == *reload* && $all == *mroute* && $all == *status* ]]; then
	echo "ok $n - the help lists reload, mroute and status"
else
	echo "not ok $n - the help's commands: '$all'"
	fail=1
fi
echo "1..$n"
exit $fail
