#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The package lane: builds the Debian packages from a copy of the tree
# (dpkg-buildpackage -us -uc -b), runs lintian on them (no errors allowed),
# installs them with dpkg into a fresh Debian 12 root made by debootstrap, as a
# new machine would be, and checks them there: igmpgw --version, igmpgwctl
# --help, the control socket's groups, the conffiles, systemd-analyze verify on
# the unit, and the example reporter compiled against the installed pkg-config
# file. debootstrap's downloads are cached in /var/cache/igmpgw (a tarball per
# package set), so later runs need no network. Each check counts; the last
# line is "N passed, N failed, N skipped". Takes a few minutes (the package
# build most of them): a lane of .ci/run, not part of scripts/test.sh.
#   scripts/test-package.sh
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${IGMPGW_CACHE:-/var/cache/igmpgw}
MIRROR=${IGMPGW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# What the checks run in the root besides the packages' own dependencies.
TOOLS=(systemd pkg-config gcc libc6-dev man-db)

passed=0
failed=0
skipped=0
start=$SECONDS
work=$(mktemp -d /tmp/igmpgw-pkg.XXXXXX)
chroot_dir=$work/root

cleanup() {
	if mountpoint -q "$chroot_dir/proc" 2>/dev/null; then
		umount "$chroot_dir/proc"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# check NAME CMD...: one counted check; its output is shown when it fails.
check() {
	local name=$1 out
	shift
	out=$("$@" 2>&1)
	if [ $? -eq 0 ]; then
		echo "ok   $name"
		passed=$((passed + 1))
		return 0
	fi
	echo "FAIL $name"
	printf '%s\n' "$out" | tail -n 40 | sed 's/^/     /'
	failed=$((failed + 1))
	return 1
}

# skip NAME WHY: a check that could not run because an earlier one failed.
skip() {
	echo "skip $1: $2"
	skipped=$((skipped + 1))
}

finish() {
	echo "package lane: $((SECONDS - start)) s"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
	exit
}

in_root() {
	chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

bash "$ROOT/scripts/setup.sh" >/dev/null || { echo "setup failed"; failed=1; finish; }

# The tree as committed plus what is changed and not ignored: no build directories.
mkdir -p "$work/src"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
	(cd "$ROOT" && tar --null -T - --ignore-failed-read -cf -) | tar -C "$work/src" -xf -

# The unit tests run in scripts/test.sh: nocheck spares building them again here.
t=$SECONDS
if ! check "dpkg-buildpackage -us -uc -b" \
	bash -c "cd '$work/src' && DEB_BUILD_OPTIONS='nocheck parallel=2' nice dpkg-buildpackage -us -uc -b"; then
	skip "the rest" "no packages"
	finish
fi
echo "     (built in $((SECONDS - t)) s)"
version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
debs=()
for p in igmpgw libigmpgw-client0 libigmpgw-client-dev; do
	f=$(ls "$work"/"${p}"_"${version}"_*.deb 2>/dev/null | head -n 1)
	if check "package $p built" test -n "$f"; then
		debs+=("$f")
	fi
done

# One run (lintian takes a while): errors fail the check, warnings are listed.
lintian_errors() {
	lintian --fail-on error "$work"/igmpgw_*.changes >"$work/lintian.txt" 2>&1
}
check "lintian: no errors" lintian_errors
grep -v '^running with root privileges' "$work/lintian.txt" | sed 's/^/     lintian: /'

# The root: the packages' dependencies and the tools, from a cached tarball.
deps=$(for f in "${debs[@]}"; do dpkg-deb -f "$f" Pre-Depends; dpkg-deb -f "$f" Depends; done |
	tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g' |
	grep -vxE '|igmpgw|libigmpgw-client0|libigmpgw-client-dev' | sort -u)
include=$(printf '%s\n' $deps "${TOOLS[@]}" | sort -u | paste -sd, -)
key=$(printf '%s %s' "$SUITE" "$include" | sha256sum | cut -c1-12)
tarball=$CACHE/debootstrap-$SUITE-$key.tgz
mkdir -p "$CACHE"
if [ ! -s "$tarball" ]; then
	t=$SECONDS
	echo "     downloading $SUITE with $include into $tarball"
	debootstrap --variant=minbase --include="$include" --make-tarball="$tarball.tmp" \
		"$SUITE" "$work/tarball" "$MIRROR" >"$work/make-tarball.log" 2>&1 &&
		mv "$tarball.tmp" "$tarball"
	rm -rf "$work/tarball" "$tarball.tmp"
	echo "     (downloaded in $((SECONDS - t)) s)"
fi
t=$SECONDS
if ! check "debootstrap $SUITE (fresh root)" \
	debootstrap --variant=minbase --include="$include" --unpack-tarball="$tarball" \
	"$SUITE" "$chroot_dir" "$MIRROR"; then
	[ -f "$work/make-tarball.log" ] && tail -n 20 "$work/make-tarball.log"
	skip "the rest" "no root"
	finish
fi
echo "     (root made in $((SECONDS - t)) s)"
mount -t proc proc "$chroot_dir/proc"
mkdir -p "$chroot_dir/tmp/igmpgw"
cp "${debs[@]}" "$ROOT/examples/membership_reporter.c" "$chroot_dir/tmp/igmpgw/"

if ! check "dpkg -i the packages" in_root sh -c 'dpkg -i /tmp/igmpgw/*.deb'; then
	skip "the rest" "not installed"
	finish
fi
check "igmpgw --version" \
	bash -c "in_root() { chroot '$chroot_dir' /usr/bin/env -i PATH=/usr/bin:/bin \"\$@\"; }
		 out=\$(in_root igmpgw --version) && echo \"\$out\" &&
		 [ \"\$out\" = 'igmpgw $version' ]"
check "igmpgwctl --help" bash -c "set -o pipefail; chroot '$chroot_dir' igmpgwctl --help | grep -qi '^usage: igmpgwctl'"
check "groups igmpgw and igmpgw-admin" in_root getent group igmpgw igmpgw-admin
conffiles() {
	local c
	c=$(in_root dpkg-query -W -f='${Conffiles}\n' igmpgw) || return 1
	echo "$c"
	grep -q '^ /etc/igmpgw/igmpgw.conf ' <<<"$c" && grep -q '^ /etc/default/igmpgw ' <<<"$c"
}
check "conffiles /etc/igmpgw/igmpgw.conf, /etc/default/igmpgw" conffiles
# Documentation= names the manuals; they are checked once the package ships them.
man_check=--man=no
if in_root sh -c 'ls /usr/share/man/man8/igmpgw.8*' >/dev/null 2>&1; then
	man_check=--man=yes
else
	echo "     note: the package ships no igmpgw(8) yet: systemd-analyze verify $man_check"
fi
verify() {
	local out
	out=$(in_root systemd-analyze verify "$man_check" /lib/systemd/system/igmpgw.service 2>&1)
	local rc=$?
	echo "$out"
	# Any line about our unit is a finding (missing binaries are errors, not warnings).
	[ $rc -eq 0 ] && ! grep -q 'igmpgw.service' <<<"$out"
}
check "systemd-analyze verify igmpgw.service" verify
check "membership_reporter.c compiles against the installed pkg-config file" \
	in_root sh -c 'cd /tmp/igmpgw &&
		cc -Wall -Werror -o membership_reporter membership_reporter.c \
			$(pkg-config --cflags --libs igmpgw-client) &&
		./membership_reporter --version'
finish
