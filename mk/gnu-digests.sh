#!/bin/sh
# Record the digests and manifests of the plans/gnu steps built so far in
# plans/gnu/digests.ARCH and manifests.ARCH, and how long each took in
# durations.ARCH, in the formats `sprout bootstrap --update-digests` writes. That command needs the whole plan
# built; this one is for a run of several hours, whose finished steps are
# recorded as they complete. A step not in the store keeps nothing.
# Run it from the tree whose recipes built the steps (their keys come from
# the recipes): sh mk/gnu-digests.sh STATE [ARCH]
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
state=${1:?usage: sh mk/gnu-digests.sh STATE [ARCH]}
arch=${2:-$(uname -m)}
d=plans/gnu/digests.$arch m=plans/gnu/manifests.$arch t=plans/gnu/durations.$arch
tmpd=$(mktemp) tmpm=$(mktemp) tmpt=$(mktemp)
trap 'rm -f "$tmpd" "$tmpm" "$tmpt"' EXIT INT TERM
steps=$(sed -n 's/^[ 	]*step[ 	]\{1,\}\([^ 	]*\).*/\1/p' plans/gnu/plan)
n=0 all=0
for s in $steps; do
	all=$((all + 1))
	out=$(./sprout --state "$state" --arch "$arch" path plans/gnu "$s" 2>/dev/null) || continue
	man=${out%/out}/manifest
	test -f "$man" || continue
	h=$(sha256sum <"$man" | cut -c1-64)
	printf '%s %s\n' "$s" "$h" >>"$tmpd"
	{ printf '== %s %s\n' "$s" "$h"; cat "$man"; } >>"$tmpm"
	dur=$state/durations/gnu/$arch/$s
	test ! -s "$dur" || printf '%s %.1f\n' "$s" "$(cat "$dur")" >>"$tmpt"
	n=$((n + 1))
done
{
	printf '# The expected digest of every step of plan gnu on %s built so far\n' "$arch"
	printf '# (%d of %d steps; mk/gnu-digests.sh), in the format that\n' "$n" "$all"
	printf '# sprout bootstrap --update-digests writes; checked by every bootstrap.\n'
	cat "$tmpd"
} >"$d"
cp "$tmpm" "$m"
{
	printf '# How long each step of plan gnu takes for %s, in seconds of wall time (at -j2 on the\n' "$arch"
	printf "# machine that recorded it, busy with other builds). Written by mk/gnu-digests.sh as\n"
	printf "# 'sprout bootstrap --update-digests' would; a first build's ETA scales these.\n"
	cat "$tmpt"
} >"$t"
echo "$d: $n of $all steps recorded"
