#!/bin/sh
# make check-farm-gnu (docs/distributed.md, "What the tests show"):
# plans/gnu's native steps FARM_STEPS (default m4 and binutils, built by
# the seed's GCC inside the seed) with and without the compile farm, in two
# copies of a finished x86_64 plans/gnu state (GNU_STATE, default
# /var/tmp/sprout-gnu) made with hard links (no disk; store entries are
# never written after their commit) and without those steps' entries.
# Each step must come out with its digest in plans/gnu/digests.x86_64
# both ways, and compile jobs must reach the workers. Root and icecc, as
# tests/e2e/farm.sh; about ten minutes on 2 cores.
set -eu
O=${1:-.}
case "$O" in /*) ;; *) O=$PWD/$O ;; esac
GNU_STATE=${GNU_STATE:-/var/tmp/sprout-gnu}
W=${FARM_WORK:-/var/tmp/sprout-farm-gnu}
STEPS=${FARM_STEPS:-m4 binutils}
case "$GNU_STATE" in "$W-a" | "$W-b" | "$W-a/" | "$W-b/")
	echo "check-farm-gnu: GNU_STATE is one of the copies ($W-a, $W-b): set FARM_WORK" >&2
	exit 1
esac
for d in a b; do
	rm -rf "$W-$d"
	mkdir -p "$W-$d"
	cp -al "$GNU_STATE/store" "$GNU_STATE/distfiles" "$GNU_STATE/layout" "$W-$d/"
	for st in $STEPS; do
		if ! p=$("$O/sprout" --state "$W-$d" path plans/gnu "$st"); then
			echo "check-farm-gnu: $GNU_STATE has no finished $st (every step of plans/gnu must be built)" >&2
			exit 1
		fi
		rm -rf "${p%/out}"  # this copy's links only
	done
done
FARM_PLAN=plans/gnu FARM_STEPS="$STEPS" FARM_STATES="$W-a $W-b" TOP=$PWD SPROUT="$O/sprout" \
	nice -n 15 sh tests/e2e/farm.sh
