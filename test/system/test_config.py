# SPDX-License-Identifier: BSD-3-Clause
"""Bad configuration stops start-up: exit status 2 and one line on stderr,
"igmpgw: config: SECTION.KEY: reason", naming the key. Errors found once EAL
runs (ports, kernel twins) come after EAL's own start-up lines: there the
gateway's line must be the only one of its own and the last.
Runs in a scratch namespace: no lab needed, and nothing touches the host.
"""

import os
import re
import subprocess

import pytest

import gwlab
from gwlab import LAB_CONF, eal_args


def lab_conf(edit=None):
    """config/lab.conf's text, with edit(text) applied."""
    text = LAB_CONF.read_text()
    return edit(text) if edit else text


def drop_section(name):
    return lambda t: re.sub(rf"(?ms)^\[{name}\]\n.*?(?=^\[)", "", t)


def replace(old, new):
    def edit(t):
        assert old in t
        return t.replace(old, new)
    return edit


# id: (config edit, --set overrides, what the line must name)
BAD = {
    "unknown_section": (lambda t: t + "\n[bogus]\nkey = 1\n", [], "[bogus]"),
    "unknown_key": (replace("[igmp]\n", "[igmp]\nfrobnicate = yes\n"), [], "igmp.frobnicate"),
    "bad_yes_no": (replace("proxy_in_to_out = no", "proxy_in_to_out = maybe"), [],
                   "igmp.proxy_in_to_out"),
    "missing_inside": (drop_section("inside"), [], "[inside]"),
    "bad_address": (replace("10.200.0.1/24", "10.200.0.300/24"), [], "inside.address"),
    "multicast_address": (None, ["outside.address=224.0.0.5/24"], "outside.address"),
    "bad_active_outside": (None, ["igmp.active_outside=sideways"], "igmp.active_outside"),
    "alt_active_without_alt": (drop_section("alt"), ["igmp.active_outside=alt"],
                               "igmp.active_outside"),
    "bad_set_syntax": (None, ["igmpproxy_in_to_out"], "--set igmpproxy_in_to_out"),
    "port_cannot_open": (replace("iface=out0", "iface=doesnotexist0"), [], "outside.port"),
}


def run_gateway(ns, tmp_path, config_text, overrides, name):
    conf = tmp_path / f"{name}.conf"
    conf.write_text(config_text)
    prefix = f"{ns}{name[:4]}"
    cmd = ["ip", "netns", "exec", ns, str(gwlab.IGMPGW)] + eal_args(prefix) + ["--", "-f",
                                                                              str(conf)]
    # No control socket: the default path may belong to a gateway running beside us.
    for o in ["control.socket=none"] + overrides:
        cmd += ["--set", o]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    finally:
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{prefix}"])


def check_one_line(p, key):
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.splitlines()
    ours = [line for line in lines if line.startswith("igmpgw:")]
    assert len(ours) == 1, p.stderr
    assert lines[-1] == ours[0], p.stderr
    assert key in ours[0], ours[0]
    assert re.match(r"igmpgw: config: [^:]+: \S", ours[0]), ours[0]
    return lines


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_config_exits_2_with_one_line(case, scratch_ns, tmp_path):
    edit, overrides, key = BAD[case]
    p = run_gateway(scratch_ns, tmp_path, lab_conf(edit), overrides, case)
    lines = check_one_line(p, key)
    if case != "port_cannot_open":
        # Caught before EAL starts: the line is all there is.
        assert len(lines) == 1, p.stderr


def test_missing_config_file(scratch_ns, tmp_path):
    missing = tmp_path / "does-not-exist.conf"
    p = subprocess.run(["ip", "netns", "exec", scratch_ns, str(gwlab.IGMPGW), "--", "-f",
                        str(missing)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert p.stderr == f"igmpgw: config: {missing}: No such file or directory\n"


@pytest.mark.skipif(os.path.exists("/dev/vhost-net"),
                    reason="/dev/vhost-net exists: virtio-user twins can start here")
def test_virtio_user_without_vhost_net(scratch_ns, tmp_path):
    overrides = ["exception.mode=virtio-user", "outside.port=net_null0", "alt.port=net_null1",
                 "inside.port=net_null2"]
    p = run_gateway(scratch_ns, tmp_path, lab_conf(), overrides, "virtio")
    check_one_line(p, "exception.mode")
    assert "/dev/vhost-net" in p.stderr.splitlines()[-1]
