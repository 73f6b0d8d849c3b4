#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Prints "PASSED FAILED SKIPPED" of a pytest JUnit XML file (errors count as failed):
the one way the test lanes read pytest's results."""

import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = e = s = 0
for su in suites:
    t += int(su.get("tests", 0))
    f += int(su.get("failures", 0))
    e += int(su.get("errors", 0))
    s += int(su.get("skipped", 0))
print(t - f - e - s, f + e, s)
