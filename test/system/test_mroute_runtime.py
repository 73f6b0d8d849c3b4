# SPDX-License-Identifier: BSD-3-Clause
"""Run-time static routes, like smcroutectl add/del/show: igmpgwctl mroute
add sends an upstream source's data to an inside host that no report asked
for, mroute show lists it as run-time, a reload keeps it (and the file's
route of the same group/prefix and source takes its place when the file
names it), mroute del stops the data. Judged by the host's own socket and
tshark on the inside bridge.
"""

import subprocess
import time

from gwlab import ROOT, wait_until
from test_control import CTL, ctl, ctl_json
from test_reload import lab_conf, write
from test_tracking import Sender, data_captures, receivers

LAB_ENV = {"LAB_QUERY_INTERVAL": 5}

# The [join] makes the upstream's snooping bridge send the group to the gateway (a route
# only forwards, it asks for nothing); it stays the same through every reload.
FORWARD = "[forward]\nenabled = yes\n[join]\nj = 239.7.40.1\n"


COMPLETION = ROOT / "app" / "completion" / "igmpgwctl"


def completions(gw, *words):
    """What bash completion offers after igmpgwctl -s SOCKET WORDS (the last one being typed)."""
    line = " ".join(f"'{w}'" for w in (CTL, "-s", gw.control_path) + words)
    script = (f"source {COMPLETION}; COMP_WORDS=({line}); "
              "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _igmpgwctl; printf '%s\\n' \"${COMPREPLY[@]}\"")
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    return sorted(w for w in p.stdout.split() if w)


def routes(gw):
    return ctl_json(gw, "mroute", "show")["routes"]


def test_mroute_add_show_reload_del_with_real_forwarding(lab, gateway, tmp_path):
    conf = write(tmp_path / "gw.conf", lab_conf(extra=FORWARD))
    gw = gateway(config=conf)
    group, other = "239.7.40.1", "239.7.41.1"
    with data_captures(lab, tmp_path, [("in", "gw0")], group) as caps, \
            receivers(lab, ("h1", group)) as (r1,), Sender(lab, [group]):
        # The kernel membership lets the inside bridge deliver; the gateway asks for
        # nothing upstream (no special report), so only a route forwards.
        r1.join()
        time.sleep(1)
        assert not r1.got, "data forwarded before any route"
        assert routes(gw) == []

        ctl(gw, "mroute", "add", "239.7.40.0/24", "to", "inside")
        r1.wait_data(50)
        shown = routes(gw)
        assert [(r["group"], r["prefix_len"], r["source"], r["ports"], r["origin"])
                for r in shown] == [("239.7.40.0", 24, None, ["inside"], "run-time")], shown
        text = ctl(gw, "mroute", "show").stdout
        assert "239.7.40.0/24" in text and "run-time" in text, text
        # Bash completion offers the groups the gateway's `groups` answer lists: the route and the join.
        assert completions(gw, "mroute", "del", "239.7.") == ["239.7.40.0", "239.7.40.1"]
        assert completions(gw, "report", "239.7.40.0") == ["239.7.40.0"]

        # A reload of a file without the route keeps it: data goes on.
        p = ctl(gw, "reload")
        assert "nothing changed" in p.stdout, p.stdout
        assert [r["origin"] for r in routes(gw)] == ["run-time"]
        r1.wait_data(50)

        # The file names the same route (and another): the file's takes its place.
        write(conf, lab_conf(extra=FORWARD + "[mroute]\ntv = 239.7.40.0/24 to inside\n"
                             f"radio = {other} source 10.200.1.10 to inside\n"))
        ctl(gw, "reload")
        shown = {r["name"]: r for r in routes(gw)}
        assert set(shown) == {"tv", "radio"}, shown
        assert shown["tv"]["origin"] == "file" and shown["radio"]["source"] == "10.200.1.10"
        r1.wait_data(50)

        # Refusals name what is wrong and change nothing.
        p = ctl(gw, "mroute", "add", "239.7.42.1", "to", "inside5", rc=1)
        assert "inside5" in p.stderr, p.stderr
        p = ctl(gw, "mroute", "del", "239.7.99.1", rc=1)
        assert "no route 239.7.99.1/32" in p.stderr, p.stderr
        assert len(routes(gw)) == 2

        ctl(gw, "mroute", "del", "239.7.40.0/24")
        t_del = time.time()
        assert [r["name"] for r in routes(gw)] == ["radio"]
        time.sleep(1.5)
    late = [float(p["frame.time_epoch"]) for p in caps[("in", "gw0")].packets
            if float(p["frame.time_epoch"]) > t_del + 0.2]
    assert not late, f"{len(late)} packets forwarded after mroute del"
    assert len(caps[("in", "gw0")].packets) >= 150
    wait_until(lambda: gw.counter("outside", "mcast_no_members") > 0, 5,
               "data without a route counted as mcast_no_members")
