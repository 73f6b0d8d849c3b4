# SPDX-License-Identifier: BSD-3-Clause
"""[metrics] listen: the Prometheus endpoint (app/igmpgw/control/metrics.c,
lib/metrics). A scrape passes `promtool check metrics`, names every per-port
counter of gw.h's X-macro list with its help text, per port and worker, and
agrees with the control socket's stats; counters move after traffic. A bad
address stops start-up with one line. The slow test runs a real prometheus
server (Debian's package) that scrapes the gateway every second, and asks its
query API for a counter that moved.
"""

import json
import re
import shutil
import socket
import struct
import subprocess
import urllib.parse

import pytest

from gwlab import (IGMP_V2_REPORT, IGMPGW, LAB_CONF, ROOT, eal_args, host_igmp_frame,
                   igmp_v2, ns_socket, reason_names, run, wait_until)

# Inside the lab's own gateway namespace: no other gateway listens there.
PORT = 9464
PROM_PORT = 9090

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None,
                                reason="promtool is not installed (scripts/setup.sh: prometheus)")


def gw_counters():
    """(name, help) of every per-port counter: gw.h's X-macro list."""
    text = (ROOT / "app" / "igmpgw" / "gw.h").read_text()
    body = text[text.index("#define GW_COUNTERS(X)"):]
    body = body[:body.index("\n\n")]
    return re.findall(r'X\((\w+), "((?:[^"\\]|\\.)*)"\)', body)


def list_help(path, macro):
    """{name: help} of an X-macro list whose entries are X(CODE, "name", "help")
    or X(name, "help"), as the C compiler joins its adjacent strings."""
    text = (ROOT / path).read_text()
    body = text[text.index(f"#define {macro}(X)"):]
    body = body[:body.index("\n\n")].replace("\\\n", " ")
    out = {}
    for m in re.finditer(r'X\((\w+),\s*(?:"(\w+)",\s*)?((?:"(?:[^"\\]|\\.)*"\s*)+)\)', body):
        out[m.group(2) or m.group(1)] = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(3)))
    return out


def http_get(lab, path="/metrics", port=PORT, host="127.0.0.1", ns=None):
    """One HTTP/1.0 GET inside the gateway's namespace (the lab's, or ns): (status,
    headers, body)."""
    with ns_socket(ns or lab.ns("gw"), socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect((host, port))
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body.decode()


def parse(text):
    """{name: {"help", "type", "samples": {frozenset(labels): value}}} of an exposition."""
    fams, sample = {}, re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            fams.setdefault(name, {"samples": {}})["help"] = help_
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            fams.setdefault(name, {"samples": {}})["type"] = kind
        elif line:
            m = sample.match(line)
            assert m, f"not a sample line: {line!r}"
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            fams.setdefault(m.group(1), {"samples": {}})["samples"][labels] = float(m.group(3))
    return fams


def port_total(fams, name, port):
    """A counter of a port summed over its worker label."""
    return sum(v for labels, v in fams[name]["samples"].items() if ("port", port) in labels)


def scrape(lab):
    status, headers, body = http_get(lab)
    assert status == 200, (status, body)
    return headers, body


def stats(gw):
    with gw.control() as c:
        r = c.request("stats")
    assert r["ok"], r
    return r["ports"]


@pytest.fixture
def metrics_gw(lab, gateway):
    gw = gateway(f"metrics.listen=127.0.0.1:{PORT}")
    wait_until(lambda: http_get(lab)[0] == 200, 10, "the first published metrics")
    return gw


def test_scrape_passes_promtool_agrees_with_stats_and_moves(lab, metrics_gw, tmp_path):
    """One gateway for all of it: a start costs more than the checks."""
    headers, body = scrape(lab)
    assert headers.get("Content-Type") == "text/plain; version=0.0.4; charset=utf-8", headers
    check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                           text=True, timeout=30)
    (tmp_path / "metrics.txt").write_text(body)
    assert check.returncode == 0 and check.stdout + check.stderr == "", \
        f"promtool: {check.stdout}{check.stderr}"

    fams = parse(body)
    workers = {"0", "main"}  # one worker (gwlab.WORKERS) and the main lcore's slot
    for name, help_ in gw_counters():
        fam = fams.get(f"igmpgw_{name}_total")
        assert fam is not None, f"counter {name} is not exposed"
        assert fam["type"] == "counter" and fam["help"] == help_.replace("\\", "\\\\"), name
        got = {(dict(labels)["port"], dict(labels)["worker"]) for labels in fam["samples"]}
        want = {(p, w) for p in ("outside", "alt", "inside") for w in workers}
        assert want <= got, (name, got)
    for fam, names in (("igmpgw_igmp_invalid_by_reason_total",
                        reason_names("igmp_wire.h", "IGMP_WIRE_ERRORS")[1:]),
                       ("igmpgw_igmp_proxy_decisions_total",
                        reason_names("igmp_proxy.h", "IGMP_PROXY_REASONS"))):
        reasons = {dict(labels)["reason"] for labels in fams[fam]["samples"]}
        assert reasons == set(names), fam
    assert fams["igmpgw_active_outside"]["samples"] == {
        frozenset({("port", "outside")}): 1.0, frozenset({("port", "alt")}): 0.0}
    assert fams["igmpgw_link_up"]["samples"][frozenset({("port", "inside")})] == 1.0
    assert set(fams["igmpgw_groups"]["samples"]) == {frozenset({("port", "inside")})}
    assert "igmpgw_uptime_seconds" in fams and "igmpgw_build_info" in fams

    # Every counter equals the control socket's, summed over the workers: the
    # published snapshot is at most a second old, so wait until it has caught up
    # with one read, then it may not exceed a later one.
    before = stats(metrics_gw)
    last = {}

    def caught_up():
        last["fams"] = parse(scrape(lab)[1])
        return all(port_total(last["fams"], f"igmpgw_{n}_total", p) >= before[p][n]
                   for p in before for n, _ in gw_counters())

    wait_until(caught_up, 10, "a snapshot as new as the stats read")
    after = stats(metrics_gw)
    for p in before:
        for n, _ in gw_counters():
            assert port_total(last["fams"], f"igmpgw_{n}_total", p) <= after[p][n], (p, n)

    assert http_get(lab, "/")[0] == 404

    # Counters move after traffic: a report and one with a broken checksum.
    fams = parse(scrape(lab)[1])
    received = port_total(fams, "igmpgw_igmp_received_total", "inside")
    bad = port_total(fams, "igmpgw_igmp_invalid_by_reason_total", "inside")
    msg = igmp_v2(IGMP_V2_REPORT, "239.7.0.1")
    broken = msg[:2] + struct.pack("!H", ~struct.unpack("!H", msg[2:4])[0] & 0xFFFF) + msg[4:]
    lab.send("h1", [host_igmp_frame("h1", msg), host_igmp_frame("h1", broken)])

    def moved():
        f = parse(scrape(lab)[1])
        return (port_total(f, "igmpgw_igmp_received_total", "inside") >= received + 1
                and f["igmpgw_igmp_invalid_by_reason_total"]["samples"].get(frozenset(
                    {("port", "inside"), ("worker", "0"), ("reason", "bad_igmp_checksum")}),
                    0) >= 1 and port_total(f, "igmpgw_igmp_invalid_by_reason_total", "inside")
                >= bad + 1 and f)

    try:
        f = wait_until(moved, 10, "igmp_received and bad_igmp_checksum to move on /metrics")
    except AssertionError:
        print({k: v for k, v in stats(metrics_gw)["inside"].items() if v})
        raise
    assert port_total(f, "igmpgw_igmp_invalid_total", "inside") == \
        port_total(f, "igmpgw_igmp_invalid_by_reason_total", "inside")


def test_bad_listen_stops_start_up_with_one_line(scratch_ns):
    for value, want in (("127.0.0.1:99999", "is not ADDR:PORT"),
                        ("localhost:9464", "is not ADDR:PORT")):
        p = run([IGMPGW, "--check", "-f", LAB_CONF, "--set", f"metrics.listen={value}"],
                check=False)
        assert p.returncode == 2 and p.stdout == "", p
        assert p.stderr == f"igmpgw: config: metrics.listen: '{value}' {want} (like " \
            "127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464; port 1..65535) or none\n", p.stderr

    # Valid, but the port is taken: found when it opens, one line, exit 2. net_null
    # ports in an empty namespace, where a socket of ours holds 127.0.0.1:PORT.
    run(["ip", "-n", scratch_ns, "link", "set", "lo", "up"])
    holder = ns_socket(scratch_ns, socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", PORT))
    holder.listen()
    prefix = f"{scratch_ns}m"
    cmd = ["ip", "netns", "exec", scratch_ns, IGMPGW] + eal_args(prefix) + [
        "--", "-f", LAB_CONF]
    for o in ("control.socket=none", "exception.mode=none", "outside.port=net_null0",
              "alt.port=net_null1", "inside.port=net_null2", f"metrics.listen=127.0.0.1:{PORT}"):
        cmd += ["--set", o]
    try:
        p = run(cmd, check=False, timeout=60)
    finally:
        holder.close()
        run(["rm", "-rf", f"/var/run/dpdk/{prefix}"], check=False)
    assert p.returncode == 2, p.stdout + p.stderr
    ours = [line for line in p.stderr.splitlines() if line.startswith("igmpgw:")]
    assert ours == p.stderr.splitlines()[-1:] == [
        f"igmpgw: config: metrics.listen: 127.0.0.1:{PORT}: cannot listen: "
        "Address already in use"], p.stdout + p.stderr


def test_membership_counters_have_their_own_help(scratch_ns):
    """Each igmpgw_membership_NAME_total's HELP is NAME's own description in its
    X-macro list (membership.h, and tracking.h's beside it), the text igmpgw(8)
    shows. A tracking gateway on net_null ports in an empty namespace: no lab."""
    want = list_help("lib/membership/membership.h", "MSHIP_COUNTERS")
    want.update(list_help("app/igmpgw/control/tracking.h", "GW_TRACKING_COUNTERS"))
    assert len(want) > 30 and "accepted" in want and "forwarding_no_memory" in want, want
    run(["ip", "-n", scratch_ns, "link", "set", "lo", "up"])
    prefix = f"{scratch_ns}t"
    cmd = ["ip", "netns", "exec", scratch_ns, IGMPGW] + eal_args(prefix) + [
        "--", "-f", LAB_CONF]
    for o in ("control.socket=none", "exception.mode=none", "outside.port=net_null0",
              "alt.port=net_null1", "inside.port=net_null2", "proxy.track_membership=yes",
              f"metrics.listen=127.0.0.1:{PORT}"):
        cmd += ["--set", o]
    gw = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    try:
        def served():
            assert gw.poll() is None, gw.stdout.read()
            try:
                status, _, body = http_get(None, ns=scratch_ns)
            except OSError:
                return None
            return status == 200 and "igmpgw_membership_" in body and body
        body = wait_until(served, 30, "a scrape with membership tracking's counters")
    finally:
        gw.terminate()
        gw.wait(timeout=30)
        run(["rm", "-rf", f"/var/run/dpdk/{prefix}"], check=False)
    check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                           text=True, timeout=30)
    assert check.returncode == 0 and check.stdout + check.stderr == "", \
        f"promtool: {check.stdout}{check.stderr}"
    fams = parse(body)
    got = {name[len("igmpgw_membership_"):-len("_total")]: fam.get("help")
           for name, fam in fams.items() if name.startswith("igmpgw_membership_")}
    assert got == want


def prometheus_query(lab, expr):
    q = urllib.parse.urlencode({"query": expr})
    status, _, body = http_get(lab, f"/api/v1/query?{q}", port=PROM_PORT)
    assert status == 200, body
    reply = json.loads(body)
    assert reply["status"] == "success", reply
    return reply["data"]["result"]


@pytest.mark.slow
def test_prometheus_server_scrapes_the_gateway(lab, metrics_gw, tmp_path):
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: igmpgw\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{PORT}']\n")
    log = open(tmp_path / "prometheus.log", "w")
    server = subprocess.Popen(
        ["ip", "netns", "exec", lab.ns("gw"), "prometheus",
         f"--config.file={tmp_path / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{PROM_PORT}"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        expr = 'sum(igmpgw_igmp_received_total{job="igmpgw",port="inside"})'

        def up():
            try:
                r = prometheus_query(lab, 'up{job="igmpgw"}')
            except OSError:
                return False
            return r and r[0]["value"][1] == "1"

        wait_until(up, 60, "prometheus to scrape the gateway (up == 1)", interval=0.5)
        first = wait_until(lambda: prometheus_query(lab, expr), 30, f"a sample of {expr}")
        before = float(first[0]["value"][1])
        lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.7.0.2"),
                                        dst="239.7.0.2")] * 3)

        def moved():
            r = prometheus_query(lab, expr)
            return r and float(r[0]["value"][1]) >= before + 3

        wait_until(moved, 30, f"{expr} to grow by the 3 reports in prometheus", interval=0.5)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        print((tmp_path / "prometheus.log").read_text()[-3000:])
