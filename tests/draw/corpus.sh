#!/usr/bin/env bash
# memhp draw and memhp report on every corpus scenario and example: each
# must succeed, every SVG must be well-formed XML (xmllint) and render
# (rsvg-convert, when installed), every page must be self-contained; and
# where the scenario was recorded on the real kernels, each snapshot's map
# must show every block in the zone the real guest had it in; a report's
# explanations are memhp explain's; a big machine's map stays small; bad
# input is refused.
# usage: corpus.sh MEMHP SOURCE_DIR
set -u
memhp=$1
src=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
checked=0
command -v xmllint >/dev/null || { echo "xmllint missing (libxml2-utils)"; exit 77; }
rsvg=$(command -v rsvg-convert || true)
py=$(command -v python3 || true)

bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

valid_svg() {
	xmllint --noout "$1" || { bad "$1: not well-formed"; return; }
	if [ -n "$rsvg" ]; then
		"$rsvg" "$1" -o "$out/x.png" || bad "$1: rsvg-convert cannot render it"
	fi
}

# The model's known differences from the real kernels (tests/conformance/known).
known() {
	[ -e "$src/tests/conformance/known/$1.$2.json" ] || [ -e "$src/tests/conformance/known/$1.json" ]
}

for scn in "$src"/tests/conformance/*.scn "$src"/examples/*.scn; do
	name=$(basename "$scn" .scn)
	for k in 6.1 6.12; do
		"$memhp" draw --kernel "$k" "$scn" -o "$out/$name.svg" || { bad "draw $scn ($k)"; continue; }
		valid_svg "$out/$name.svg"
		"$memhp" draw --kernel "$k" "$scn" --timeline -o "$out/$name.t.svg" ||
			{ bad "draw --timeline $scn ($k)"; continue; }
		valid_svg "$out/$name.t.svg"
		"$memhp" report --kernel "$k" "$scn" -o "$out/$name.html" || { bad "report $scn ($k)"; continue; }
		grep -Eiq '<(script|img|link|iframe)[^>]* (src|href)=' "$out/$name.html" &&
			bad "$name.html fetches something"
		grep -q '</html>' "$out/$name.html" || bad "$name.html incomplete"
		for label in $(sed -n 's/^snapshot[[:space:]]\+\([^[:space:]]*\).*/\1/p' "$scn"); do
			"$memhp" draw --kernel "$k" "$scn" --at "$label" -o "$out/$name.$label.svg" ||
				{ bad "draw $scn --at $label ($k)"; continue; }
			valid_svg "$out/$name.$label.svg"
			rec=$src/tests/conformance/expected/$name.$k.json
			if [ -n "$py" ] && [ -e "$rec" ] && ! known "$name" "$k"; then
				"$py" "$src/tests/draw/map_vs_recording.py" "$out/$name.$label.svg" "$rec" \
					"$label" >/dev/null || bad "$name at $label ($k): map differs from the recording"
			fi
		done
		checked=$((checked + 1))
	done
done
# A clicked block's explanation is memhp explain's.
if [ -n "$py" ]; then
	for name in am-q35-six-dimms vmem-example-b; do
		"$memhp" report "$src/tests/conformance/$name.scn" -o "$out/$name.html" &&
			"$py" "$src/tests/draw/report_vs_explain.py" "$memhp" \
				"$src/tests/conformance/$name.scn" "$out/$name.html" 5 >/dev/null ||
			bad "$name.html: explanations differ from memhp explain"
	done
fi

# A big machine: the map's size follows the runs of cells, not the blocks.
big=$src/tests/draw/big-virtio-mem.scn
if "$memhp" draw "$big" -o "$out/big.svg" && "$memhp" report "$big" -o "$out/big.html"; then
	valid_svg "$out/big.svg"
	size=$(wc -c <"$out/big.svg")
	[ "$size" -lt 65536 ] || bad "big.svg: $size bytes for 16351 cells in a few runs"
	grep -q '16351 memory blocks' "$out/big.svg" || bad "big.svg: not 16351 cells"
else
	bad "draw/report $big"
fi

# Bad input: the reason, exit status 2, nothing written.
expect_usage() {
	local want=$1 got
	shift
	got=$("$memhp" "$@" 2>&1 >/dev/null)
	local rc=$?
	[ "$rc" -eq 2 ] || bad "memhp $*: exit $rc, not 2"
	case $got in *"$want"*) ;; *) bad "memhp $*: said '$got', not '$want'" ;; esac
}
scn=$src/tests/conformance/vmem-example-b.scn
expect_usage "no 'snapshot nosuch' in the scenario" draw "$scn" --at nosuch -o "$out/bad.svg"
expect_usage "does not apply" draw "$scn" --timeline --at grown -o "$out/bad.svg"
expect_usage "Usage: memhp draw" draw "$scn"
expect_usage "Usage: memhp report" report "$scn"
expect_usage "No such file" report "$out/none.scn" -o "$out/bad.html"
printf 'qemu: -M q35 -m 4G\nguest: ls /\n' >"$out/guest.scn"
expect_usage "guest.scn:2: guest command not supported" report "$out/guest.scn" -o "$out/bad.html"
[ ! -e "$out/bad.svg" ] && [ ! -e "$out/bad.html" ] || bad "a refused command wrote its output"

echo "$checked scenario runs drawn and reported, $fail failures"
[ "$fail" -eq 0 ]
