# SPDX-License-Identifier: BSD-3-Clause
"""igmpgw's log: one DPDK log type per part (igmpgw.main, .datapath, .control,
.tracking, .ctl), each line naming its type, so --log-level picks one part; and
a timestamp on every line unless its output is systemd's journal (JOURNAL_STREAM
names that output's device and inode), which stamps lines itself and reads each
line's priority from a leading "<N>". test/unit/test_log_lines.c holds the
JOURNAL_STREAM check against pipes.
"""

import os
import re
import signal

import gwlab

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} "


def lines(gw, pattern):
    return re.findall(pattern, gw.log(), re.M)


def test_each_part_has_its_type_and_a_timestamp(lab, gateway, monkeypatch):
    # Started by systemd with its output elsewhere (or a child that inherited
    # JOURNAL_STREAM): the variable names another stream, so the lines are stamped.
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    monkeypatch.setenv("INVOCATION_ID", "0123456789abcdef0123456789abcdef")
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


def test_journal_lines_carry_their_priority(lab, gateway, monkeypatch, tmp_path):
    # The log file the gateway's stdout and stderr go to stands for the journal's
    # stream: gwlab opens it for writing, which keeps its inode.
    journal = tmp_path / "igmpgw-g0.log"
    journal.touch()
    st = os.stat(journal)
    monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
    gw = gateway("forward.enabled=yes", eal=("--log-level=lib.eal:debug",))
    assert gw.log_path == journal
    os.kill(gw.proc.pid, signal.SIGUSR1)
    gw.wait_log(r"^<5>igmpgw\.main: SIGUSR1 received: ignored$")
    assert lines(gw, rf"^<6>igmpgw\.main: running with {gwlab.WORKERS} worker"), gw.log()
    assert lines(gw, r"^<6>igmpgw\.control: forwarding on: "), gw.log()
    # DPDK's own lines, EAL's debug ones during its start included.
    assert lines(gw, r"^<7>EAL: "), gw.log()
    assert not lines(gw, rf"^(<\d>)?{STAMP}"), gw.log()
    unprefixed = [ln for ln in gw.log().splitlines() if ln and not re.match(r"<[0-7]>", ln)]
    assert unprefixed == [], unprefixed
