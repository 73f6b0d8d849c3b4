# SPDX-License-Identifier: BSD-3-Clause
"""The documentation says what the programs do: docs/control-protocol.md's
examples are the gateway's answers, every program prints its version with -V
and --version (-v is verbose in the example reporter, EAL's before igmpgw's --),
and scripts/demo.sh --help is prose, not a line of its code.
"""

import json
import re

import gwlab
from gwlab import ROOT, run

PROTOCOL_DOC = ROOT / "docs" / "control-protocol.md"
EXAMPLE = re.compile(r"^\$ printf '(\{.*\})\\n' \| socat - UNIX:\S+\n(\{.*\})$", re.M)


def test_protocol_examples_are_the_gateways_answers(lab, gateway):
    examples = EXAMPLE.findall(PROTOCOL_DOC.read_text())
    assert len(examples) >= 2, "the examples were not found: not tested"
    gw = gateway("igmp.membership_reports_to_network=yes", "igmp.leave_to_network=yes",
                 "igmp.unicast_membership_reports=no")
    with gw.control() as c:
        for request, answer in examples:
            req = json.loads(request)
            got = c.request(req.pop("cmd"), **req)
            assert got == json.loads(answer), f"{request}: the doc says {answer}, got {got}"


def test_every_program_prints_its_version_with_V():
    version = re.search(r"version: '([^']+)'", (ROOT / "meson.build").read_text()).group(1)
    programs = {"igmpgw": gwlab.IGMPGW,
                "igmpgwctl": gwlab.BUILD / "app" / "igmpgwctl",
                "membership_reporter": gwlab.BUILD / "examples" / "membership_reporter"}
    for name, path in programs.items():
        for flag in ("-V", "--version"):
            p = run([path, flag], check=False)
            assert (p.returncode, p.stdout, p.stderr) == (0, f"{name} {version}\n", ""), \
                f"{name} {flag}: {p.returncode} {p.stdout}{p.stderr}"
        assert "-V, --version" in run([path, "--help"]).stdout, name
    assert "-v, --verbose" in run([programs["membership_reporter"], "--help"]).stdout


def definitions(path, macro):
    text = (ROOT / path).read_text()
    body = text[text.index(f"#define {macro}("):]
    return re.findall(r'X\((\w+), "([^"]*)"', body[:body.index("\n\n")])


def test_readme_says_what_each_counter_counts():
    readme = (ROOT / "README.md").read_text()
    names = [n for n, _ in definitions("app/igmpgw/gw.h", "GW_COUNTERS")]
    names += [n for _, n in definitions("lib/wire/igmp_wire.h", "IGMP_WIRE_ERRORS")][1:]
    names += [n for _, n in definitions("lib/proxy/igmp_proxy.h", "IGMP_PROXY_REASONS")]
    assert len(names) > 40, names
    missing = [n for n in names if not re.search(rf"^\| `{n}` \| \S", readme, re.M)]
    assert missing == [], f"counters without their line in README.md: {missing}"


def test_demo_help_is_prose():
    out = run(["bash", ROOT / "scripts" / "demo.sh", "--help"]).stdout
    assert "scripts/demo.sh [--once] [--prefix P]" in out and "--once" in out, out
    code = [ln for ln in out.splitlines() if re.search(r"\bset -|pipefail|^\s*[A-Z_]+=", ln)]
    assert code == [], code
