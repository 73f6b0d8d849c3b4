# SPDX-License-Identifier: BSD-3-Clause
"""igmpgw as a Type=notify service, without systemd: the test binds the
NOTIFY_SOCKET and reads what sd_notify sends. READY=1 comes once the control
socket listens; WATCHDOG=1 comes while every worker polls, and stops when one
is stuck (the test-only knob IGMPGW_TEST_STALL_WORKER=INDEX@SECONDS stops a
worker's loop as a stuck one would), so systemd's WatchdogSec restarts it."""

import re
import socket
import time

import pytest

import gwlab

# Minutes of the README test command's 20: the slow lane (scripts/test-slow.sh) runs it.
pytestmark = pytest.mark.slow

WATCHDOG_S = 1.0  # WATCHDOG_USEC: the gateway checks its workers every half of it


class Notify:
    """The service manager's end of NOTIFY_SOCKET."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.messages = []  # (monotonic time, text)

    def read(self, seconds):
        """Collects what arrives during `seconds`; returns it."""
        got = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                got.append((time.monotonic(), self.sock.recv(4096).decode()))
            except socket.timeout:
                break
        self.messages += got
        return got

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, m in self.read(min(0.2, max(0.0, deadline - time.monotonic()))):
                if text in m.split("\n"):
                    return t
        raise AssertionError(f"no {text} within {timeout} s; got {self.messages}")

    def close(self):
        self.sock.close()


@pytest.fixture
def notify(tmp_path, monkeypatch):
    path = tmp_path / "notify.sock"
    n = Notify(path)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", str(int(WATCHDOG_S * 1e6)))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield n
    n.close()


def feeds(messages):
    return [t for t, m in messages if "WATCHDOG=1" in m.split("\n")]


def test_ready_once_listening_then_fed_while_workers_poll(lab, gateway, notify):
    gw = gateway(wait=False, workers=2)
    notify.wait_for("READY=1", 60)
    # Ready means ready: the control socket answers at once.
    with gw.control() as c:
        c.sock.sendall(b'{"request":"status"}\n')
        assert c.sock.recv(65536)
    assert any("STATUS=running with 2 workers" in m for _, m in notify.messages)
    fed = feeds(notify.read(4 * WATCHDOG_S))
    assert len(fed) >= 4, notify.messages  # every 0.5 s: about 8
    assert "systemd watchdog: 1.0 s" in gw.log()
    gw.stop()
    assert any("STOPPING=1" in m for _, m in notify.read(1.0)), notify.messages


def test_a_stuck_worker_starves_the_watchdog(lab, gateway, notify, monkeypatch):
    # The second worker stops polling 3 s after start; the first goes on.
    monkeypatch.setenv("IGMPGW_TEST_STALL_WORKER", "1@3")
    gw = gateway(wait=False, workers=2)
    notify.wait_for("READY=1", 60)
    stuck = r"igmpgw\.main: worker 1 \(lcore \d+\) has not polled for 0\.5 s: systemd watchdog not fed"
    # Reads the socket meanwhile: what queued there before the stall is not "late".
    gwlab.wait_until(lambda: notify.read(0.2) is not None and re.search(stuck, gw.log()),
                     30, "the stuck worker's log line")
    notify.read(0.2)
    assert feeds(notify.messages), f"the watchdog was never fed before the stall: {notify.messages}"
    starved_from = time.monotonic()
    late = feeds(notify.read(4 * WATCHDOG_S))
    assert late == [], f"fed {len(late)} times after worker 1 stalled"
    assert gw.alive()
    assert gw.stop() < 5  # a stuck worker still lets the gateway stop
    assert time.monotonic() - starved_from >= 4 * WATCHDOG_S
