# SPDX-License-Identifier: BSD-3-Clause
"""The configs in config/ as a newcomer uses them: the file as shipped, only the
ports and addresses changed to the lab's. In goIGMP's deployments they replace
SMCRoute too, so a host that joins gets the data (counted at the host's socket).
With forwarding off, the data that arrives for nobody is said in the log, naming
the key to set, and so is the switch behind an ignored IGMP packet.
"""

import time

import pytest

from gwlab import IGMP_V2_REPORT, QUERIER, ROOT, host_igmp_frame, igmp_v2
from test_tracking import Sender, receivers

# What the lab needs changed: each port's device and the gateway's address on it.
LAB_PORTS = {
    "outside": ("net_af_packet0,iface=out0", "10.200.1.2/24"),
    "alt": ("net_af_packet1,iface=alt0", "10.200.2.2/24"),
    "inside": ("net_af_packet2,iface=in0", "10.200.0.1/24"),
}
# How a host's membership reaches the gateway in each deployment.
HOW_JOINED = {
    "proxy-special": "special unicast report",
    "two-outside": "special unicast report",
    "full-proxy": "the kernel's own report, proxied",
    "client-mode": "a control client's report",
}
GROUP = "239.13.1.1"
DATAGRAMS = 20


def shipped(name):
    return ROOT / "config" / f"{name}.conf"


def lab_overrides(name):
    """--set values pointing the shipped file's ports at the lab, nothing else
    (client mode's unicast_dst: the lab's querier, on the lab's subnet)."""
    text = shipped(name).read_text()
    sets, roles = [], []
    for role, (port, addr) in LAB_PORTS.items():
        if f"[{role}]" in text:
            sets += [f"{role}.port={port}", f"{role}.address={addr}"]
            roles.append(role)
    if "unicast_dst" in text:
        sets.append(f"igmp.unicast_dst={QUERIER['outside']}")
    return sets, roles


def join(lab, gw, name, receiver):
    # The kernel membership is what lets the inside bridge deliver, in every mode.
    receiver.join()
    if HOW_JOINED[name] == "special unicast report":
        lab.send("h1", [host_igmp_frame("h1", igmp_v2(IGMP_V2_REPORT, GROUP))])
    elif HOW_JOINED[name] == "a control client's report":
        # Client mode reports by unicast to the querier, a router in the deployment; the
        # lab's querier is a bridge, which snoops no unicast IGMP and sends groups it
        # knows no member of to router ports only: the gateway's port becomes one.
        lab.exec("up", ["bridge", "link", "set", "dev", "gw0", "mcast_router", "2"])
        with gw.control() as c:
            r = c.request("report", items=[{"group": GROUP}])
            assert r["ok"], r


@pytest.mark.parametrize("name", sorted(HOW_JOINED))
def test_shipped_config_forwards_the_data(lab, gateway, name):
    sets, roles = lab_overrides(name)
    gw = gateway(*sets, config=shipped(name), roles=roles)
    try:
        check_data_flows(lab, gw, name)
    finally:
        if name == "client-mode":
            lab.exec("up", ["bridge", "link", "set", "dev", "gw0", "mcast_router", "1"])


def check_data_flows(lab, gw, name):
    with receivers(lab, ("h1", GROUP)) as (r,), Sender(lab, [GROUP]):
        join(lab, gw, name, r)
        try:
            r.wait_data(DATAGRAMS, timeout=15)
        except AssertionError as e:
            raise AssertionError(
                f"{name}.conf as shipped ({HOW_JOINED[name]}): h1 got {len(r.seqs())} "
                f"datagrams; outside to_kernel {gw.counter('outside', 'to_kernel')}, "
                f"mcast_forwarding_off {gw.counter('outside', 'mcast_forwarding_off')}: "
                f"{e}") from None
    print(f"{name}: h1 received {len(r.seqs())} datagrams, gateway forwarded "
          f"{gw.counter('inside', 'mcast_forwarded')}")
    assert gw.counter("inside", "mcast_forwarded") >= DATAGRAMS
    assert gw.counter("outside", "mcast_forwarding_off") == 0


def test_data_nobody_forwards_is_logged_with_the_key(lab, gateway):
    """forward.enabled = no: the data a host asked for is counted and said once a
    period, naming the key; the inside port's ignored multicast reports name the
    switch that is off (proxy_in_to_out in this deployment)."""
    sets, roles = lab_overrides("proxy-special")
    gw = gateway(*sets, "forward.enabled=no", config=shipped("proxy-special"), roles=roles)
    with receivers(lab, ("h1", GROUP)) as (r,), Sender(lab, [GROUP]):
        join(lab, gw, "proxy-special", r)
        gw.wait_counter("outside", "mcast_forwarding_off", DATAGRAMS, timeout=15)
        line = gw.wait_log(r"outside: \d+ multicast data packets not forwarded: forwarding is "
                           r"off \(set forward\.enabled = yes, \[forward\] enabled = yes in "
                           r"the config\)$", timeout=25)
        gw.wait_log(r"inside: ignored \d+ IGMP packets: switched_off: "
                    r"igmp\.proxy_in_to_out = no$", timeout=25)
        assert r.seqs() == [], "forwarded with forwarding off"
    assert line
    # Once a period, not once a packet.
    time.sleep(0.5)
    n = len([ln for ln in gw.log().splitlines() if "multicast data packets not forwarded" in ln])
    assert 1 <= n <= 3, gw.log()
    assert gw.counter("inside", "mcast_forwarded") == 0
