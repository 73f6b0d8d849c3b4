# SPDX-License-Identifier: BSD-3-Clause
"""The box and the operator: signals, a second igmpgw started beside a running
one, and what happens to the ports' kernel interfaces behind the gateway's back.

A second start on the same ports (to check an edited config, or by mistake)
must refuse with one line before it touches anything: the running gateway's
kernel twins stay up and ping through them keeps working. The running gateway
notices a twin set down and a port interface deleted or re-created (log line,
counter, `status`).
"""

import json
import signal
import subprocess

import pytest

import gwlab
from gwlab import CONTROL_DIR, GW_ADDR, LAB_CONF, TWIN, eal_args, run, wait_until


def ping(lab, node, addr):
    """The kernel behind the twin answers (one reply is proof; a loaded machine may lose one)."""
    last = {}

    def answered():
        last["out"] = lab.exec(node, ["ping", "-c", "1", "-W", "2", addr], check=False).stdout
        return " 1 received" in last["out"]
    try:
        wait_until(answered, 20, f"{addr} to answer ping from {node}", interval=0.5)
    except AssertionError as e:
        raise AssertionError(f"{e}: {last['out']}") from None


def twin_flags(lab, twin):
    info = json.loads(run(["ip", "-n", lab.ns("gw"), "-j", "link", "show", "dev", twin]).stdout)
    return info[0]["flags"]


def status_ports(gw):
    with gw.control() as c:
        resp = c.request("status")
    assert resp["ok"], resp
    return {p["role"]: p for p in resp["ports"]}


STRAY = [signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGPIPE]


def test_stray_signals_do_not_kill_it(lab, gateway):
    gw = gateway()
    for sig in STRAY:
        gw.proc.send_signal(sig)
        if sig == signal.SIGHUP:  # a reload (test_reload has what it does)
            gw.wait_log(r"igmpgw\.main: configuration reloaded from .* \(SIGHUP\)")
        elif sig != signal.SIGPIPE:  # ignored outright: nothing to say
            gw.wait_log(rf"igmpgw\.main: {sig.name} received: ignored")
        # Still serving: the control socket and telemetry answer after the signal.
        assert status_ports(gw)["outside"]["link"] == "up", sig.name
        assert gw.alive(), f"{sig.name}:\n{gw.log()}"
    assert gw.telemetry("/igmpgw/ports")["inside"]["twin"] == TWIN["inside"]


def test_sigquit_stops_cleanly(lab, gateway):
    gw = gateway()
    assert gw.control_path.exists()
    gw.proc.send_signal(signal.SIGQUIT)
    gw.proc.wait(timeout=10)
    assert gw.proc.returncode == 0, gw.log()
    assert gw.log().rstrip().endswith("igmpgw.main: stopping")
    # The stop path ran: the socket file and the twins are gone.
    assert not gw.control_path.exists()
    links = run(["ip", "-n", lab.ns("gw"), "-o", "link"]).stdout
    assert "igw-" not in links, links


def vdev_args():
    """The same ports given the way lab.sh prints them: EAL --vdev, named in the config."""
    eal = [f"--vdev=net_af_packet{i},iface={iface}" for i, iface in
           enumerate(("out0", "alt0", "in0"))]
    sets = [f"{role}.port=net_af_packet{i}" for i, role in enumerate(("outside", "alt", "inside"))]
    return eal, sets


# id: (EAL arguments, --set overrides, use the running gateway's socket)
SECOND = {
    # Checking an edited config while production runs.
    "same_socket": ([], [], True),
    # Its own socket and file prefix: used to start fully on the same af_packet ports.
    "own_socket": ([], [], False),
    # Fails on a typo in another port: used to down the twins it had opened.
    "port_typo": ([], ["inside.port=net_af_packet2,iface=in9"], False),
    "eal_vdevs": (vdev_args()[0], vdev_args()[1], False),
    # The same interface written differently: judged by the kernel, not by the text.
    "other_devargs": ([], ["outside.port=net_af_packet7,iface=out0,qpairs=1",
                           "alt.port=net_null0", "inside.port=net_null1"], False),
}


def start_second(lab, gw, case):
    """Another igmpgw beside gw; returns (exit status, stdout, stderr)."""
    eal, sets, same_socket = SECOND[case]
    prefix = f"{gw.file_prefix}2"
    sock = gw.control_path if same_socket else CONTROL_DIR / f"{prefix}.sock"
    cmd = ["ip", "netns", "exec", lab.ns("gw"), str(gwlab.IGMPGW)] + eal_args(prefix) + eal
    cmd += ["--", "-f", str(LAB_CONF), "--set", f"control.socket={sock}"]
    for s in sets:
        cmd += ["--set", s]
    second = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = second.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        second.kill()
        out, err = second.communicate()
        pytest.fail(f"{case}: the second igmpgw started beside the first:\n{out}{err}")
    finally:
        run(["rm", "-rf", f"/var/run/dpdk/{prefix}"], check=False)
        if not same_socket:
            run(["rm", "-f", sock], check=False)
    return second.returncode, out, err


def test_second_start_refuses_and_changes_nothing(lab, gateway):
    gw = gateway()
    for case in SECOND:
        code, out, err = start_second(lab, gw, case)
        assert code == 2, f"{case}: {out}{err}"
        # One line, and nothing before it: EAL never ran, no port or twin was touched.
        assert out == "" and len(err.splitlines()) == 1, f"{case}: {out}{err}"
        assert f"is in use by another igmpgw (pid {gw.proc.pid})" in err, f"{case}: {err}"
        assert err.startswith("igmpgw: config: outside.port: interface out0 "), f"{case}: {err}"
        # The running gateway is whole: twins up, the kernel answers through them.
        for twin in TWIN.values():
            assert "UP" in twin_flags(lab, twin), f"{case}: {twin}"
        ping(lab, "h1", GW_ADDR["inside"])
        ping(lab, "src", GW_ADDR["outside"])
        ports = status_ports(gw)
        assert all(p["link"] == "up" and p["twin_state"] == "up" for p in ports.values()), \
            f"{case}: {ports}"
        assert gw.counter("inside", "twin_lost") == 0, case
        assert gw.alive(), case


def test_a_twin_set_down_is_noticed(lab, gateway):
    gw = gateway()
    twin = TWIN["inside"]
    run(["ip", "-n", lab.ns("gw"), "link", "set", twin, "down"])
    try:
        gw.wait_log(rf"inside: kernel twin {twin} is down")
        gw.wait_counter("inside", "twin_lost", 1)
        assert status_ports(gw)["inside"]["twin_state"] == "down"
        assert gw.telemetry("/igmpgw/ports")["inside"]["twin_state"] == "down"
        assert status_ports(gw)["outside"]["twin_state"] == "up"
    finally:
        run(["ip", "-n", lab.ns("gw"), "link", "set", twin, "up"])
    gw.wait_log(rf"inside: kernel twin {twin} is up again")
    assert status_ports(gw)["inside"]["twin_state"] == "up"
    assert gw.counter("inside", "twin_lost") == 1
    ping(lab, "h1", GW_ADDR["inside"])


def test_a_replaced_port_interface_is_noticed(lab, gateway):
    """A Docker network re-created, a veth replaced: the af_packet port's socket
    stays on the deleted interface; the gateway says so, then re-binds the port
    to the interface re-created under the name (test_link.py has it with data).
    A veth pair of its own in the gateway namespace, so the lab's stay intact."""
    ns = lab.ns("gw")

    def make_veth():
        run(["ip", "-n", ns, "link", "add", "tst0", "type", "veth", "peer", "name", "tst1"])
        run(["ip", "-n", ns, "link", "set", "tst0", "up"])
        run(["ip", "-n", ns, "link", "set", "tst1", "up"])

    make_veth()
    try:
        gw = gateway("inside2.port=net_af_packet3,iface=tst0", "inside2.address=10.200.9.1/24")
        wait_until(lambda: status_ports(gw)["inside2"]["link"] == "up", 10, "inside2 link up")
        assert status_ports(gw)["inside2"]["interface"] == "tst0"
        run(["ip", "-n", ns, "link", "del", "tst0"])
        gw.wait_log(r"inside2: interface tst0 was deleted: the port is cut off until")
        port = status_ports(gw)["inside2"]
        assert (port["link"], port["interface_state"]) == ("down", "gone"), port
        assert gw.telemetry("/igmpgw/ports")["inside2"]["link"] == "down"
        make_veth()
        gw.wait_log(r"inside2: re-bound to the re-created interface tst0")
        wait_until(lambda: status_ports(gw)["inside2"]["link"] == "up", 5, "inside2 link up again")
        port = status_ports(gw)["inside2"]
        assert (port["interface_state"], port["name"]) == ("up", "net_af_packet3_r1"), port
        assert gw.counter("inside2", "link_lost") == 1
        assert gw.counter("inside2", "port_rebound") == 1
        assert status_ports(gw)["inside"]["link"] == "up"
    finally:
        run(["ip", "-n", ns, "link", "del", "tst0"], check=False)
