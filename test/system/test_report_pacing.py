# SPDX-License-Identifier: BSD-3-Clause
"""What the gateway sends itself, in bulk, behind IGMPv2 upstream queriers: nothing
packs there, so thousands of single reports wait in the paced send queue instead of
overflowing the ring to the worker. The judge is tshark on the upstream bridge: every
report the gateway counted as sent is on the wire, every group as often as it
should be, and the forwarding table agrees with what the upstream was told.
"""

import collections
import json
import time

from gwlab import (ALL_SYSTEMS, ALL_V3_ROUTERS, IGMP_QUERY, REC_TO_EX, UPSRC, ether,
                   host_igmp_frame, igmp_v2, igmp_v3_report, ipv4, mac_of, multicast_mac,
                   wait_until)

# v2 queriers that seldom query (the test sends the query that matters itself), so the
# gateway's answers to them do not swamp the captures.
LAB_ENV = {"LAB_QUERIER_VERSION": 2, "LAB_QUERY_INTERVAL": 30, "LAB_QUERY_RESPONSE_INTERVAL": 1}

TRACK = ("forward.enabled=yes", "proxy.track_membership=yes", "querier.enabled=yes",
         "igmp.proxy_out_to_in=no", "igmp.unicast_proxy_in_to_out=no")
MANY = 4000
RING = 1024  # main.c CTRL_TX_RING_SIZE: what the ring to the worker holds
RECORDS_PER_REPORT = 180  # TO_EX({}) records in one 1500-byte IGMPv3 report


def many_groups(n, second_octet=100):
    return [f"239.{second_octet + i // 65536}.{(i // 256) % 256}.{i % 256}" for i in range(n)]


def room_for_many_groups(lab):
    """The lab's snooping bridges switch snooping off past 4096 groups: give them room."""
    for node in ("up", "alt", "in"):
        lab.exec(node, ["ip", "link", "set", "dev", "br0", "type", "bridge",
                        "mcast_hash_max", "65536"])


def status(gw):
    with gw.control() as c:
        r = c.request("status")
    assert r["ok"], r
    return r


def v2_reports_on_wire(gw):
    """How many IGMPv2 reports the gateway sent upstream for each group."""
    return collections.Counter(p["igmp.maddr"] for p in gw.emitted(
        "outside", lambda p: p["igmp.type"] == "0x16"))


def queue_settled(gw):
    """The outside send queue once empty (status without one: the ring only, so at once)."""
    q = status(gw).get("tx_queues", {}).get("outside", {"depth": 0})
    return q if q["depth"] == 0 else None


def upstream_query(max_resp):
    """An IGMPv2 general query from the upstream source host."""
    return ether(multicast_mac(ALL_SYSTEMS), mac_of(UPSRC),
                 ipv4(UPSRC, ALL_SYSTEMS, igmp_v2(IGMP_QUERY, "0.0.0.0", max_resp=max_resp)))


def test_v2_querier_thousands_of_single_reports_none_lost(lab, gateway):
    """An inside host joins 4000 groups in 23 IGMPv3 reports; behind a v2 querier the
    gateway owes one v2 report per group at once (the changes of a burst go out at the
    next tick), four times what the ring holds: the paced queue takes them all."""
    room_for_many_groups(lab)
    gw = gateway(*TRACK)
    lab.send("src", [upstream_query(max_resp=10)])
    wait_until(lambda: status(gw)["tracking"]["upstream_compat"] == 2, 5,
               "v2 mode upstream after a v2 general query (RFC 3376 §7.2.1)")
    groups = many_groups(MANY)
    chunks = [groups[i:i + RECORDS_PER_REPORT] for i in range(0, MANY, RECORDS_PER_REPORT)]
    lab.send("h1", [host_igmp_frame("h1", igmp_v3_report([(REC_TO_EX, g, []) for g in c]),
                                    dst=ALL_V3_ROUTERS) for c in chunks])
    wait_until(lambda: status(gw)["tracking"]["upstream_groups"] == MANY, 10,
               f"{MANY} groups merged upstream")
    # Robustness 2: each join reported twice, the second within the 10 s report interval.
    seen = {}

    def all_twice():
        seen["c"] = v2_reports_on_wire(gw)
        return all(seen["c"][g] >= 2 for g in groups)

    try:
        wait_until(all_twice, 25, "two v2 reports of every group upstream")
    except AssertionError:
        missing = [g for g in groups if seen["c"][g] < 2]
        raise AssertionError(f"{len(missing)} groups short of two reports, e.g. {missing[:5]}; "
                             f"tx_dropped {gw.counter('outside', 'tx_dropped')}, tx_queues "
                             f"{status(gw).get('tx_queues')}") from None
    q = wait_until(lambda: queue_settled(gw), 10, "the outside queue to drain")
    assert gw.counter("outside", "tx_dropped") == 0, "reports lost between the gateway and the wire"
    assert q["max_depth"] > RING, f"the burst never outgrew the ring: not tested ({q})"
    assert q["dropped_full"] == 0 and q["dropped_unsendable"] == 0, q
    # Two reports a group, and answers to the lab querier's queries when one came.
    assert q["sent"] == q["queued"] >= 2 * MANY, q


# ---------------------------------------------------------------- bulk reports (issue 11, 8)

CLIENT = ("igmp.membership_reports_to_network=yes", "forward.enabled=yes",
          "igmp.unicast_membership_reports=no", "igmp.proxy_out_to_in=no")
REQUESTS, ITEMS = 20, 256


def test_pipelined_bulk_reports_are_applied_whole_or_not_at_all(lab, gateway):
    """20 pipelined requests of 256 groups: more than the send queue holds (its bound is
    2 * max_groups + 1024) and more groups than the table holds. Every request is
    answered with what was done, and the upstream, the forwarding table and the answers
    agree group by group."""
    max_groups = 1000
    gw = gateway(*CLIENT, f"limits.max_groups={max_groups}",
                 f"limits.max_groups_per_port={max_groups}")
    # Requests 0-3 name 1024 distinct groups (24 more than the table holds); the rest
    # repeat them, refreshes that need no room in the table but fill the send queue.
    distinct = many_groups(4 * ITEMS, second_octet=120)
    batches = [distinct[(i % 4) * ITEMS:(i % 4 + 1) * ITEMS] for i in range(REQUESTS)]
    with gw.control(timeout=30) as c:
        c.sock.sendall(b"".join(json.dumps({"cmd": "report", "id": i, "items": [
            {"group": g} for g in batch]}).encode() + b"\n" for i, batch in enumerate(batches)))
        deadline = time.monotonic() + 30
        answers = {}
        while len(answers) < REQUESTS:
            msg = c._line(deadline)
            if "event" not in msg:
                answers[msg["id"]] = msg
    want = collections.Counter()
    refused_by_table, queue_full = set(), []
    for i, batch in enumerate(batches):
        a = answers[i]
        if not a["ok"]:
            queue_full.append(a["error"])
            continue
        refused = set(a.get("refused", []))
        refused_by_table |= refused
        assert a["packets"] == ITEMS - len(refused), a
        want.update(g for g in batch if g not in refused)
    wait_until(lambda: queue_settled(gw), 20, "the outside queue to drain")
    wait_until(lambda: sum(v2_reports_on_wire(gw).values()) >= sum(want.values()), 10,
               "every accepted report on the wire")
    got = v2_reports_on_wire(gw)
    assert got == want, (f"upstream heard {sum(got.values())} reports for {len(got)} groups; "
                         f"the answers promised {sum(want.values())} for {len(want)} "
                         f"({len(queue_full)} requests refused: {queue_full[:1]})")
    st = status(gw)
    assert st["forwarding"]["groups"] == len(want) == st["forwarding"]["asked_groups"], \
        st["forwarding"]
    assert queue_full, "no request met a full send queue: the test did not test that"
    assert all(e.startswith("could not queue the packets: the send queue has room") and
               "nothing was sent" in e for e in queue_full), queue_full
    assert refused_by_table, "no group met a full table: the test did not test that"
    assert not refused_by_table & set(want), "a group both refused and reported"
    q = st["tx_queues"]["outside"]
    assert q["dropped_full"] == 0 and q["sent"] == q["queued"] == sum(want.values()), q
    assert gw.counter("outside", "tx_dropped") == 0
