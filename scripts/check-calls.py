#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""File-level call graph of C sources, from their text (no compiler needed).

    scripts/check-calls.py FILE.c...

Prints "a.c -> b.c: f g" for each file that calls a function another of the
files defines (non-static), then exits 1 if some files call each other in a
circle, naming the files of each circle, else 0. Calls through function
pointers and macros are not seen; static functions never link two files.
"""
import os
import re
import sys

DEF = re.compile(r'^(?!static\b)[A-Za-z_][\w \*]*\n([a-z_]\w*)\(', re.M)
COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def graph(paths):
    text = {p: COMMENT.sub('', open(p, encoding='utf-8').read()) for p in paths}
    defined = {}
    for p, s in text.items():
        for m in DEF.finditer(s):
            defined[m.group(1)] = p
    edges = {p: {} for p in paths}
    for p, s in text.items():
        body = STRING.sub('""', s)
        for name, owner in defined.items():
            if owner != p and re.search(r'\b' + name + r'\s*\(', body):
                edges[p].setdefault(owner, []).append(name)
    return edges


def circles(edges):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    edges = graph(paths)
    name = os.path.basename
    for p in sorted(edges):
        for q in sorted(edges[p]):
            print(f'{name(p)} -> {name(q)}: {" ".join(sorted(edges[p][q]))}')
    found = circles(edges)
    for comp in found:
        print('circle: ' + ' <-> '.join(name(p) for p in comp))
    if not found:
        print('no circle')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
