# SPDX-License-Identifier: BSD-3-Clause
"""Group and source ACLs, the SSM range and accept_from with real kernels.

Inside hosts join with real sockets (IGMPv3, IGMPv2 where a host is forced to
it, source-specific) or send the special unicast reports of goIGMP's
deployment; the judges are the upstream bridge's mdb, tshark on the wire, the
hosts' own sockets (what was forwarded) and the gateway's counters. The
tracking helpers (senders, receivers, the gateway's groups) are
test_tracking's.
"""

import subprocess

from gwlab import (IGMP_V2_REPORT, IGMPGW, ROOT, UPSRC, ether, host_igmp_frame, igmp_v2, igmp_v3_report, ipv4,
                   mac_of, multicast_mac, wait_until)
from test_tracking import (SRC2, Sender, counters, group_of, host_version, receivers,
                           second_source_on_router_port, start, wait_group)

REC_TO_EX = 4
REC_ALLOW = 5
DENIED = "239.66.0.1"      # inside.deny
ALLOWED = "239.67.0.1"
UP_DENIED = "239.68.0.1"   # outside.deny: never reported upstream
SSM_V2 = "232.1.1.1"
SSM_V3 = "232.1.1.2"
ACL = ("inside.deny=239.66.0.0/16", "outside.deny=239.68.0.0/16", "igmp.ssm_range=232.0.0.0/8",
       "igmp.membership_reports_to_network=yes")


def report(gw, *items):
    with gw.control() as c:
        return c.request("report", items=[dict(group=g, **({"sources": s} if s else {}))
                                          for g, s in items])


def test_tracking_acl_and_ssm(lab, gateway):
    gw = start(gateway, *ACL)
    with gw.control() as c:
        assert c.request("status")["igmp"]["ssm_range"] == "232.0.0.0/8"
    with Sender(lab, [DENIED, ALLOWED, UP_DENIED]), \
            receivers(lab, ("h1", DENIED), ("h1", ALLOWED), ("h1", UP_DENIED)) as rxs:
        for r in rxs:
            r.join()
        denied, allowed, up_denied = rxs
        wait_group(gw, "inside", ALLOWED)
        allowed.wait_data(20)
        wait_until(lambda: ALLOWED in lab.mdb_groups("up"), 10, f"{ALLOWED} upstream")
        # Each kernel sends its state-change report robustness times: both refusals counted.
        gw.wait_counter("inside", "acl_denied", 2)
        assert group_of(gw, "inside", DENIED) is None
        assert group_of(gw, "inside", UP_DENIED) is None
        assert not {DENIED, UP_DENIED} & lab.mdb_groups("up")
        assert denied.seqs() == [] and up_denied.seqs() == []
        assert not gw.emitted("outside", lambda p: DENIED in p["igmp.maddr"] or
                              UP_DENIED in p["igmp.maddr"])

    # A client's report is what the gateway reports upstream: the outside's ACL holds.
    r = report(gw, (UP_DENIED, None))
    assert not r["ok"] and "denied by outside's allow/deny" in r["error"], r
    r = report(gw, ("232.5.5.5", None))
    assert not r["ok"] and "ssm_range" in r["error"], r
    assert report(gw, ("232.5.5.6", [UPSRC]))["ok"]
    assert report(gw, ("239.67.0.9", None))["ok"]
    wait_until(lambda: "239.67.0.9" in lab.mdb_groups("up"), 10, "the client's group upstream")
    assert UP_DENIED not in lab.mdb_groups("up")

    # RFC 4604: an IGMPv2 join in the SSM range is ignored; v3 (S,G) forwards S only.
    ignored = gw.counter("inside", "ssm_asm_ignored")
    host_version(lab, "h2", 2)
    try:
        with receivers(lab, ("h2", SSM_V2)) as (v2,):
            v2.join()
            gw.wait_counter("inside", "ssm_asm_ignored", ignored + 1)
            assert group_of(gw, "inside", SSM_V2) is None
    finally:
        host_version(lab, "h2", 0)
    with second_source_on_router_port(lab), receivers(lab, ("h1", SSM_V3)) as (r,), \
            Sender(lab, [SSM_V3]), Sender(lab, [SSM_V3], source=SRC2):
        r.join(source=UPSRC)
        g = wait_group(gw, "inside", SSM_V3)
        assert (g["mode"], [s["address"] for s in g["sources"]]) == ("include", [UPSRC]), g
        r.wait_data(30)
        assert r.seqs(SRC2) == []
    assert SSM_V2 not in lab.mdb_groups("up")


def test_translation_rebuilds_what_loses_a_record(lab, gateway):
    """goIGMP's special unicast reports: a refused record is cut out of the
    relayed report, which is rebuilt; what passes whole goes byte for byte;
    ssm_range is off by default, so 232.0.0.x v2 reports still pass (goIGMP)."""
    gw = gateway("inside.deny=239.66.0.0/16, 239.70.0.0/16 source 10.200.1.11")
    mixed = igmp_v3_report([(REC_TO_EX, "239.66.0.2", []), (REC_TO_EX, "239.67.0.2", []),
                            (REC_ALLOW, "239.70.0.1", [UPSRC, SRC2])])
    whole = igmp_v3_report([(REC_TO_EX, "239.67.0.3", [])])
    lab.send("h1", [host_igmp_frame("h1", mixed),
                    host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "239.66.0.3")),
                    host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, "232.0.0.5")),
                    host_igmp_frame("h1", whole)])
    rebuilt = gw.wait_emitted("outside", lambda p: p["igmp.type"] == "0x22" and
                              "239.67.0.2" in p["igmp.maddr"], 10, "the rebuilt v3 report")
    assert rebuilt["igmp.maddr"].split(",") == ["239.67.0.2", "239.70.0.1"], rebuilt
    # 8 header + 8 record + 12 record with one of its two sources left, behind 24 of IPv4.
    assert int(rebuilt["ip.len"]) == 24 + 8 + 8 + 12, rebuilt
    gw.wait_emitted("outside", lambda p: p["ip.dst"] == "232.0.0.5", 10, "232.0.0.5 (no ssm_range)")
    passed = gw.wait_emitted("outside", lambda p: p["igmp.maddr"] == "239.67.0.3", 10,
                             "the report that passes whole")
    assert gw.wire["outside"].igmp_raw(passed) == whole
    assert gw.wire["outside"].igmp_raw(rebuilt) == igmp_v3_report(
        [(REC_TO_EX, "239.67.0.2", []), (REC_ALLOW, "239.70.0.1", [UPSRC])])
    wait_until(lambda: {"239.67.0.2", "232.0.0.5"} <= lab.mdb_groups("up"), 10, "mdb upstream")
    assert not {"239.66.0.2", "239.66.0.3"} & lab.mdb_groups("up")
    assert gw.counter("inside", "acl_denied") == 3  # a record, a source, a v2 report
    assert gw.counter("inside", "unicast_translated") == 3


def test_accept_from(lab, gateway):
    """Reports from routed hosts on other subnets (through a router's MAC):
    tracked from accept_from's prefixes, still ignored from anywhere else."""
    gw = start(gateway, "inside.accept_from=10.201.0.0/24")
    group, other = "239.71.0.1", "239.71.0.3"
    before = counters(gw)["ignored_foreign_subnet"]

    def routed(src, g):
        return ether(multicast_mac(g), mac_of("10.200.0.13"),
                     ipv4(src, g, igmp_v2(IGMP_V2_REPORT, g)))

    lab.send("h1", [routed("10.201.0.5", group), routed("10.202.0.5", other)])
    wait_group(gw, "inside", group)
    wait_until(lambda: group in lab.mdb_groups("up"), 10, f"{group} upstream")
    wait_until(lambda: counters(gw)["ignored_foreign_subnet"] == before + 1, 10,
               "the report from 10.202.0.5 ignored")
    assert group_of(gw, "inside", other) is None
    assert other not in lab.mdb_groups("up")


def test_bad_acl_stops_start_up_with_one_line(tmp_path):
    """The shipped tracking example (ssm_range 232.0.0.0/8) is valid; a bad
    item, file line or key stops start-up with one line naming it."""
    acl = tmp_path / "inside.acl"
    acl.write_text("allow 239.0.0.0/8\n# a comment\ndeny 239.1.2.3/16\n")
    conf = ROOT / "config" / "tracking.conf"
    cases = [
        ((), 0, "the configuration is valid"),
        (("inside.deny=239.1.2.3/16",), 2,
         "config: inside.deny: '239.1.2.3/16': host bits set after the prefix length"),
        ((f"inside.acl_file={acl}",), 2,
         f"config: inside.acl_file: {acl}:3: '239.1.2.3/16': host bits set"),
        (("outside.allow7=10.0.0.0/8",), 2,
         "config: outside.allow7: '10.0.0.0/8': group prefix is not within 224.0.0.0/4"),
        (("igmp.ssm_range=232.0.0.0/3",), 2, "config: igmp.ssm_range: '232.0.0.0/3'"),
    ]
    for sets, rc, line in cases:
        args = [str(IGMPGW), "--check", "-f", str(conf)]
        for s in sets:
            args += ["--set", s]
        p = subprocess.run(args, capture_output=True, text=True, timeout=30)
        out = (p.stdout + p.stderr).strip()
        assert p.returncode == rc and line in out and out.count("\n") == 0, (sets, out)
