# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures of the gateway's system tests.

Each test module gets a fresh scripts/lab.sh lab under a prefix of its own
(fresh kernels: a host that heard an IGMPv2 query stays in v2 mode for 260 s),
torn down at the end of the module whatever happened. The `gateway` fixture
starts igmpgw in the lab's gateway namespace with tshark watching the wire
next to each port, and on the way out checks every IGMP packet the gateway
emitted (checksums, TTL 1, TOS 0xc0, Router Alert) with tshark and with
igmpgw-decode. igmpgw's output goes to a file printed when a test fails.

A module may set LAB_ENV, environment for lab.sh up (the default queries every
5 s, so that waits for the upstream queriers stay short).
Needs root, tshark and a built gateway (IGMPGW_BUILD, default ROOT/build);
without them the whole directory is skipped with the reason.
"""

import atexit
import os
import shutil
import subprocess

import pytest

import gwlab


def _missing():
    if os.geteuid() != 0:
        return "system tests need root (network namespaces, af_packet, hugepages)"
    for path in (gwlab.IGMPGW, gwlab.DECODE):
        if not path.exists():
            return f"{path} is not built (set IGMPGW_BUILD or build it with meson/ninja)"
    for tool in ("tshark", "ip", "bridge", "ethtool", "nft", "ping"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/setup.sh installs it)"
    return None


@pytest.fixture(scope="session")
def system_ready():
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _skip_without_requirements(system_ready):
    """Every test here, lab or not, needs what system_ready checks."""


def _new_prefix():
    # "s" + 5 characters: namespace names stay short (lab.sh adds at most "altsrc").
    existing = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    while True:
        prefix = "s" + gwlab.random_suffix(5)
        if not any(n.startswith(prefix) for n in existing):
            return prefix


@pytest.fixture(scope="module")
def lab(request, system_ready):
    """A fresh lab for the module; LAB_ENV in the module tunes lab.sh up."""
    env = {"LAB_QUERY_INTERVAL": 5}
    env.update(getattr(request.module, "LAB_ENV", {}))
    the_lab = gwlab.Lab(_new_prefix())
    # Also on an interrupted run: namespaces must never outlive the session.
    atexit.register(the_lab.down)
    try:
        the_lab.up(env)
        yield the_lab
    finally:
        the_lab.down()


@pytest.fixture
def gateway(request, lab, tmp_path):
    """Starts igmpgw: gateway(*overrides, config=LAB_CONF, eal=(), roles=None, workers=None)
    -> a running gwlab.Gateway (overrides are --set values, eal extra EAL arguments, roles
    the ports whose wire is watched: outside, alt and inside unless given, workers the
    worker lcores, gwlab.WORKERS unless given).
    Several may be started one after the other in a test; all are stopped at the end,
    and every IGMP packet each of them emitted is checked."""
    started = []

    def start(*overrides, config=gwlab.LAB_CONF, eal=(), wait=True, roles=None, workers=None):
        for g in started:
            if g.alive():
                g.stop()
        g = gwlab.Gateway(lab, tmp_path, f"g{len(started)}", config, overrides, roles=roles,
                          eal=eal, workers=workers)
        started.append(g)
        if wait:
            g.wait_running()
        return g

    yield start

    problems, checked = [], 0
    for g in started:
        try:
            problems += g.finish()
            checked += g.emitted_count()
        finally:
            print(f"---- {' '.join(g.cmd)}\n{g.log()}")
    print(f"wire check: {checked} IGMP packets emitted by the gateway, "
          f"{len(problems)} with problems (captures in {tmp_path})")
    assert not problems, "gateway emitted bad IGMP:\n" + "\n".join(problems)


@pytest.fixture
def workers(request, monkeypatch):
    """The worker lcores of the gateways a test starts: parametrize it indirectly
    (@pytest.mark.parametrize("workers", [1, 2, 3], indirect=True)); gwlab.WORKERS
    unless given. Two or three on this box's two CPUs share them (correctness only)."""
    n = getattr(request, "param", gwlab.WORKERS)
    monkeypatch.setattr(gwlab, "WORKERS", n)
    return n


@pytest.fixture(scope="module")
def scratch_ns(system_ready):
    """An empty network namespace, for gateway runs that need no lab but must not
    touch the host's interfaces should they get as far as creating kernel twins."""
    name = _new_prefix() + "x"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        for pid in subprocess.run(["ip", "netns", "pids", name], capture_output=True,
                                  text=True).stdout.split():
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "del", name], check=False)


def pytest_report_header(config):
    return f"igmpgw system tests: build {gwlab.BUILD}"


def pytest_configure(config):
    # Tests that take minutes (a real prometheus server, package installs, failover
    # gaps measured over hold-downs) are marked slow: scripts/test.sh leaves them to
    # scripts/test-slow.sh, the slow lane .ci/run runs after the README's command.
    config.addinivalue_line("markers", "slow: runs in the slow lane (scripts/test-slow.sh)")
