# SPDX-License-Identifier: BSD-3-Clause
"""`igmpgw --check -f FILE [--set ...]`: what an operator runs before a restart.
It needs no EAL arguments and no `--`, answers with one line (exit 0, or 2),
and touches nothing: run against the config of a gateway that is running, the
gateway's twins, ports and control socket stay up and working, and no DPDK
runtime directory or hugepage file appears for it.
"""

import os
from pathlib import Path

import gwlab
from gwlab import GW_ADDR, LAB_CONF, TWIN, run
from test_box import ping, status_ports, twin_flags


def check(lab, *args):
    """igmpgw run in the lab's gateway namespace; returns (status, stdout, stderr)."""
    p = run(["ip", "netns", "exec", lab.ns("gw"), gwlab.IGMPGW] + list(args), check=False,
            timeout=30)
    return p.returncode, p.stdout, p.stderr


def hugepage_files(prefix):
    return [f for f in os.listdir("/dev/hugepages") if f.startswith(prefix)] \
        if os.path.isdir("/dev/hugepages") else []


def test_check_beside_the_running_gateway_touches_nothing(lab, gateway):
    gw = gateway()
    before = status_ports(gw)
    socket_inode = gw.control_path.stat().st_ino
    prefix = f"{gw.file_prefix}chk"
    cases = {
        # As an operator types it: no EAL arguments, no "--", the same socket.
        "plain": ["--check", "-f", LAB_CONF, "--set", f"control.socket={gw.control_path}"],
        # With the EAL arguments of a real start: still nothing started.
        "with_eal": ["-l", "0-1", "--file-prefix", prefix, "--no-pci", "--", "--check",
                     "-f", LAB_CONF, "--set", f"control.socket={gw.control_path}"],
    }
    for case, args in cases.items():
        code, out, err = check(lab, *args)
        assert (code, err) == (0, ""), f"{case}: {code} {out}{err}"
        assert out == f"igmpgw: {LAB_CONF}: the configuration is valid\n", f"{case}: {out}"
    assert not Path(f"/var/run/dpdk/{prefix}").exists(), "--check started EAL"
    assert hugepage_files(prefix) == [], "--check took hugepages"
    # The running gateway is whole: same socket file, twins up, the kernel answers.
    assert gw.control_path.stat().st_ino == socket_inode
    for twin in TWIN.values():
        assert "UP" in twin_flags(lab, twin), twin
    ping(lab, "h1", GW_ADDR["inside"])
    ping(lab, "src", GW_ADDR["outside"])
    after = status_ports(gw)
    assert all(p["link"] == "up" and p["twin_state"] == "up" for p in after.values()), after
    assert {r: p["name"] for r, p in after.items()} == {r: p["name"] for r, p in before.items()}
    assert gw.counter("inside", "twin_lost") == 0 and gw.counter("outside", "link_lost") == 0
    assert gw.alive()


def test_check_refuses_with_one_line(lab):
    cases = {
        "bad value": (["--set", "igmp.proxy_in_to_out=maybe"],
                      "igmpgw: config: igmp.proxy_in_to_out: 'maybe' is not yes or no\n"),
        "two roles": (["--set", "inside.port=net_af_packet5,iface=out0"],
                      "igmpgw: config: inside.port: interface out0 is already the outside port\n"),
        "unknown key": (["--set", "forward.enable=yes"], None),
    }
    for case, (sets, line) in cases.items():
        code, out, err = check(lab, "--check", "-f", LAB_CONF, *sets)
        assert code == 2 and out == "" and len(err.splitlines()) == 1, f"{case}: {out}{err}"
        assert err.startswith("igmpgw: config: "), f"{case}: {err}"
        if line is not None:
            assert err == line, case
    code, out, err = check(lab, "--check")
    assert (code, out) == (2, "") and err == \
        "igmpgw: -f FILE: missing (the configuration file is required)\n", err
