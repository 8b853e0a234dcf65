#!/usr/bin/env bash
# The report of tests/conformance/am-q35-six-dimms.scn in headless
# Chromium: the page logs no console message (no script error), and at
# snapshot all-six (the page's second map) what the browser draws at
# memory48's cell is a Movable cell in Movable's colour, and its
# explanation says Movable. Real QEMU with Debian's kernels put memory48
# (the first block of dimm1, the first DIMM, at 6 GiB) in ZONE_MOVABLE:
# tests/conformance/expected/am-q35-six-dimms.6.12.json, checked below
# when python3 is there. Skipped (77) without chromium (scripts/deps.sh
# --test installs it as root).
# usage: browser.sh MEMHP SOURCE_DIR
set -u
memhp=$1
src=$2
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "chromium not installed: skipped"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scn=$src/tests/conformance/am-q35-six-dimms.scn
rec=$src/tests/conformance/expected/am-q35-six-dimms.6.12.json
block=48
movable="rgb(230, 126, 34)" # DRAW_COLOUR_MOVABLE, #e67e22

if command -v python3 >/dev/null; then
	zone=$(python3 -c 'import json,sys
s=[s for s in json.load(open(sys.argv[1]))["snapshots"] if s["label"]=="all-six"][0]
print([b.get("zone") for b in s["blocks"] if b["id"]==int(sys.argv[2])][0])' "$rec" $block)
	[ "$zone" = Movable ] || { echo "FAIL: the recording has memory$block in $zone"; exit 1; }
fi
"$memhp" report --kernel 6.12 "$scn" -o "$out/report.html" || exit 1
# HOME: Chromium writes its profile there.
HOME=$out timeout 90 "$chromium" --headless --disable-gpu --no-sandbox --no-first-run \
	--user-data-dir="$out/profile" --enable-logging=stderr --v=0 --window-size=1400,1000 \
	--dump-dom "file://$out/report.html#probe=1:$block" >"$out/dom.html" 2>"$out/log" ||
	{ echo "FAIL: chromium"; tail "$out/log"; exit 1; }
fail=0
if grep -q 'CONSOLE' "$out/log"; then
	echo "FAIL: console messages:"
	grep 'CONSOLE' "$out/log"
	fail=1
fi
probe=$(grep -o '<div id="probe"[^<]*' "$out/dom.html")
echo "probe: $probe"
case $probe in
*"data-fill=\"$movable\""*) ;;
*) echo "FAIL: memory$block is not drawn in Movable's colour $movable"; fail=1 ;;
esac
case $probe in
*'data-class="c z-Movable"'*) ;;
*) echo "FAIL: what is drawn at memory$block is not a Movable cell"; fail=1 ;;
esac
case $probe in
*"data-block=\"$block\""*) ;;
*) echo "FAIL: a click at memory$block's cell is not mapped back to it"; fail=1 ;;
esac
case $probe in
*"memory$block "*"online in Movable"*) ;;
*) echo "FAIL: memory$block's explanation does not say Movable"; fail=1 ;;
esac
exit $fail
