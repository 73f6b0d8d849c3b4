# SPDX-License-Identifier: BSD-3-Clause
"""igmpgwctl trace [PORT] [N]: the next N IGMP packets received on the port,
each with the decision taken and its reason (the counter it was counted
under), then the trace stops by itself; a client that goes stops its trace.
Judges: igmpgwctl's own output and the gateway's counters.
"""

import json
import struct
import subprocess

from gwlab import (BUILD, GW_ADDR, HOST, IGMP_QUERY, IGMP_V2_REPORT, host_igmp_frame, igmp_v2,
                   wait_until)

CTL = BUILD / "app" / "igmpgwctl"
GOOD, BAD = "239.55.0.1", "239.55.0.3"


def ctl(gw, *args, timeout=10):
    return subprocess.run([str(CTL), "-s", str(gw.control_path), *args], capture_output=True,
                          text=True, timeout=timeout)


def start_trace(gw, *args):
    """igmpgwctl trace running; returns it once the gateway has said yes."""
    p = subprocess.Popen([str(CTL), "-s", str(gw.control_path), "--json", "trace", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()
    if not first:
        p.wait(timeout=5)
        raise AssertionError(f"igmpgwctl trace {' '.join(args)} failed ({p.returncode}): "
                             f"{p.stderr.read()}")
    resp = json.loads(first)
    assert resp["ok"], resp
    return p, resp


def bad_checksum(msg):
    return msg[:2] + struct.pack("!H", ~struct.unpack("!H", msg[2:4])[0] & 0xFFFF) + msg[4:]


def test_trace_shows_the_decision_and_stops_after_n(lab, gateway):
    gw = gateway()
    p, resp = start_trace(gw, "inside", "3")
    assert (resp["ports"], resp["count"]) == (["inside"], 3), resp
    before = gw.stats()["inside"]
    lab.send("h1", [
        # The special unicast report: translated onto the active outside.
        host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, GOOD)),
        # A query from the inside, by unicast: refused (unicast_query).
        host_igmp_frame("h1", igmp_v2(IGMP_QUERY, "0.0.0.0", 100)),
        # A report whose checksum is wrong: the codec drops it.
        host_igmp_frame("h1", bad_checksum(igmp_v2(IGMP_V2_REPORT, BAD))),
    ])
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError(f"the trace did not end after 3 packets:\n{out}{err}") from None
    assert p.returncode == 0, out + err
    lines = [json.loads(ln) for ln in out.splitlines()]
    traced = [e for e in lines if e.get("event") == "trace"]
    assert [e["event"] for e in lines] == ["trace"] * 3 + ["trace_end"], out
    sent, query, broken = traced
    assert {k: sent[k] for k in ("port", "from", "to", "message", "group", "decision", "reason",
                                 "stage", "egress", "egress_to")} == {
        "port": "inside", "from": HOST["h1"], "to": GW_ADDR["inside"], "message": "v2_report",
        "group": GOOD, "decision": "sent", "reason": "unicast_translated", "stage": "proxy",
        "egress": "active_outside", "egress_to": GOOD}, sent
    assert (query["message"], query["decision"], query["reason"], query["stage"]) == (
        "query", "dropped", "unicast_query", "proxy"), query
    assert (broken["message"], broken["from"], broken["decision"], broken["reason"],
            broken["stage"]) == ("v2_report", HOST["h1"], "dropped", "bad_igmp_checksum",
                                 "wire"), broken
    assert lines[-1] == {"event": "trace_end", "traced": 3, "dropped": 0}, lines[-1]
    # The reasons are the counters the packets were counted under.
    after = gw.stats()["inside"]
    for counter in ("unicast_translated", "unicast_query", "bad_igmp_checksum"):
        assert after[counter] == before[counter] + 1, (counter, before[counter], after[counter])
    assert after["trace_dropped"] == 0
    gw.wait_log(r"trace done: 3 packets")

    # After N the workers record no more: a new trace starts from nothing and, in the
    # human form, shows the next packet alone.
    p2 = subprocess.Popen([str(CTL), "-s", str(gw.control_path), "trace", "inside", "1"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: gw.log().count("trace of the next 1 IGMP packets started") == 1, 10,
               "the second trace to start")
    lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.55.0.4"))])
    out, err = p2.communicate(timeout=20)
    assert p2.returncode == 0, out + err
    shown = out.splitlines()
    assert len(shown) == 2 and "inside" in shown[0] and "239.55.0.4" in shown[0] and \
        "sent to active_outside 239.55.0.4 (unicast_translated)" in shown[0] and \
        shown[1].startswith("trace done: 1 packets"), out


def test_trace_ends_with_its_client(lab, gateway):
    gw = gateway()
    p, _ = start_trace(gw, "100")
    p.kill()
    p.wait()
    gw.wait_log(r"trace stopped after \d+ packets: its client went")
    # The trace is gone with it: another client may start one (one trace at a time).
    with gw.control() as c:
        r = c.request("trace", count=10)
        assert r["ok"] and r["count"] == 10, r
        with gw.control() as other:
            busy = other.request("trace")
        assert not busy["ok"] and "another control client" in busy["error"], busy
        # Every port when none is named: the outside's queries come too.
        assert set(r["ports"]) == {"outside", "alt", "inside"}, r
        e = c.wait_event(lambda e: e["event"] == "trace" and e["port"] == "outside", 15,
                         "a query traced on outside")
        assert (e["message"], e["from"]) == ("query", "10.200.1.1"), e
    out = ctl(gw, "trace", "inside2", "1")
    assert out.returncode == 1 and "there is no inside2 port" in out.stderr, out
