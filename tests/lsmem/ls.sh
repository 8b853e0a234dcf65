#!/usr/bin/env bash
# memhp ls against the installed lsmem (util-linux 2.38.1), byte for byte:
# every option set of lsmem's own tests (tests/ts/lsmem) and more, on the
# dumps in ../shared/lsmem-dumps (if present), on memhp's own snapshot
# trees and on this machine's /sys (read only).
# Usage: ls.sh MEMHP SOURCE_DIR
set -uo pipefail
memhp=$(realpath "$1") src=$(realpath "$2")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cols=RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE
optsets=(
	""
	"--split=STATE,REMOVABLE"
	"--output RANGE,SIZE --split none"
	"--output RANGE,SIZE,STATE --split STATE"
	"--all --output $cols"
	"--raw --output $cols --split $cols"
	"--json --output $cols --split $cols"
	"-o +ZONES"
	"-a" "-b" "-n" "-P" "-r" "-J" "--output-all" "-b -J --output-all"
	"-P -o +zones,node" "--summary" "--summary=only" "--summary=never" "-b --summary=only"
	"-S zones -o range,zones" "-n -r -o block,state"
)
passed=0 failed=0
compare() { # NAME SYSROOT
	local before=$failed
	for opts in "${optsets[@]}"; do
		# shellcheck disable=SC2086 # one word per option
		"$memhp" ls $opts --sysroot "$2" >"$scratch/memhp" 2>&1
		local a=$?
		# shellcheck disable=SC2086
		lsmem $opts --sysroot "$2" >"$scratch/lsmem" 2>&1
		local b=$?
		if [ "$a" = "$b" ] && cmp -s "$scratch/memhp" "$scratch/lsmem"; then
			passed=$((passed + 1))
		else
			echo "[  FAILED  ] $1: memhp ls $opts (exit $a, lsmem $b)"
			diff "$scratch/lsmem" "$scratch/memhp" | head -5
			failed=$((failed + 1))
		fi
	done
	[ "$failed" = "$before" ] && echo "[       OK ] $1 (${#optsets[@]} option sets)"
}

dumps=$src/../../shared/lsmem-dumps
[ -d "$dumps" ] || echo "[  SKIPPED ] the dumps: no $dumps next to this checkout"
for t in "$dumps"/*.tar.bz2; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .tar.bz2)
	mkdir -p "$scratch/dumps" && tar -xjf "$t" -C "$scratch/dumps" || continue
	compare "dump $name" "$scratch/dumps/$name"
done
# memhp's own trees: boot layouts, DIMMs onlined and removed, virtio-mem.
for scn in "$src/../examples/pc-six-dimms.scn" "$src/../examples/q35-virtio-mem.scn" \
	"$src/conformance/boot-offline-q35-numa.scn" "$src/conformance/load-six-dimms.scn"; do
	out=$scratch/$(basename "$scn" .scn)
	"$memhp" run --quiet "$scn" --sysroot-out "$out" >/dev/null 2>&1 || {
		echo "[  FAILED  ] memhp run $scn"
		failed=$((failed + 1))
		continue
	}
	for label in "$out"/*; do
		compare "$(basename "$scn") at $(basename "$label")" "$label"
	done
done
if [ -e /sys/devices/system/memory/block_size_bytes ]; then
	compare "this machine's /sys" /
fi
echo "[  PASSED  ] $passed comparison(s)."
[ "$failed" = 0 ]
