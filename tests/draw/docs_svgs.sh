#!/usr/bin/env bash
# The README's pictures (docs/*.svg) are memhp draw's output for the seeds'
# scenarios: regenerate each with this build, as the README says they were
# made, and fail if one differs. The comparison is byte for byte: the
# drawing is deterministic (no time, no locale: memhp never calls
# setlocale()), and the caption is the scenario's path as given, hence the
# run from the source root with the README's relative paths.
# usage: docs_svgs.sh MEMHP SOURCE_DIR
set -u
memhp=$(realpath "$1")
cd "$2" || exit 1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0

# check SVG ARGS...: docs/SVG is `memhp draw ARGS -o docs/SVG`.
check() {
	local svg=$1
	shift
	if ! "$memhp" draw "$@" -o "$out/$svg"; then
		echo "FAIL: memhp draw $* failed"
		fail=$((fail + 1))
	elif ! cmp -s "$out/$svg" "docs/$svg"; then
		echo "docs/$svg is stale: regenerate with (from the source root)"
		echo "  memhp draw $* -o docs/$svg"
		diff -u "docs/$svg" "$out/$svg" | head -20
		fail=$((fail + 1))
	fi
}

check map-q35-six-dimms.svg tests/conformance/am-q35-six-dimms.scn --at all-six
check map-vmem-example-b.svg tests/conformance/vmem-example-b.scn --at grown
check timeline-vmem-example-b.svg tests/conformance/vmem-example-b.scn --timeline

# Every picture under docs/ is checked above.
for f in docs/*.svg; do
	case ${f#docs/} in
	map-q35-six-dimms.svg | map-vmem-example-b.svg | timeline-vmem-example-b.svg) ;;
	*)
		echo "FAIL: $f: not checked by tests/draw/docs_svgs.sh"
		fail=$((fail + 1))
		;;
	esac
done
echo "$fail failures"
[ "$fail" -eq 0 ]
