#!/usr/bin/env bash
# bench/dimms.sh N [SIZE]: prints a scenario that hot-adds N DIMMs of SIZE
# (default 1G; 128M, 1G, ... as QEMU's size suffixes) one by one into a 4 GiB
# q35 VM with N slots, settles and takes a snapshot after each: the run
# JSON then holds N snapshots of a growing machine (issue 14's case).
#   bench/dimms.sh 256 > /tmp/d.scn && memhp run --quiet /tmp/d.scn --json /tmp/d.json
set -eu
n=${1:?usage: dimms.sh N [SIZE]}; size=${2:-1G}
bytes=$(numfmt --from=iec "$size")
echo "qemu: -M q35 -m 4G,slots=$n,maxmem=$((4 + (n * bytes + (1 << 30) - 1) / (1 << 30)))G"
echo "kernel-cmdline: memhp_default_state=online"
for i in $(seq "$n"); do
  echo "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\", \"id\": \"mem$i\", \"size\": $bytes}}"
  echo "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", \"id\": \"dimm$i\", \"memdev\": \"mem$i\"}}"
  echo "settle"
  echo "snapshot s$i"
done
