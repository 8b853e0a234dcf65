#!/usr/bin/env bash
# bench/vmem_scale.sh MEMHP [ROUNDS]: issue 11's scale goal. A 4 GiB q35 VM
# with one virtio-mem device of size S under auto-movable: the device is
# grown from 0 to S and shrunk to S/16, for S from 1 GiB to 16 TiB. Prints,
# per size, the median wall time of the whole `memhp run` process, its peak
# RSS, and the cost per memory block the run added (should stay flat).
# Goal at 16 TiB (131,072 blocks): <= 0.2 s wall and <= 64 MiB peak RSS.
# Not a test: the numbers go into notes with this command.
#
# The CPU is qemu64 with vendor=GenuineIntel: with the default qemu64
# (AuthenticAMD) and maxmem past 1012 GiB, QEMU 7.2 moves RAM above 4 GiB
# to 1 TiB (the AMD HyperTransport window), boot RAM then ends at
# 1 TiB + 2 GiB and Linux picks 2 GiB memory blocks: 8,192 blocks, not
# 131,072 (the last row, "16T-amd", is that machine).
set -eu
memhp=${1:?usage: bench/vmem_scale.sh MEMHP [ROUNDS]}
rounds=${2:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

scenario() { # NAME SIZE_GIB [CPU_OPTS]
	local gib=$2 cpu=${3-,vendor=GenuineIntel}
	cat >"$dir/$1.scn" <<SCN
qemu: -M q35 -m 4G,maxmem=$((gib + 4))G -cpu qemu64,phys-bits=48$cpu
qemu: -object memory-backend-ram,id=mem0,size=${gib}G
qemu: -device virtio-mem-pci,id=vm0,memdev=mem0
kernel-cmdline: memhp_default_state=online memory_hotplug.online_policy=auto-movable
host: {"execute": "qom-set", "arguments": {"path": "/machine/peripheral/vm0", "property": "requested-size", "value": $((gib << 30))}}
settle
host: {"execute": "qom-set", "arguments": {"path": "/machine/peripheral/vm0", "property": "requested-size", "value": $((gib << 26))}}
settle
SCN
}

printf '%-8s %8s %10s %12s %14s\n' size blocks 'wall s' 'peak MiB' 'ns per block'
run() { # NAME SIZE_GIB BLOCK_MIB LABEL
	python3 - "$memhp" "$dir/$1.scn" "$rounds" "$2" "$3" "$4" <<'PY'
import os, statistics, subprocess, sys, time
memhp, scn, rounds, gib = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
block_mib, label = int(sys.argv[5]), sys.argv[6]
walls, rss = [], []
for _ in range(rounds):
    t = time.monotonic()
    p = subprocess.Popen([memhp, "run", "--quiet", scn], stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    walls.append(time.monotonic() - t)
    rss.append(ru.ru_maxrss / 1024)
    if status:
        sys.exit(f"memhp run {scn} failed: status {status}")
blocks = gib * 1024 // block_mib
w = statistics.median(walls)
print(f"{label:8s} {blocks:8d} {w:10.3f} {max(rss):12.1f} {w * 1e9 / blocks:14.0f}")
PY
}

for gib in 1 16 256 4096 16384; do
	scenario "s$gib" "$gib"
	run "s$gib" "$gib" 128 "${gib}G"
done
scenario amd 16384 ""
run amd 16384 2048 "16T-amd"
