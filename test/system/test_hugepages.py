# SPDX-License-Identifier: BSD-3-Clause
"""Hugepages go back when igmpgw ends: after a clean stop and after a start that
failed once EAL was up, no hugepage file of its --file-prefix is left (EAL
unmaps its memory at rte_eal_cleanup but leaves the files, 46 of them, 92 MB,
until the next start under the same prefix).
"""

import os

import pytest

import gwlab
from gwlab import LAB_CONF, eal_args, run, wait_until

HUGE_DIR = "/dev/hugepages"


def huge_files(prefix):
    return sorted(f for f in os.listdir(HUGE_DIR) if f.startswith(f"{prefix}map_"))


def needs_hugepages(args):
    if "--no-huge" in args or not os.path.isdir(HUGE_DIR):
        pytest.skip("no free hugepages on this machine: the gateway would run with --no-huge")


def test_no_hugepage_file_left_after_a_stop(lab, gateway):
    gw = gateway(wait=False)
    needs_hugepages(gw.cmd)
    gw.wait_running()
    running = huge_files(gw.file_prefix)
    assert running, f"no {gw.file_prefix}map_* in {HUGE_DIR} while running: not tested"
    gw.stop()
    assert gw.proc.returncode == 0, gw.log()
    left = huge_files(gw.file_prefix)
    print(f"{len(running)} hugepage files while running, {len(left)} after the stop")
    assert left == [], f"{len(left)} of {len(running)} hugepage files left after the stop"


def test_no_hugepage_file_left_after_a_failed_start(lab):
    """A port that cannot be opened: EAL was up, start-up stops with one line."""
    prefix = f"{lab.prefix}hf"
    args = eal_args(prefix)
    needs_hugepages(args)
    sock = gwlab.CONTROL_DIR / f"{prefix}.sock"
    try:
        p = run(["ip", "netns", "exec", lab.ns("gw"), gwlab.IGMPGW] + args +
                ["--", "-f", LAB_CONF, "--set", f"control.socket={sock}",
                 "--set", "inside.port=net_af_packet2,iface=in9"], check=False, timeout=60)
        assert p.returncode == 2, p.stdout + p.stderr
        assert "inside.port" in p.stderr.splitlines()[-1], p.stderr
        wait_until(lambda: huge_files(prefix) == [], 5, "the hugepage files to go")
    finally:
        run(["rm", "-rf", f"/var/run/dpdk/{prefix}", sock], check=False)
        for f in huge_files(prefix):
            os.unlink(os.path.join(HUGE_DIR, f))
