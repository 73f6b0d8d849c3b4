# SPDX-License-Identifier: BSD-3-Clause
"""Drives the gateway's system tests: the scripts/lab.sh namespace lab, igmpgw
in the lab's gateway namespace, its telemetry, tshark captures on the wire,
and IGMP frames built byte by byte so that malformed ones are easy to make.

conftest.py turns these into fixtures; tests import the builders and the
address plan from here.
"""

import contextlib
import ctypes
import json
import os
import re
import secrets
import signal
import socket
import string
import struct
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("IGMPGW_BUILD") or ROOT / "build")
IGMPGW = BUILD / "app" / "igmpgw" / "igmpgw"
DECODE = BUILD / "app" / "igmpgw-decode"
LAB_SH = ROOT / "scripts" / "lab.sh"
LAB_CONF = ROOT / "config" / "lab.conf"
# Each gateway gets a control socket of its own: the default path is one per machine.
CONTROL_DIR = Path("/run/igmpgw-test")

# The lab's address plan (scripts/lab.sh): MACs are 02:00 + the IPv4 address.
GW_ADDR = {"outside": "10.200.1.2", "alt": "10.200.2.2", "inside": "10.200.0.1",
           "inside2": "10.200.3.1"}  # inside2: lab.sh's LAB_INSIDE2=1
QUERIER = {"outside": "10.200.1.1", "alt": "10.200.2.1"}
HOST = {"h1": "10.200.0.11", "h2": "10.200.0.12", "h3": "10.200.0.13",
        "in2h1": "10.200.3.11"}
UPSRC = "10.200.1.10"
# Where the gateway's frames are seen on the wire: the bridge end of its veth.
WIRE_NODE = {"outside": "up", "alt": "alt", "inside": "in", "inside2": "in2"}
TWIN = {"outside": "igw-outside", "alt": "igw-alt", "inside": "igw-inside"}

ALL_SYSTEMS = "224.0.0.1"
ALL_ROUTERS = "224.0.0.2"
ALL_V3_ROUTERS = "224.0.0.22"

IGMP_QUERY = 0x11
IGMP_V2_REPORT = 0x16
IGMP_LEAVE = 0x17
IGMP_V3_REPORT = 0x22
REC_TO_IN = 3
REC_TO_EX = 4


def mac_of(addr):
    """The lab's MAC for an IPv4 address: 02:00 + its four bytes."""
    return "02:00:" + ":".join("%02x" % int(b) for b in addr.split("."))


GW_MAC = {role: mac_of(addr) for role, addr in GW_ADDR.items()}


def multicast_mac(group):
    """RFC 1112 §6.4 mapping of a group to its MAC."""
    a = [int(x) for x in group.split(".")]
    return "01:00:5e:%02x:%02x:%02x" % (a[1] & 0x7F, a[2], a[3])


# ---------------------------------------------------------------- waiting

def wait_until(pred, timeout, what, interval=0.1):
    """Polls pred until it returns something true; fails naming what did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def run(cmd, check=True, timeout=30, **kw):
    """Runs a command, capturing text output; a failure shows what it printed."""
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                       **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n"
                             f"{p.stdout}{p.stderr}")
    return p


# ---------------------------------------------------------------- frames

def inet_checksum(data):
    """RFC 1071 checksum, the value to store."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def with_checksum(msg, offset):
    """msg with a correct 16-bit checksum written at offset."""
    msg = msg[:offset] + b"\0\0" + msg[offset + 2:]
    return msg[:offset] + struct.pack("!H", inet_checksum(msg)) + msg[offset + 2:]


def igmp_v2(igmp_type, group, max_resp=0):
    """An 8-byte IGMP message: v2 report, leave, v1/v2 query."""
    return with_checksum(struct.pack("!BBH4s", igmp_type, max_resp, 0, socket.inet_aton(group)), 2)


def igmp_v3_query(group="0.0.0.0", max_resp=100, qrv=2, qqic=125, sources=()):
    msg = struct.pack("!BBH4sBBH", IGMP_QUERY, max_resp, 0, socket.inet_aton(group), qrv & 7,
                      qqic, len(sources))
    msg += b"".join(socket.inet_aton(s) for s in sources)
    return with_checksum(msg, 2)


def igmp_v3_report(records):
    """records: (type, group, [sources]) tuples."""
    body = b""
    for rtype, group, sources in records:
        body += struct.pack("!BBH4s", rtype, 0, len(sources), socket.inet_aton(group))
        body += b"".join(socket.inet_aton(s) for s in sources)
    return with_checksum(struct.pack("!BBHHH", IGMP_V3_REPORT, 0, 0, 0, len(records)) + body, 2)


def ipv4(src, dst, payload, ttl=1, tos=0xC0, router_alert=True, proto=2, ihl=None,
         total_len=None, bad_checksum=False):
    """An IPv4 packet as IGMP senders make it; the keyword arguments break it on purpose."""
    options = b"\x94\x04\x00\x00" if router_alert else b""
    hdr_len = 20 + len(options)
    if ihl is None:
        ihl = hdr_len // 4
    if total_len is None:
        total_len = hdr_len + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, total_len, 0, 0, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst)) + options
    hdr = with_checksum(hdr, 10)
    if bad_checksum:
        hdr = hdr[:10] + struct.pack("!H", struct.unpack("!H", hdr[10:12])[0] ^ 0x5A5A) + hdr[12:]
    return hdr + payload


def ether(dst_mac, src_mac, payload, ethertype=0x0800):
    frame = (bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))
             + struct.pack("!H", ethertype) + payload)
    return frame + b"\0" * max(0, 60 - len(frame))


def host_igmp_frame(host, payload, dst=None, dst_mac=None, **ip_kw):
    """A frame from an inside host carrying payload in IGMP's usual IPv4 header;
    by default the special unicast IGMP to the gateway's inside address."""
    dst = dst or GW_ADDR["inside"]
    if dst_mac is None:
        dst_mac = multicast_mac(dst) if is_multicast(dst) else GW_MAC["inside"]
    return ether(dst_mac, mac_of(HOST[host]), ipv4(HOST[host], dst, payload, **ip_kw))


def is_multicast(addr):
    return 224 <= int(addr.split(".")[0]) <= 239


# ---------------------------------------------------------------- namespaces

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


def _setns(fd):
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def ns_socket(ns, family, kind, proto=0):
    """A socket living in network namespace ns, made without a subprocess: the
    thread enters ns, creates the socket and comes back; the socket stays in ns."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            _setns(target)
            try:
                return socket.socket(family, kind, proto)
            finally:
                _setns(home)
        finally:
            os.close(target)
    finally:
        os.close(home)


def join_group(ns, group, ifaddr):
    """A kernel membership in ns (IP_ADD_MEMBERSHIP on the interface holding ifaddr),
    held as long as the returned socket is open: the kernel sends its own reports."""
    s = ns_socket(ns, socket.AF_INET, socket.SOCK_DGRAM)
    mreq = socket.inet_aton(group) + socket.inet_aton(ifaddr)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return s


# ---------------------------------------------------------------- the lab

class Lab:
    """One scripts/lab.sh lab, named by its prefix."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.is_up = False

    def ns(self, node):
        return self.prefix + ("upsrc" if node == "src" else node)

    def up(self, env):
        full = dict(os.environ)
        full.update({k: str(v) for k, v in env.items()})
        self.is_up = True  # even a half-built lab must be torn down
        run([LAB_SH, "--prefix", self.prefix, "up"], env=full, timeout=120)

    def down(self):
        if self.is_up:
            run([LAB_SH, "--prefix", self.prefix, "down"], check=False, timeout=60)
            self.is_up = False

    def exec(self, node, cmd, check=True, timeout=30):
        return run(["ip", "netns", "exec", self.ns(node)] + list(cmd), check=check,
                   timeout=timeout)

    def mdb_groups(self, node, port="gw0"):
        """Groups the bridge in node holds in its mdb for port."""
        out = run(["bridge", "-n", self.ns(node), "-j", "mdb", "show"]).stdout
        groups = set()
        for dev in json.loads(out or "[]"):
            for e in dev.get("mdb", []):
                if e.get("port") == port:
                    groups.add(e.get("grp"))
        return groups

    def send(self, node, frames, iface="eth0", pace_every=0, pace_s=0.0):
        """Sends whole Ethernet frames from node's iface with an AF_PACKET socket."""
        with contextlib.closing(ns_socket(self.ns(node), socket.AF_PACKET, socket.SOCK_RAW)) as s:
            s.bind((iface, 0))
            for i, f in enumerate(frames, 1):
                s.send(f)
                if pace_every and i % pace_every == 0:
                    time.sleep(pace_s)

    def capture(self, node, iface, path, bpf="igmp", count=None, duration=None):
        return Capture(self.ns(node), iface, path, bpf, count, duration)


# ---------------------------------------------------------------- captures

# What tshark reports about every captured packet; the field names are tshark's.
FIELDS = [
    "frame.number", "eth.src", "eth.dst", "ip.version", "ip.hdr_len", "ip.len", "ip.src",
    "ip.dst", "ip.ttl", "ip.dsfield",
    "ip.checksum.status", "ip.opt.type", "igmp.type", "igmp.version", "igmp.checksum.status",
    "igmp.max_resp", "igmp.maddr", "igmp.record_type", "frame.time_epoch", "vlan.id",
    "vlan.priority",
]
CHECKSUM_GOOD = "1"  # tshark's checksum status values: 0 bad, 1 good, 2 unverified


def read_pcap(path):
    """Frames of a classic pcap file, in order."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        if off + 16 + incl > len(data):
            break  # still being written
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def igmp_bytes(frame):
    """The IGMP message of an Ethernet/IPv4 frame, link padding cut off."""
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    return ip[ihl:total]


class Capture:
    """tshark capturing live in a namespace: every packet is dissected as it
    arrives (tshark -T fields, -l) and written to a pcap for igmpgw-decode and
    byte comparisons. Ends by itself after count packets or duration seconds
    (see finished()), or on stop()."""

    def __init__(self, ns, iface, path, bpf="igmp", count=None, duration=None):
        self.ns, self.iface, self.path = ns, iface, Path(path)
        self.packets = []
        self._cond = threading.Condition()
        self._err = self.path.with_suffix(".tshark.txt")
        cmd = ["ip", "netns", "exec", ns, "tshark", "-n", "-l", "-i", iface, "-f", bpf,
               "-w", str(self.path), "-F", "pcap", "-P", "-o", "ip.check_checksum:TRUE",
               "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in FIELDS:
            cmd += ["-e", f]
        if count is not None:
            cmd += ["-c", str(count)]
        if duration is not None:
            cmd += ["-a", f"duration:{duration}"]
        with open(self._err, "w") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            wait_until(lambda: "Capturing on" in self._err.read_text() or self.proc.poll() is not None,
                       20, f"tshark to start on {ns}/{iface}")
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None and count is None and duration is None:
            raise AssertionError(f"tshark on {ns}/{iface} failed:\n{self._err.read_text()}")

    def _read(self):
        for line in self.proc.stdout:
            values = line.rstrip("\n").split("\t")
            pkt = dict(zip(FIELDS, values + [""] * (len(FIELDS) - len(values))))
            with self._cond:
                self.packets.append(pkt)
                self._cond.notify_all()

    def wait_for(self, pred, timeout, what):
        """Waits until some packet satisfies pred; returns the first one that does."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for p in self.packets:
                    if pred(p):
                        return p
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        f"no packet on {self.ns}/{self.iface} within {timeout} s: {what}; saw:\n"
                        + "\n".join(describe(p) for p in self.packets[-20:]))
                self._cond.wait(min(left, 0.2))

    def matching(self, pred):
        with self._cond:
            return [p for p in self.packets if pred(p)]

    def igmp_raw(self, p, timeout=5):
        """The IGMP bytes of captured packet p (tshark writes the pcap as it goes)."""
        n = int(p["frame.number"])
        frames = wait_until(lambda: (lambda f: f if len(f) >= n else None)(read_pcap(self.path)),
                            timeout, f"frame {n} in {self.path}")
        return igmp_bytes(frames[n - 1])

    def finished(self, timeout):
        """Waits for a count or duration capture to end by itself; returns its packets."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"capture on {self.ns}/{self.iface} still running after "
                                 f"{timeout} s; saw {len(self.packets)} packets") from None
        return self.stop()

    def stop(self):
        """Ends the capture and gives every packet its bytes ('raw', 'igmp_raw')."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        frames = read_pcap(self.path) if self.path.exists() else []
        with self._cond:
            for p in self.packets:
                n = int(p["frame.number"] or 0)
                if 1 <= n <= len(frames):
                    p["raw"] = frames[n - 1]
                    p["igmp_raw"] = igmp_bytes(frames[n - 1])
        return self.packets


def describe(p):
    return " ".join(f"{k.split('.', 1)[-1]}={p.get(k, '')}" for k in
                    ("frame.number", "eth.src", "eth.dst", "ip.src", "ip.dst", "igmp.type",
                     "igmp.maddr"))


def header_problems(p):
    """What is wrong, by tshark's reading, with an IGMP packet the gateway sent:
    goIGMP's contract is TTL 1, TOS 0xc0, Router Alert, correct checksums."""
    bad = []
    if p["ip.checksum.status"] != CHECKSUM_GOOD:
        bad.append(f"IP checksum status {p['ip.checksum.status']!r}")
    if p["igmp.checksum.status"] != CHECKSUM_GOOD:
        bad.append(f"IGMP checksum status {p['igmp.checksum.status']!r}")
    if p["ip.ttl"] != "1":
        bad.append(f"TTL {p['ip.ttl']}")
    if p["ip.dsfield"] != "0xc0":
        bad.append(f"TOS {p['ip.dsfield']}")
    if "148" not in p["ip.opt.type"].split(","):
        bad.append(f"no Router Alert (options {p['ip.opt.type']!r})")
    return bad


def decode_pcap(path):
    """igmpgw-decode's reading of a capture: {frame number: JSON object}."""
    out = run([DECODE, path]).stdout
    return {o["frame"]: o for o in map(json.loads, out.splitlines())}


# ---------------------------------------------------------------- the gateway

def hugepages_free_mb():
    info = Path("/proc/meminfo").read_text()
    free = int(re.search(r"HugePages_Free:\s+(\d+)", info).group(1))
    size = int(re.search(r"Hugepagesize:\s+(\d+) kB", info).group(1))
    return free * size // 1024


# Worker lcores a gateway runs with unless a test says: IGMPGW_TEST_WORKERS, else 1.
WORKERS = int(os.environ.get("IGMPGW_TEST_WORKERS", "1"))


def lcore_args(workers):
    """EAL's lcore list for the main lcore and `workers` workers: -l 0-1 for one;
    more are laid over this box's CPUs in turn (--lcores=0@0,1@1,2@0 for two on
    two CPUs), which only correctness tests want."""
    if workers == 1:
        return ["-l", "0-1"]
    cpus = sorted(os.sched_getaffinity(0))
    return ["--lcores=" + ",".join(f"{i}@{cpus[i % len(cpus)]}" for i in range(workers + 1))]


def eal_args(file_prefix, workers=None):
    """EAL arguments for one gateway: the main lcore and `workers` workers (WORKERS
    unless given), 256 MB, its own runtime dir."""
    args = lcore_args(WORKERS if workers is None else workers)
    args += ["-m", "256", "--file-prefix", file_prefix, "--no-pci"]
    if hugepages_free_mb() < 256:
        args.append("--no-huge")
    return args


def telemetry(file_prefix, cmd, timeout=5):
    """One DPDK telemetry command ("/cmd" or "/cmd,param") on the gateway's socket;
    returns its value."""
    path = f"/var/run/dpdk/{file_prefix}/dpdk_telemetry.v2"
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(timeout)
        s.connect(path)
        banner = json.loads(s.recv(4096))
        s.send(cmd.encode())
        reply = json.loads(s.recv(banner.get("max_output_len", 16384) * 2))
    return reply[cmd.split(",")[0]]


def lib_header(name):
    """A header of lib/, found in whichever module folder holds it."""
    return next((ROOT / "lib").glob(f"*/{name}"))


def reason_names(header, macro):
    """Counter names from their one definition, an X-macro list in a lib/ header."""
    text = lib_header(header).read_text()
    body = text[text.index(f"#define {macro}("):]
    body = body[:body.index("\n\n")]
    return re.findall(r'X\(\w+, "(\w+)"\)', body)


def random_suffix(n):
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(n))


class Gateway:
    """igmpgw running in a lab's gateway namespace, with tshark watching the
    wire next to each of its ports from before it starts until after it stops."""

    def __init__(self, lab, workdir, name, config=LAB_CONF, overrides=(), roles=None, eal=(),
                 workers=None):
        self.lab = lab
        self.file_prefix = f"{lab.prefix}{name}"
        self.control_path = CONTROL_DIR / f"{self.file_prefix}.sock"
        self.workdir = Path(workdir)
        self.log_path = self.workdir / f"igmpgw-{name}.log"
        self.roles = roles or ["outside", "alt", "inside"]
        self.wire = {}
        self.proc = None
        try:
            for role in self.roles:
                self.wire[role] = lab.capture(WIRE_NODE[role], "gw0",
                                              self.workdir / f"wire-{name}-{role}.pcap")
        except Exception:
            for cap in self.wire.values():
                cap.stop()
            raise
        cmd = ["ip", "netns", "exec", lab.ns("gw"), IGMPGW] + eal_args(self.file_prefix, workers)
        cmd += list(eal) + ["--", "-f", config]
        for o in [f"control.socket={self.control_path}"] + list(overrides):
            cmd += ["--set", o]
        self.cmd = [str(c) for c in cmd]
        with open(self.log_path, "w") as log:
            # `ip netns exec` execs the program: the pid is igmpgw's own.
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_running(self, timeout=30):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"igmpgw exited {self.proc.returncode} at start-up:\n"
                                     f"{self.log()}")
            return "running with" in self.log()
        wait_until(ready, timeout, "igmpgw's 'running with' line")
        # The telemetry socket answers once EAL is up; the line above comes later.
        self.telemetry("/igmpgw/ports")
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def telemetry(self, cmd):
        return telemetry(self.file_prefix, cmd)

    def stats(self):
        return self.telemetry("/igmpgw/stats")

    def control(self, timeout=5):
        """A client connection to the gateway's control socket."""
        return ControlClient(self.control_path, timeout)

    def counter(self, role, name):
        return self.stats()[role][name]

    def wait_counter(self, role, name, at_least, timeout=10):
        """Waits until role's counter name reaches at_least; returns its value."""
        last = {}

        def reached():
            last["v"] = self.counter(role, name)
            return last["v"] >= at_least

        try:
            wait_until(reached, timeout, f"{role}.{name} >= {at_least}")
        except AssertionError as e:
            raise AssertionError(f"{e} (it is {last.get('v')})") from None
        return last["v"]

    def wait_log(self, pattern, timeout=10):
        rx = re.compile(pattern, re.M)
        return wait_until(lambda: rx.search(self.log()), timeout, f"log line /{pattern}/")

    def emitted(self, role, pred=lambda p: True):
        """IGMP packets the gateway sent on role's port, as seen on the wire."""
        mac = GW_MAC[role]
        return self.wire[role].matching(lambda p: p["eth.src"] == mac and pred(p))

    def wait_emitted(self, role, pred, timeout, what):
        mac = GW_MAC[role]
        return self.wire[role].wait_for(lambda p: p["eth.src"] == mac and pred(p), timeout, what)

    def stop(self, timeout=5):
        """SIGTERM; returns the seconds igmpgw took to exit."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"igmpgw did not exit within {timeout} s of SIGTERM")
        return time.monotonic() - t0

    def finish(self):
        """Stops igmpgw and the captures; returns the problems found on the wire:
        every IGMP packet the gateway emitted, judged by tshark and by igmpgw-decode."""
        problems = []
        try:
            # A stop takes well under a second (test_exception holds it to 1 s); 15 s
            # here only for a box running several suites at once, where 5 s was
            # passed by starvation alone (a fresh-root run beside CI on 2 cores).
            self.stop(timeout=15)
        finally:
            for cap in self.wire.values():
                cap.stop()
            run(["rm", "-rf", f"/var/run/dpdk/{self.file_prefix}", self.control_path],
                check=False)
        for role, cap in self.wire.items():
            mine = self.emitted(role)
            decoded = decode_pcap(cap.path) if mine else {}
            for p in mine:
                bad = header_problems(p)
                d = decoded.get(int(p["frame.number"]))
                if d is None:
                    bad.append("igmpgw-decode did not print it")
                else:
                    if "error" in d or not d.get("checksum_ok"):
                        bad.append(f"igmpgw-decode: error {d.get('error')}, "
                                   f"checksum_ok {d.get('checksum_ok')}")
                    if not d.get("router_alert") or d.get("ttl") != 1 or d.get("tos") != 0xC0:
                        bad.append(f"igmpgw-decode: ttl {d.get('ttl')} tos {d.get('tos')} "
                                   f"router_alert {d.get('router_alert')}")
                if bad:
                    problems.append(f"{role} {describe(p)}: {'; '.join(bad)}")
        return problems

    def emitted_count(self):
        return sum(len(self.emitted(r)) for r in self.wire)


class ControlClient:
    """The control protocol (docs/control-protocol.md): newline-delimited JSON over a
    unix stream socket; responses carry "ok", events carry "event"."""

    def __init__(self, path, timeout=5):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = b""
        self.events = []

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _line(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("the gateway closed the control connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, cmd, timeout=5, **fields):
        """Sends one request; returns its response (events read meanwhile are kept)."""
        self.sock.sendall(json.dumps(dict(cmd=cmd, **fields)).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self._line(deadline)
            except TimeoutError:
                raise AssertionError(f"no response to {cmd} within {timeout} s") from None
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def wait_event(self, pred, timeout, what):
        """Waits for an event satisfying pred; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if pred(e):
                    return e
            try:
                self.events.append(self._line(deadline))
            except TimeoutError:
                raise AssertionError(f"no {what} event within {timeout} s; got "
                                     f"{self.events[-5:]}") from None
