#!/bin/sh
# Writes repo/: the packages the pkg-*.test golden cases install, from the
# trees below trees/. Run from the repository root after a change of the
# package format: sh tests/golden/data/pkg/make-repo.sh
set -e
d=tests/golden/data/pkg
s=${SPROUT:-./sprout}
rm -rf "$d/repo"
mkdir -p "$d/repo"
# pk TREE NAME VERSION [OPTIONS]
pk() { t=$1 n=$2 v=$3; shift 3; "$s" --arch any pkg create "$d/trees/$t" "$n" "$v" -o "$d/repo/$n-$v.spk" --compress=none --license MIT "$@" >/dev/null; }
pk base base 1.0
pk lib lib 1.0 --depends base
pk app app 1.0 --depends lib
pk app-new app-new 1.0 --depends "lib>=2"
pk app-lost app-lost 1.0 --depends nothere
pk tools tools 1.0 --conflicts other-tools
pk other-tools other-tools 1.0
pk sh-a sh-a 1.0 --provides sh
pk sh-b sh-b 1.0 --provides sh
pk web web 1.0 --depends sh
pk tcc tcc 0.9.27 --provides cc=0.9.27
pk builder builder 1.0 --depends "cc>=0.9"
pk clash clash 1.0
"$s" pkg index "$d/repo"
