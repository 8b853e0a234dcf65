#!/usr/bin/env python3
"""Checks a `memhp draw` map against a run recorded on the real kernel:
every block the real guest had at the snapshot must be drawn in its zone
(online blocks in several zones, such as memory0, as "mixed"; offline ones
as "offline"), and every cell without a block as "absent".

usage: map_vs_recording.py MAP.svg RECORDING.json LABEL"""
import json
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def main():
    svg, rec, label = sys.argv[1:4]
    root = ET.parse(svg).getroot()
    g = {k: int(root.get("data-" + k)) for k in ("cols", "x0", "y0", "cw", "ch", "pitch", "blocks")}
    snap = [s for s in json.load(open(rec))["snapshots"] if s["label"] == label][0]
    want = {}
    for b in snap["blocks"]:
        if b["state"] != "online":
            want[b["id"]] = "offline"
        else:
            want[b["id"]] = b.get("zone") or "mixed"
    # Each cell: the class of the cell rect that covers its centre.
    drawn = {}
    rects = []
    for r in root.iter(NS + "rect"):
        cls = (r.get("class") or "").split()
        if "c" not in cls:
            continue
        zone = [c[2:] for c in cls if c.startswith("z-")][0]
        x, y, w, h = (float(r.get(a)) for a in ("x", "y", "width", "height"))
        rects.append((x, y, w, h, zone))
    for b in range(g["blocks"]):
        cx = g["x0"] + (b % g["cols"]) * g["cw"] + g["cw"] / 2
        cy = g["y0"] + (b // g["cols"]) * g["pitch"] + g["ch"] / 2
        hit = [z for (x, y, w, h, z) in rects if x <= cx < x + w and y <= cy < y + h]
        if len(hit) != 1:
            sys.exit(f"{svg}: block {b}: {len(hit)} cells drawn at its place")
        drawn[b] = hit[0]
    bad = []
    for b in range(g["blocks"]):
        exp = want.get(b, "absent")
        if drawn[b] != exp:
            bad.append(f"memory{b}: drawn {drawn[b]}, the real guest had {exp}")
    for b in want:
        if b >= g["blocks"]:
            bad.append(f"memory{b}: not on the map")
    if bad:
        sys.exit(f"{svg} against {rec} at {label}:\n  " + "\n  ".join(bad[:20]))
    print(f"{svg}: {g['blocks']} cells agree with {rec} at {label}")


main()
