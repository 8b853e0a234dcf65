#!/usr/bin/env bash
# Runs the libFuzzer harnesses of tests/fuzz, each for SECONDS (default 60),
# in a clang build with ASan and UBSan (build-fuzz/).
#   scripts/fuzz.sh [--smoke | --cpu] [SECONDS] [HARNESS...]
# HARNESS: scenario guest qmp diff capture vmem_request memhp_conf (default: all). Seeds come from
# tests/conformance/ and examples/; tests/fuzz/corpus/NAME/ holds inputs that
# once crashed, run first as regressions. Prints one "fuzz-NAME OK|FAIL"
# line a harness. --smoke: what test.sh runs: the regressions and seeds,
# then SECONDS of fuzzing each, one after another. --cpu: long runs: all
# harnesses at once (nice 15), each stopped once it has used SECONDS of CPU
# time, whatever else the machine does. The growing corpus stays in
# build-fuzz/corpus/NAME; a crash leaves its input in build-fuzz/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --fuzz || exit 1

cpu=false
case "${1:-}" in
--smoke) shift ;;
--cpu) cpu=true && shift ;;
esac
secs=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(scenario guest qmp diff capture vmem_request memhp_conf)

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
	if [ "$name" = vmem_request ]; then
		vmem_request_seeds "$out"
	fi
	if [ "$name" = memhp_conf ]; then
		cp examples/memhp.conf "$out/"
		printf 'online_policy=auto-movable\nauto_movable_ratio = 0x12d # hex\nmemmap_on_memory=force\n' >"$out/set"
	fi
	if [ "$name" = diff ]; then
		for f in tests/conformance/expected/*.6.1.json; do
			local g=${f%.6.1.json}.6.12.json
			[ -f "$g" ] && [ "$(stat -c %s "$f")" -lt 65536 ] || continue
			{ cat "$f"; printf '\0'; cat "$g"; } >"$out/$(basename "$f" .6.1.json)"
		done
	fi
}

# vmem_request_seeds OUT: what a driver sends (12-byte records, see
# tests/fuzz/fuzz_vmem_request.c): plug, state and unplug of the first
# 64 blocks of each device, a new request, time passing.
vmem_request_seeds() {
	local out=$1
	# dev 0 | offset flag; type; offset 0; nb_blocks 64
	printf '\010\000\0\0\0\0\0\0\0\0\100\0' >"$out/plug"
	printf '\010\003\0\0\0\0\0\0\0\0\100\0' >>"$out/plug"
	printf '\010\001\0\0\0\0\0\0\0\0\100\0' >>"$out/plug"
	printf '\011\000\0\0\0\0\0\0\0\0\001\0' >"$out/plug-1g"
	printf '\004\000\0\0\0\200\0\0\0\0\0\0' >"$out/resize"
	printf '\006\000\0\0\0\100\0\0\0\0\0\0' >>"$out/resize"
	printf '\010\002\0\0\0\0\0\0\0\0\0\0' >>"$out/resize"
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
	# memhp doctor's inputs: udev rules (RHEL 9's memory rule) and a
	# daxctl config, as files of a captured tree.
	{
		echo "@@F /sys/devices/system/memory/block_size_bytes"
		echo 8000000
		echo "@@EOF"
		echo "@@F /sys/devices/system/memory/memory48/state"
		echo offline
		echo "@@EOF"
		echo "@@F /usr/lib/udev/rules.d/40-redhat.rules"
		printf '%s\n' 'SUBSYSTEM!="memory", GOTO="memory_hotplug_end"' \
			'ACTION!="add", GOTO="memory_hotplug_end"' 'ENV{.state}="online"' \
			'CONST{virt}=="none", ENV{.state}="online_movable"' \
			'ATTR{state}=="offline", ATTR{state}="$env{.state}"' 'LABEL="memory_hotplug_end"'
		echo "@@EOF"
		echo "@@F /etc/daxctl.conf.d/dax.conf"
		printf '%s\n' '[reconfigure-device unique_identifier_foo]' 'nvdimm.uuid = ed93e918' \
			'mode = system-ram' 'online = true' 'movable = false'
		echo "@@EOF"
	} >"$out/doctor-rules"
}

max_len() {
	case $1 in
	scenario) echo 16384 ;;
	diff | capture) echo 131072 ;;
	*) echo 4096 ;;
	esac
}

# cpu_seconds PID: user + system time so far.
cpu_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) / hz) }' "/proc/$1/stat" 2>/dev/null ||
		echo 0
}

# run_one NAME: fuzzes one harness, then prints its fuzz-NAME line.
run_one() {
	local h=$1 exe=$dir/tests/fuzz/fuzz_$1 log=$dir/fuzz-$1.log wall=$secs pid rc runs used
	# With --cpu the wall-clock bound is only a backstop.
	$cpu && wall=$((secs * 50))
	# detect_leaks: a leak is a finding like a crash.
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		nice -n "$($cpu && echo 15 || echo 0)" \
		"$exe" "$dir/corpus/$h" "tests/fuzz/corpus/$h" "$dir/seeds/$h" \
		-dict=tests/fuzz/memhp.dict -max_total_time="$wall" -timeout=20 \
		-rss_limit_mb=3072 -max_len="$(max_len "$h")" -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$h-" >"$log" 2>&1 &
	pid=$!
	while $cpu && kill -0 "$pid" 2>/dev/null; do
		used=$(cpu_seconds "$pid")
		if [ "$used" -ge "$secs" ]; then
			kill -INT "$pid" # libFuzzer prints its stats and exits 72
			break
		fi
		sleep 5
	done
	wait "$pid"
	rc=$?
	$cpu && [ $rc -eq 72 ] && rc=0
	runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
	if [ $rc -eq 0 ]; then
		echo "fuzz-$h OK (${runs:-0} inputs in ${secs} s$($cpu && echo " of CPU time"))"
	else
		echo "fuzz-$h FAIL: see $log; the input is in $dir/artifacts/ (keep it in tests/fuzz/corpus/$h/ once fixed)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz: )' "$log" | head -5
	fi
	[ $rc -eq 0 ]
}

for h in "${harnesses[@]}"; do
	if [ ! -x "$dir/tests/fuzz/fuzz_$h" ]; then
		echo "fuzz.sh: no harness '$h' (scenario guest qmp diff capture vmem_request memhp_conf)" >&2
		exit 2
	fi
	seeds "$h" "$dir/seeds/$h"
	mkdir -p "$dir/corpus/$h" "$dir/artifacts" "tests/fuzz/corpus/$h"
done
failed=0
if $cpu; then
	for h in "${harnesses[@]}"; do
		run_one "$h" >"$dir/fuzz-$h.result" &
	done
	wait
	for h in "${harnesses[@]}"; do
		cat "$dir/fuzz-$h.result"
		grep -q "^fuzz-$h OK" "$dir/fuzz-$h.result" || failed=$((failed + 1))
	done
else
	for h in "${harnesses[@]}"; do
		run_one "$h" || failed=$((failed + 1))
	done
fi
[ $failed -eq 0 ]
