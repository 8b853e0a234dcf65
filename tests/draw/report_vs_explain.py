#!/usr/bin/env python3
"""The explanation a report shows for a clicked block must be what
`memhp explain FILE --block N --at LABEL` prints: checks every EVERY-th
block of each snapshot.

usage: report_vs_explain.py MEMHP FILE.scn REPORT.html EVERY"""
import json
import re
import subprocess
import sys

memhp, scn, html, every = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
page = open(html).read()
data = json.loads(re.search(r'id="explain-data">(.*?)</script>', page, re.S).group(1))
bad = checked = 0
for snap in data:
    for i, (block, text) in enumerate(sorted(snap["blocks"].items(), key=lambda kv: int(kv[0]))):
        if i % every:
            continue
        out = subprocess.run([memhp, "explain", scn, "--block", block, "--at", snap["label"]],
                             capture_output=True, text=True).stdout
        checked += 1
        if out != text:
            bad += 1
            print(f"{html}: memory{block} at {snap['label']}: the page says\n{text}\n"
                  f"memhp explain says\n{out}")
print(f"{html}: {checked} explanations checked, {bad} differ")
sys.exit(1 if bad or not checked else 0)
