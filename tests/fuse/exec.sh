#!/usr/bin/env bash
# memhp exec and memhp mount end to end: real tools (lsmem, chmem, a
# shell) on the model's /sys and /proc served over FUSE.
# Usage: exec.sh MEMHP SRCDIR. Exit 77 (skipped) without FUSE or mount
# namespaces.
set -u
memhp=$1
src=$2
corpus=$src/tests/conformance
fails=0

if [ ! -c /dev/fuse ] || [ ! -r /dev/fuse ] || [ ! -w /dev/fuse ]; then
	echo "SKIP: /dev/fuse is not available"
	exit 77
fi
if [ "$(id -u)" = 0 ]; then
	unshare -m true 2>/dev/null || { echo "SKIP: no mount namespaces"; exit 77; }
else
	unshare -Urm true 2>/dev/null || { echo "SKIP: no user namespaces"; exit 77; }
fi
for tool in lsmem chmem bash; do
	command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

tmp=$(mktemp -d)
trap 'fusermount3 -u "$tmp/mnt" 2>/dev/null; rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# 1. lsmem under exec prints what lsmem --sysroot prints on the snapshot
# tree of the same label (memhp run --sysroot-out).
compare_lsmem() { # SCN LABEL
	local scn=$1 label=$2 name
	name=$(basename "$scn" .scn)
	"$memhp" run "$scn" --sysroot-out "$tmp/$name" --quiet >/dev/null || {
		fail "memhp run $name"
		return
	}
	for opts in "" "-a" "-o +ZONES,NODE" "-J" "--summary=only" "-a -b -o +ZONES,NODE"; do
		# shellcheck disable=SC2086
		lsmem --sysroot "$tmp/$name/$label" $opts >"$tmp/want" 2>&1
		# shellcheck disable=SC2086
		"$memhp" exec "$scn" --at "$label" -- lsmem $opts >"$tmp/got" 2>&1
		if cmp -s "$tmp/want" "$tmp/got"; then
			echo "ok: $name@$label lsmem $opts"
		else
			fail "$name@$label lsmem $opts"
			diff "$tmp/want" "$tmp/got" | head -10
		fi
	done
}
compare_lsmem "$corpus/dimm-numa-node1.scn" added
compare_lsmem "$corpus/am-pc-six-dimms.scn" "$(sed -n 's/^snapshot //p' "$corpus/am-pc-six-dimms.scn" | tail -1)"
compare_lsmem "$corpus/vmem-example-b.scn" shrunk

# 2. chmem -e 1G onlines the first 1 GiB of offline memory in block order
# (util-linux chmem: ascending): the first DIMM's blocks 40-47 of
# tests/fuse/dimms-offline.scn. Without -z chmem puts memory "to the zone
# Movable, if possible" (chmem(8)): it reads valid_zones, which lists
# Movable for these blocks, and writes online_movable, which the kernel
# always puts in ZONE_MOVABLE (zones-and-policies.md, zone_for_pfn_range()
# with MMOP_ONLINE_MOVABLE). The second DIMM's 48-55 stay offline.
"$memhp" exec "$src/tests/fuse/dimms-offline.scn" --json "$tmp/chmem.json" \
	--sysroot-out "$tmp/chmem" -- chmem -e 1G >"$tmp/out" 2>&1 || fail "chmem -e 1G: $(cat "$tmp/out")"
awk '/"label": "exec"/ { f = 1 }
     f && /"zoneinfo"/ { exit }
     f && /"id":/ { gsub(/[ ,]/, ""); split($0, a, ":"); id = a[2] }
     f && /"state":/ { gsub(/[ ",]/, ""); split($0, a, ":"); st = a[2] }
     f && /"zone":/ { gsub(/[ ",]/, ""); split($0, a, ":"); if (id + 0 >= 40) print id, st, a[2] }' \
	"$tmp/chmem.json" >"$tmp/got"
{
	for id in 40 41 42 43 44 45 46 47; do echo "$id online Movable"; done
	for id in 48 49 50 51 52 53 54 55; do echo "$id offline null"; done
} >"$tmp/want"
if cmp -s "$tmp/want" "$tmp/got"; then
	echo "ok: chmem -e 1G, snapshot exec in --json"
else
	fail "chmem -e 1G: snapshot exec"
	diff "$tmp/want" "$tmp/got" | head
fi
[ "$(cat "$tmp/chmem/exec/sys/devices/system/memory/memory47/state")" = online ] &&
	[ "$(cat "$tmp/chmem/exec/sys/devices/system/memory/memory48/state")" = offline ] &&
	[ -d "$tmp/chmem/added" ] || fail "chmem -e 1G: --sysroot-out trees"

# 2b. The same chmem and lsmem inside the real 6.1 and 6.12 guests
# (tests/exec/chmem-e-1g.scn, recorded with the QEMU backend, whose
# initramfs carries this host's chmem and lsmem): under exec on the model
# they print exactly what they printed there.
recorded_stdout() { # JSON LINE: the step's stdout, unescaped
	awk -v want="\"line\": \"$2\"," 'index($0, want) { f = 1; next }
	     f && /"stdout":/ { sub(/^ *"stdout": "/, ""); sub(/",$/, ""); print; exit }' "$1"
}
for kernel in 6.1 6.12; do
	rec=$src/tests/exec/chmem-e-1g.$kernel.json
	printf '%b' "$(recorded_stdout "$rec" "guest: chmem -v -e 1G")" >"$tmp/want"
	printf '%b' "$(recorded_stdout "$rec" "guest: lsmem -o RANGE,SIZE,STATE,BLOCK,ZONES")" >>"$tmp/want"
	"$memhp" exec --kernel "$kernel" "$src/tests/exec/chmem-e-1g.scn" --at offline -- \
		bash -c 'chmem -v -e 1G && lsmem -o RANGE,SIZE,STATE,BLOCK,ZONES' >"$tmp/got" 2>&1
	if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
		echo "ok: chmem -e 1G and lsmem as on the real $kernel guest"
	else
		fail "chmem -e 1G on $kernel: not what the real guest printed"
		diff "$tmp/want" "$tmp/got" | head
	fi
done

# 2c. The seeds' target usage through exec: memhp configure with the
# example config (auto-movable, ratio 301, auto-online) on the model's
# machine booted with memhp_default_state=offline and six offline 4 GiB
# DIMMs. The real 6.1 and 6.12 kernels put 48-143 in Movable and 144-239
# in Normal (tests/conformance/tools-configure, recorded).
"$memhp" exec "$corpus/tools-configure.scn" --at offline -- \
	bash -c "'$memhp' configure --yes --config '$src/examples/memhp.conf' >/dev/null &&
		lsmem -o RANGE,STATE,BLOCK,ZONES --summary=never" >"$tmp/got" 2>&1
cat >"$tmp/want" <<'EOT'
RANGE                                  STATE   BLOCK   ZONES
0x0000000000000000-0x0000000007ffffff online       0    None
0x0000000008000000-0x000000007fffffff online    1-15   DMA32
0x0000000100000000-0x000000017fffffff online   32-47  Normal
0x0000000180000000-0x000000047fffffff online  48-143 Movable
0x0000000480000000-0x000000077fffffff online 144-239  Normal
EOT
if cmp -s "$tmp/want" "$tmp/got"; then
	echo "ok: memhp configure under exec: 48-143 Movable, 144-239 Normal"
else
	fail "memhp configure under exec"
	diff "$tmp/want" "$tmp/got" | head
fi

# 3. Writes the model refuses return its errno to the writer: EINVAL for a
# bad state, EBUSY where the real 6.12 refused to offline memory39 of
# boot-offline-normal (its recorded run), EACCES for a read-only file.
check_write() { # SCN LABEL WRITE MESSAGE
	"$memhp" exec "$1" --at "$2" -- bash -c "$3" >"$tmp/out" 2>&1
	local rc=$?
	if [ $rc -ne 0 ] && grep -q "$4" "$tmp/out"; then
		echo "ok: $3 -> $4"
	else
		fail "$3: exit $rc, expected '$4': $(cat "$tmp/out")"
	fi
}
check_write "$corpus/dimm-numa-node1.scn" added \
	'echo foo > /sys/devices/system/memory/memory40/state' "Invalid argument"
check_write "$corpus/boot-offline-normal.scn" end \
	'echo offline > /sys/devices/system/memory/memory39/state' "Device or resource busy"
check_write "$corpus/dimm-numa-node1.scn" added \
	'echo 1 > /sys/devices/system/memory/block_size_bytes' "Permission denied"
# A write that works shows at once (and the command's status is memhp's).
out=$("$memhp" exec "$corpus/dimm-numa-node1.scn" -- bash -c \
	'echo offline > /sys/devices/system/memory/memory41/state &&
	 cat /sys/devices/system/memory/memory41/state; exit 7')
rc=$?
[ "$out" = offline ] && [ $rc = 7 ] || fail "write then read: '$out', exit $rc"

# 4. memhp mount: a live tree until fusermount3 -u.
mkdir "$tmp/mnt"
"$memhp" mount "$corpus/dimm-numa-node1.scn" --at added "$tmp/mnt" &
pid=$!
for _ in $(seq 50); do
	[ -e "$tmp/mnt/proc/iomem" ] && break
	sleep 0.1
done
grep -qx '140000000-17fffffff : System RAM' "$tmp/mnt/proc/iomem" || fail "mount: /proc/iomem"
[ "$(readlink "$tmp/mnt/sys/devices/system/memory/memory40/node1")" = ../../node/node1 ] ||
	fail "mount: memory40/node1 link"
echo offline >"$tmp/mnt/sys/devices/system/memory/memory40/state" || fail "mount: offline"
[ "$(cat "$tmp/mnt/sys/devices/system/memory/memory40/state")" = offline ] || fail "mount: state"
fusermount3 -u "$tmp/mnt" || fail "fusermount3 -u"
wait $pid || fail "memhp mount exit status"

# SIGTERM unmounts too.
"$memhp" mount "$corpus/dimm-numa-node1.scn" "$tmp/mnt" &
pid=$!
for _ in $(seq 50); do
	[ -e "$tmp/mnt/proc/iomem" ] && break
	sleep 0.1
done
kill -TERM $pid
wait $pid || fail "memhp mount after SIGTERM: exit status"
[ -e "$tmp/mnt/proc/iomem" ] && fail "memhp mount: still mounted after SIGTERM"

# 5. Bad input: the message and a non-zero exit, nothing run.
bad() { # WANT-STATUS WANT-TEXT ARGS...
	local want=$1 text=$2
	shift 2
	"$memhp" "$@" >"$tmp/out" 2>&1
	local rc=$?
	if [ $rc = "$want" ] && grep -q -- "$text" "$tmp/out"; then
		echo "ok: memhp $* -> $rc"
	else
		fail "memhp $*: exit $rc (want $want), '$(head -3 "$tmp/out")'"
	fi
}
scn=$corpus/dimm-numa-node1.scn
bad 2 "nosuch.scn: No such file or directory" exec "$tmp/nosuch.scn" -- true
bad 2 "no 'snapshot nolabel' in the scenario" exec "$scn" --at nolabel -- true
bad 2 "expected SCENARIO" exec "$scn"
bad 2 "expected SCENARIO" exec "$scn" --
bad 127 "nosuchcommand: No such file or directory" exec "$scn" -- nosuchcommand
bad 2 "no 'snapshot nolabel' in the scenario" mount "$scn" --at nolabel "$tmp/mnt"
bad 2 "nosuch.scn: No such file or directory" mount "$tmp/nosuch.scn" "$tmp/mnt"
bad 2 "nodir: No such file or directory" mount "$scn" "$tmp/nodir"
bad 2 "--sysroot-out" exec "$scn" --sysroot-out "$tmp/no/such/dir" -- true
printf 'qemu: -M pc -m 4G\nbogus line\n' >"$tmp/bad.scn"
bad 2 "bad.scn:2:" exec "$tmp/bad.scn" -- true

if [ $fails -ne 0 ]; then
	echo "$fails failed"
	exit 1
fi
echo "exec: all ok"
