# SPDX-License-Identifier: BSD-3-Clause
"""Configuration reload (SIGHUP and igmpgwctl reload) against a running gateway
in the lab: a live change takes effect while an inside host keeps receiving
through it (membership and forwarding kept), a bad file or a restart-only key
changes nothing and the refusal names the key, --set overrides of the start
are applied again, and active_outside in the file moves the active outside
only when the file changed it. The judges: the host's own socket, tshark on
the inside bridge, the gateway's status view and its log.
"""

import re
import signal
import time

import pytest

from gwlab import LAB_CONF, wait_until
from test_control import ctl
from test_tracking import (Sender, data_captures, group_of, is_general_query, receivers,
                           records, status, wait_group)

LAB_ENV = {"LAB_QUERY_INTERVAL": 5}

QI, QRI = 10, 2
# The tracking gateway's keys, in the file so that a reload reads them again.
TRACK_FILE = f"""
[forward]
enabled = yes
[proxy]
track_membership = yes
[querier]
enabled = yes
query_interval = {QI}
query_response_interval = {QRI}
last_member_query_interval = 1
last_member_query_count = 2
"""


def lab_conf(**replace):
    """The lab's config with keys it has once replaced (key=value), and extra text."""
    text = LAB_CONF.read_text()
    extra = replace.pop("extra", "")
    for key, value in replace.items():
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
        assert n == 1, key
    return text + extra


def write(path, text):
    path.write_text(text)
    return path


def with_inside(text, *lines):
    """The config text with lines added to its [inside] section."""
    anchor = "address = 10.200.0.1/24\n"
    assert anchor in text
    return text.replace(anchor, anchor + "".join(line + "\n" for line in lines), 1)


def reloaded_lines(gw):
    return len(re.findall(r"configuration reload", gw.log()))


def sighup_and_wait(gw):
    """SIGHUP, then the reload's one log line (applied or refused); returns that line."""
    before = reloaded_lines(gw)
    gw.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: reloaded_lines(gw) > before, 10, "the reload's log line")
    return re.findall(r".*configuration reload.*", gw.log())[-1]


def general_query_times(gw):
    return [float(p["frame.time_epoch"]) for p in gw.emitted("inside", is_general_query)]


def test_sighup_live_change_keeps_membership_and_forwarding(lab, gateway, tmp_path):
    """A host joined through the gateway keeps receiving, with no gap, while SIGHUP
    applies a new query interval (seen on the wire), query_notify and max_groups;
    unicast_dst given by --set at start stays the --set value."""
    conf = write(tmp_path / "gw.conf", lab_conf(extra=TRACK_FILE))
    gw = gateway("igmp.unicast_dst=10.200.1.99", config=conf)
    gw.wait_emitted("inside", is_general_query, 5, "the gateway's first general query")
    time.sleep(QRI + 0.5)  # the snooping bridge has heard the querier and waited it out
    group = "239.7.30.1"
    with data_captures(lab, tmp_path, [("in", "h1")], group), \
            receivers(lab, ("h1", group)) as (r1,), Sender(lab, [group]):
        r1.join()
        r1.wait_data(50, timeout=10)
        assert status(gw)["igmp"]["query_notify"] is False
        write(conf, lab_conf(query_notify="yes", unicast_dst="10.200.1.1",
                             extra=TRACK_FILE.replace(f"query_interval = {QI}\n",
                                                      "query_interval = 3\n")
                             + "[limits]\nmax_groups = 100\n"))
        t_reload = time.time()
        line = sighup_and_wait(gw)
        assert "configuration reloaded" in line and "SIGHUP" in line, line
        assert "igmp" in line and "querier" in line and "limits" in line, line
        r1.wait_data(100, timeout=10)
        t_end = time.time()
        # The new interval on the wire: two general queries 3 s apart after the reload.
        wait_until(lambda: any(b - a < QI - 2 and a > t_reload for a, b in
                               zip(general_query_times(gw), general_query_times(gw)[1:])),
                   3 * QI, "general queries at the new interval")
    view = status(gw)["igmp"]
    assert view["query_notify"] is True, view
    assert view["unicast_dst"] == "10.200.1.99", f"--set not applied again: {view}"
    seen = [t for t, _, _ in r1.got if t_reload - 2 < t < t_end]
    gaps = [b - a for a, b in zip(seen, seen[1:])]
    print(f"reload at {t_reload:.2f}: {len(seen)} packets around it, longest gap "
          f"{max(gaps):.3f} s")
    assert max(gaps) < 0.5, "the host's data stopped during the reload"
    seqs = r1.seqs()
    assert len(set(seqs)) >= 0.95 * (max(seqs) - min(seqs) + 1), "packets lost over the reload"


def test_igmpgwctl_reload_refuses_bad_file_and_restart_keys(lab, gateway, tmp_path):
    """A bad value, or a key only a restart may change, is refused by igmpgwctl reload
    (exit 1) naming the key, in the reply and in one log line; the live change in the
    same file is not applied either. A good file then applies, and says what changed."""
    conf = write(tmp_path / "gw.conf", lab_conf())
    gw = gateway(config=conf)
    before = status(gw)["igmp"]
    cases = [
        (lab_conf(query_notify="yes", self_query_interval="abc"),
         "igmp.self_query_interval"),
        (lab_conf(query_notify="yes", mode="none"), "exception.mode"),
        (lab_conf(query_notify="yes", extra="[proxy]\ntrack_membership = yes\n"),
         "proxy.track_membership"),
        (lab_conf(query_notify="yes").replace("address = 10.200.0.1/24",
                                              "address = 10.200.0.2/24"), "inside.address"),
    ]
    for text, key in cases:
        write(conf, text)
        p = ctl(gw, "reload", rc=1)
        assert key in p.stderr, p.stderr
        gw.wait_log(rf"configuration reload \(control request\) refused.*{re.escape(key)}")
        assert status(gw)["igmp"] == before, f"{key}: something was applied"
    write(conf, lab_conf(query_notify="yes"))
    p = ctl(gw, "reload")
    assert "changed [igmp]" in p.stdout, p.stdout
    assert status(gw)["igmp"]["query_notify"] is True
    assert gw.alive()


def test_active_outside_moves_only_when_the_file_changed_it(lab, gateway, tmp_path):
    conf = write(tmp_path / "gw.conf", lab_conf())
    gw = gateway(config=conf)

    def active():
        return status(gw)["active_outside"]

    with gw.control() as c:
        assert c.request("select_outside", port="alt")["ok"]
    ctl(gw, "reload")
    assert active() == "alt", "a reload of an unchanged file undid the run-time choice"
    with gw.control() as c:
        assert c.request("select_outside", port="outside")["ok"]
    write(conf, lab_conf(active_outside="alt"))
    ctl(gw, "reload")
    assert active() == "alt", "the file changed active_outside: the reload applies it"


@pytest.mark.slow  # a gateway and a 5 s expiry: about 30 s
def test_reload_timers_reach_the_asked_groups(lab, gateway, tmp_path):
    """goIGMP's mode: what the gateway asked for upstream lives the group membership
    interval of [querier]; a reload that shortens it (2 x 2 s + 1 s = 5 s, from
    260 s) gives a group asked afterwards that lifetime, not the start's."""
    from gwlab import IGMP_V2_REPORT, host_igmp_frame, igmp_v2
    conf = write(tmp_path / "gw.conf", lab_conf())
    gw = gateway("forward.enabled=no", config=conf, roles=["outside"])
    group = "239.7.31.1"
    write(conf, lab_conf(extra="[querier]\nquery_interval = 2\nquery_response_interval = 1\n"
                         "robustness = 2\n"))
    line = sighup_and_wait(gw)
    assert "configuration reloaded" in line and "querier" in line, line

    def asked():
        return status(gw)["forwarding"]["asked_groups"]

    def translated():  # sent until the worker polls it
        lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, group))])
        return asked() == 1
    wait_until(translated, 10, f"{group} asked upstream", interval=1.0)
    t_asked = time.time()
    wait_until(lambda: asked() == 0, 15, f"{group} expired after the reloaded 5 s lifetime")
    print(f"asked group expired {time.time() - t_asked:.1f} s after it was asked (GMI 5 s)")
    assert time.time() - t_asked > 3, "expired before the group membership interval"


def test_reload_changes_acl_and_rates_live(lab, gateway, tmp_path):
    """A host joined to an allowed group receives its data; a reload whose inside
    deny covers the group removes it as if the host had left: forwarding stops,
    the upstream hears TO_IN {} and drops it from its mdb, the groups view no
    longer lists it, and a new join in the range is refused and counted
    acl_denied. Reloading the old file lets a join through again. Then
    igmp_rate_per_host lowered by a reload: the same host's next burst of reports
    is cut to the new burst at once, and the host keeps its slot in the table
    (no eviction: the table was not made anew). One gateway for both: a start
    is most of a system test's time."""
    from test_ratelimit import flood_frames
    rate = "[limits]\nigmp_rate_per_host = {}\n"
    track = TRACK_FILE + rate.format("1000/s burst 1000")
    conf = write(tmp_path / "gw.conf", lab_conf(extra=track))
    gw = gateway(config=conf)
    gw.wait_emitted("inside", is_general_query, 5, "the gateway's first general query")
    time.sleep(QRI + 0.5)  # the snooping bridge has heard the querier and waited it out
    group, later, again = "239.7.40.1", "239.7.40.2", "239.7.40.3"
    with receivers(lab, ("h1", group), ("h1", later), ("h1", again)) as (r1, r2, r3), \
            Sender(lab, [group, again]):
        r1.join()
        r1.wait_data(20, timeout=10)
        wait_until(lambda: group in lab.mdb_groups("up"), 10, f"{group} upstream")
        write(conf, with_inside(lab_conf(extra=track), "deny = 239.7.40.0/24"))
        t_reload = time.time()
        p = ctl(gw, "reload")
        assert "inside" in p.stdout, p.stdout
        gw.wait_log(r"reload: 1 groups .* removed as if left")
        assert gw.counter("inside", "acl_removed") == 1
        assert group_of(gw, "inside", group) is None, "the denied group is still listed"
        left = gw.wait_emitted("outside", lambda p: p["igmp.type"] == "0x22" and
                               ("3", group) in records(p) and
                               float(p["frame.time_epoch"]) > t_reload - 0.1, 5,
                               f"TO_IN {{}} for {group} upstream")
        t_left = float(left["frame.time_epoch"])
        wait_until(lambda: group not in lab.mdb_groups("up"), 10,
                   f"{group} gone from the upstream bridge's mdb")
        time.sleep(1)
        late = [t for t, _, _ in r1.got if t > t_left + 0.2]
        print(f"reload at {t_reload:.2f}, upstream TO_IN after {t_left - t_reload:.3f} s, "
              f"{len(late)} datagrams at h1 later than 0.2 s after it")
        assert late == [], "forwarding to the inside did not stop"
        denied = gw.counter("inside", "acl_denied")
        r2.join()
        gw.wait_counter("inside", "acl_denied", denied + 1)
        assert group_of(gw, "inside", later) is None
        write(conf, lab_conf(extra=track))
        ctl(gw, "reload")
        r3.join()
        wait_group(gw, "inside", again)
        r3.wait_data(10, timeout=10)

    frames = flood_frames(40)
    received = gw.counter("inside", "igmp_received")
    lab.send("h1", frames)
    wait_until(lambda: gw.counter("inside", "igmp_received") >= received + 40, 10,
               "40 reports taken")
    assert gw.counter("inside", "igmp_rate_host_dropped") == 0
    write(conf, lab_conf(extra=TRACK_FILE + rate.format("1/s burst 5")))
    p = ctl(gw, "reload")
    assert "limits" in p.stdout, p.stdout
    lab.send("h1", frames)
    # The host's bucket holds at most the new burst (5), refilled at 1/s while they go.
    dropped = gw.wait_counter("inside", "igmp_rate_host_dropped", 30)
    assert dropped <= 40 - 5 + 2, dropped
    assert gw.counter("inside", "igmp_rate_hosts_evicted") == 0
    assert gw.alive()

