#!/usr/bin/env bash
# bench/tree_bench.sh BASE NEW [ROUNDS] [WHERE]: the whole-process wall time
# of `memhp run --sysroot-out` for 64 DIMM hot-adds with a tree per
# snapshot (bench/dimms-tree.sh), BASE and NEW alternating, each run into a
# fresh folder under WHERE (default: a new directory in /tmp). Prints each
# run and the medians, with and without --json. Folders are removed only at
# the end: ext4 allocates inodes slowly for a minute after many deletions
# (ext4's recently_deleted()), which would charge one run for the last;
# on tmpfs (WHERE=/dev/shm) set CLEAN_EACH=1 to free memory after each run.
# Not a test: the numbers go into notes with this command.
set -eu
base=${1:?usage: bench/tree_bench.sh BASE NEW [ROUNDS] [WHERE]}
new=${2:?usage: bench/tree_bench.sh BASE NEW [ROUNDS] [WHERE]}
rounds=${3:-5}
where=$(mktemp -d "${4:-/tmp}/memhp-tree-bench.XXXXXX")
trap 'rm -rf "$where"' EXIT
"$(dirname "$0")/dimms-tree.sh" 64 >"$where/d64.scn"
python3 - "$base" "$new" "$rounds" "$where" <<'PY'
import os, statistics, subprocess, sys, time
base, new, rounds, where = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
n = 0
def run(binary, json):
    global n
    n += 1
    cmd = [binary, "run", "-q", f"{where}/d64.scn", "--sysroot-out", f"{where}/out{n}"]
    if json:
        cmd += ["--json", f"{where}/out{n}.json"]
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    t = time.monotonic() - t
    if os.environ.get("CLEAN_EACH") == "1":
        subprocess.run(["rm", "-rf", f"{where}/out{n}", f"{where}/out{n}.json"], check=True)
    return t
for json in (True, False):
    times = {"base": [], "new": []}
    for _ in range(rounds):
        for name, binary in (("base", base), ("new", new)):
            times[name].append(run(binary, json))
    b, w = statistics.median(times["base"]), statistics.median(times["new"])
    label = "--json + trees" if json else "trees only"
    print(f"{label}: base " + " ".join(f"{x:.2f}" for x in times["base"]))
    print(f"{label}: new  " + " ".join(f"{x:.2f}" for x in times["new"]))
    print(f"{label}: median base {b:.3f} s, new {w:.3f} s, ratio {b / w:.1f}x")
PY
