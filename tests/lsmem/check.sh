#!/usr/bin/env bash
# lsmem --sysroot on memhp's boot snapshot must print what the real kernel's
# sysfs makes it print (expected files written from the spec's block lists).
set -euo pipefail
memhp=$1 dir=$2 name=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$memhp" run --quiet "$dir/$name.scn" --sysroot-out "$out" >/dev/null
lsmem --sysroot "$out/boot" -o RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES >"$out/actual"
if diff -u "$dir/$name.expected" "$out/actual"; then
	echo "[  PASSED  ] 1 test(s)."
else
	echo "[  FAILED  ] 1 test(s), listed below:"
	exit 1
fi
