#!/bin/sh
# Install the Debian packages sprout needs on the host, only those missing.
#   sh mk/deps.sh          what building and running the main job needs
#   sh mk/deps.sh --test   also what the test suite and benchmarks use
#                          (binutils-aarch64-linux-gnu: the encoding test
#                          of tcc's AArch64 assembler compares with it;
#                          nginx-light: its WebDAV PUT serves the shared
#                          step cache's test)
#   sh mk/deps.sh --cross  also the aarch64 cross compiler (Debian's
#                          gcc-aarch64-linux-gnu) that the host stage of
#                          `sprout --arch aarch64 bootstrap` uses
#   sh mk/deps.sh --gnu    also what the host stage of plans/gnu-glibc takes
#                          from the host: glibc's configure requires GNU
#                          awk, bison and Python 3 (docs/gnu-glibc.md)
#   sh mk/deps.sh --vm     also what building the kernel (flex, bison, bc,
#                          libelf; the cross compiler) and `sprout boot`
#                          (qemu-system, UEFI firmware) need: make check-vm
# Runs apt-get through sudo when not root.
set -e
pkgs="make gcc libc6-dev ca-certificates curl bzip2 xz-utils zstd gzip
	zlib1g-dev libbz2-dev liblzma-dev libzstd-dev libcurl4-openssl-dev libsodium-dev
	qemu-user-static binfmt-support"
for a in "$@"; do
	case $a in
	--test) pkgs="$pkgs clang lld tcc pcc chibicc musl-dev bubblewrap python3 python3-jsonschema passwd util-linux iproute2 procps
		pacman-package-manager libarchive-tools cpio e2fsprogs fdisk dosfstools mtools skopeo
		binutils-aarch64-linux-gnu chromium bash-completion libclang-rt-dev nginx-light strace" ;;
	--cross) pkgs="$pkgs gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu" ;;
	--gnu) pkgs="$pkgs gawk bison python3" ;;
	--vm) pkgs="$pkgs gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu flex bison bc perl libelf-dev cpio
		qemu-system-x86 qemu-system-arm ovmf qemu-efi-aarch64" ;;
	*) echo "mk/deps.sh: unknown option '$a' (expected --test, --cross, --gnu or --vm)" >&2; exit 2 ;;
	esac
done
missing=
for p in $pkgs; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -n "$missing" ] || exit 0
echo "mk/deps.sh: installing:$missing"
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends $missing
