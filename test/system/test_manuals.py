# SPDX-License-Identifier: BSD-3-Clause
"""The manuals (docs/man): igmpgw(8), igmpgwctl(8), igmpgw-decode(1) and
igmpgw.conf(5), built by meson from scdoc templates that docs/man/gen.py fills
with the code's own lists. Each renders with `man --warnings` without a
warning, `meson install` puts each in its man section, and every config key,
counter, reason, request, event, log type and level the code defines is in
them, found here from the code itself (the X-macro lists and the config's
table of known keys), not from what the generator printed: a list the
generator does not read, or a key README.md does not describe, fails.
"""

import os
import re
import subprocess

import pytest

from gwlab import BUILD, ROOT, run

MAN = BUILD / "docs" / "man"
PAGES = {"igmpgw.8": "man8", "igmpgwctl.8": "man8", "igmpgw-decode.1": "man1",
         "igmpgw.conf.5": "man5"}

# X-macro lists that are no user's business: they never reach a surface.
INTERNAL_LISTS = {
    "EAL_REASONS",      # words matched in EAL's own error lines
    "ASKED_VIA_LIST",   # shown as values of the groups view, documented with it
    "GW_IGMP_SWITCHES",  # config keys: checked as keys of [igmp]
}


def xmacro_lists():
    """{LIST: [names]} of every `#define LIST(X)` in lib/ and app/: X(name, "help")
    entries are named by their identifier, X(CODE, "name", ...) by the string."""
    proto = (ROOT / "lib" / "client" / "igmpgw_proto.h").read_text()
    lists = {}
    for path in list((ROOT / "lib").rglob("*.[ch]")) + list((ROOT / "app").rglob("*.[ch]")):
        text = path.read_text(errors="replace")
        for m in re.finditer(r"^#define (\w+)\(X\) \\\n((?:.*\\\n)*.*)$", text, re.M):
            names = []
            for entry in re.finditer(r"X\((\w+)(?:,\s*(\"\w+\"|\w+))?", m.group(2)):
                second = entry.group(2)
                if entry.group(1).islower():
                    names.append(entry.group(1))  # X(name, "help"): the name is the identifier
                elif second and second.startswith('"'):
                    names.append(second.strip('"'))
                elif second and second.startswith("IGMPGW_EVENT_NAME_"):
                    names.append(re.search(rf'#define {second} "(\w+)"', proto).group(1))
                else:
                    names.append(entry.group(1))
            lists[m.group(1)] = names
    return lists


def config_keys():
    """(section, key) of every key config/gw_config_ini.c's table knows."""
    text = (ROOT / "lib" / "config" / "gw_config_ini.c").read_text()
    switches = xmacro_lists()["GW_IGMP_SWITCHES"]
    tables = {}
    for m in re.finditer(r"static const struct gw_cfg_key (\w+)\[\] = \{(.*?)\};", text, re.S):
        keys = re.findall(r'GW_\w*KEY_\w+\("([^"]+)"', m.group(2))
        if "GW_IGMP_SWITCHES" in m.group(2):
            keys += switches
        tables[m.group(1)] = keys
    pairs = []
    for section, table in re.findall(r'\{ "(\w+)", (\w+), (?:true|false)', text):
        assert tables.get(table), f"[{section}]: no keys found in {table}: the test is stale"
        pairs += [(section, k) for k in tables[table]]
    assert len(pairs) > 40, pairs
    return pairs


def manual_text():
    """The pages' text as scdoc renders it (its escapes undone)."""
    return {p: (MAN / f"{p}.scd").read_text().replace("\\", "") for p in PAGES}


@pytest.fixture(scope="module")
def built():
    for page in PAGES:
        assert (MAN / page).exists(), f"{MAN / page} is not built (ninja -C {BUILD})"


def test_every_page_renders_without_warnings(built):
    for page in PAGES:
        p = subprocess.run(["man", "--warnings", "-l", str(MAN / page)], capture_output=True,
                           text=True, env=dict(os.environ, MANWIDTH="80"), timeout=60)
        assert p.returncode == 0 and p.stderr == "", f"{page}: {p.stderr}"
        name = page.rsplit(".", 1)[0]
        assert re.search(rf"^NAME\n\s+{re.escape(name)} - ", p.stdout, re.M), p.stdout[:300]


def test_meson_install_puts_each_page_in_its_section(built, tmp_path):
    run(["meson", "install", "-C", BUILD, "--no-rebuild", "--destdir", tmp_path], timeout=120)
    for page, section in PAGES.items():
        found = list(tmp_path.rglob(f"share/man/{section}/{page}"))
        assert found, f"{page} not installed under share/man/{section}"


def test_every_key_counter_request_and_event_is_in_the_manuals(built):
    text = manual_text()
    every = "\n".join(text.values())
    assert "UNDOCUMENTED" not in every, \
        "a key or counter has no description (README.md's tables give them): " + \
        ", ".join(re.findall(r"^\*?(\S+?)\*? .*\n\tUNDOCUMENTED", every, re.M))

    where = {
        "GW_COUNTERS": "igmpgw.8", "IGMP_WIRE_ERRORS": "igmpgw.8",
        "IGMP_PROXY_REASONS": "igmpgw.8", "MSHIP_COUNTERS": "igmpgw.8",
        "GW_TRACKING_COUNTERS": "igmpgw.8",
        "TX_PACER_COUNTERS": "igmpgw.8", "RCOAL_COUNTERS": "igmpgw.8",
        "GW_LINK_STATES": "igmpgw.8", "GW_LIMITS": "igmpgw.8",
        "IGMPGW_COMMANDS": "igmpgw.8", "IGMPGW_EVENTS": "igmpgwctl.8",
        "IGMPGW_LOG_LEVELS": "igmpgwctl.8", "GW_LOG_PARTS": "igmpgw.8",
        "MSHIP_EVENTS": "igmpgw.8", "FAILOVER_REASONS": "igmpgw.8",
        "GW_FAILOVER_MODES": "igmpgw.conf.5",
    }
    lists = xmacro_lists()
    unknown = set(lists) - set(where) - INTERNAL_LISTS
    assert not unknown, f"X-macro lists the manuals do not show: {sorted(unknown)} " \
        "(add them to docs/man/manlists.c and a template, or to INTERNAL_LISTS here)"
    missing = []
    for name, page in where.items():
        for entry in lists[name]:
            if entry == "ok" and name == "IGMP_WIRE_ERRORS":
                continue  # not a rejection
            shown = f"igmpgw.{entry}" if name == "GW_LOG_PARTS" else entry
            if not re.search(rf"\*{re.escape(shown)}\*", text[page]):
                missing.append(f"{name}: {entry} ({page})")
    conf = text["igmpgw.conf.5"]
    for sec, key in config_keys():
        head = "outside], [alt], [inside" if sec.startswith(("outside", "alt", "inside")) else sec
        body = conf[conf.index(f"## [{head}"):]
        body = body[:body.find("\n## ", 1)] if "\n## " in body[1:] else body
        shown = "_NAME_ (any name)" if key == "*" else f"*{key}*"
        if not re.search(rf"^{re.escape(shown)} \(reload: (live|restart)\)$", body, re.M):
            missing.append(f"config key {sec}.{key} (igmpgw.conf.5)")
    assert not missing, "not in the manuals:\n" + "\n".join(missing)
