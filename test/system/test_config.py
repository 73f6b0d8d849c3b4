# SPDX-License-Identifier: BSD-3-Clause
"""Bad configuration stops start-up: exit status 2 and one line on stderr,
"igmpgw: config: SECTION.KEY: reason", naming the key. Errors found once EAL
runs (ports, kernel twins) come after EAL's own start-up lines: there the
gateway's line must be the only one of its own and the last.
Runs in a scratch namespace: no lab needed, and nothing touches the host.
"""

import os
import re
import shutil
import struct
import subprocess
import tempfile

import pytest

import gwlab
from gwlab import LAB_CONF, eal_args, run, wait_until


def lab_conf(edit=None):
    """config/lab.conf's text, with edit(text) applied."""
    text = LAB_CONF.read_text()
    return edit(text) if edit else text


def drop_section(name):
    return lambda t: re.sub(rf"(?ms)^\[{name}\]\n.*?(?=^\[)", "", t)


def replace(old, new):
    def edit(t):
        assert old in t
        return t.replace(old, new)
    return edit


# id: (config edit, --set overrides, what the line must name)
BAD = {
    "unknown_section": (lambda t: t + "\n[bogus]\nkey = 1\n", [], "[bogus]"),
    "unknown_key": (replace("[igmp]\n", "[igmp]\nfrobnicate = yes\n"), [], "igmp.frobnicate"),
    "bad_yes_no": (replace("proxy_in_to_out = no", "proxy_in_to_out = maybe"), [],
                   "igmp.proxy_in_to_out"),
    "missing_inside": (drop_section("inside"), [], "[inside]"),
    "bad_address": (replace("10.200.0.1/24", "10.200.0.300/24"), [], "inside.address"),
    "multicast_address": (None, ["outside.address=224.0.0.5/24"], "outside.address"),
    "bad_active_outside": (None, ["igmp.active_outside=sideways"], "igmp.active_outside"),
    "alt_active_without_alt": (drop_section("alt"), ["igmp.active_outside=alt"],
                               "igmp.active_outside"),
    "bad_set_syntax": (None, ["igmpproxy_in_to_out"], "--set igmpproxy_in_to_out"),
    "port_cannot_open": (replace("iface=out0", "iface=doesnotexist0"), [], "outside.port"),
    # Judged by the interface, not by the devargs text.
    "two_roles_one_interface": (None, ["inside.port=net_af_packet5,iface=out0,qpairs=1"],
                                "inside.port: interface out0 is already the outside port"),
    "same_address": (None, ["inside.address=10.200.1.2/24"],
                     "inside.address: 10.200.1.2 is already outside's address"),
    "overlapping_subnets": (None, ["inside.address=10.200.1.77/16"],
                            "inside.address: 10.200.1.77/16 overlaps outside's subnet"),
    # Used to blame proxy.track_membership.
    "max_sources_zero": (None, ["proxy.track_membership=yes", "limits.max_sources_per_group=0"],
                         "limits.max_sources_per_group"),
    # Used to print the value's newline: two lines.
    "set_newline": (None, ["igmp.proxy_in_to_out=ye\ns"], "--set igmp.proxy_in_to_out=ye..."),
    "bad_idle_mode": (lambda t: t + "\n[workers]\nidle = sometimes\n", [], "workers.idle"),
}


def run_gateway(ns, tmp_path, config_text, overrides, name):
    conf = tmp_path / f"{name}.conf"
    conf.write_text(config_text)
    prefix = f"{ns}{name[:4]}"
    cmd = ["ip", "netns", "exec", ns, str(gwlab.IGMPGW)] + eal_args(prefix) + ["--", "-f",
                                                                              str(conf)]
    # No control socket: the default path may belong to a gateway running beside us.
    for o in ["control.socket=none"] + overrides:
        cmd += ["--set", o]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    finally:
        subprocess.run(["rm", "-rf", f"/var/run/dpdk/{prefix}"])


def check_one_line(p, key):
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.splitlines()
    ours = [line for line in lines if line.startswith("igmpgw:")]
    assert len(ours) == 1, p.stderr
    assert lines[-1] == ours[0], p.stderr
    assert key in ours[0], ours[0]
    assert re.match(r"igmpgw: config: [^:]+: \S", ours[0]), ours[0]
    return lines


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_config_exits_2_with_one_line(case, scratch_ns, tmp_path):
    edit, overrides, key = BAD[case]
    p = run_gateway(scratch_ns, tmp_path, lab_conf(edit), overrides, case)
    lines = check_one_line(p, key)
    if case != "port_cannot_open":
        # Caught before EAL starts: the line is all there is.
        assert len(lines) == 1, p.stderr


def test_missing_config_file(scratch_ns, tmp_path):
    missing = tmp_path / "does-not-exist.conf"
    p = subprocess.run(["ip", "netns", "exec", scratch_ns, str(gwlab.IGMPGW), "--", "-f",
                        str(missing)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert p.stderr == f"igmpgw: config: {missing}: No such file or directory\n"


@pytest.mark.skipif(os.path.exists("/dev/vhost-net"),
                    reason="/dev/vhost-net exists: virtio-user twins can start here")
def test_virtio_user_without_vhost_net(scratch_ns, tmp_path):
    overrides = ["exception.mode=virtio-user", "outside.port=net_null0", "alt.port=net_null1",
                 "inside.port=net_null2"]
    p = run_gateway(scratch_ns, tmp_path, lab_conf(), overrides, "virtio")
    check_one_line(p, "exception.mode")
    assert "/dev/vhost-net" in p.stderr.splitlines()[-1]


def run_in(ns, args, timeout=30, user=None):
    """igmpgw with args in namespace ns; returns the finished process."""
    cmd = ["ip", "netns", "exec", ns]
    if user is not None:
        cmd += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
    return subprocess.run(cmd + [str(gwlab.IGMPGW)] + args, capture_output=True, text=True,
                          timeout=timeout)


def only_line(p, line):
    """Exit status 2 and stderr exactly one line, starting with line."""
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stdout == "" and len(p.stderr.splitlines()) == 1, p.stdout + p.stderr
    assert p.stderr.startswith(line), p.stderr


# Ports that need nothing from the namespace: the EAL-level mistakes alone.
NULL_PORTS = ["control.socket=none", "exception.mode=none", "outside.port=net_null0",
              "alt.port=net_null1", "inside.port=net_null2"]


def sets(overrides):
    return [a for o in overrides for a in ("--set", o)]


def test_same_interface_by_another_name(scratch_ns):
    """The kernel's index decides, not the name: an altname is the same interface."""
    run(["ip", "-n", scratch_ns, "link", "add", "cfgd0", "type", "veth", "peer", "name", "cfgd1"])
    try:
        run(["ip", "-n", scratch_ns, "link", "property", "add", "dev", "cfgd0", "altname",
             "cfgalias0"])
        p = run_in(scratch_ns, ["--", "-f", str(LAB_CONF)] + sets(
            ["control.socket=none", "outside.port=net_af_packet0,iface=cfgd0",
             "inside.port=net_af_packet1,iface=cfgalias0"]))
        only_line(p, "igmpgw: config: inside.port: interface cfgalias0 is already the outside port")
    finally:
        run(["ip", "-n", scratch_ns, "link", "del", "cfgd0"], check=False)


@pytest.mark.parametrize("path", ["/dev/zero", "DIR"])
def test_config_that_is_not_a_file(scratch_ns, tmp_path, path):
    """-f /dev/zero used to spin at 100% CPU for ever, -f DIRECTORY to say [outside] is missing."""
    path = str(tmp_path) if path == "DIR" else path
    p = run_in(scratch_ns, ["--", "-f", path], timeout=10)
    reason = "is a directory" if path == str(tmp_path) else "not a regular file"
    only_line(p, f"igmpgw: config: {path}: {reason}")


# id: (arguments before "-f FILE" or in place of all, the one line)
COMMAND_LINES = {
    # Used to blame a valid EAL option ("invalid option -- 'l'") and print the usage.
    "no_dashes": (["-l", "0-1", "-f", "CONF"],
                  "igmpgw: '-l' is not an option of the application: EAL options come first, "
                  "then --"),
    # Used to dump EAL's whole usage.
    "set_before_dashes": (["-l", "0-1", "--set", "igmp.query_notify=yes", "--", "-f", "CONF"],
                          "igmpgw: --set is an option of the application, not of EAL: put it "
                          "after --"),
    # Used to end in "outside.port: no memory for its mempool: No such file or directory".
    "no_huge_without_m": (["-l", "0-1", "--no-huge", "--no-pci", "--", "-f", "CONF"],
                          "igmpgw: EAL: --no-huge needs -m 256"),
}


@pytest.mark.parametrize("case", COMMAND_LINES, ids=list(COMMAND_LINES))
def test_command_line_mistakes(scratch_ns, case):
    args, line = COMMAND_LINES[case]
    args = [str(LAB_CONF) if a == "CONF" else a for a in args] + sets(NULL_PORTS)
    only_line(run_in(scratch_ns, args), line)


def eal_failure(p, line):
    """EAL's own lines, then ours: the only one of its kind, the last, and actionable."""
    assert p.returncode == 2, p.stdout + p.stderr
    ours = [x for x in p.stderr.splitlines() if x.startswith("igmpgw:")]
    assert ours == [p.stderr.splitlines()[-1]], p.stderr
    assert ours[0].startswith(line), p.stderr


def test_too_little_memory(scratch_ns):
    """The line says what the pools need and what -m to give (it used to name a
    fixed "about 150 MB" whatever the ports and workers)."""
    prefix = f"{scratch_ns}mem"
    try:
        p = run_in(scratch_ns, ["-l", "0-1", "--no-huge", "-m", "64", "--no-pci",
                                "--file-prefix", prefix, "--", "-f", str(LAB_CONF)]
                   + sets(NULL_PORTS))
    finally:
        run(["rm", "-rf", f"/var/run/dpdk/{prefix}"], check=False)
    eal_failure(p, "igmpgw: config: ports: socket 0's mempools need ")
    m = re.search(r"need (\d+) MB \((\d+) mbufs for 1 worker\), -m leaves (\d+) MB: "
                  r"start with -m (\d+) or more, or fewer workers$", p.stderr.splitlines()[-1])
    assert m, p.stderr
    need, mbufs, left, suggested = map(int, m.groups())
    assert need > left and suggested >= 64 + need - left, p.stderr
    # 3 null ports, one queue pair of 1024 descriptors each, and their rings: no floor.
    assert mbufs > 8191, p.stderr


def write_pcap(path, frames, count):
    """A classic pcap file of count frames, taken from frames in turn."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(count):
            frame = frames[i % len(frames)]
            f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)


def start_in(ns, args, log):
    """igmpgw started in ns with its output in log; waits until it runs or stops."""
    with open(log, "w") as out:
        gw = subprocess.Popen(["ip", "netns", "exec", ns, str(gwlab.IGMPGW)] + args,
                              stdout=out, stderr=subprocess.STDOUT)
    wait_until(lambda: "running with" in log.read_text() or gw.poll() is not None, 60,
               "the gateway to run or stop")
    return gw


def stop(gw, prefix):
    gw.terminate()
    try:
        gw.wait(timeout=30)
    except subprocess.TimeoutExpired:
        gw.kill()
        gw.wait()
    run(["rm", "-rf", f"/var/run/dpdk/{prefix}"], check=False)


def test_pools_hold_a_pcap_replay(scratch_ns, tmp_path):
    """net_pcap's infinite_rx reads the whole rx_pcap file into mbufs of the
    port's pool when the queue is set up: 40000 frames did not fit the fixed
    32767-mbuf pool, and start-up stopped on the outside port. The pool counts
    the file's frames now (the forwarding benchmark's scale runs replay such
    files)."""
    frame = bytes.fromhex("01005e010101" "020000000001" "0800") + bytes(46)
    pcap = tmp_path / "replay.pcap"
    write_pcap(pcap, [frame], 40000)
    prefix = f"{scratch_ns}pc"
    conf = tmp_path / "pcap.conf"
    conf.write_text(lab_conf(drop_section("alt")))
    args = ["-l", "0-1", "--no-huge", "-m", "320", "--no-pci", "--file-prefix", prefix,
            f"--vdev=net_pcap0,rx_pcap={pcap},infinite_rx=1,tx_pcap=/dev/null",
            "--vdev=net_null0", "--", "-f", str(conf)]
    args += sets(["control.socket=none", "exception.mode=none", "outside.port=net_pcap0",
                  "inside.port=net_null0"])
    gw = start_in(scratch_ns, args, tmp_path / "gw.log")
    try:
        text = (tmp_path / "gw.log").read_text()
        assert gw.poll() is None, text
        m = re.search(r"socket 0: (\d+) mbufs \(.*, pcap files (\d+);", text)
        assert m and int(m.group(2)) == 40000, text
        pool = {k.split("/")[2]: v for k, v in
                gwlab.telemetry(prefix, "/igmpgw/resources").items()
                if k.startswith("mempool/igmpgw_pool_0/")}
        assert pool["size"] == int(m.group(1)) > 40000 + 2048, pool
    finally:
        stop(gw, prefix)


def test_tap_port_takes_at_most_four_queue_pairs(scratch_ns, tmp_path):
    """DPDK 22.11's TAP PMD passes every queue's fd in one multi-process message
    of 8 when it starts and writes past it with more queues: with 6 workers a
    TAP port got 6 queue pairs and start-up ended in "stack smashing detected".
    It gets 4 now; the other workers hand their frames for it to the owner."""
    prefix = f"{scratch_ns}tq"
    conf = tmp_path / "tap.conf"
    conf.write_text(lab_conf(drop_section("alt")))
    args = gwlab.lcore_args(6) + ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix,
                                  "--", "-f", str(conf)]
    args += sets(["control.socket=none", "exception.mode=none",
                  f"outside.port=net_tap0,iface={scratch_ns}t0", "inside.port=net_null0"])
    gw = start_in(scratch_ns, args, tmp_path / "gw.log")
    try:
        text = (tmp_path / "gw.log").read_text()
        assert gw.poll() is None, text
        assert "running with 6 workers" in text
        polled = re.findall(r"outside:(\d+)", text)
        assert sorted(map(int, polled)) == [0, 1, 2, 3], text
    finally:
        stop(gw, prefix)


def test_file_prefix_in_use(scratch_ns, tmp_path):
    """Used to end in "igmpgw: EAL: Success"."""
    prefix = f"{scratch_ns}fp"
    args = eal_args(prefix) + ["--", "-f", str(LAB_CONF)] + sets(NULL_PORTS)
    log = tmp_path / "first.log"
    with open(log, "w") as out:
        first = subprocess.Popen(["ip", "netns", "exec", scratch_ns, str(gwlab.IGMPGW)] + args,
                                 stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "running with" in log.read_text() or first.poll() is not None, 30,
                   "the first gateway to run")
        assert first.poll() is None, log.read_text()
        p = run_in(scratch_ns, args)
        eal_failure(p, f"igmpgw: EAL: --file-prefix {prefix} is in use by another running DPDK "
                       "process: give this gateway a --file-prefix of its own")
        assert first.poll() is None, log.read_text()
    finally:
        first.terminate()
        first.wait(timeout=10)
        run(["rm", "-rf", f"/var/run/dpdk/{prefix}"], check=False)
    assert first.returncode == 0, log.read_text()


# How the hugepages are taken away, in a mount namespace of the run's own.
NO_HUGEPAGES = {
    "unmounted": "umount {m} && ",
    # Two free pages where 256 MB are asked for: what a box with none free sees.
    "none_free": "umount {m} && mount -t hugetlbfs -o size=4M nodev {m} && ",
}


@pytest.mark.parametrize("how", NO_HUGEPAGES, ids=list(NO_HUGEPAGES))
def test_no_hugepages(scratch_ns, how):
    """Used to end in "EAL: Permission denied". The host keeps its mounts."""
    mounts = [line.split()[1] for line in open("/proc/mounts") if line.split()[2] == "hugetlbfs"]
    if not mounts:
        pytest.skip("no hugetlbfs mounted here to take away")
    prefix = f"{scratch_ns}nh"
    script = "".join(NO_HUGEPAGES[how].format(m=m) for m in mounts) + " ".join(
        ["exec", "ip", "netns", "exec", scratch_ns, str(gwlab.IGMPGW), "-l", "0-1", "-m", "256",
         "--no-pci", "--file-prefix", prefix, "--", "-f", str(LAB_CONF)] + sets(NULL_PORTS))
    try:
        p = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True,
                           timeout=30)
    finally:
        run(["rm", "-rf", f"/var/run/dpdk/{prefix}"], check=False)
    eal_failure(p, "igmpgw: EAL: no usable hugepages (none reserved or free, or hugetlbfs not "
                   "mounted): run scripts/setup.sh, or start with --no-huge -m 256")


def test_not_root(scratch_ns):
    """Used to end in "EAL: Cannot allocate memory"."""
    if subprocess.run(["setpriv", "--version"], capture_output=True).returncode != 0:
        pytest.skip("setpriv (util-linux) is not installed")
    prefix = f"{scratch_ns}nr"
    # The config where the unprivileged user can read it, wherever the checkout is (a clone
    # under /root is not), so that what the test meets is EAL's refusal.
    conf_dir = tempfile.mkdtemp(prefix=f"igmpgw-{prefix}-")
    os.chmod(conf_dir, 0o755)
    conf = shutil.copy(LAB_CONF, conf_dir)
    os.chmod(conf, 0o644)
    try:
        p = run_in(scratch_ns, ["-l", "0-1", "-m", "256", "--no-pci", "--file-prefix", prefix,
                                "--", "-f", conf] + sets(NULL_PORTS), user=65534)
    finally:
        run(["rm", "-rf", f"/var/run/dpdk/{prefix}", f"/tmp/dpdk/{prefix}", conf_dir],
            check=False)
    eal_failure(p, "igmpgw: EAL: cannot start as an unprivileged user (hugepages, af_packet and "
                   "TAP need root): run igmpgw as root")


def test_starts_where_run_lock_is_missing(scratch_ns, tmp_path):
    """A fresh chroot or minimal container has no /run/lock: start-up used to stop with
    "cannot create /run/lock/igmpgw to lock interface ...: No such file or directory"."""
    prefix = f"{scratch_ns}rl"
    run(["ip", "-n", scratch_ns, "link", "add", "rlk0", "type", "veth", "peer", "name", "rlk1"])
    run(["ip", "-n", scratch_ns, "link", "set", "rlk0", "up"])
    run(["ip", "-n", scratch_ns, "link", "set", "rlk1", "up"])
    ports = [o for o in NULL_PORTS if not o.startswith("outside.port=")]
    ports.append("outside.port=net_af_packet0,iface=rlk0")
    # An empty /run of its own, in a mount namespace of its own: the host's stays as it is.
    script = " ".join(["mount -t tmpfs tmpfs /run && test ! -e /run/lock && exec",
                       str(gwlab.IGMPGW)] + eal_args(prefix)
                      + ["--", "-f", str(LAB_CONF)] + sets(ports))
    log = tmp_path / "gw.log"
    with open(log, "w") as out:
        gw = subprocess.Popen(["ip", "netns", "exec", scratch_ns, "unshare", "-m", "sh", "-c",
                               script], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "running with" in log.read_text() or gw.poll() is not None, 30,
                   "the gateway to start or stop")
        assert gw.poll() is None, log.read_text()
    finally:
        gw.terminate()
        gw.wait(timeout=10)
        run(["ip", "-n", scratch_ns, "link", "del", "rlk0"], check=False)
    assert gw.returncode == 0, log.read_text()
