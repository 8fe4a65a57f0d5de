#!/bin/sh
# Exploratory, outside sprout: mescc from Debian 12's binary packages (mes
# 0.24.2-1, built by Debian's gcc with optimisation; mescc-tools 1.4.0-1;
# nyacc 1.00.2-5) run on the tcc recipe's source by the same probe as the
# plan's mescc-tcc steps (recipes/mescc-tcc/probe.sh). It answers "which of
# tcc's files does mescc compile" sooner than the plan, whose mes must first
# be built and checked; it trusts Debian's binaries, so it is no part of
# any trust claim. Every file is pinned by sha256. Needs curl, dpkg-deb,
# bash and a shell; run from anywhere:
#   sh experiments/mes/explore-debian-mes.sh [WORKDIR]
# The record is WORKDIR/results/debian-mes.txt (default WORKDIR
# /var/tmp/sprout-mes/explore).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-/var/tmp/sprout-mes/explore}
pool=http://deb.debian.org/debian/pool/main
mkdir -p "$work/debs"
cd "$work"
get() { # FILE SHA256 URL: fetch once, then always check the pin
	[ -f "debs/$1" ] || curl -fsS -o "debs/$1" "$3"
	echo "$2  debs/$1" | sha256sum -c --quiet -
}
get mes_0.24.2-1_amd64.deb c3afa065d4860be6de1bf267e438be14ee3a5fe5c7c9fab3fa6f7e933b5e37c2 \
	$pool/m/mes/mes_0.24.2-1_amd64.deb
get mescc-tools_1.4.0-1_amd64.deb f01743ddcaaff9f7a5ec2bd43edd2c391f0e424910903b2eca956a6f6860da0c \
	$pool/m/mescc-tools/mescc-tools_1.4.0-1_amd64.deb
get nyacc_1.00.2-5_amd64.deb 1c64fc0de489dc1f513e41ba7fb6545b42e25fdfe6336ad58f900cfc11f84090 \
	$pool/n/nyacc/nyacc_1.00.2-5_amd64.deb
get tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2 d63c113bcdd657f51c8ee197a0b0a24203603313e19a52b5f678d40ab7f5df35 \
	$pool/t/tcc/tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2

rm -rf root src "$work/results"
for d in debs/*.deb; do dpkg-deb -x "$d" root; done
mkdir src && tar -xjf debs/tcc_*.orig.tar.bz2 -C src

R=$work/root/usr
export PATH="$R/bin:$PATH"
export MES=$R/bin/mes-gcc-static MES_PREFIX=$R bindir=$R/bin
export includedir=$R/include/mes libdir=$R/lib/x86_64-linux-gnu/mes
export GUILE_LOAD_PATH=$R/share/guile/site/3.0
cd src
CONSTRUCTS=$here/recipes/mescc-tcc/constructs.sh \
	STEP=debian-mes VERSION=0.9.27+git20200814.62c30a4a RESULTS=$work/results \
	MESCC="bash $R/bin/mescc" sh "$here/recipes/mescc-tcc/probe.sh"
cat "$work/results/debian-mes.txt"
