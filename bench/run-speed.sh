#!/usr/bin/env bash
# bench/run-speed.sh BASE NEW [ROUNDS]: whole-process wall time and peak RSS
# of `memhp run --quiet` for two binaries, alternating base and new ROUNDS
# times (default 7) on each case: the corpus's am-q35-six-dimms.scn with
# --json, and bench/dimms.sh 256 (a snapshot after each of 256 DIMM
# hot-adds) with --json and without (the model alone). Prints medians
# (milliseconds, max RSS KiB from /usr/bin/time -f %M)
# and the ratios new/base.
set -eu
base=$(realpath "$1"); new=$(realpath "$2"); n=${3:-7}
src=$(cd "$(dirname "$0")/.." && pwd); d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
"$src/bench/dimms.sh" 256 > "$d/dimms256.scn"
python3 - "$base" "$new" "$n" "$d" "$src" <<'PY'
import os, sys, time, statistics as st
base, new, n, d, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
def one(binary, args):
    # posix_spawn: the child's peak RSS is its own, not a forked copy of
    # this interpreter's.
    t = time.perf_counter()
    pid = os.posix_spawn(binary, [binary, "run", "--quiet"] + args, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                       (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    os.waitpid(pid, 0)
    ms = (time.perf_counter() - t) * 1e3
    # The peak RSS from /usr/bin/time in a second run: a child spawned from
    # here shares (and is charged) this interpreter's pages until exec.
    pid = os.posix_spawn("/usr/bin/time", ["time", "-f", "%M", "-o", f"{d}/rss", binary, "run",
                         "--quiet"] + args, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                       (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    os.waitpid(pid, 0)
    return ms, int(open(f"{d}/rss").read().split()[-1])
cases = [("am-q35-six-dimms --json", [f"{src}/tests/conformance/am-q35-six-dimms.scn", "--json", f"{d}/o.json"]),
         ("dimms 256 --json", [f"{d}/dimms256.scn", "--json", f"{d}/o.json"]),
         ("dimms 256 (model alone)", [f"{d}/dimms256.scn"])]
for name, args in cases:
    B, N = [], []
    for _ in range(n):
        B.append(one(base, args)); N.append(one(new, args))
    bt, nt = st.median(x[0] for x in B), st.median(x[0] for x in N)
    bm, nm = st.median(x[1] for x in B), st.median(x[1] for x in N)
    print(f"{name:25s} base {bt:8.1f} ms {bm:7.0f} KiB | new {nt:8.1f} ms {nm:7.0f} KiB | "
          f"time new/base {nt/bt:5.3f}  rss new/base {nm/bm:5.3f}", flush=True)
PY
