# SPDX-License-Identifier: BSD-3-Clause
"""Every status view is built once (app/igmpgw/control/views.c) and shown by two
surfaces: the control socket sends it as JSON, DPDK telemetry converts it
(docs/telemetry.md). Both must report the same names and numbers, one check
per view; and a stats reply for many ports stays a valid telemetry reply
under 16 KB, split per port where it would not fit.
"""

import json
import re
import socket

from gwlab import ROOT, reason_names, wait_until

# The lab's queriers query every 5 s: the gateway learns one soon.
LAB_ENV = {"LAB_QUERY_INTERVAL": 5, "LAB_QUERY_RESPONSE_INTERVAL": 2.5}

MAX_REPLY = 16384  # DPDK 22.11's telemetry output limit, the whole reply


def gw_counter_names():
    """Per-port counter names from their one definition, the X-macro list in gw.h."""
    text = (ROOT / "app" / "igmpgw" / "gw.h").read_text()
    body = text[text.index("#define GW_COUNTERS(X)"):]
    return re.findall(r"X\((\w+), \"", body[:body.index("\n\n")])


COUNTERS = (gw_counter_names() + reason_names("igmp_wire.h", "IGMP_WIRE_ERRORS")[1:]
            + reason_names("igmp_proxy.h", "IGMP_PROXY_REASONS"))


def tel_value(v):
    """A control-socket value as telemetry carries it (docs/telemetry.md)."""
    if v is True or v is False:
        return "yes" if v else "no"
    if v is None:
        return ""
    return v


def raw_telemetry(gw, cmd):
    """The telemetry reply to cmd as bytes, as DPDK wrote it."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(5)
        s.connect(f"/var/run/dpdk/{gw.file_prefix}/dpdk_telemetry.v2")
        json.loads(s.recv(4096))
        s.send(cmd.encode())
        return s.recv(4 * MAX_REPLY)


def control(gw, cmd):
    with gw.control() as c:
        r = c.request(cmd)
    assert r["ok"], r
    return r


def check_counters_between(before, tel, after, what):
    """Counters move between the reads: telemetry's lies between the socket's two."""
    assert set(tel) == set(before) == set(COUNTERS), what
    for name in COUNTERS:
        assert before[name] <= tel[name] <= after[name], (what, name, before[name], tel[name],
                                                          after[name])


def test_telemetry_and_control_socket_show_the_same_views(lab, gateway):
    gw = gateway()

    # querier, before any was heard: status null, telemetry every field empty.
    status = control(gw, "status")
    tel = gw.telemetry("/igmpgw/querier")
    if status["querier"] is None and tel["address"] == "":
        empty = {"address": "", "mac": "", "version": "", "port": "", "age": "",
                 "present_interval": ""}
        # Each outside's own querier (failover keeps one a side), as empty.
        outsides = {f"{o}/{k}": "" for o in ("outside", "alt") for k in empty}
        assert tel == dict(empty, outsides=outsides), tel

    # stats: every port, every counter; also each port asked alone.
    before = control(gw, "stats")["ports"]
    tel = gw.telemetry("/igmpgw/stats")
    alone = {role: gw.telemetry(f"/igmpgw/stats,{role}") for role in before}
    after = control(gw, "stats")["ports"]
    assert set(tel) == set(before) == set(after) == {"outside", "alt", "inside"}, tel
    for role in before:
        check_counters_between(before[role], tel[role], after[role], role)
        check_counters_between(before[role], alone[role], after[role], f"{role} alone")

    # ports: the status list, keyed by role, with yes/no for booleans.
    ports = gw.telemetry("/igmpgw/ports")
    listed = control(gw, "status")["ports"]
    assert set(ports) == {p["role"] for p in listed}
    for p in listed:
        assert ports[p["role"]] == {k: tel_value(v) for k, v in p.items()}, p["role"]
        assert gw.telemetry(f"/igmpgw/ports,{p['role']}") == ports[p["role"]]

    # config: status's [igmp] keys and the gateway's, converted; uptime between two reads.
    up_before = control(gw, "status")["uptime"]
    tel = gw.telemetry("/igmpgw/config")
    status = control(gw, "status")
    want = {k: tel_value(v) for k, v in status["igmp"].items()}
    want.update({k: status[k] for k in ("version", "active_outside", "exception")})
    assert up_before <= tel.pop("uptime") <= status["uptime"]
    assert tel == want, tel

    # querier, once heard: the same querier, one name for its age.
    status = wait_until(lambda: (lambda s: s if s["querier"] else None)(control(gw, "status")),
                        20, "the gateway to learn the querier")
    tel = gw.telemetry("/igmpgw/querier")
    later = control(gw, "status")["querier"]
    assert status["querier"]["age"] <= tel.pop("age") <= later["age"] + 1
    for k in ("address", "mac", "version", "port"):
        assert tel[k] == status["querier"][k] == later[k], k

    # resources: telemetry's alone; its names are the ones a soak watches.
    res = gw.telemetry("/igmpgw/resources")
    assert {"ring/events/count", "ring/ctrl_tx_outside/count",
            "ring/handoff_inside/capacity"} <= set(res), res
    assert any(re.fullmatch(r"mempool/\w+/in_use", k) for k in res), res


INSIDE_MORE = [f"inside{n}" for n in range(2, 9)]


def test_many_port_stats_reply_is_valid_and_split_per_port(lab, gateway):
    # Ten ports, the most there are: the lab's three and seven null ports.
    overrides = ["exception.mode=none"]
    for n, role in enumerate(INSIDE_MORE):
        overrides += [f"{role}.port=net_null{n}", f"{role}.address=10.201.{n}.1/24"]
    gw = gateway(*overrides)
    roles = set(control(gw, "stats")["ports"])
    assert roles == {"outside", "alt", "inside", *INSIDE_MORE}

    raw = raw_telemetry(gw, "/igmpgw/stats")
    assert len(raw) < MAX_REPLY, len(raw)
    stats = json.loads(raw)["/igmpgw/stats"]
    assert set(stats) == roles
    split = 0
    for role, v in stats.items():
        # Whole (every counter), or the command that gives the port alone.
        if isinstance(v, str):
            assert v == f"/igmpgw/stats,{role}", v
            split += 1
        else:
            assert set(v) == set(COUNTERS), role
    print(f"/igmpgw/stats: {len(raw)} bytes for {len(roles)} ports, {split} split off")

    for role in sorted(roles):
        raw = raw_telemetry(gw, f"/igmpgw/stats,{role}")
        assert len(raw) < MAX_REPLY
        assert set(json.loads(raw)["/igmpgw/stats"]) == set(COUNTERS), role
    assert json.loads(raw_telemetry(gw, "/igmpgw/stats,inside9"))["/igmpgw/stats"] is None
