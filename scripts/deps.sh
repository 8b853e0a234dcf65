#!/usr/bin/env bash
# Makes sure the Debian packages memhp builds and tests with are installed:
# installs the missing ones when run as root, otherwise names them and fails.
# --qemu: also what the real-kernel backend needs (QEMU; the kernels and
# busybox-static are fetched by scripts/guest-kernel.sh, not installed).
set -euo pipefail

need=(meson ninja-build gcc pkg-config libcmocka-dev libjson-c-dev libsmartcols-dev util-linux libfuse3-dev fuse3)
if [ "${1:-}" = "--qemu" ]; then
	need+=(qemu-system-x86 xz-utils gzip dpkg apt)
fi
# --test: what the test suite needs beyond the build: xmllint and
# rsvg-convert check memhp draw's SVG, python3 compares maps with the
# recorded runs, headless Chromium loads memhp report's page.
if [ "${1:-}" = "--test" ]; then
	need+=(libxml2-utils librsvg2-bin python3 chromium)
fi
# --fuzz: clang with libFuzzer (its runtime is in libclang-rt-N-dev).
if [ "${1:-}" = "--fuzz" ]; then
	need+=(clang)
	if command -v clang >/dev/null &&
		[ ! -f "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
		need+=("libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev")
	fi
fi
missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "memhp: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq "${missing[@]}" >/dev/null
else
	echo "memhp: missing Debian packages: ${missing[*]}" >&2
	echo "memhp: install them with: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
