#!/usr/bin/env bash
# Builds memhp and runs the bundled example: six 4 GiB DIMMs hot-added to a
# 4 GiB pc VM, one removed again; prints every step, the final layout, and
# lsmem's view of the snapshot the model wrote, and why block 136 is Normal.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
rm -rf out/example
./build/cli/memhp run examples/pc-six-dimms.scn --sysroot-out out/example --json out/example.json
echo
echo "lsmem --sysroot out/example/after-remove:"
lsmem --sysroot out/example/after-remove -o RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES
echo
echo "memhp explain examples/pc-six-dimms.scn --block 136 --at all-six:"
./build/cli/memhp explain examples/pc-six-dimms.scn --block 136 --at all-six
