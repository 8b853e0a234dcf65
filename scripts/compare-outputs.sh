#!/usr/bin/env bash
# compare-outputs.sh BASE NEW: runs every scenario of tests/conformance and
# examples on both kernels with two memhp binaries (say, main and a change
# to how the run JSON is made) and compares, byte for byte: the run JSON
# (--json), stdout, stderr and exit status with and without --json, and the
# --sysroot-out trees (diff -r --no-dereference). Prints each difference and
# "N compared, M identical"; exit 0 only when all are identical.
set -u
base=$(realpath "$1"); new=$(realpath "$2"); src=$(cd "$(dirname "$0")/.." && pwd)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
n=0; same=0
check() { # check WHAT A B: cmp or diff -r
  n=$((n + 1))
  if [ -d "$2" ] || [ -d "$3" ]; then
    diff -r --no-dereference "$2" "$3" >/dev/null 2>&1 && { same=$((same + 1)); return; }
  else
    cmp -s "$2" "$3" && { same=$((same + 1)); return; }
  fi
  echo "DIFFERS: $1"
}
run() { # run BIN OUT FILE KERNEL
  mkdir -p "$2"
  (cd "$2" && "$1" run --kernel "$4" "$3" --json run.json >stdout 2>stderr; echo $? >rc)
  (cd "$2" && "$1" run --kernel "$4" "$3" >stdout-nojson 2>stderr-nojson; echo $? >rc-nojson)
  (cd "$2" && "$1" run --kernel "$4" "$3" --quiet --sysroot-out tree >/dev/null 2>&1)
}
for f in "$src"/tests/conformance/*.scn "$src"/examples/*.scn; do
  for k in 6.1 6.12; do
    t=$(basename "$(dirname "$f")")-$(basename "$f" .scn).$k
    run "$base" "$d/b" "$f" $k
    run "$new" "$d/n" "$f" $k
    for x in run.json stdout stderr rc stdout-nojson stderr-nojson rc-nojson; do
      check "$t $x" "$d/b/$x" "$d/n/$x"
    done
    check "$t tree" "$d/b/tree" "$d/n/tree"
    rm -rf "$d/b" "$d/n"
  done
done
echo "$n compared, $same identical"
[ "$n" = "$same" ]
