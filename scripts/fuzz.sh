#!/usr/bin/env bash
# Runs the libFuzzer harnesses of tests/fuzz, each for SECONDS (default 60),
# in a clang build with ASan and UBSan (build-fuzz/).
#   scripts/fuzz.sh [--smoke] [SECONDS] [HARNESS...]
# HARNESS: scenario guest qmp diff capture (default: all). Seeds come from
# tests/conformance/ and examples/; tests/fuzz/corpus/NAME/ holds inputs that
# once crashed, run first as regressions. --smoke: what test.sh runs: the
# regressions and seeds, then SECONDS of fuzzing each; prints one
# "fuzz-NAME OK|FAIL" line a harness. The growing corpus stays in
# build-fuzz/corpus/NAME; a crash leaves its input in build-fuzz/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --fuzz || exit 1

smoke=false
if [ "${1:-}" = "--smoke" ]; then
	smoke=true
	shift
fi
secs=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(scenario guest qmp diff capture)

dir=build-fuzz
if [ ! -d "$dir" ]; then
	CC=clang meson setup "$dir" -Dfuzz=true -Dtests=false -Db_lto=false \
		-Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link -Dc_link_args=-fsanitize=fuzzer-no-link \
		>/dev/null || exit 1
fi
ninja -C "$dir" >/dev/null || { ninja -C "$dir" | tail -20; exit 1; }

# seeds NAME OUT: the seed inputs of one harness, made from the scenarios.
# guest and qmp inputs start with the byte that picks their machine.
seeds() {
	local name=$1 out=$2 f n=0 b
	rm -rf "$out"
	mkdir -p "$out"
	for f in tests/conformance/*.scn examples/*.scn; do
		n=$((n + 1))
		b="\\$(printf '%03o' $((n % 4 + 1)))" # an escape for printf
		case $name in
		scenario) cp "$f" "$out/$(basename "$f")" ;;
		guest) { printf "$b"; sed -n 's/^guest: //p' "$f"; } >"$out/$(basename "$f" .scn)" ;;
		qmp) { printf "$b"; sed -n 's/^host: //p' "$f"; } >"$out/$(basename "$f" .scn)" ;;
		esac
	done
	if [ "$name" = capture ]; then
		capture_seeds "$out"
	fi
	if [ "$name" = diff ]; then
		for f in tests/conformance/expected/*.6.1.json; do
			local g=${f%.6.1.json}.6.12.json
			[ -f "$g" ] && [ "$(stat -c %s "$f")" -lt 65536 ] || continue
			{ cat "$f"; printf '\0'; cat "$g"; } >"$out/$(basename "$f" .6.1.json)"
		done
	fi
}

# capture_seeds OUT: what guest/memhp-snapshot would print for a few of
# the model's own snapshot trees (its paths rewritten to the tree's root).
capture_seeds() {
	local out=$1 tmp f root
	tmp=$(mktemp -d)
	for f in tests/conformance/boot-q35-numa.scn tests/conformance/dimm-eject-online.scn \
		tests/conformance/mom-q35-dimms.scn examples/pc-six-dimms.scn; do
		"$dir/cli/memhp" run -q "$f" --sysroot-out "$tmp/$(basename "$f" .scn)" \
			>/dev/null 2>&1
	done
	for root in "$tmp"/*/*/; do
		root=${root%/}
		sed "s#/sys/#$root/sys/#g; s#/proc/#$root/proc/#g" guest/memhp-snapshot |
			sh 2>/dev/null | sed "s#^\(@@[FLX]\) $root#\1 #" \
			>"$out/$(basename "$(dirname "$root")")-$(basename "$root")"
	done
	rm -rf "$tmp"
}

max_len() {
	case $1 in
	scenario) echo 16384 ;;
	diff | capture) echo 131072 ;;
	*) echo 4096 ;;
	esac
}

failed=0
for h in "${harnesses[@]}"; do
	exe=$dir/tests/fuzz/fuzz_$h
	if [ ! -x "$exe" ]; then
		echo "fuzz.sh: no harness '$h' (scenario guest qmp diff capture)" >&2
		exit 2
	fi
	seeds "$h" "$dir/seeds/$h"
	mkdir -p "$dir/corpus/$h" "$dir/artifacts" "tests/fuzz/corpus/$h"
	log=$dir/fuzz-$h.log
	# detect_leaks: a leak is a finding like a crash.
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$exe" "$dir/corpus/$h" "tests/fuzz/corpus/$h" "$dir/seeds/$h" \
		-dict=tests/fuzz/memhp.dict -max_total_time="$secs" -timeout=20 \
		-rss_limit_mb=3072 -max_len="$(max_len "$h")" -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$h-" >"$log" 2>&1
	rc=$?
	runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
	if [ $rc -eq 0 ]; then
		echo "fuzz-$h OK (${runs:-0} inputs in ${secs} s)"
	else
		failed=$((failed + 1))
		echo "fuzz-$h FAIL: see $log; the input is in $dir/artifacts/ (keep it in tests/fuzz/corpus/$h/ once fixed)"
		$smoke && grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5
	fi
done
[ $failed -eq 0 ]
