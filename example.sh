#!/usr/bin/env bash
# Builds memhp and runs the bundled examples: six 4 GiB DIMMs hot-added to a
# 4 GiB pc VM, one removed again (every step, the final layout, lsmem's view
# of the snapshot the model wrote, and why block 136 is Normal); then a
# virtio-mem device on a q35 VM grown to 16 GiB and shrunk by 1 GiB, and
# why its blocks are where they are; then a virtio-mem device under a
# workload, and what memhp plan says could be unplugged.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
rm -rf out/example out/example-vmem
mkdir -p out
./build/cli/memhp run examples/pc-six-dimms.scn --sysroot-out out/example --json out/example.json
echo
echo "lsmem --sysroot out/example/after-remove:"
lsmem --sysroot out/example/after-remove -o RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES
echo
echo "memhp explain examples/pc-six-dimms.scn --block 136 --at all-six:"
./build/cli/memhp explain examples/pc-six-dimms.scn --block 136 --at all-six
echo
echo "memhp run --quiet examples/q35-virtio-mem.scn (a virtio-mem device grown to 16 GiB, then 15):"
./build/cli/memhp run --quiet examples/q35-virtio-mem.scn --sysroot-out out/example-vmem
echo
echo "memhp explain examples/q35-virtio-mem.scn --device vm0 --at grown:"
./build/cli/memhp explain examples/q35-virtio-mem.scn --device vm0 --at grown
echo
echo "memhp run --quiet examples/q35-workload.scn (a virtio-mem device under load, asked to shrink):"
./build/cli/memhp run --quiet examples/q35-workload.scn
echo
echo "memhp plan examples/q35-workload.scn --at loaded:"
./build/cli/memhp plan examples/q35-workload.scn --at loaded
