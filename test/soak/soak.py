#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The soak (scripts/soak.sh MINUTES): igmpgw in the lab with tracking and
forwarding on, for MINUTES, under
  - churn: an inside host reports joins (TO_EX {}) and leaves (TO_IN {}) over
    a pool of thousands of groups, about half of them held at any time, and
    answers like a host would (IS_EX {} for all it holds, every few seconds);
  - data: the upstream source sends UDP to a slice of the pool;
  - control clients: two subscribers to every event, reading all of them.
Every few seconds it samples the gateway's RSS, mbufs in use per mempool and
entries waiting per ring (telemetry /igmpgw/resources), table memory
(`status`: forwarding, tracking, asked) and every drop counter (telemetry
/igmpgw/stats, /ethdev/stats, `stats`, the tracking counters).

It fails when a resource's samples in the last third of the run average more
than 2% above the middle third (the first third is warm-up), when a drop
counter moves that the scenario does not expect, or when the churn did not
happen (events, forwarding). Ends with "N passed, N failed, 0 skipped".
"""

import atexit
import json
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "test" / "system"))
import gwlab  # noqa: E402
from gwlab import UPSRC, ControlClient, eal_args, host_igmp_frame, wait_until  # noqa: E402

POOL = [f"239.9.{i >> 8}.{i & 255}" for i in range(3000)]
HELD = 1500              # groups held at any time: under the lab bridges' hash_max (4096)
CHURN = 64               # joins and as many leaves a round
ROUND_S = 0.5
REFRESH_S = 4.0          # the host's current-state report of everything it holds
RECORDS_PER_REPORT = 64
DATA_GROUPS = POOL[:300]
DATA_PPS = 4             # per group
GROWTH = 0.02
QI, QRI, LMQI, LMQC = 10, 2, 1, 2
OVERRIDES = ("forward.enabled=yes", "proxy.track_membership=yes", "querier.enabled=yes",
             "igmp.proxy_out_to_in=no", f"querier.query_interval={QI}",
             f"querier.query_response_interval={QRI}",
             f"querier.last_member_query_interval={LMQI}",
             f"querier.last_member_query_count={LMQC}",
             "igmp.query_notify=yes", "igmp.membership_reports_from_network=yes")
EVENTS = ["query", "membership_report", "group_added", "group_removed"]

# The drop counters of app/igmpgw/gw.h (every codec rejection reason comes on top).
PORT_DROPS = {
    "tx_dropped", "runt_frames", "igmp_invalid", "kernel_igmp_dropped", "exception_dropped",
    "no_mbuf", "events_dropped", "mcast_no_members", "mcast_ttl_expired", "mcast_malformed",
    "mcast_inactive_outside",
}
# Drop counters the scenario makes move, and why.
EXPECTED_DROPS = {
    # Data to pool groups nobody holds at that moment: the churn's very point.
    "mcast_no_members",
}
ETHDEV_DROPS = ("imissed", "ierrors", "oerrors", "rx_nombuf")


def log(msg):
    print(f"soak: {msg}", flush=True)


# ---------------------------------------------------------------- the gateway

class Gateway:
    """igmpgw in the lab's gateway namespace, without wire captures (the soak
    would fill the disk with them)."""

    def __init__(self, lab, workdir):
        self.prefix = f"{lab.prefix}soak"
        self.control_path = gwlab.CONTROL_DIR / f"{self.prefix}.sock"
        self.log_path = Path(workdir) / "igmpgw.log"
        gwlab.CONTROL_DIR.mkdir(parents=True, exist_ok=True)
        cmd = ["ip", "netns", "exec", lab.ns("gw"), str(gwlab.IGMPGW)] + eal_args(self.prefix)
        cmd += ["--", "-f", str(gwlab.LAB_CONF), "--set", f"control.socket={self.control_path}"]
        for o in OVERRIDES:
            cmd += ["--set", o]
        with open(self.log_path, "w") as f:
            self.proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_running(self):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"igmpgw exited {self.proc.returncode}:\n{self.log()}")
            return "running with" in self.log()
        wait_until(ready, 60, "igmpgw's 'running with' line")

    def telemetry(self, cmd):
        path = f"/var/run/dpdk/{self.prefix}/dpdk_telemetry.v2"
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(5)
            s.connect(path)
            banner = json.loads(s.recv(4096))
            s.send(cmd.encode())
            reply = json.loads(s.recv(banner.get("max_output_len", 16384) * 2))
        # The reply is keyed by the command without its parameters.
        return reply[cmd.split(",")[0]]

    def rss_kb(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{self.prefix}", str(self.control_path)],
                       check=False)


# ---------------------------------------------------------------- load

def v3_report(records):
    return gwlab.igmp_v3_report(records)


class Churn(threading.Thread):
    """h1 joins and leaves pool groups by raw IGMPv3 reports to 224.0.0.22."""

    def __init__(self, lab):
        super().__init__(daemon=True)
        self.sock = gwlab.ns_socket(lab.ns("h1"), socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind(("eth0", 0))
        self.rng = random.Random(11)
        self.held = set()
        self.joins = self.leaves = 0
        self.stopping = threading.Event()

    def send(self, rtype, groups):
        groups = list(groups)
        for i in range(0, len(groups), RECORDS_PER_REPORT):
            recs = [(rtype, g, []) for g in groups[i:i + RECORDS_PER_REPORT]]
            self.sock.send(host_igmp_frame("h1", v3_report(recs), dst=gwlab.ALL_V3_ROUTERS))

    def join_groups(self, groups):
        self.send(gwlab.REC_TO_EX, groups)
        self.held |= set(groups)
        self.joins += len(groups)

    def leave_groups(self, groups):
        self.send(gwlab.REC_TO_IN, groups)
        self.held -= set(groups)
        self.leaves += len(groups)

    def warm(self):
        self.join_groups(self.rng.sample(POOL, HELD))

    def run(self):
        next_refresh = time.monotonic() + REFRESH_S
        while not self.stopping.wait(ROUND_S):
            out = self.rng.sample(sorted(self.held), CHURN)
            free = [g for g in POOL if g not in self.held]
            self.leave_groups(out)
            self.join_groups(self.rng.sample(free, CHURN))
            if time.monotonic() >= next_refresh:
                self.send(2, sorted(self.held))  # MODE_IS_EXCLUDE {}: "I still want these"
                next_refresh += REFRESH_S

    def stop(self):
        self.stopping.set()
        self.join_thread()

    def join_thread(self):
        threading.Thread.join(self, timeout=10)
        self.sock.close()


class Data(threading.Thread):
    """UDP from the upstream source to DATA_GROUPS, DATA_PPS packets a second each."""

    def __init__(self, lab):
        super().__init__(daemon=True)
        self.sock = gwlab.ns_socket(lab.ns("src"), socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((UPSRC, 0))
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(UPSRC))
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 16)
        self.sent = 0
        self.stopping = threading.Event()

    def run(self):
        next_at = time.monotonic()
        while not self.stopping.is_set():
            for g in DATA_GROUPS:
                self.sock.sendto(struct.pack("!I", self.sent), (g, 5000))
                self.sent += 1
            next_at += 1.0 / DATA_PPS
            self.stopping.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)
        self.sock.close()


class Subscriber(threading.Thread):
    """A control client subscribed to every event, reading everything."""

    def __init__(self, gw):
        super().__init__(daemon=True)
        self.client = ControlClient(gw.control_path, timeout=10)
        resp = self.client.request("subscribe", events=EVENTS)
        assert resp.get("ok"), resp
        self.counts = {}
        self.stopping = threading.Event()

    def run(self):
        self.client.sock.settimeout(0.5)
        buf = b""
        while not self.stopping.is_set():
            try:
                chunk = self.client.sock.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                name = line.split(b'"event":"', 1)[-1].split(b'"', 1)[0].decode()
                self.counts[name] = self.counts.get(name, 0) + 1

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)
        self.client.close()


# ---------------------------------------------------------------- sampling

def sample(gw, ctl, port_ids):
    s = {"t": time.monotonic(), "rss_kb": gw.rss_kb()}
    res = gw.telemetry("/igmpgw/resources")
    s["mempool_in_use"] = sum(v for k, v in res.items()
                              if k.startswith("mempool/") and k.endswith("/in_use"))
    s["mempool_cache"] = sum(v for k, v in res.items()
                             if k.startswith("mempool/") and k.endswith("/cache_size"))
    for k, v in res.items():
        if k.startswith("ring/") and k.endswith("/count"):
            s[k] = v
    status = ctl.request("status", timeout=10)
    fwd, trk = status["forwarding"], status["tracking"]
    s["table_bytes"] = (fwd.get("memory_bytes", 0) + fwd.get("asked_memory_bytes", 0)
                        + trk.get("memory_bytes", 0))
    s["groups"] = trk.get("groups", 0)
    drops = {}
    wire_errors = set(gwlab.reason_names("igmp_wire.h", "IGMP_WIRE_ERRORS")) - {"ok"}
    for role, counters in gw.telemetry("/igmpgw/stats").items():
        for name, v in counters.items():
            if name in PORT_DROPS or name in wire_errors:
                drops[f"{role}.{name}"] = v
    for role, pid in port_ids.items():
        st = gw.telemetry(f"/ethdev/stats,{pid}")
        for name in ETHDEV_DROPS:
            drops[f"{role}.ethdev.{name}"] = st.get(name, 0)
    stats = ctl.request("stats", timeout=10)
    for name in ("events_dropped", "clients_refused"):
        drops[f"control.{name}"] = stats["control"].get(name, 0)
    # Refused for a limit, or a report whose checksum went bad on the way. (The
    # other ignored_* count the lab kernels' own link-local reports: decisions.)
    for name, v in trk.get("counters", {}).items():
        if name.startswith("refused_") or name == "ignored_bad_checksum":
            drops[f"tracking.{name}"] = v
    s["drops"] = drops
    s["mcast_forwarded"] = sum(c.get("mcast_forwarded", 0)
                               for c in gw.telemetry("/igmpgw/stats").values())
    return s


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def judge(samples, churn, subs):
    """Returns (passed, failed) after printing one line per check."""
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        log(("ok   " if ok else "FAIL ") + what)
        if ok:
            passed += 1
        else:
            failed += 1

    n = len(samples)
    check(n >= 9, f"{n} samples (at least 9: three a third)")
    mid, last = samples[n // 3:2 * n // 3], samples[2 * n // 3:]
    cache = samples[-1]["mempool_cache"] * 2  # two lcores' caches may hold that many
    # (metric, slack): slack absorbs what a warm cache or a ring's momentary fill holds.
    metrics = [("rss_kb", 0), ("table_bytes", 0), ("mempool_in_use", cache)]
    metrics += [(k, 32) for k in sorted(samples[-1]) if k.startswith("ring/")]
    for key, slack in metrics:
        m, lst = mean([s[key] for s in mid]), mean([s[key] for s in last])
        limit = m * (1 + GROWTH) + slack
        check(lst <= limit, f"{key}: middle third {m:.0f}, last third {lst:.0f} "
                            f"(limit {limit:.0f}; first {samples[0][key]}, max "
                            f"{max(s[key] for s in samples)})")
    first, final = samples[0]["drops"], samples[-1]["drops"]
    moved = {k: final[k] - first.get(k, 0) for k in final if final[k] != first.get(k, 0)}
    unexpected = {k: v for k, v in moved.items() if k.split(".")[-1] not in EXPECTED_DROPS}
    expected = {k: v for k, v in moved.items() if k not in unexpected}
    check(not unexpected, f"drop counters: {len(final)} watched, unexpected moves "
                          f"{unexpected or 'none'}, expected {expected or 'none'}")
    # The load must have happened, or the figures above mean nothing.
    added = [s.counts.get("group_added", 0) for s in subs]
    check(churn.joins > HELD and churn.leaves > 0 and min(added) >= churn.leaves // 2,
          f"churn: {churn.joins} joins, {churn.leaves} leaves reported; group_added events "
          f"per subscriber {added}; tracked groups {samples[-1]['groups']}")
    fwd = samples[-1]["mcast_forwarded"] - samples[0]["mcast_forwarded"]
    check(fwd > 0, f"data: {fwd} frames forwarded during the run")
    return passed, failed


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: soak.py MINUTES")
    duration = float(sys.argv[1]) * 60
    if duration < 30:
        sys.exit("soak: at least 0.5 minutes")
    interval = max(2.0, duration / 90)
    workdir = tempfile.mkdtemp(prefix="igmpgw-soak-")
    lab = gwlab.Lab("k" + gwlab.random_suffix(5))
    atexit.register(lab.down)
    gw = churn = data = ctl = None
    subs = []
    passed = failed = 0
    try:
        lab.up({"LAB_QUERY_INTERVAL": 5})
        gw = Gateway(lab, workdir)
        gw.wait_running()
        port_ids = {r: p["port_id"] for r, p in gw.telemetry("/igmpgw/ports").items()}
        ctl = ControlClient(gw.control_path, timeout=10)
        subs = [Subscriber(gw), Subscriber(gw)]
        for s in subs:
            s.start()
        churn, data = Churn(lab), Data(lab)
        churn.warm()
        wait_until(lambda: ctl.request("status")["tracking"]["groups"] >= HELD * 0.9, 30,
                   f"the gateway to hold the first {HELD} groups")
        churn.start()
        data.start()
        log(f"{duration:.0f} s: {len(POOL)} groups, {HELD} held, {2 * CHURN} changes every "
            f"{ROUND_S} s, data to {len(DATA_GROUPS)} groups at {DATA_PPS} pps each, "
            f"{len(subs)} subscribers; a sample every {interval:.1f} s")
        samples = []
        end = time.monotonic() + duration
        while time.monotonic() < end:
            samples.append(sample(gw, ctl, port_ids))
            time.sleep(max(0.0, min(interval, end - time.monotonic())))
        samples.append(sample(gw, ctl, port_ids))
        alive = gw.proc.poll() is None
        passed, failed = judge(samples, churn, subs)
        if alive:
            passed += 1
        else:
            failed += 1
            log(f"FAIL the gateway exited {gw.proc.returncode}")
    except Exception as e:  # a soak that could not run is a failure, with its reason
        log(f"FAIL {type(e).__name__}: {e}")
        failed += 1
    finally:
        for t in [churn, data] + subs:
            if t is not None and t.is_alive():
                t.stop()
        if ctl is not None:
            ctl.close()
        if gw is not None:
            gw.stop()
            if failed:
                log("igmpgw's log ends:\n" + "\n".join(gw.log().splitlines()[-20:]))
        lab.down()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
