# SPDX-License-Identifier: BSD-3-Clause
"""igmpgw's log: one DPDK log type per part (igmpgw.main, .datapath, .control,
.tracking, .ctl), each line naming its type, so --log-level picks one part; and
a timestamp on every line unless systemd's journal (JOURNAL_STREAM) stamps them.
"""

import re

import gwlab

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} "


def lines(gw, pattern):
    return re.findall(pattern, gw.log(), re.M)


def test_each_part_has_its_type_and_a_timestamp(lab, gateway, monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    # The control part quieted: its INFO line goes, the other parts' stay.
    gw = gateway("forward.enabled=yes", "proxy.track_membership=yes",
                 eal=("--log-level=igmpgw.control:warning",))
    assert lines(gw, rf"^{STAMP}igmpgw\.main: running with {gwlab.WORKERS} worker"), gw.log()
    assert lines(gw, rf"^{STAMP}igmpgw\.main: outside: port \d+ "), gw.log()
    assert lines(gw, rf"^{STAMP}igmpgw\.ctl: control socket "), gw.log()
    assert lines(gw, rf"^{STAMP}igmpgw\.tracking: tracking membership on 1 inside port"), \
        gw.log()
    assert "forwarding on:" not in gw.log(), "igmpgw.control:warning did not quiet INFO"
    # DPDK's own lines, EAL's during its start included, carry the time as well.
    assert lines(gw, rf"^{STAMP}EAL: "), gw.log()
    unstamped = [ln for ln in gw.log().splitlines() if ln and not re.match(STAMP, ln)]
    assert unstamped == [], unstamped
    gw.stop()
    assert lines(gw, rf"^{STAMP}igmpgw\.main: stopping$"), gw.log()


def test_no_timestamp_under_the_journal(lab, gateway, monkeypatch):
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    gw = gateway("forward.enabled=yes")
    assert lines(gw, rf"^igmpgw\.main: running with {gwlab.WORKERS} worker"), gw.log()
    assert lines(gw, r"^igmpgw\.control: forwarding on: "), gw.log()
    assert not lines(gw, rf"^{STAMP}"), gw.log()
