# SPDX-License-Identifier: BSD-3-Clause
"""Holds igmpgw-decode, and so the wire codec, against tshark.

Every IGMP packet in the goIGMP captures, every bare goIGMP payload (wrapped
in a synthetic IPv4 packet) and a crafted set covering each message kind must
decode to exactly the fields tshark dissects from the same bytes. Then the
decoder's own contract: skipping, link types, stdin, pcapng, errors, exit
status, JSON escaping, and a fuzz smoke run.

Run: /usr/bin/python3 -m pytest test/conformance
  IGMPGW_BUILD            build dir holding app/igmpgw-decode (default ROOT/build)
  IGMPGW_CONFORMANCE_DIR  the captures (default test/conformance/captures: Linux kernels
                          and scapy replicas of goIGMP, recorded by record.py; point it at
                          goIGMP's own captures to hold the decoder against those too)
The byte-for-byte round trip (build(parse(x)) == x) is roundtrip.c, a meson
test in suite 'conformance'; test_roundtrip runs it from here as well.
"""

import functools
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("IGMPGW_BUILD") or ROOT / "build")
DECODE = BUILD / "app" / "igmpgw-decode"
ROUNDTRIP = BUILD / "test" / "unit" / "roundtrip"
CONF = Path(os.environ.get("IGMPGW_CONFORMANCE_DIR")
            or ROOT / "test" / "conformance" / "captures")
TSHARK = shutil.which("tshark")
EDITCAP = shutil.which("editcap")

# Lives as long as the test session: the pcaps written at collection time.
_TMP = tempfile.TemporaryDirectory(prefix="igmpgw-conformance-")
TMP = Path(_TMP.name)

TYPE_NAMES = {0x11: "query", 0x12: "v1_report", 0x16: "v2_report", 0x17: "leave",
              0x22: "v3_report"}
RECORD_NAMES = {1: "is_in", 2: "is_ex", 3: "to_in", 4: "to_ex", 5: "allow", 6: "block"}

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
LINKTYPE_RAW = 101
LINKTYPE_IPV4 = 228


def error_names():
    """The codec's reasons, read from their one definition in lib/wire/igmp_wire.h."""
    text = (ROOT / "lib" / "wire" / "igmp_wire.h").read_text()
    return set(re.findall(r'X\(IGMP_\w+, "(\w+)"\)', text))


# ---------------------------------------------------------------- packet making

def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def with_checksum(msg, off=2, corrupt=False):
    msg = bytearray(msg)
    msg[off:off + 2] = b"\0\0"
    c = inet_checksum(bytes(msg)) ^ (0x5a5a if corrupt else 0)
    msg[off:off + 2] = struct.pack("!H", c)
    return bytes(msg)


def aton(addr):
    return socket.inet_aton(addr)


def igmp_v2(mtype, code, group, corrupt=False):
    return with_checksum(struct.pack("!BBH4s", mtype, code, 0, aton(group)), corrupt=corrupt)


def igmp_v3_query(code, group, s_flag, qrv, qqic, sources, corrupt=False):
    msg = struct.pack("!BBH4sBBH", 0x11, code, 0, aton(group), (8 if s_flag else 0) | qrv,
                      qqic, len(sources))
    msg += b"".join(aton(s) for s in sources)
    return with_checksum(msg, corrupt=corrupt)


def igmp_v3_report(records, corrupt=False):
    """records: (type, group, [sources], aux bytes (a multiple of 4))."""
    msg = struct.pack("!BBHHH", 0x22, 0, 0, 0, len(records))
    for rtype, group, sources, aux in records:
        msg += struct.pack("!BBH4s", rtype, len(aux) // 4, len(sources), aton(group))
        msg += b"".join(aton(s) for s in sources) + aux
    return with_checksum(msg, corrupt=corrupt)


RA = b"\x94\x04\x00\x00"


def ipv4(payload, src="192.0.2.1", dst="224.0.0.22", tos=0xc0, ttl=1, proto=2, options=RA,
         frag=0, total_len=None, version=4, ihl=None, corrupt=False):
    """An IPv4 header as goIGMP writes it, each field overridable to break it."""
    hl = 20 + len(options)
    hdr = bytearray(struct.pack(
        "!BBHHHBBH4s4s", version << 4 | (hl // 4 if ihl is None else ihl), tos,
        hl + len(payload) if total_len is None else total_len, 0, frag, ttl, proto, 0,
        aton(src), aton(dst)) + options)
    return with_checksum(bytes(hdr), off=10, corrupt=corrupt) + payload


def ether(l3, ethertype=0x0800, vlans=()):
    hdr = bytes.fromhex("01005e000016020000000001")
    for tpid, vid in vlans:
        hdr += struct.pack("!HH", tpid, vid)
    return hdr + struct.pack("!H", ethertype) + l3


def sll(l3, ethertype=0x0800):
    return struct.pack("!HHH8sH", 0, 1, 6, bytes(8), ethertype) + l3


def sll2(l3, ethertype=0x0800):
    return struct.pack("!HHIHBB8s", ethertype, 0, 1, 1, 0, 6, bytes(8)) + l3


def write_pcap(path, frames, linktype=LINKTYPE_ETHERNET):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(frame), len(frame)) + frame)
    return path


def read_pcap(path):
    """The frames of a pcap or pcapng file, in order."""
    data = Path(path).read_bytes()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(data)
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}[data[:4]]
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return frames


def read_pcapng(data):
    frames, off, endian = [], 0, "<"
    while off + 12 <= len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        if btype == 6:      # enhanced packet block
            caplen = struct.unpack(endian + "I", data[off + 20:off + 24])[0]
            frames.append(data[off + 28:off + 28 + caplen])
        elif btype == 3:    # simple packet block: no captured length of its own
            frames.append(data[off + 12:off + blen - 4])
        off += max(blen, 12)
    return frames


# Well-formed messages of every kind, some with bad checksums, all to be
# dissected by tshark as well: the goIGMP captures hold no v1/v2 queries,
# no floating point codes and no aux data.
CRAFTED = [
    igmp_v2(0x11, 0, "0.0.0.0"),                                  # v1 query
    igmp_v2(0x11, 100, "0.0.0.0"),                                # v2 general query
    igmp_v2(0x11, 255, "239.1.2.3"),                              # v2 group query, 25.5 s
    igmp_v3_query(100, "0.0.0.0", False, 2, 125, []),
    igmp_v3_query(0x8a, "239.1.2.3", True, 7, 0x90, ["10.0.0.1", "10.0.0.2"]),
    igmp_v3_query(0xff, "239.1.2.3", False, 0, 0xff, ["10.0.0.1"]),
    igmp_v3_query(127, "239.1.2.3", False, 3, 128, []),
    igmp_v2(0x12, 0, "239.1.2.3"),                                # v1 report
    igmp_v2(0x16, 0, "239.1.2.3"),
    igmp_v2(0x17, 0, "239.1.2.3"),
    igmp_v2(0x16, 0, "239.1.2.3", corrupt=True),
    igmp_v2(0x11, 0, "0.0.0.0", corrupt=True),
    igmp_v3_query(0x8a, "239.1.2.3", True, 2, 0x90, ["10.0.0.1"], corrupt=True),
    igmp_v3_report([(t, f"239.0.0.{t}", ["10.0.0.1", "10.0.0.2"][:t % 3], b"")
                    for t in range(1, 7)]),
    igmp_v3_report([(2, "239.9.9.9", [], b"")]),
    igmp_v3_report([(1, "239.1.1.1", ["10.1.1.1"], b"\xaa\xbb\xcc\xdd" * 2),
                    (9, "239.1.1.2", [], b"")]),                  # aux data, record type 9
    igmp_v3_report([(5, "239.1.1.1", ["10.1.1.1"], b"")], corrupt=True),
    igmp_v2(0x16, 0, "239.1.2.3") + bytes(192),                   # goIGMP's 200-byte buffer
    with_checksum(igmp_v2(0x16, 0, "239.1.2.3") + b"\x01\x02"),    # trailing bytes checksummed
]


# ---------------------------------------------------------------- tshark side

class Tree(list):
    """A tshark JSON object as (key, value) pairs: keys repeat (ip.addr, igmp.saddr)."""

    def get(self, key, default=None):
        for k, v in self:
            if k == key:
                return v
        return default

    def all(self, key):
        return [v for k, v in self if k == key]

    def walk(self, key):
        for k, v in self:
            if k == key:
                yield v
            if isinstance(v, Tree):
                yield from v.walk(key)


def tshark_packets(pcap):
    """{frame number: layers} for the frames tshark dissects as IGMP."""
    out = subprocess.run([TSHARK, "-r", str(pcap), "-T", "json", "-o", "ip.check_checksum:TRUE"],
                         capture_output=True, check=True, timeout=120).stdout
    packets = {}
    for pkt in json.loads(out, object_pairs_hook=Tree):
        layers = pkt.get("_source").get("layers")
        if layers.get("igmp") is not None:
            packets[int(layers.get("frame").get("frame.number"))] = layers
    return packets


def rfc3376_code(code):
    """RFC 3376 §4.1.1/§4.1.7: codes from 128 on are floating point."""
    if code < 128:
        return code
    return ((code & 0x0f) | 0x10) << (((code >> 4) & 0x07) + 3)


def expect_igmp(igmp, msg=None):
    """What the decoder must print for tshark's igmp layer (the IGMP keys).

    msg, the IGMP bytes (the whole IP payload), settles the one place where
    tshark knowingly differs: it checksums only the first 8 bytes of a v1/v2
    message, where RFC 2236 §2.3 and Linux (and the codec) take the whole
    IP payload.
    """
    mtype = int(igmp.get("igmp.type"), 16)
    assert mtype in TYPE_NAMES, f"tshark saw IGMP type {mtype:#x}; compare known types only"
    exp = {"type": TYPE_NAMES[mtype], "version": int(igmp.get("igmp.version"))}
    if mtype != 0x22:
        exp["group"] = igmp.get("igmp.maddr")
    if mtype != 0x11:
        # The field means something in queries only (RFC 2236 §2.2, reserved in
        # RFC 3376 §4.2.1): the codec reports 0 whatever the byte holds.
        exp["max_resp_time"] = 0.0
    elif exp["version"] == 1:
        # tshark shows a v1 query's byte as reserved; RFC 2236 §4 reads it as 10 s.
        exp["max_resp_time"] = 10.0
    else:
        # tshark gives tenths: the v2 byte, or the v3 code already decoded.
        exp["max_resp_time"] = int(igmp.get("igmp.max_resp")) / 10
    status = igmp.get("igmp.checksum.status")
    assert status in ("0", "1"), f"tshark could not verify the checksum ({status})"
    exp["checksum_ok"] = status == "1"
    if msg is not None and len(msg) > 8 and (mtype != 0x11 or exp["version"] < 3) and \
            mtype != 0x22:
        exp["checksum_ok"] = inet_checksum(msg) == 0
    if mtype == 0x11 and exp["version"] == 3:
        exp["s_flag"] = igmp.get("igmp.s") == "1"
        exp["qrv"] = int(igmp.get("igmp.qrv"))
        # tshark shows the raw QQIC byte: decode it here, independently of the codec.
        exp["qqic"] = rfc3376_code(int(igmp.get("igmp.qqic")))
        exp["sources"] = igmp.all("igmp.saddr")
    if mtype == 0x22:
        exp["records"] = []
        for key, rec in igmp:
            if not key.startswith("Group Record"):
                continue
            rtype = int(rec.get("igmp.record_type"))
            exp["records"].append({
                "type": RECORD_NAMES.get(rtype, rtype),
                "group": rec.get("igmp.maddr"),
                "sources": rec.all("igmp.saddr"),
                "aux_len": int(rec.get("igmp.aux_data_len")),
            })
        assert len(exp["records"]) == int(igmp.get("igmp.num_grp_recs"))
    if not exp["checksum_ok"]:
        exp["error"] = "bad_igmp_checksum"
    return exp


def expect_packet(layers, msg=None):
    """What the decoder must print for a whole IPv4+IGMP packet tshark dissected."""
    ip = layers.get("ip")
    exp = {
        "src": ip.get("ip.src"),
        "dst": ip.get("ip.dst"),
        "ttl": int(ip.get("ip.ttl")),
        "tos": int(ip.get("ip.dsfield"), 16),
    }
    assert ip.get("ip.checksum.status") == "1", "compare packets with good IP headers only"
    exp["router_alert"] = any(True for _ in ip.walk("ip.opt.ra"))
    exp.update(expect_igmp(layers.get("igmp"), msg))
    return exp


# ---------------------------------------------------------------- decoder side

def run_decoder(*args, input=None):
    if not DECODE.is_file():
        pytest.fail(f"{DECODE} not built (meson setup/ninja, or set IGMPGW_BUILD)")
    return subprocess.run([str(DECODE), *map(str, args)], input=input, capture_output=True,
                          timeout=60)


def decode_ok(*args, input=None):
    """Decoder output lines as dicts; the run must succeed with nothing on stderr."""
    p = run_decoder(*args, input=input)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert p.stderr == b""
    return [json.loads(line) for line in p.stdout.decode().splitlines()]


@functools.lru_cache(maxsize=None)
def decoded_by_frame(*args):
    return {d["frame"]: d for d in decode_ok(*args)}


@functools.lru_cache(maxsize=None)
def decoded_by_file(*args):
    return {d["file"]: d for d in decode_ok(*args)}


# ---------------------------------------------------------------- collection

def have_captures():
    return CONF.is_dir() and TSHARK is not None


def skip_reason():
    if TSHARK is None:
        return "tshark not installed (scripts/setup.sh installs it)"
    return f"no conformance captures at {CONF} (set IGMPGW_CONFORMANCE_DIR)"


PCAPS = sorted(CONF.glob("*.pcap")) + sorted(CONF.glob("*.pcapng")) if CONF.is_dir() else []
PAYLOADS = sorted(CONF.glob("*.payload")) if CONF.is_dir() else []


@functools.lru_cache(maxsize=None)
def tshark_of(pcap):
    return tshark_packets(pcap)


@functools.lru_cache(maxsize=None)
def frames_of(pcap):
    return read_pcap(pcap)


def igmp_bytes(frame, layers):
    """The IP payload of an Ethernet frame tshark dissected (all goIGMP captures are)."""
    assert frame[12:14] == b"\x08\x00", "an Ethernet frame without VLAN tags"
    ip = layers.get("ip")
    return frame[14 + int(ip.get("ip.hdr_len")):14 + int(ip.get("ip.len"))]


def payload_pcap():
    """The goIGMP payloads, frame i+1 wrapping PAYLOADS[i] as goIGMP would send it."""
    return write_pcap(TMP / "payloads.pcap", [ether(ipv4(p.read_bytes())) for p in PAYLOADS])


def crafted_pcap():
    return write_pcap(TMP / "crafted.pcap", [ether(ipv4(m)) for m in CRAFTED])


def params(build):
    """Test cases from build(), or one skipped case saying why there are none."""
    if not have_captures():
        return [pytest.param(None, marks=pytest.mark.skip(reason=skip_reason()))]
    return build()


def capture_cases():
    cases = []
    for pcap in PCAPS:
        for frame in tshark_of(pcap):
            cases.append(pytest.param((pcap, frame), id=f"{pcap.name}#{frame}"))
    return cases


PAYLOAD_PCAP = payload_pcap() if have_captures() else None
CRAFTED_PCAP = crafted_pcap()


# ---------------------------------------------------------------- conformance

def test_captures_hold_igmp():
    """Guards the per-packet cases below against silently finding nothing."""
    if not have_captures():
        pytest.skip(skip_reason())
    assert PCAPS and PAYLOADS
    for pcap in PCAPS:
        assert tshark_of(pcap), f"{pcap.name}: tshark finds no IGMP"
        assert len(frames_of(pcap)) >= max(tshark_of(pcap))


@pytest.mark.parametrize("case", params(capture_cases))
def test_capture_packet(case):
    pcap, frame = case
    layers = tshark_of(pcap)[frame]
    msg = igmp_bytes(frames_of(pcap)[frame - 1], layers)
    got = decoded_by_frame(pcap).get(frame)
    assert got == {"frame": frame, **expect_packet(layers, msg)}


def test_captures_have_no_other_igmp():
    """The decoder prints exactly the frames tshark calls IGMP."""
    if not have_captures():
        pytest.skip(skip_reason())
    for pcap in PCAPS:
        assert sorted(decoded_by_frame(pcap)) == sorted(tshark_of(pcap)), pcap.name


@pytest.mark.parametrize(
    "index", params(lambda: [pytest.param(i, id=p.name) for i, p in enumerate(PAYLOADS)]))
def test_payload(index):
    layers = tshark_of(PAYLOAD_PCAP)[index + 1]
    msg = PAYLOADS[index].read_bytes()
    got = decoded_by_frame(PAYLOAD_PCAP).get(index + 1)
    assert got == {"frame": index + 1, **expect_packet(layers, msg)}
    raw = decoded_by_file("--raw", *PAYLOADS)[str(PAYLOADS[index])]
    assert raw == {"file": str(PAYLOADS[index]), "frame": 1,
                   **expect_igmp(layers.get("igmp"), msg)}


@pytest.mark.skipif(TSHARK is None, reason="tshark not installed")
@pytest.mark.parametrize("index", range(len(CRAFTED)))
def test_crafted(index):
    got = decoded_by_frame(CRAFTED_PCAP).get(index + 1)
    assert got == {"frame": index + 1,
                   **expect_packet(tshark_of(CRAFTED_PCAP)[index + 1], CRAFTED[index])}


def test_roundtrip():
    """build(parse(x)) == x for every message in the captures (roundtrip.c)."""
    if not CONF.is_dir():
        pytest.skip(skip_reason())
    if not ROUNDTRIP.is_file():
        pytest.fail(f"{ROUNDTRIP} not built")
    p = subprocess.run([str(ROUNDTRIP), str(CONF)], capture_output=True, text=True, timeout=60)
    lines = p.stdout.splitlines()
    failed = [line for line in lines if line.startswith("not ok")]
    assert p.returncode == 0 and not failed, "\n".join(failed) + p.stderr
    # One case per message, one per capture read to its end, one for the count.
    messages = sum(len(decoded_by_frame(pcap)) for pcap in PCAPS) + len(PAYLOADS)
    assert messages > 0
    assert sum(line.startswith("ok ") for line in lines) == messages + len(PCAPS) + 1


# ---------------------------------------------------------------- decoder CLI

IGMP_REPORT = igmp_v2(0x16, 0, "239.1.2.3")
REPORT_LINE = {"frame": 1, "src": "192.0.2.1", "dst": "224.0.0.22", "ttl": 1, "tos": 192,
               "router_alert": True, "type": "v2_report", "version": 2, "group": "239.1.2.3",
               "max_resp_time": 0.0, "checksum_ok": True}


def test_help():
    p = run_decoder("--help")
    assert p.returncode == 0 and b"Usage: igmpgw-decode" in p.stdout


@pytest.mark.parametrize("args", [["--bogus", "x.pcap"], []], ids=["unknown-option", "no-file"])
def test_usage_errors(args):
    p = run_decoder(*args)
    assert p.returncode == 2 and p.stdout == b""
    assert len(p.stderr.decode().splitlines()) == 1


def test_missing_file():
    missing = TMP / "does-not-exist.pcap"
    p = run_decoder(missing)
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.decode() == f"igmpgw-decode: {missing}: No such file or directory\n"


def test_missing_file_does_not_stop_the_others():
    good = write_pcap(TMP / "one-report.pcap", [ether(ipv4(IGMP_REPORT))])
    missing = TMP / "does-not-exist.pcap"
    p = run_decoder(missing, good)
    assert p.returncode == 2
    assert len(p.stderr.decode().splitlines()) == 1
    assert [json.loads(line) for line in p.stdout.decode().splitlines()] == \
        [{"file": str(good), **REPORT_LINE}]


@pytest.mark.parametrize("content", [b"", b"not a capture at all\n", bytes(range(256)) * 4],
                         ids=["empty", "text", "binary"])
def test_not_a_capture(content):
    bad = TMP / "not-a-capture.pcap"
    bad.write_bytes(content)
    p = run_decoder(bad)
    assert p.returncode == 2 and p.stdout == b""
    err = p.stderr.decode()
    assert err.startswith(f"igmpgw-decode: {bad}: ") and err.count("\n") == 1


def test_capture_cut_short():
    """Lines read before the cut are printed; the cut itself fails the run."""
    good = write_pcap(TMP / "two-reports.pcap", [ether(ipv4(IGMP_REPORT))] * 2)
    cut = TMP / "cut.pcap"
    cut.write_bytes(good.read_bytes()[:-10])
    p = run_decoder(cut)
    assert p.returncode == 2 and len(p.stderr.decode().splitlines()) == 1
    assert [json.loads(line) for line in p.stdout.decode().splitlines()] == [REPORT_LINE]


def test_non_igmp_frames_skipped():
    udp = struct.pack("!HHHH", 1234, 5678, 8, 0)
    frames = [
        ether(ipv4(udp, proto=17, options=b"")),                         # UDP
        ether(bytes(28), ethertype=0x0806),                              # ARP
        ether(bytes.fromhex("6000000000080201") + bytes(32) + IGMP_REPORT,
              ethertype=0x86dd),                                         # IPv6 (hop limit 2)
        ether(ipv4(IGMP_REPORT)),
        ether(ipv4(bytes(20), proto=6)),                                 # TCP
        ether(b"\x45"),                                                  # too short to tell
        bytes(10),                                                       # runt
    ]
    pcap = write_pcap(TMP / "mixed.pcap", frames)
    assert decode_ok(pcap) == [{**REPORT_LINE, "frame": 4}]


def test_unknown_link_type_skipped():
    pcap = write_pcap(TMP / "usr0.pcap", [ether(ipv4(IGMP_REPORT))], linktype=147)
    assert decode_ok(pcap) == []


@pytest.mark.parametrize("linktype,frame", [
    (LINKTYPE_ETHERNET, ether(ipv4(IGMP_REPORT), vlans=[(0x8100, 10)])),
    (LINKTYPE_ETHERNET, ether(ipv4(IGMP_REPORT), vlans=[(0x88a8, 100), (0x8100, 10)])),
    (LINKTYPE_ETHERNET, ether(ipv4(IGMP_REPORT), vlans=[(0x9100, 100), (0x8100, 10)])),
    (LINKTYPE_LINUX_SLL, sll(ipv4(IGMP_REPORT))),
    (LINKTYPE_LINUX_SLL2, sll2(ipv4(IGMP_REPORT))),
    (LINKTYPE_RAW, ipv4(IGMP_REPORT)),
    (LINKTYPE_IPV4, ipv4(IGMP_REPORT)),
], ids=["vlan", "qinq", "qinq-9100", "sll", "sll2", "raw", "ipv4"])
def test_link_types(linktype, frame):
    pcap = write_pcap(TMP / f"link-{linktype}.pcap", [frame], linktype)
    assert decode_ok(pcap) == [REPORT_LINE]
    if TSHARK is not None:
        # tshark must find the same IGMP packet in the same frame.
        assert expect_packet(tshark_packets(pcap)[1]) == \
            {k: v for k, v in REPORT_LINE.items() if k != "frame"}


def test_stdin():
    pcap = write_pcap(TMP / "stdin.pcap", [ether(ipv4(IGMP_REPORT))])
    assert decode_ok("-", input=pcap.read_bytes()) == [REPORT_LINE]
    assert decode_ok("--raw", "-", input=IGMP_REPORT) == [
        {"frame": 1, "type": "v2_report", "version": 2, "group": "239.1.2.3",
         "max_resp_time": 0.0, "checksum_ok": True}]


@pytest.mark.skipif(EDITCAP is None, reason="editcap not installed")
def test_pcapng():
    source = PCAPS[0] if PCAPS else CRAFTED_PCAP
    ng = TMP / "converted.pcapng"
    subprocess.run([EDITCAP, "-F", "pcapng", str(source), str(ng)], check=True,
                   capture_output=True)
    assert ng.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    assert decode_ok(ng) == decode_ok(source)
    assert decode_ok(ng)


def test_file_key_only_with_several_files():
    a = write_pcap(TMP / "a.pcap", [ether(ipv4(IGMP_REPORT))])
    b = write_pcap(TMP / "b.pcap", [ether(ipv4(IGMP_REPORT))] * 2)
    assert "file" not in decode_ok(a)[0]
    lines = decode_ok(a, b)
    assert [(d["file"], d["frame"]) for d in lines] == [(str(a), 1), (str(b), 1), (str(b), 2)]


def test_file_names_escaped():
    """Any file name gives valid JSON: control bytes escaped, non-UTF-8 bytes U+FFFD."""
    a = write_pcap(TMP / "a.pcap", [ether(ipv4(IGMP_REPORT))])
    weird = os.path.join(os.fsencode(TMP), b'we"ir\\d\n\t\x01\xff\xc3\xa9.pcap')
    shutil.copy(a, weird)
    p = run_decoder(a, os.fsdecode(weird))
    assert p.returncode == 0
    lines = p.stdout.decode("utf-8").splitlines()
    assert json.loads(lines[1])["file"] == str(TMP) + '/we"ir\\d\n\t\x01\ufffd\u00e9.pcap'


# Each case: the frame, then exactly what the decoder must print for it.
ADDRS = {"src": "192.0.2.1", "dst": "224.0.0.22", "ttl": 1, "tos": 192}
IP_OK = {**ADDRS, "router_alert": True}
ERROR_CASES = {
    "bad_igmp_checksum": (
        ether(ipv4(igmp_v2(0x17, 0, "239.1.2.3", corrupt=True))),
        {**IP_OK, "type": "leave", "version": 2, "group": "239.1.2.3", "max_resp_time": 0.0,
         "checksum_ok": False, "error": "bad_igmp_checksum"}),
    "truncated_igmp": (
        ether(ipv4(IGMP_REPORT[:6])),
        {**IP_OK, "type": "v2_report", "error": "truncated_igmp"}),
    "empty_igmp": (
        ether(ipv4(b"")),
        {**IP_OK, "error": "truncated_igmp"}),
    "bad_query_length": (
        ether(ipv4(with_checksum(igmp_v2(0x11, 100, "239.1.2.3") + b"\0\0"))),
        {**IP_OK, "type": "query", "group": "239.1.2.3", "checksum_ok": True,
         "error": "bad_query_length"}),
    "query_source_count_overflow": (
        ether(ipv4(with_checksum(igmp_v3_query(100, "0.0.0.0", False, 2, 125,
                                               ["10.0.0.1"])[:12]))),
        {**IP_OK, "type": "query", "version": 3, "group": "0.0.0.0", "max_resp_time": 10.0,
         "checksum_ok": True, "s_flag": False, "qrv": 2, "qqic": 125,
         "error": "source_count_overflow"}),
    "truncated_record": (
        ether(ipv4(with_checksum(igmp_v3_report([(1, "239.1.1.1", [], b"")])[:12]))),
        {**IP_OK, "type": "v3_report", "version": 3, "max_resp_time": 0.0,
         "checksum_ok": True, "error": "truncated_record"}),
    "record_source_count_overflow": (
        ether(ipv4(with_checksum(igmp_v3_report([(1, "239.1.1.1", ["10.0.0.1"], b"")])[:16]))),
        {**IP_OK, "type": "v3_report", "version": 3, "max_resp_time": 0.0,
         "checksum_ok": True, "error": "source_count_overflow"}),
    "aux_data_overflow": (
        ether(ipv4(with_checksum(igmp_v3_report([(1, "239.1.1.1", [], b"\1\2\3\4")])[:16]))),
        {**IP_OK, "type": "v3_report", "version": 3, "max_resp_time": 0.0,
         "checksum_ok": True, "error": "aux_data_overflow"}),
    "unknown_type": (
        ether(ipv4(igmp_v2(0x30, 0, "239.1.2.3"))),
        {**IP_OK, "type": "unknown", "checksum_ok": True, "error": "unknown_type"}),
    "bad_ip_checksum": (
        ether(ipv4(IGMP_REPORT, corrupt=True)),
        {**ADDRS, "error": "bad_ip_checksum"}),
    "fragment": (
        ether(ipv4(IGMP_REPORT, frag=0x2000)),
        {**ADDRS, "error": "fragment"}),
    "bad_ip_option": (
        ether(ipv4(IGMP_REPORT, options=b"\x94\x03\x00\x00")),
        {**ADDRS, "error": "bad_ip_option"}),
    "bad_total_length": (
        ether(ipv4(IGMP_REPORT, total_len=24 + 8 + 4)),
        {**ADDRS, "error": "bad_total_length"}),
    "bad_ip_version": (
        ether(ipv4(IGMP_REPORT, version=5)),
        {**ADDRS, "error": "bad_ip_version"}),
    "bad_ihl": (
        ether(ipv4(IGMP_REPORT, ihl=4)),
        {**ADDRS, "error": "bad_ihl"}),
    "truncated_ip_header": (
        ether(ipv4(IGMP_REPORT)[:16]),
        {"error": "truncated_ip_header"}),
    "no_router_alert": (
        ether(ipv4(IGMP_REPORT, options=b"")),
        {**ADDRS, "router_alert": False, "type": "v2_report", "version": 2,
         "group": "239.1.2.3", "max_resp_time": 0.0, "checksum_ok": True}),
    "ethernet_padding": (
        ether(ipv4(IGMP_REPORT)) + b"\xee" * 14,
        {**IP_OK, "type": "v2_report", "version": 2, "group": "239.1.2.3",
         "max_resp_time": 0.0, "checksum_ok": True}),
}


def test_error_cases_cover_every_reason():
    """Each of the codec's reasons a packet can show is exercised below."""
    shown = {exp.get("error") for _, exp in ERROR_CASES.values()}
    assert error_names() - shown == {"ok", "not_igmp"}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_error_case(name):
    frame, expected = ERROR_CASES[name]
    pcap = write_pcap(TMP / f"error-{name}.pcap", [frame])
    assert decode_ok(pcap) == [{"frame": 1, **expected}]


@pytest.mark.parametrize("name", ["bad_igmp_checksum", "truncated_igmp", "unknown_type",
                                  "truncated_record"])
def test_error_case_raw(name):
    """--raw reads the same message without IP and prints its IGMP keys only."""
    frame, expected = ERROR_CASES[name]
    msg = frame[14 + 24:]
    path = TMP / f"{name}.payload"
    path.write_bytes(msg)
    assert decode_ok("--raw", path) == [
        {"frame": 1, **{k: v for k, v in expected.items() if k not in IP_OK}}]


# ---------------------------------------------------------------- fuzz smoke

def mutate(rng, frame):
    frame = bytearray(frame)
    for _ in range(rng.randint(1, 4)):
        what = rng.random()
        if what < 0.5 and frame:
            frame[rng.randrange(len(frame))] = rng.randrange(256)
        elif what < 0.7:
            del frame[rng.randrange(len(frame) + 1):]
        elif what < 0.85:
            frame += bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        elif len(frame) > 38:
            # Keep the headers, scramble the IGMP message.
            frame[38:] = bytes(rng.randrange(256) for _ in range(len(frame) - 38))
    return bytes(frame)


def mutate_igmp(rng, msg):
    """Odd but often well-formed messages: bytes set to telling values, lengths changed."""
    msg = bytearray(msg)
    for _ in range(rng.randint(1, 3)):
        if msg and rng.random() < 0.7:
            msg[rng.randrange(len(msg))] = rng.choice(
                [0, 1, 2, 6, 7, 0x11, 0x12, 0x16, 0x17, 0x22, 0x7f, 0x80, 0xff, rng.randrange(256)])
        elif rng.random() < 0.5:
            del msg[max(0, len(msg) - rng.randint(1, 12)):]
        else:
            msg += bytes(rng.randrange(256) for _ in range(rng.randint(1, 12)))
    if len(msg) >= 4 and rng.random() < 0.9:
        msg = bytearray(with_checksum(bytes(msg)))
    return bytes(msg)


@pytest.mark.skipif(TSHARK is None, reason="tshark not installed")
def test_mutated_against_tshark():
    """Thousands of odd messages: whatever the codec accepts, tshark reads the same way."""
    rng = random.Random(3376)
    seeds = list(CRAFTED)
    for pcap in PCAPS:
        for frame, layers in list(tshark_of(pcap).items())[:50]:
            seeds.append(igmp_bytes(frames_of(pcap)[frame - 1], layers))
    msgs = [mutate_igmp(rng, rng.choice(seeds)) for _ in range(4000)]
    pcap = write_pcap(TMP / "mutated.pcap", [ether(ipv4(m)) for m in msgs])
    dissected = tshark_packets(pcap)
    compared = 0
    for got in decode_ok(pcap):
        frame = got["frame"]
        msg = msgs[frame - 1]
        if got.get("error", "bad_igmp_checksum") != "bad_igmp_checksum":
            continue
        assert got == {"frame": frame, **expect_packet(dissected[frame], msg)}, msg.hex()
        compared += 1
    assert compared >= 1000


def test_fuzz_smoke():
    """Mutated frames never crash the decoder and always give valid JSON lines."""
    rng = random.Random(20240311)
    seeds = [ether(ipv4(m)) for m in CRAFTED]
    for pcap in PCAPS:
        seeds += read_pcap(pcap)[:50]
    frames = [mutate(rng, rng.choice(seeds)) for _ in range(5000)]
    names = error_names()
    for linktype in (LINKTYPE_ETHERNET, LINKTYPE_RAW):
        cut = 0 if linktype == LINKTYPE_ETHERNET else 14
        pcap = write_pcap(TMP / f"fuzz-{linktype}.pcap", [f[cut:] for f in frames], linktype)
        lines = decode_ok(pcap)
        assert len(lines) > 1000
        for line in lines:
            assert 1 <= line["frame"] <= len(frames)
            assert line.get("error", "ok") in names
            assert line.get("type", "query") in set(TYPE_NAMES.values()) | {"unknown"}
    # Garbage after a valid capture header: a read error at worst, never a crash.
    garbage = TMP / "garbage.pcap"
    for i in range(20):
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        garbage.write_bytes(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1) + body)
        p = run_decoder(garbage)
        assert p.returncode in (0, 2), p.stderr
        for line in p.stdout.decode().splitlines():
            json.loads(line)
