#!/usr/bin/env bash
# model-outputs.sh MEMHP OUT: every model output of the corpus and the
# examples (run JSON, stdout, sysroot trees as md5 lists, explain text and
# JSON, error messages and usage errors), so that a refactor can be shown to
# change none of them: run it with the binary before and after, then
# diff -r the two OUT folders.
set -u
memhp=$(realpath "$1"); out=$(realpath -m "$2"); src=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"; mkdir -p "$out"
for f in "$src"/tests/conformance/*.scn "$src"/examples/*.scn "$src"/tests/lsmem/*.scn; do
  n=$(basename "$(dirname "$f")")-$(basename "$f" .scn)
  for k in 6.1 6.12; do
    o=$out/$n.$k; mkdir -p "$o"
    "$memhp" run --kernel $k "$f" --json "$o/run.json" --sysroot-out "$o/tree" >"$o/stdout" 2>"$o/stderr"; echo $? >"$o/rc"
    (cd "$o/tree" 2>/dev/null && { find . -type f | sort | xargs -r md5sum > "$o/tree.md5"; find . | sort > "$o/tree.list"; }); rm -rf "$o/tree"
    # explain every block that exists in any snapshot, at the end
    for b in 0 1 8 16 31 32 33 39 40 47 48 64 72 80 100 136 200 264; do
      "$memhp" explain --kernel $k "$f" --block $b >"$o/explain.$b" 2>&1; echo "rc $?" >>"$o/explain.$b"
      "$memhp" explain --kernel $k "$f" --block $b --json >"$o/explainj.$b" 2>&1; echo "rc $?" >>"$o/explainj.$b"
    done
    for l in $(grep -oE '^snapshot +[A-Za-z0-9_.-]+' "$f" | awk '{print $2}' | head -3); do
      "$memhp" explain --kernel $k "$f" --block 40 --at "$l" >"$o/explain-at-$l" 2>&1; echo "rc $?" >>"$o/explain-at-$l"
    done
  done
done
# bad inputs and usage errors
e=$out/errors; mkdir -p $e; i=0
bad() { i=$((i+1)); printf '%s\n' "$@" > $e/bad$i.scn; (cd $e && "$memhp" run bad$i.scn --json $i.json) >$e/$i.out 2>&1; echo "rc $?" >>$e/$i.out; }
bad 'nonsense'
bad 'qemu: -M pc -m 4G' 'host: {"execute":"device_add","arguments":{"driver":"virtio-mem-pci","id":"x"}}' 'settle'
bad 'qemu: -M pc -m 4G,slots=4,maxmem=64G' 'host: {"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"m0","size":1073741824}}' 'host: {"execute":"device_add","arguments":{"driver":"pc-dimm","id":"d0","memdev":"m0"}}' 'settle' 'guest: setstate online 40' 'guest: cat /sys/devices/system/memory/memory40/state' 'host: {"execute":"device_del","arguments":{"id":"d0"}}' 'settle' 'snapshot s'
bad 'qemu: -M pc -m 4G' 'host: {"execute":"nope"}' 'host: {"execute":"query-memory-devices"}' 'host: {"execute":"query-memory-size-summary"}' 'host: {"execute":"qom-get","arguments":{"path":"/machine","property":"x"}}'
bad 'qemu: -M pc -m 1e3'
bad 'qemu: -M pc -m 4G' 'guest: echo online > /sys/devices/system/memory/memory8/state' 'guest: cat /nothing'
bad 'qemu: -M q35 -m 4G,slots=2,maxmem=16G -object memory-backend-ram,id=m,size=1G -device pc-dimm,memdev=m,id=d' 'kernel-cmdline: memhp_default_state=online memory_hotplug.online_policy=auto-movable' 'snapshot x'
"$memhp" run >$e/u1 2>&1; echo "rc $?" >>$e/u1
"$memhp" explain >$e/u2 2>&1; echo "rc $?" >>$e/u2
"$memhp" diff >$e/u3 2>&1; echo "rc $?" >>$e/u3
(cd "$out" && "$memhp" diff conformance-boot-pc-4g.6.1/run.json conformance-boot-pc-4g.6.12/run.json) >$e/u4 2>&1; echo "rc $?" >>$e/u4
"$memhp" conform --against $src/tests/conformance/expected --known $src/tests/conformance/known $src/tests/conformance/*.scn >$e/u5 2>&1; echo "rc $?" >>$e/u5
"$memhp" --help >$e/u6 2>&1; echo "rc $?" >>$e/u6
