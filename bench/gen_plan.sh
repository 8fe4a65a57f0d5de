#!/bin/sh
# gen_plan.sh DIR N SHAPE: write a synthetic plan of N trivial steps into
# DIR (one recipe each, as a real plan has): SHAPE wide (every step needs
# only the first) or deep (each step needs the one before it).
set -eu
dir=$1 n=$2 shape=$3
mkdir -p "$dir/recipes"
(cd "$dir/recipes" && seq 0 $((n - 1)) | sed 's/^/s/' | xargs mkdir -p)
awk -v n="$n" -v shape="$shape" -v dir="$dir" 'BEGIN {
	plan = dir "/plan"
	printf "plan scale\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n" >plan
	for (i = 0; i < n; i++) {
		r = dir "/recipes/s" i "/recipe"
		printf "name s%d\nversion 1\nlicense MIT\n", i >r
		if (i > 0)
			printf "depends s%d\n", shape == "deep" ? i - 1 : 0 >r
		printf "build host\n\techo %d >\"$DESTDIR/s%d\"\n", i, i >r
		close(r)
		printf "\tstep s%d\n", i >plan
	}
	close(plan)
}'
