#!/usr/bin/env bash
# memhp on bad input, end to end: each check runs the memhp binary and wants
# a non-zero exit with "FILE:LINE: what was expected" (or "--sysroot-out
# 'DIR': ...", "FILE: larger than ...") on stderr, and nothing written
# outside the output folder. Usage: check.sh MEMHP SOURCE_DIR
set -uo pipefail
memhp=$(realpath "$1") src=$(realpath "$2")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1

passed=0
failed=()
# check NAME: the commands since the last check succeeded or not ($ok).
ok=1
fail() {
	echo "    $*"
	ok=0
}
check() {
	if [ "$ok" = 1 ]; then
		echo "[       OK ] $1"
		passed=$((passed + 1))
	else
		echo "[  FAILED  ] $1"
		failed+=("$1")
	fi
	ok=1
}
# expect STATUS PATTERN CMD...: CMD exits with STATUS and its stderr has
# the fixed string PATTERN; stdout and stderr are kept in out/err.
expect() {
	local want=$1 pattern=$2 rc
	shift 2
	timeout 20 "$@" >out 2>err
	rc=$?
	[ "$rc" = "$want" ] || fail "$*: exit $rc, expected $want"
	[ -z "$pattern" ] || grep -qF -- "$pattern" err || fail "$*: stderr '$(head -c 300 err)' lacks '$pattern'"
}

boot4g=$src/lsmem/boot-pc-4g.scn
printf 'qemu: -M pc -m 2G\nsnapshot boot\n' >boot2g.scn

# --sysroot-out '' once wrote /LABEL/{sys,proc} at the filesystem root.
label=memhp-cli-check-$$
printf 'snapshot %s\n' "$label" >label.scn
existed=0
[ -e "/$label" ] && existed=1
expect 2 "--sysroot-out '': expected a directory, got an empty name" \
	"$memhp" run --quiet label.scn --sysroot-out ''
if [ "$existed" = 0 ] && [ -e "/$label" ]; then
	fail "wrote /$label"
	rm -rf "/${label:?}"
fi
check sysroot-out-empty

touch plain
expect 2 "--sysroot-out 'plain': exists and is not a directory; expected a directory" \
	"$memhp" run --quiet "$boot4g" --sysroot-out plain
check sysroot-out-file

expect 2 "--sysroot-out 'no/such/dir': cannot create it: its parent directory does not exist" \
	"$memhp" run --quiet "$boot4g" --sysroot-out no/such/dir
[ -e no ] && fail "created no/"
check sysroot-out-missing-parent

# DIR itself is created when its parent exists (as before).
expect 0 "" "$memhp" run --quiet "$boot4g" --sysroot-out new
[ -f new/boot/sys/devices/system/memory/block_size_bytes ] || fail "new/boot not written"
check sysroot-out-created

# A label longer than NAME_MAX (255 bytes) cannot be a directory name.
printf '# too long\nsnapshot %s\n' "$(printf 'x%.0s' {1..256})" >long.scn
expect 2 "long.scn:2: snapshot: expected a label of at most 255 bytes, got 256" \
	"$memhp" run --quiet long.scn --sysroot-out new
check label-too-long

# A second run replaces the tree: pc with 2 GiB has blocks 0-15 only
# (scenario-format.md), none of the 4 GiB run's blocks 16-23 and 32-39.
mkdir -p again
"$memhp" run --quiet "$boot4g" --sysroot-out again >/dev/null 2>&1
[ -e again/boot/sys/devices/system/memory/memory39 ] || fail "first run wrote no memory39"
expect 0 "" "$memhp" run --quiet boot2g.scn --sysroot-out again
blocks=$(cd again/boot/sys/devices/system/memory && ls -d memory[0-9]* | sort -V | tr '\n' ' ')
want=$(for i in $(seq 0 15); do printf 'memory%d ' "$i"; done)
[ "$blocks" = "$want" ] || fail "blocks after the second run: $blocks"
[ "$(ls -A again)" = boot ] || fail "left in again/: $(ls -A again | tr '\n' ' ')"
check sysroot-out-replaces-earlier-tree

# DIR/LABEL a symlink out of DIR: the link is replaced, its target untouched.
mkdir -p linked victim
echo mine >victim/marker
ln -s ../victim linked/boot
expect 0 "" "$memhp" run --quiet "$boot4g" --sysroot-out linked
[ "$(ls -A victim)" = marker ] || fail "victim/ now holds: $(ls -A victim | tr '\n' ' ')"
[ -d linked/boot ] && [ ! -L linked/boot ] || fail "linked/boot is still a symlink"
check sysroot-out-symlink-not-followed

# Input files are bounded: /dev/zero never ends.
expect 2 "/dev/zero: larger than 16777216 bytes" "$memhp" run /dev/zero
check run-dev-zero
expect 2 "/dev/zero: larger than 16777216 bytes" "$memhp" explain /dev/zero --block 0
check explain-dev-zero
expect 2 "/dev/zero: larger than 16777216 bytes" "$memhp" diff /dev/zero /dev/zero
check diff-dev-zero

# memhp diff: one JSON document per file, errors at FILE:LINE:COLUMN.
"$memhp" run --quiet "$boot4g" --json run.json >/dev/null
printf '{"status": "ok",\n "steps": []}\n\n  {"status": "ok"}\n' >trailing.json
expect 2 "trailing.json:4:3: expected the end of the file after the JSON document, got '{" \
	"$memhp" diff run.json trailing.json
check diff-trailing-garbage
head -n 3 run.json >truncated.json
expect 2 "truncated.json:4:1: the JSON document is cut short; expected the rest of it" \
	"$memhp" diff truncated.json run.json
check diff-truncated
expect 0 "" "$memhp" diff run.json run.json
check diff-same

# --known lists are bounded too (a list that never ends).
mkdir -p known
ln -s /dev/zero known/boot-pc-4g.6.12.txt
expect 2 "memhp conform: --known: known/boot-pc-4g.6.12.txt: larger than 16777216 bytes" \
	"$memhp" conform --quiet --kernel 6.12 --against "$src/conformance/expected" \
	--known known "$boot4g"
check conform-known-dev-zero

# Guest lines outside the shell's set once crashed memhp run's step
# printer (NULL strcmp) after a step without rc or message.
printf 'qemu: -M q35 -m 4G\nguest: cat /sys/devices/system/memory/block_size_bytes; dmesg | grep X\n' >semi.scn
expect 2 "semi.scn:2: guest command not supported: " "$memhp" run semi.scn
grep -qF "several commands on one line" err || fail "no reason in '$(head -c 300 err)'"
check run-guest-several-commands
printf 'qemu: -M q35 -m 4G\nguest: cat relative\n' >relative.scn
expect 2 "relative.scn:2: guest command not supported: " "$memhp" run relative.scn
check run-guest-relative-path
expect 2 "relative.scn:2: guest command not supported: " "$memhp" explain relative.scn --block 1
check explain-guest-relative-path
# A path through a sysfs symlink: the kernel prints the state.
printf 'qemu: -M q35 -m 4G\nguest: cat /sys/devices/system/node/node0/memory1/state\n' >link.scn
expect 0 "" "$memhp" run link.scn
grep -qx "     online" out || fail "no 'online' in: $(head -c 300 out)"
check run-cat-through-node-link
# QEMU refuses -m 1e3 (qemu_strtosz takes no exponent).
printf 'qemu: -M pc -m 1e3\n' >exp.scn
expect 2 "exp.scn:1: qemu: " "$memhp" run exp.scn
check run-qemu-m-exponent
# memhp explain --device: a virtio-mem device's id, exclusive with --block.
vmem=$src/conformance/vmem-offline-threshold.scn
expect 2 "$vmem: there is no virtio-mem device nope at snapshot first-gib" \
	"$memhp" explain "$vmem" --device nope --at first-gib
check explain-device-unknown
expect 2 "memhp explain: --block and --device exclude each other" \
	"$memhp" explain "$vmem" --device vm0 --block 48
check explain-device-and-block
expect 2 "Usage: memhp explain" "$memhp" explain "$vmem"
check explain-neither-device-nor-block
# memhp explain --live: a directory that is no sysroot, a block that is
# not there, options that belong to the model; a tree --sysroot-out wrote.
mkdir nosys
expect 2 "nosys: /sys/devices/system/memory: no such directory" \
	"$memhp" explain --live --sysroot nosys --block 0
check explain-live-no-memory-dir
"$memhp" run --quiet "$boot4g" --sysroot-out trees >/dev/null 2>&1 || fail "memhp run $boot4g"
expect 2 "trees/boot: there is no memory9999" \
	"$memhp" explain --live --sysroot trees/boot --block 9999
check explain-live-no-block
expect 2 "memhp explain: --live explains a running machine: --at does not apply" \
	"$memhp" explain --live --at boot --block 1
check explain-live-at
expect 2 "memhp explain: --live needs --block N" "$memhp" explain --live
check explain-live-no-block-option
expect 2 "memhp explain: --sysroot goes with --live" \
	"$memhp" explain "$boot4g" --sysroot trees/boot --block 1
check explain-sysroot-without-live
expect 0 "" "$memhp" explain --live --sysroot trees/boot --block 39 --json
grep -qF '"live": true' out || fail "no live JSON in: $(head -c 300 out)"
check explain-live-json
# virtio-mem.md §15: 8 blocks offline = the 1 GiB threshold, the ninth
# would make it 1 GiB + 128 MiB.
expect 0 "" "$memhp" explain "$vmem" --device vm0 --at first-gib
grep -qF "but 1 GiB + 128 MiB > 1 GiB: the driver waits (ENOSPC, no timer)" out ||
	fail "no threshold arithmetic in: $(head -c 600 out)"
check explain-device-threshold
# memhp run prints each settle's virtio-mem devices: the threshold stops
# the driver at 1 GiB of the 2 GiB asked (§15), and says why.
expect 0 "" "$memhp" run "$vmem"
grep -qF "virtio-mem vm0: size 1073741824, requested-size 2147483648: ENOSPC: added memory waits to be onlined (offline threshold)" out ||
	fail "no device line in: $(head -c 600 out)"
check run-settle-device-why
# memhp plan: an unknown label, a malformed file, no file; and the load
# command's usage and errors as guest/load.c prints them.
pin=$src/conformance/load-pin-vmem-kernel.scn
expect 2 "no 'snapshot nope' in the scenario; its snapshots: pinned" "$memhp" plan "$pin" --at nope
check plan-unknown-label
printf 'qemu: -M q35 -m 4G\nsettle bogus\n' >badplan.scn
expect 2 "badplan.scn:2:" "$memhp" plan badplan.scn
check plan-malformed
expect 2 "Usage: memhp plan" "$memhp" plan
check plan-no-file
expect 0 "" "$memhp" plan "$pin" --at pinned --json
grep -qF '"by": "pinned"' out || fail "no pinned holder in: $(head -c 600 out)"
check plan-json-pinned
printf 'qemu: -M q35 -m 4G\nguest: load movable a 4097\nguest: load free nope\nguest: load unmovable b 64G\n' >load.scn
expect 0 "" "$memhp" run load.scn
grep -qF "load: usage: load movable|unmovable|pin|hugetlb NAME SIZE|COUNT [node=N]; load free NAME" out ||
	fail "no usage line in: $(head -c 600 out)"
grep -qF "load: nope: No such file or directory" out || fail "no ENOENT in: $(head -c 600 out)"
grep -qF "load: b: Cannot allocate memory" out || fail "no ENOMEM in: $(head -c 600 out)"
check run-load-errors
# explain --device names pinned pages as what holds a block (the pin
# landed in the device, its only Normal memory).
expect 0 "" "$memhp" explain "$pin" --device vm0 --at pinned
grep -qF "online in ZONE_NORMAL with pinned pages: they never migrate" out ||
	fail "no pinned holder in: $(head -c 900 out)"
check explain-device-pinned
# memhp ls refuses what lsmem refuses, with lsmem's words.
expect 1 "memhp ls: cannot open /sys/devices/system/memory: No such file or directory" \
	"$memhp" ls --sysroot "$scratch/nonexistent"
check ls-no-sysroot
mkdir -p empty/sys/devices/system/memory
expect 1 "memhp ls: This system does not support memory blocks" "$memhp" ls --sysroot empty
check ls-no-blocks
expect 1 "memhp ls: unknown column: BOGUS" "$memhp" ls -o BOGUS --sysroot empty
check ls-unknown-column
expect 1 "memhp ls: mutually exclusive arguments: --json --pairs --raw" "$memhp" ls -J -r
check ls-json-raw
expect 1 "memhp ls: mutually exclusive arguments: --split --all" "$memhp" ls -S state -a
check ls-split-all
expect 1 "memhp ls: unsupported --summary argument" "$memhp" ls --summary=maybe
check ls-summary-bad
# The memory tools on bad input: usage errors exit 2, a tree they cannot
# read or a config they refuse exit 1, and nothing is written.
expect 2 "memhp online: expected one SIZE, RANGE or BLOCK argument" "$memhp" online
check online-no-argument
expect 1 "memhp online: Failed to read /sys/devices/system/memory/block_size_bytes" \
	"$memhp" online --sysroot "$scratch/nonexistent" 1G
check online-no-sysroot
"$memhp" run --quiet boot2g.scn --sysroot-out tools >/dev/null 2>&1
cp -r tools/boot tools/before
expect 1 "memhp offline: Size must be aligned to memory block size (128M)" \
	"$memhp" offline --sysroot tools/boot 100M
check offline-unaligned
printf 'online_policy = auto-movable\nauto_movable_ratio = lots\n' >bad.conf
expect 1 "bad.conf:2: expected an unsigned integer" \
	"$memhp" configure --config bad.conf --sysroot tools/boot
diff -r --no-dereference tools/before tools/boot >/dev/null || fail "configure changed the tree on a bad config"
check configure-bad-value
printf 'online_polcy = auto-movable\n' >typo.conf
expect 1 "typo.conf:1: unknown key 'online_polcy'" "$memhp" configure --config typo.conf --dry-run
check configure-unknown-key
expect 1 "memhp configure: $scratch/nonexistent.conf: No such file or directory" \
	"$memhp" configure --config "$scratch/nonexistent.conf" --dry-run
check configure-missing-config
expect 1 "" "$memhp" doctor --sysroot "$scratch/nonexistent"
check doctor-no-sysroot
expect 2 "" "$memhp" doctor --bogus
check doctor-bad-option
# A loop is outside the model's shell: refused as always without
# --real-shell; with it but without FUSE, the device is named (exit 1,
# nothing run); the QEMU backend has the guest's own shell.
expect 2 "$src/fuse/real-shell.scn:12: guest command not supported: \`for b in 40 41 42; do" \
	"$memhp" run --quiet "$src/fuse/real-shell.scn"
check real-shell-not-asked
MEMHP_DEV_FUSE=$scratch/no-fuse expect 1 \
	"memhp run: --real-shell: $scratch/no-fuse: No such file or directory (FUSE is not available here)" \
	"$memhp" run --quiet --real-shell "$src/fuse/real-shell.scn"
[ -s out ] && fail "--real-shell without FUSE printed: $(head -c 300 out)"
check real-shell-no-fuse
expect 2 "memhp run: --real-shell is the model's" "$memhp" run --backend qemu --real-shell "$boot4g"
check real-shell-qemu
# Batch mode: one process, every file under every --matrix combination.
# am-q35-six-dimms under auto-movable: at ratio 301 DIMMs 1-3 go Movable
# and DIMM 1 is ejected at the end (8 GiB Movable left, the scenario's own
# comments and its recorded runs); at ratio 100 the limit (100 % of about
# 3.9 GiB of boot kernel memory) is below one 4 GiB DIMM, so none is
# Movable.
six=$src/conformance/am-q35-six-dimms.scn
expect 0 "" "$memhp" run --quiet --json batch --matrix kernel=6.1,6.12 \
	--matrix memory_hotplug.auto_movable_ratio=100,301 "$six"
for k in 6.1 6.12; do
	grep -Eq "^ok +0 +1\.9G +[0-9.]+G +8G .* am-q35-six-dimms\.$k\.memory_hotplug\.auto_movable_ratio=301\$" out ||
		fail "ratio 301 on $k: $(grep "$k.memory_hotplug.auto_movable_ratio=301" out)"
	grep -Eq "^ok +0 +1\.9G +[0-9.]+G +0 .* am-q35-six-dimms\.$k\.memory_hotplug\.auto_movable_ratio=100\$" out ||
		fail "ratio 100 on $k: $(grep "$k.memory_hotplug.auto_movable_ratio=100" out)"
	for r in 100 301; do
		[ -s "batch/am-q35-six-dimms.$k.memory_hotplug.auto_movable_ratio=$r.json" ] ||
			fail "no batch/am-q35-six-dimms.$k.memory_hotplug.auto_movable_ratio=$r.json"
	done
done
check batch-matrix
expect 2 "memhp run: --matrix 'ratio': expected KEY=V1,V2,... without blanks or '/'" \
	"$memhp" run --quiet --matrix ratio "$six"
check batch-matrix-bad
expect 2 "nosuch.scn: No such file or directory" "$memhp" run --quiet nosuch.scn "$six"
grep -q "^not-run .* nosuch.6.12$" out || fail "no not-run row: $(tail -3 out)"
grep -q "^ok .* am-q35-six-dimms.6.12$" out || fail "the second file did not run: $(tail -3 out)"
check batch-missing-file
# Output files: never over something that is not a regular file (as
# root, --json /dev/null once renamed a file over /dev/null), and never
# through a link left at PATH.tmp.
mkfifo fifo.json
expect 1 "fifo.json: exists and is not a regular file" "$memhp" run --quiet boot2g.scn --json fifo.json
[ -p fifo.json ] || fail "fifo.json is no longer a FIFO"
check json-not-regular
echo keep >victim.txt
ln -s victim.txt out.json.tmp
expect 0 "" "$memhp" run --quiet boot2g.scn --json out.json
[ "$(cat victim.txt)" = keep ] || fail "written through out.json.tmp: $(head -c 100 victim.txt)"
[ -f out.json ] && [ ! -e out.json.tmp ] || fail "out.json not in place"
check json-tmp-link-not-followed
if [ "${#failed[@]}" = 0 ]; then
	echo "[  PASSED  ] $passed test(s)."
	exit 0
fi
echo "[  PASSED  ] $passed test(s)."
echo "[  FAILED  ] ${#failed[@]} test(s), listed below:"
printf '[  FAILED  ] %s\n' "${failed[@]}"
exit 1
