#!/bin/sh
# guest-kernel.sh 6.1|6.12 — prepares a Debian cloud kernel and a
# busybox-static initramfs for memhp's real-kernel runs, and prints
#   KERNEL=<vmlinuz>  INITRD=<initramfs>  RELEASE=<uname -r>  PACKAGE=<deb>
# Packages are fetched with apt-get download and unpacked under the cache
# ($MEMHP_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/memhp), never in the
# repository. A kernel already in the cache is reused; MEMHP_KERNEL_PACKAGE
# names an exact package instead of the newest one apt knows.
set -eu

die() { echo "guest-kernel: $*" >&2; exit 1; }

version=${1:-}
case "$version" in
6.1) pattern='^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb[0-9]+-cloud-amd64-unsigned$' ;;
*) die "usage: guest-kernel.sh 6.1|6.12" ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
guest=$here/../guest
cache=${MEMHP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memhp}
mkdir -p "$cache/debs" "$cache/unpacked" || die "cannot create the cache $cache"

# Several runs may prepare at once (meson runs live tests in parallel):
# one at a time in the cache, and every temporary name is this run's own.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/.lock"
	flock 9 || die "cannot lock $cache/.lock"
fi
stage=
trap 'rm -rf "$stage" "$cache/unpacked/.tmp.$$" "$cache/initramfs.tmp.$$"' EXIT
trap 'exit 1' INT TERM HUP

for tool in dpkg-deb xz gzip; do
	command -v $tool >/dev/null 2>&1 || die "'$tool' is missing (Debian packages: dpkg xz-utils gzip)"
done
# guest/load.c and guest/timeout.c become the guest's /bin/load and
# /bin/memhp-timeout: static binaries, since the initramfs has no C library.
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || die "no C compiler '$cc' (Debian package: gcc)"

# The newest cached package for this version, or the one apt offers.
pick_package() {
	if [ -n "${MEMHP_KERNEL_PACKAGE:-}" ]; then
		# One variable serves both versions: a 6.1 package must not boot
		# as "6.12" or the other way round.
		echo "$MEMHP_KERNEL_PACKAGE" | grep -Eq "$pattern" ||
			die "MEMHP_KERNEL_PACKAGE=$MEMHP_KERNEL_PACKAGE is not a $version package"
		echo "$MEMHP_KERNEL_PACKAGE"
		return
	fi
	cached=$(ls "$cache/unpacked" 2>/dev/null | grep -E "$pattern" | sort -V | tail -n 1 || true)
	if [ -n "$cached" ]; then
		echo "$cached"
		return
	fi
	apt-cache search --names-only "$pattern" 2>/dev/null | cut -d' ' -f1 | sort -V | tail -n 1
}

# unpack NAME: downloads NAME's .deb (if needed) and unpacks it once.
unpack() {
	dir=$cache/unpacked/$1
	[ -d "$dir" ] && return 0
	deb=$(ls "$cache/debs/$1"_*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		(cd "$cache/debs" && apt-get download "$1" >/dev/null 2>"$cache/debs/apt-$1.log") ||
			die "apt-get download $1 failed (see $cache/debs/apt-$1.log; run 'apt-get update' first?)"
		deb=$(ls "$cache/debs/$1"_*.deb | head -n 1)
	fi
	tmp=$cache/unpacked/.tmp.$$
	if ! dpkg-deb -x "$deb" "$tmp"; then
		rm -f "$deb" # a broken download must not fail every later run
		die "cannot unpack $deb (removed; the next run downloads it again)"
	fi
	mv "$tmp" "$dir"
}

pkg=$(pick_package)
[ -n "$pkg" ] || die "no package matches $pattern: run 'apt-get update' (Debian bookworm or later)"
unpack "$pkg"
unpack busybox-static
kdir=$cache/unpacked/$pkg
busybox=$cache/unpacked/busybox-static/bin/busybox
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -n 1)
release=${vmlinuz##*/vmlinuz-}
moddir=$kdir/lib/modules/$release

# The initramfs is rebuilt every time: it is small and follows guest/.
stage=$(mktemp -d)
mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/tmp" \
	"$stage/etc/memhp" "$stage/lib/modules"
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"
done
cp "$guest/init" "$stage/init"
for f in setstate zones memhp-snapshot; do
	cp "$guest/$f" "$stage/bin/$f"
done
# compile SOURCE BINARY: a static guest program.
compile() {
	if ! "$cc" -std=c11 -static -O2 -Wall -Wextra -Werror -o "$stage/bin/$2" "$guest/$1" \
		2>"$stage.cc.log"; then
		if grep -Eq 'cannot find -lc|stdio.h: No such file' "$stage.cc.log"; then
			rm -f "$stage.cc.log"
			die "the static C library is missing (Debian package: libc6-dev)"
		fi
		msg=$(cat "$stage.cc.log")
		rm -f "$stage.cc.log"
		die "cannot compile guest/$1: $msg"
	fi
	rm -f "$stage.cc.log"
}
compile load.c load
compile timeout.c memhp-timeout
# memhp's memory tools as /bin/memhp: guest/memhp.c, built static by meson;
# the memhp that runs this script names it (not in sanitizer builds).
if [ -n "${MEMHP_GUEST_TOOL:-}" ]; then
	[ -x "$MEMHP_GUEST_TOOL" ] || die "MEMHP_GUEST_TOOL=$MEMHP_GUEST_TOOL is not an executable"
	cp "$MEMHP_GUEST_TOOL" "$stage/bin/memhp"
fi

# util-linux's chmem and lsmem from this host, with the shared libraries
# they load, so scenarios can show what the real tools do on the real
# kernel (memhp exec runs the same tools against the model).
add_host_tool() {
	bin=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$1" 2>/dev/null) || return 0
	for f in "$bin" $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+'); do
		[ -e "$stage$f" ] && continue
		mkdir -p "$stage$(dirname "$f")"
		cp -L "$f" "$stage$f"
	done
	ln -sf "$bin" "$stage/bin/$1"
}
for tool in chmem lsmem; do
	add_host_tool $tool
done

# virtio_mem and what it needs, dependencies first; built-in ones are absent.
find_module() {
	find "$moddir/kernel" -name "$1.ko" -o -name "$1.ko.xz" | head -n 1
}
module_deps() {
	case "$1" in
	*.xz) xz -dc "$1" ;;
	*) cat "$1" ;;
	esac | tr '\0' '\n' | grep -a '^depends=' | head -n 1 | cut -d= -f2 | tr ',' ' '
}
add_module() {
	grep -qx "$1.ko" "$stage/etc/memhp/modules" 2>/dev/null && return 0
	path=$(find_module "$1")
	if [ -z "$path" ]; then
		# Built in (virtio on 6.12), or a compression this script does not know.
		grep -q "/$1.ko\$" "$moddir/modules.builtin" 2>/dev/null ||
			echo "guest-kernel: warning: module $1 not found in $moddir" >&2
		return 0
	fi
	for dep in $(module_deps "$path"); do
		add_module "$dep"
	done
	path=$(find_module "$1")
	case "$path" in
	*.xz) xz -dc "$path" >"$stage/lib/modules/$1.ko" ;;
	*) cp "$path" "$stage/lib/modules/$1.ko" ;;
	esac
	echo "$1.ko" >>"$stage/etc/memhp/modules"
}
: >"$stage/etc/memhp/modules"
for m in virtio_pci virtio_mem; do
	add_module $m
done

out=$cache/initramfs-$release.cpio.gz
(cd "$stage" && find . | "$busybox" cpio -o -H newc 2>"$stage.cpio.log" | gzip -1 >"$cache/initramfs.tmp.$$") ||
	die "cannot build the initramfs: $(cat "$stage.cpio.log")"
rm -f "$stage.cpio.log"
mv "$cache/initramfs.tmp.$$" "$out"

echo "KERNEL=$vmlinuz"
echo "INITRD=$out"
echo "RELEASE=$release"
echo "PACKAGE=$pkg"
