#!/usr/bin/env bash
# Builds memhp and runs every test, then the whole suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer, then a short run of each
# libFuzzer harness (scripts/fuzz.sh). Last line: N passed, N failed.
set -uo pipefail
cd "$(dirname "$0")"
scripts/deps.sh --test || exit 1

passed=0
failed=0
# plain_results OK|FAIL SUMMARY: how many lsmem-/conformance-/fuzz- tests (not
# cmocka programs) passed or failed; "N/M [suite /] name RESULT time".
plain_results() {
	awk -v want="$1" '{
		for (i = 2; i < NF; i++) {
			if ($i !~ /^(lsmem|conformance|fuzz|draw)-/)
				continue
			r = $(i + 1)
			good = r == "OK" || r == "EXPECTEDFAIL"
			if ((want == "OK" && good) || (want == "FAIL" && !good && r != "SKIP"))
				n++
			break
		}
	} END { print n + 0 }' "$2"
}
run_suite() {
	local dir=$1
	shift
	if [ ! -d "$dir" ]; then
		meson setup "$dir" "$@" >/dev/null || { failed=$((failed + 1)); return; }
	fi
	if ! ninja -C "$dir" >/dev/null; then
		ninja -C "$dir" | tail -20
		failed=$((failed + 1))
		return
	fi
	meson test -C "$dir" --print-errorlogs --num-processes 2 | tee "$dir/test-summary.txt" | grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Expected|Unexpected|Skipped|Timeout):' || true
	# Count test cases, not executables: cmocka's own summary lines.
	local log="$dir/meson-logs/testlog.txt" ok fail broken
	ok=$(awk '/^\[  PASSED  \] [0-9]+ test/ {s += $4} END {print s + 0}' "$log")
	fail=$(awk '/^\[  FAILED  \] [0-9]+ test/ {s += $4} END {print s + 0}' "$log")
	broken=$(awk '/^(Fail|Timeout):/ {s += $NF} END {print s + 0}' "$dir/test-summary.txt")
	# Tests that are not cmocka programs count one each: the lsmem checks,
	# the conformance corpus (model against recorded real-kernel runs),
	# the memhp fuzz smoke run and the draw/report checks.
	local plain_ok plain_fail
	plain_ok=$(plain_results OK "$dir/test-summary.txt")
	plain_fail=$(plain_results FAIL "$dir/test-summary.txt")
	ok=$((ok + plain_ok))
	fail=$((fail + plain_fail))
	# An executable that crashed before its summary still counts as failed.
	[ "$fail" -lt "$broken" ] && fail=$broken
	passed=$((passed + ok))
	failed=$((failed + fail))
}

echo "== tests =="
run_suite build
echo "== tests under ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_suite build-sanitize -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false -Dbuildtype=debug
# Each libFuzzer harness: its crash regressions and seeds, then a short
# run (tests/fuzz; FUZZ_SECONDS each, 30 by default, to fit CI's budget).
echo "== fuzz smoke =="
fuzz_log=$(mktemp)
scripts/fuzz.sh --smoke "${FUZZ_SECONDS:-30}" | tee "$fuzz_log"
passed=$((passed + $(grep -c '^fuzz-[a-z_]* OK' "$fuzz_log")))
failed=$((failed + $(grep -c '^fuzz-[a-z_]* FAIL' "$fuzz_log")))
grep -q '^fuzz-' "$fuzz_log" || failed=$((failed + 1)) # it did not even build
rm -f "$fuzz_log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
