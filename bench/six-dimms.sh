#!/usr/bin/env bash
# bench/six-dimms.sh BASE NEW [ROUNDS]: the issue's whole-process measure,
# `memhp run --quiet tests/conformance/am-q35-six-dimms.scn --json OUT`,
# for two binaries and /bin/true (the floor any process pays here),
# alternating, ROUNDS times each (default 300), spawned without a shell.
# Prints the median and quartiles in milliseconds. Single runs take about
# 2 ms, so only many alternating runs on a quiet machine compare fairly.
# Not a test: the numbers go into notes with this command.
set -eu
base=$(realpath "$1"); new=$(realpath "$2"); n=${3:-300}
src=$(cd "$(dirname "$0")/.." && pwd); d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
python3 - "$base" "$new" "$n" "$d" "$src" <<'PY'
import os, sys, time, statistics as st
base, new, n, d, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
scn = f"{src}/tests/conformance/am-q35-six-dimms.scn"
cmds = {"base": [base, "run", "--quiet", scn, "--json", f"{d}/b.json"],
        "new": [new, "run", "--quiet", scn, "--json", f"{d}/n.json"],
        "/bin/true": ["/bin/true"]}
out = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
       (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
t = {k: [] for k in cmds}
for _ in range(n):
    for k, argv in cmds.items():
        s = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=out)
        _, status = os.waitpid(pid, 0)
        t[k].append((time.perf_counter() - s) * 1e3)
        if status:
            sys.exit(f"{' '.join(argv)}: exit status {status}")
for k, v in t.items():
    q = st.quantiles(v, n=4)
    print(f"{k:10s} median {st.median(v):6.3f} ms  (quartiles {q[0]:.3f} - {q[2]:.3f})")
print(f"new/base {st.median(t['new']) / st.median(t['base']):.3f}")
PY
