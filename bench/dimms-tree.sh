#!/bin/sh
# bench/dimms-tree.sh [N]: prints a scenario that hot-adds N (default 64)
# 1 GiB DIMMs one by one to a 4 GiB q35 VM whose kernel onlines new memory
# at once, with a snapshot after each (labels s1..sN). Used to time
# `memhp run --sysroot-out DIR` (a tree per snapshot) and --json.
# Not a test: it only generates input.
set -eu
n=${1:-64}
echo "name: dimms-tree-$n"
echo "description: $n DIMM hot-adds on q35, a snapshot after each"
echo "qemu: -M q35 -m 4G,slots=$n,maxmem=$((4 + n))G -smp 1"
echo "kernel-cmdline: memhp_default_state=online"
i=1
while [ "$i" -le "$n" ]; do
	echo "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\", \"id\": \"mem$i\", \"size\": 1073741824}}"
	echo "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", \"id\": \"dimm$i\", \"memdev\": \"mem$i\"}}"
	echo "settle"
	echo "snapshot s$i"
	i=$((i + 1))
done
