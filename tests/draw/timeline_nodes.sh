#!/usr/bin/env bash
# memhp draw --timeline on two nodes: with auto_movable_numa_aware=Y each
# node's MOVABLE is drawn against that node's own limit (the second check
# of auto_movable_zone_for_pfn()); a single node, or the policy not
# numa-aware, gets no per-node chart. Values are read from the series'
# data-bytes (one exact value per sample: boot, then each step).
# usage: timeline_nodes.sh MEMHP SOURCE_DIR
set -u
memhp=$1
src=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0

bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

# series SVG TITLE: the data-bytes of the polyline titled TITLE.
series() {
	sed -n "s|.*data-bytes=\"\([^\"]*\)\".*<title>$2</title>.*|\1|p" "$1"
}

# tests/conformance/am-numa-aware.scn: -M pc -m 4G, node 0 = RAM 0-2 GiB,
# node 1 = RAM 2-3 GiB and 4-5 GiB; ratio 301 (the default), numa-aware.
# zones-and-policies.md 2.2: present = spanned minus holes, present_early =
# present at boot; SeaBIOS reserves the 128 KiB (32 pages) below the end of
# low RAM (3 GiB, on node 1) and PFN 0 is never RAM. 6.2: the node's
# KERNEL_EARLY is the early present pages of its kernel zones; 6.3: no
# dynamic groups (DIMMs only), so limit = floor(301 * KERNEL_EARLY / 100).
#   node 0: DMA [1, 4096) = 4095 pages, of which 3 998 present (2.2's pc
#           total: DMA 3 998); DMA32 [4096, 524288) = 520 192 pages.
#           KERNEL_EARLY = 524 190; limit = floor(301 * 524 190 / 100)
#           = floor(157 781 190 / 100) = 1 577 811 pages = 6 462 713 856 bytes.
#   node 1: DMA32 [524288, 786432) = 262 144 - 32 = 262 112 pages; Normal
#           [1048576, 1310720) = 262 144. KERNEL_EARLY = 524 256; limit =
#           floor(301 * 524 256 / 100) = floor(157 801 056 / 100)
#           = 1 578 010 pages = 6 463 528 960 bytes.
# (Check: 524 190 + 524 256 = 1 048 446, the spec's pc 4 GiB total K.)
# Boot memory never changes here, so every sample has the same limits. Node
# 1's MOVABLE: 0 until DIMM 1 (4 GiB, node 1) is added, then 4 GiB: DIMM 2
# would make it 8 GiB > 6 463 528 960, so it goes Normal (the scenario's
# expectation) and node 1 stays at 4 GiB.
scn=$src/tests/conformance/am-numa-aware.scn
"$memhp" draw --timeline "$scn" -o "$out/aware.svg" || bad "draw --timeline $scn"
for nid_limit in "0 6462713856" "1 6463528960"; do
	set -- $nid_limit
	got=$(series "$out/aware.svg" "node $1 limit: 301% of its KERNEL_EARLY")
	[ -n "$got" ] || { bad "node $1: no limit series"; continue; }
	for v in $got; do
		[ "$v" = "$2" ] || { bad "node $1 limit: $v, not $2 (all: $got)"; break; }
	done
done
got=$(series "$out/aware.svg" "node 1 MOVABLE")
last=${got##* }
[ "$last" = 4294967296 ] || bad "node 1 MOVABLE at the end: '$last', not 4 GiB (all: $got)"

# Not numa-aware (same machine), and one node: no per-node chart.
for name in am-numa-unaware am-q35-six-dimms; do
	"$memhp" draw --timeline "$src/tests/conformance/$name.scn" -o "$out/$name.svg" ||
		bad "draw --timeline $name"
	! grep -q 'auto-movable per node' "$out/$name.svg" || bad "$name: a per-node chart"
done

echo "$fail failures"
[ "$fail" -eq 0 ]
