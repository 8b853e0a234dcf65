#!/usr/bin/env bash
# bench/compare.sh BASE NEW [ROUNDS]: runs two bench_scale binaries (say,
# before and after a change) alternately, ROUNDS times each (default 7), so
# that a noisy machine weighs on both alike;
# prints per row the median ns of each and the ratio new/base.
base=$1; new=$2; n=${3:-7}; d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
for i in $(seq $n); do
  "$base" > $d/b$i.txt; "$new" > $d/n$i.txt
done
python3 - "$d" "$n" <<'PY'
import re,sys,statistics,glob
d,n=sys.argv[1],int(sys.argv[2])
def rows(f):
    out=[];sec=None
    for l in open(f):
        if l and not l.startswith(' '): sec=l.strip()
        m=re.search(r'^\s+(.*?)\s{2,}.*?(\d+) ns/(op|online)',l)
        if m: out.append((sec[:28]+' | '+m.group(1).strip(), int(m.group(2))))
    return out
B=[rows(f"{d}/b{i}.txt") for i in range(1,n+1)]; N=[rows(f"{d}/n{i}.txt") for i in range(1,n+1)]
for k in range(len(B[0])):
    name=B[0][k][0]; b=statistics.median(r[k][1] for r in B); nn=statistics.median(r[k][1] for r in N)
    print(f"{name:60s} base {b:6.0f} ns  new {nn:6.0f} ns  new/base {nn/b:5.2f}")
PY
