#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fills a manual's scdoc template with the lists the code defines.

usage: gen.py TEMPLATE LISTS README IGMPGWCTL OUTPUT

LISTS is what manlists prints (kind<TAB>name<TAB>text per line, from the
X-macro lists and the config's table of known keys). A template line that is
exactly @KIND@ becomes that list in scdoc (a one-line list may stand inside a
sentence); the help text comes from the list
itself, or, for the reason lists that carry only names, from README.md's
counter table (its one description of each). @IGMPGWCTL_COMMANDS@ becomes
the command list igmpgwctl --help prints.
"""

import re
import subprocess
import sys


def esc(text):
    """scdoc's markup characters in generated text taken literally."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def plain(md):
    """README markdown as plain text: links to their words, no code quotes."""
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", md).replace("`", "")


def readme_help(readme):
    """README's counter table: name -> what it counts."""
    return {m.group(1): plain(m.group(2).strip())
            for m in re.finditer(r"^\| `(\w+)` \| (.+?) \|$", readme, re.M)}


def readme_keys(readme):
    """README's configuration reference: (section, key) -> meaning. A row may
    name several keys of one section (`[control] socket`, `group`)."""
    keys = {}
    for m in re.finditer(r"^\| (`\[.+?) \| (.+) \|$", readme, re.M):
        section = None
        for span in re.findall(r"`([^`]*)`", m.group(1)):
            sm = re.match(r"^\[(\w+)\]\s*(.*)$", span)
            if sm:
                section, key = sm.group(1), sm.group(2).split(" ")[0]
            else:
                key = span.split(" ")[0]
            if section is not None and key:
                keys[(section, key)] = plain(m.group(2).strip())
    return keys


def entries(lists, kind):
    return [(n, t) for k, n, t in lists if k == kind]


def term_list(items, fallback=None):
    out = []
    for name, text in items:
        text = text or (fallback or {}).get(name, "")
        out.append(f"*{esc(name)}*")
        out.append(f"\t{esc(text) if text else 'UNDOCUMENTED'}")
        out.append("")
    return out


def is_port_section(sec):
    return re.match(r"^(outside|alt|inside\d*)$", sec) is not None
def keys_by_section(lists, meaning):
    """Every key the code knows, by section, with its README meaning and what a
    reload does with it; the port sections share their keys and are shown once."""
    sections = {}
    for name, reload in entries(lists, "key"):
        sec, key = name.split(".", 1)
        sections.setdefault(sec, []).append((key, reload))
    out = []
    for sec, keys in sections.items():
        if is_port_section(sec) and sec != "outside":
            continue
        last = [s for s in sections if re.match(r"^inside\d+$", s)][-1:] or ["inside"]
        title = sec if sec != "outside" else f"outside], [alt], [inside], [inside2] ... [{last[0]}"
        out += [f"## [{title}]", ""]
        for key, reload in keys:
            text = meaning.get((sec, key)) or meaning.get((sec, "NAME")) or \
                (is_port_section(sec) and meaning.get(("PORT", key))) or "UNDOCUMENTED"
            shown = "_NAME_ (any name)" if key == "*" else f"*{esc(key)}*"
            out += [f"{shown} (reload: {reload})", f"\t{esc(text)}", ""]
    return out


def ctl_commands(path):
    text = subprocess.run([path, "--help"], capture_output=True, text=True, check=True).stdout
    body = text[text.index("Commands:\n") + len("Commands:\n"):]
    body = body[:body.index("\n\n")]
    out, usage = [], None
    for line in body.splitlines():
        m = re.match(r"^  (\S.*?)\s{2,}(\S.*)$", line)
        if m is not None:
            out += [f"*{esc(m.group(1))}*", f"\t{esc(m.group(2))}", ""]
        elif usage is None and re.match(r"^  \S", line):
            usage = line.strip()  # too long for its column: its help on the next line
            continue
        elif usage is not None and line.strip():
            out += [f"*{esc(usage)}*", f"\t{esc(line.strip())}", ""]
        else:
            raise SystemExit(f"gen.py: igmpgwctl --help: cannot read '{line}'")
        usage = None
    return out


def main():
    template, lists_path, readme_path, ctl, output = sys.argv[1:6]
    lists = [tuple((line.split("\t") + ["", ""])[:3])
             for line in open(lists_path).read().splitlines() if line]
    readme_text = open(readme_path).read()
    readme = readme_help(readme_text)
    meaning = readme_keys(readme_text)
    gen = {
        "@CONFIG_KEYS@": lambda: keys_by_section(lists, meaning),
        "@COUNTERS@": lambda: term_list(entries(lists, "counter")),
        "@WIRE_REASONS@": lambda: term_list(entries(lists, "wire"), readme),
        "@PROXY_REASONS@": lambda: term_list(entries(lists, "proxy"), readme),
        "@MEMBERSHIP_COUNTERS@": lambda: term_list(entries(lists, "membership")),
        "@PACER_COUNTERS@": lambda: term_list(entries(lists, "pacer")),
        "@COALESCE_COUNTERS@": lambda: term_list(entries(lists, "coalesce")),
        "@LINK_STATES@": lambda: term_list(entries(lists, "link_state")),
        "@LIMITS@": lambda: [", ".join(f"*{esc(n)}*" for n, _ in entries(lists, "limit"))],
        "@EVENTS@": lambda: term_list([(n, f"raised with: {s}")
                                       for n, s in entries(lists, "event")]),
        "@MEMBERSHIP_EVENTS@": lambda: [", ".join(
            f"*{esc(n)}*" for n, _ in entries(lists, "membership_event"))],
        "@FAILOVER_MODES@": lambda: [", ".join(
            f"*{esc(n)}*" for n, _ in entries(lists, "failover_mode"))],
        "@FAILOVER_REASONS@": lambda: [", ".join(
            f"*{esc(n)}*" for n, _ in entries(lists, "failover_reason"))],
        "@LOG_LEVELS@": lambda: [", ".join(f"*{esc(n)}*" for n, _ in entries(lists, "log_level"))],
        "@LOG_TYPES@": lambda: [", ".join(f"*{esc(n)}*" for n, _ in entries(lists, "log_type"))],
        "@REQUESTS@": lambda: [", ".join(f"*{esc(n)}*" for n, _ in entries(lists, "request"))],
        "@IGMPGWCTL_COMMANDS@": lambda: ctl_commands(ctl),
    }
    out = []
    for line in open(template).read().splitlines():
        if line.strip() in gen:
            out += gen[line.strip()]()
            continue
        # A one-line list may also stand inside a sentence.
        for mark in re.findall(r"@[A-Z_]+@", line):
            lines = gen[mark]()
            assert len(lines) == 1, f"{template}: {mark} is a block list: give it a line"
            line = line.replace(mark, lines[0])
        out.append(line)
    with open(output, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
