#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drives a running pktgen-dpdk against a running igmpgw for scripts/bench-pktgen.sh.

pktgen reads its command line from a FIFO (commands are written to it here); both
programs are read through their DPDK telemetry sockets (pktgen's port stats, igmpgw's
/igmpgw/stats and /ethdev/stats) and igmpgw's control socket (status: the groups held).

  join     pktgen's inside port sends each special unicast report once, slowly, until
           igmpgw holds every group (not measured)
  reports  the inside port replays the reports for --duration s at --rate; igmpgw
           translates them to multicast reports on its outside, which pktgen's upstream
           port receives
  data     the upstream port replays the multicast data for --duration s at --rate;
           igmpgw forwards it to its inside, which pktgen's inside port receives

After each phase the counters are read once nothing moves any more: sent is what
pktgen's port transmitted, forwarded what its other port received, and the loss is
split by igmpgw's own counters into before igmpgw (link, kernel, NIC), in igmpgw and
after it. Prints the table, and with --json writes every number.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

signal.signal(signal.SIGINT, lambda *_: sys.exit(1))


def fail(msg):
    sys.exit("bench: pktgen: " + msg)


class Telemetry:
    """One DPDK process's telemetry socket."""

    def __init__(self, path, pid, what, timeout=60):
        self.what = what
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                s.connect(path)
                hello = json.loads(s.recv(4096).decode())
                self.sock, self.maxlen = s, int(hello["max_output_len"])
                return
            except (OSError, ValueError, KeyError):
                s.close()
                if not os.path.exists("/proc/%d" % pid):
                    fail("%s exited (see its log)" % what)
                if time.monotonic() > deadline:
                    fail("no telemetry from %s on %s" % (what, path))
                time.sleep(0.2)

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.maxlen * 2).decode())
        return reply[cmd.split(",")[0]]


class Control:
    """igmpgw's control socket (docs/control-protocol.md)."""

    def __init__(self, path, pid, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                break
            except OSError:
                s.close()
                if not os.path.exists("/proc/%d" % pid):
                    fail("igmpgw exited (see its log)")
                if time.monotonic() > deadline:
                    fail("nothing answers on " + path)
                time.sleep(0.2)
        s.settimeout(10)
        self.f = s.makefile("rwb")

    def request(self, cmd):
        self.f.write((json.dumps({"cmd": cmd}) + "\n").encode())
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                fail("igmpgw closed its control connection")
            msg = json.loads(line)
            if "event" not in msg:
                return msg


def gw_ports(gw):
    """igmpgw's /igmpgw/ports as {role: port}."""
    ports = gw.query("/igmpgw/ports") or {}
    if isinstance(ports, list):
        return {p.get("role"): p for p in ports if isinstance(p, dict)}
    return {r: p for r, p in ports.items() if isinstance(p, dict)}


def port_by_name(tel, name):
    for port in tel.query("/ethdev/list") or []:
        if (tel.query("/ethdev/info,%d" % port) or {}).get("name") == name:
            return port
    return None


class Run:
    def __init__(self, args):
        self.a = args
        self.pg = Telemetry(args.pktgen_telemetry, args.pktgen_pid, "pktgen")
        self.gw = Telemetry(args.gw_telemetry, args.gw_pid, "igmpgw")
        self.ctl = Control(args.control, args.gw_pid)
        self.fifo = open(args.fifo, "w")
        self.up = self.pg_port(args.up_name)
        self.dn = self.pg_port(args.dn_name)
        self.gw_port = {}
        deadline = time.monotonic() + 30
        while set(self.gw_port) != {"outside", "inside"}:
            ports = gw_ports(self.gw)
            self.gw_port = {r: ports[r]["port_id"] for r in ("outside", "inside")
                            if "port_id" in ports.get(r, {})}
            if time.monotonic() > deadline:
                fail("igmpgw's /igmpgw/ports names no outside and inside port ids")
            time.sleep(0.2)

    def pg_port(self, name):
        deadline = time.monotonic() + 60
        while True:
            port = port_by_name(self.pg, name)
            if port is not None:
                return port
            if time.monotonic() > deadline:
                fail("pktgen has no port named %s" % name)
            time.sleep(0.2)

    def started(self, port):
        info = self.pg.query("/ethdev/info,%d" % port) or {}
        link = self.pg.query("/ethdev/link_status,%d" % port) or {}
        return info.get("dev_started") == 1 and link.get("status") == "UP"

    def cmd(self, line):
        """One pktgen command line (its CLI reads the FIFO as its terminal)."""
        self.fifo.write(line + "\n")
        self.fifo.flush()

    def alive(self):
        for pid, what in ((self.a.pktgen_pid, "pktgen"), (self.a.gw_pid, "igmpgw")):
            if not os.path.exists("/proc/%d" % pid):
                fail("%s exited during the run (see its log)" % what)

    def snapshot(self):
        self.alive()
        pg = {p: self.pg.query("/ethdev/stats,%d" % p) for p in (self.up, self.dn)}
        stats = self.gw.query("/igmpgw/stats")
        ethdev = {r: self.gw.query("/ethdev/stats,%d" % p) for r, p in self.gw_port.items()}
        return {"pg": pg, "gw": stats, "gw_ethdev": ethdev, "veth": self.veth_drops(),
                "t": time.monotonic()}

    def veth_drops(self):
        """{"ns:ifname rx|tx": dropped} of the veths (the kernel's share of a loss)."""
        out = {}
        for spec in self.a.veth:
            ns, ifname = spec.split(":")
            link = json.loads(subprocess.run(
                ["ip", "-n", ns, "-s", "-j", "link", "show", "dev", ifname],
                capture_output=True, text=True, check=True).stdout)[0]
            for d in ("rx", "tx"):
                out["%s %s" % (ifname, d)] = link["stats64"][d]["dropped"]
        return out

    def quiet(self, what):
        """Waits until nothing moves on either side for half a second; returns the counters."""
        deadline = time.monotonic() + 30
        prev = self.key(self.snapshot())
        while True:
            time.sleep(0.5)
            snap = self.snapshot()
            cur = self.key(snap)
            if cur == prev:
                return snap
            if time.monotonic() > deadline:
                fail("the counters still move 30 s after %s stopped" % what)
            prev = cur

    def key(self, snap):
        pg = tuple((s["opackets"], s["ipackets"]) for s in snap["pg"].values())
        gw = tuple(snap["gw"][r].get("rx_packets", 0) + snap["gw"][r].get("tx_packets", 0)
                   for r in ("outside", "inside"))
        return pg + gw

    def groups_held(self):
        st = self.ctl.request("status")
        return (st.get("forwarding") or {}).get("groups", 0)

    def join(self):
        """Every group reported once at the join rate, again until igmpgw holds them all."""
        a = self.a
        self.cmd("set all rate %g" % a.join_rate)
        for attempt in range(1, 4):
            before = self.pg.query("/ethdev/stats,%d" % self.dn)["opackets"]
            self.cmd("set %d count %d" % (self.dn, a.groups))
            self.cmd("start %d" % self.dn)
            deadline = time.monotonic() + 60
            while self.pg.query("/ethdev/stats,%d" % self.dn)["opackets"] < before + a.groups:
                self.alive()
                if time.monotonic() > deadline:
                    fail("pktgen did not send %d reports within 60 s" % a.groups)
                time.sleep(0.2)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                held = self.groups_held()
                if held >= a.groups:
                    return attempt
                time.sleep(0.2)
            print("bench: pktgen: join round %d: igmpgw holds %d of %d groups, again"
                  % (attempt, held, a.groups), file=sys.stderr)
        # Go on: the data to the groups it lacks shows up as lost, with igmpgw's reason.
        print("bench: pktgen: igmpgw holds %d of the %d groups after 3 rounds of reports"
              % (held, a.groups), file=sys.stderr)
        return attempt

    def phase(self, name, port):
        """Port sends its pcap for --duration s at --rate; counters before and after."""
        self.cmd("set all rate %g" % self.a.rate)
        self.cmd("set %d count 0" % port)
        before = self.quiet("the previous phase")
        self.cmd("start %d" % port)
        t_start = time.monotonic()
        time.sleep(self.a.duration)
        self.cmd("stop %d" % port)
        t_stop = time.monotonic()
        after = self.quiet(name)
        return before, after, t_stop - t_start


def delta(before, after, *path):
    b, a = before, after
    for k in path:
        b, a = b[k], a[k]
    return a - b


def stream(before, after, seconds, tx_port, rx_port, gw_in, gw_out, handled, gw_sent):
    """One stream's numbers: pktgen's ports, igmpgw's ports and decision counters.
    handled is (role, counter): igmpgw's decision for the stream; gw_sent the counter
    of what it sent on gw_out."""
    d = lambda *p: delta(before, after, *p)  # noqa: E731
    sent = d("pg", tx_port, "opackets")
    forwarded = d("pg", rx_port, "ipackets")
    gw_rx = d("gw", gw_in, "rx_packets")
    gw_handled = d("gw", handled[0], handled[1])
    gw_out_n = d("gw", gw_out, gw_sent)
    kernel = {k: v - before["veth"][k] for k, v in after["veth"].items()
              if v != before["veth"][k]}
    drops = {}
    for role in ("outside", "inside"):
        for name, v in after["gw"][role].items():
            if isinstance(v, int) and name not in ("rx_packets", "tx_packets") and \
                    v != before["gw"][role].get(name) and name not in (
                        "igmp_received", "igmp_sent", "mcast_received", "mcast_forwarded",
                        "proxied", "unicast_translated"):
                drops["%s.%s" % (role, name)] = v - before["gw"][role].get(name, 0)
    return {
        "seconds": round(seconds, 3),
        "sent": sent,
        "forwarded": forwarded,
        "lost": sent - forwarded,
        "lost_before_igmpgw": sent - gw_rx,
        "lost_in_igmpgw": gw_rx - gw_out_n,
        "lost_after_igmpgw": gw_out_n - forwarded,
        "kernel_drops": kernel,
        "igmpgw": {"received": gw_rx, "%s.%s" % handled: gw_handled, "sent": gw_out_n,
                   "imissed_" + gw_in: d("gw_ethdev", gw_in, "imissed"),
                   "other_counters": drops},
        "pktgen": {"tx_port": {k: d("pg", tx_port, k) for k in ("opackets", "oerrors")},
                   "rx_port": {k: d("pg", rx_port, k) for k in ("ipackets", "imissed",
                                                                 "ierrors", "rx_nombuf")}},
    }


def print_table(res, a):
    print("stream                      sent        forwarded   lost        lost %   "
          "sent/s       forwarded/s")
    for name, title in (("reports", "reports (inside->outside)"),
                        ("data", "data (outside->inside)")):
        s = res["streams"][name]
        pct = 100.0 * s["lost"] / s["sent"] if s["sent"] else 0.0
        secs = s["seconds"] or 1
        print("%-27s %-11d %-11d %-11d %-8.2f %-12.0f %.0f" % (
            title, s["sent"], s["forwarded"], s["lost"], pct, s["sent"] / secs,
            s["forwarded"] / secs))
    print()
    print("where the loss is, by igmpgw's counters (received on its ingress port, sent on "
          "its egress port):")
    for name, handled in (("reports", "inside.unicast_translated"),
                          ("data", "outside.mcast_received")):
        s = res["streams"][name]
        g = s["igmpgw"]
        extra = ", ".join("%s %d" % kv for kv in sorted(g["other_counters"].items()))
        kernel = ", ".join("%s %d" % kv for kv in sorted(s["kernel_drops"].items()))
        print("  %-8s before igmpgw %d (its ingress imissed %d), in igmpgw %d, after igmpgw %d;"
              " igmpgw received %d, %s %d, sent %d%s%s" % (
                  name, s["lost_before_igmpgw"],
                  next(v for k, v in g.items() if k.startswith("imissed_")),
                  s["lost_in_igmpgw"], s["lost_after_igmpgw"], g["received"], handled,
                  g[handled], g["sent"], "; " + extra if extra else "",
                  "; veths dropped: " + kernel if kernel else ""))
    if a.veth:
        print("  (on veths a loss before igmpgw is the kernel's af_packet ring overflowing, "
              "which DPDK 22.11's af_packet does not count)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--print-gw-mac", action="store_true",
                   help="only print the MAC of igmpgw's inside port, once it has one")
    p.add_argument("--gw-telemetry", required=True)
    p.add_argument("--gw-pid", type=int, required=True)
    p.add_argument("--fifo")
    p.add_argument("--pktgen-telemetry")
    p.add_argument("--pktgen-pid", type=int)
    p.add_argument("--control")
    p.add_argument("--up-name", help="pktgen's port towards igmpgw's outside")
    p.add_argument("--dn-name", help="pktgen's port towards igmpgw's inside")
    p.add_argument("--groups", type=int)
    p.add_argument("--duration", type=float)
    p.add_argument("--rate", type=float)
    p.add_argument("--join-rate", type=float)
    p.add_argument("--veth", action="append", default=[], metavar="NS:IFNAME",
                   help="a veth whose drop counters are read with the others")
    p.add_argument("--json")
    a = p.parse_args()
    if a.print_gw_mac:
        gw = Telemetry(a.gw_telemetry, a.gw_pid, "igmpgw")
        mac = gw_ports(gw).get("inside", {}).get("mac")
        if not mac:
            fail("igmpgw's /igmpgw/ports has no inside MAC")
        print(mac)
        return 0
    missing = [k for k, v in vars(a).items() if v is None and k != "json"]
    if missing:
        p.error("missing: " + ", ".join("--" + k.replace("_", "-") for k in missing))

    run = Run(a)
    # pktgen fills its mbuf pools (five of 24576 10-KB mbufs a port) before it starts
    # the ports, and computes its send rate from the link speed once the link is up.
    t0 = time.monotonic()
    while not all(run.started(q) for q in (run.up, run.dn)):
        run.alive()
        if time.monotonic() > t0 + 300:
            fail("pktgen's ports were not started and up within 300 s")
        time.sleep(0.5)
    print("bench: pktgen: ports up %.1f s after its telemetry answered"
          % (time.monotonic() - t0), file=sys.stderr)
    rounds = run.join()
    groups = run.groups_held()
    res = {"groups": a.groups, "groups_held": groups, "join_rounds": rounds,
           "rate_percent": a.rate, "duration": a.duration,
           "pktgen_ports": {"up": run.up, "dn": run.dn}, "igmpgw_ports": run.gw_port,
           "streams": {}}
    b, e, secs = run.phase("the reports", run.dn)
    res["streams"]["reports"] = stream(b, e, secs, run.dn, run.up, "inside", "outside",
                                       ("inside", "unicast_translated"), "igmp_sent")
    res["groups_held_after"] = run.groups_held()
    b, e, secs = run.phase("the data", run.up)
    # One inside port: a replica per data frame, counted by the inside's mcast_forwarded.
    res["streams"]["data"] = stream(b, e, secs, run.up, run.dn, "outside", "inside",
                                    ("outside", "mcast_received"), "mcast_forwarded")
    run.cmd("quit")
    print_table(res, a)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
