# Compile farms through icecream (docs/distributed.md): a scheduler and
# two workers, each in a network namespace of its own that this test makes
# (10.77.x.y on a bridge, no other address), and the local daemon the
# sandbox reaches through its Unix socket. A C plan built with --farm
# gives the same digests as without, and the workers' logs show that
# compile jobs went to them. Needs root, ip(8) and Debian's icecc.
. "$TOP/tests/e2e/lib.sh"
for t in ip icecc iceccd icecc-scheduler icecc-create-env gcc; do
	if ! command -v $t >/dev/null 2>&1 && [ ! -x /usr/sbin/$t ]; then
		echo "ok 1 # skip $t is missing (sh mk/deps.sh --test)"
		exit 0
	fi
done
if [ "$(id -u)" != 0 ] || ! ip netns add "sprout-probe-$$" 2>/dev/null; then
	echo "ok 1 # skip network namespaces need root"
	exit 0
fi
ip netns del "sprout-probe-$$"
PATH=$PATH:/usr/sbin
# ---- the farm: hub (a bridge), sched, w1, w2, client ----
NS=sf$$
NET=$((10 + $$ % 200))
F=$T/farm
mkdir -p "$F"
chmod 755 "$T"
chown icecc:icecc "$F" 2>/dev/null || chmod 777 "$F"
farm_down() {
	for p in "$F"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	sleep 1
	for h in sched w1 w2 client hub; do ip netns del "$NS-$h" 2>/dev/null; done
}
trap 'farm_down; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
ip netns add "$NS-hub"
ip netns exec "$NS-hub" ip link add br0 type bridge
ip netns exec "$NS-hub" ip link set br0 up
i=1
for h in sched w1 w2 client; do
	ip netns add "$NS-$h"
	ip link add "v$NS$i" type veth peer name e0 netns "$NS-$h"
	ip link set "v$NS$i" netns "$NS-hub"
	ip netns exec "$NS-hub" ip link set "v$NS$i" master br0 up
	ip netns exec "$NS-$h" ip addr add "10.77.$NET.$i/24" dev e0
	ip netns exec "$NS-$h" ip link set e0 up
	ip netns exec "$NS-$h" ip link set lo up
	i=$((i + 1))
done
SCHED=10.77.$NET.1
ip netns exec "$NS-sched" icecc-scheduler -l "$F/sched.log" -vvv -n "sprout$NS" >/dev/null 2>&1 &
echo $! >"$F/sched.pid"
# A worker takes jobs only while its CPU looks idle (icecream reads
# /proc/stat); this machine is kept busy by other builds, so each daemon
# sees a /proc/stat that does not move (a stand-in, in its own mount
# namespace: it changes nothing but the daemon's view of the load).
head -n 1 /proc/stat >"$F/stat"
daemon() { # name, options
	name=$1; shift
	mkdir -p "$F/envs-$name"
	chown icecc:icecc "$F/envs-$name" 2>/dev/null
	ip netns exec "$NS-$name" unshare -m sh -c 'mount --bind "$0" /proc/stat && exec "$@"' "$F/stat" \
		env ICECC_TEST_SOCKET="$F/$name.sock" \
		iceccd -s "$SCHED" -n "sprout$NS" -N "$name" -b "$F/envs-$name" -l "$F/$name.log" -vvv "$@" >/dev/null 2>&1 &
	echo $! >"$F/$name.pid"
}
daemon w1 -m 2
daemon w2 -m 2
daemon client --no-remote -m 0
up=
for s in $(seq 1 60); do
	if [ -S "$F/client.sock" ] && [ "$(grep -c 'Connected to scheduler' "$F"/w1.log "$F"/w2.log "$F"/client.log 2>/dev/null | awk -F: '{s += $2} END {print s}')" -ge 3 ]; then
		up=1
		break
	fi
	sleep 1
done
if [ -z "$up" ]; then
	notok "the farm comes up: scheduler, two workers, the local daemon"
	tail -n 5 "$F"/*.log
	exit 1
fi
ok "the farm comes up: a scheduler and two workers, each in its own network namespace"
check "  ... none of it is on this machine's own network" sh -c "! ip addr | grep -q '10.77.$NET'"

# ---- a C plan: six files with debug info and a program ----
P=$T/plan
mkdir -p "$P/recipes/cprog"
for k in 1 2 3 4 5 6; do
	cat >"$P/recipes/cprog/f$k.c" <<C
#include <stdio.h>
static const char when[] = __DATE__ " " __TIME__;
int f$k(int x) { int s = 0; for (int i = 0; i < x * $k; i++) s += i ^ $k; return s; }
void p$k(void) { printf("%s %s %d\\n", __FILE__, when, f$k(3)); }
C
done
printf 'void p1(void), p2(void), p3(void), p4(void), p5(void), p6(void);\nint main(void) { p1(); p2(); p3(); p4(); p5(); p6(); return 0; }\n' >"$P/recipes/cprog/main.c"
# head NAME DIR: a recipe's head and its seven local sources (f1.c ... f6.c,
# main.c in DIR), each pinned by its sha256.
head_of() {
	echo "name $1"; echo "version 1"; echo "license MIT"
	for k in 1 2 3 4 5 6 main; do
		f=$([ "$k" = main ] && echo main.c || echo "f$k.c")
		echo "source $f"
		echo "	sha256 $(sha256sum "$2/$f" | cut -d' ' -f1)"
		echo "	local $f"
	done
}
{
	head_of cprog "$P/recipes/cprog"
	echo "build host"
	echo '	mkdir -p "$DESTDIR/usr/lib/cprog" "$DESTDIR/usr/bin"'
	echo '	for f in f1 f2 f3 f4 f5 f6 main; do gcc -g -O2 -c $f.c -o "$DESTDIR/usr/lib/cprog/$f.o" & done; wait'
	echo '	gcc -o "$DESTDIR/usr/bin/cprog" "$DESTDIR"/usr/lib/cprog/*.o'
	echo '	"$DESTDIR/usr/bin/cprog" >"$DESTDIR/usr/lib/cprog/out"'
} >"$P/recipes/cprog/recipe"
cat >"$P/plan" <<'R'
plan farmtest
arches x86_64 aarch64
recipes recipes
set SOURCE_DATE_EPOCH 1700000000
stage host
	step cprog
R
digests() { for k in "$T/$1"/store/*/digest; do cat "$k"; done | sort; }
run() { s=$1; shift; sprout --state "$T/$s" --plain -j2 "$@" build "$P" >"$T/out" 2>&1; }

check "build without the farm" run local
check "build with --farm NETNS --farm-socket SOCKET" run farm --farm "$NS-client" --farm-socket "$F/client.sock"
if ! grep -q '^farmtest: 1 built' "$T/out"; then cat "$T/out"; fi
check "  ... the same digests" test "$(digests local)" = "$(digests farm)"
L=$(sprout --state "$T/local" path "$P")
R=$(sprout --state "$T/farm" path "$P")
if ! diff -r "$L" "$R" >/dev/null 2>&1; then
	diff -r "$L" "$R" | sed 's/^/# /'
	for o in "$L"/usr/lib/cprog/f1.o "$R"/usr/lib/cprog/f1.o; do
		readelf --debug-dump=info "$o" 2>/dev/null | grep -E 'DW_AT_(producer|comp_dir|name)' | head -n 4 | sed 's/^/# /'
	done
	cmp -l "$L"/usr/lib/cprog/f1.o "$R"/usr/lib/cprog/f1.o | head -n 5 | sed 's/^/# /'
fi
check "  ... the same program output (__DATE__ from SOURCE_DATE_EPOCH, here)" cmp "$(sprout --state "$T/local" path "$P")/usr/lib/cprog/out" "$(sprout --state "$T/farm" path "$P")/usr/lib/cprog/out"
sprout --state "$T/bad" --farm "no-such-$NS" build "$P" >"$T/out" 2>&1
check "--farm with no such namespace: exit 2, saying so" sh -c "test $? = 2 && grep -q 'no such network namespace' '$T/out'"
sprout --state "$T/bad" --farm "$NS-client" --farm-socket "$F/none.sock" build "$P" >"$T/out" 2>&1
check "--farm without its daemon's socket: exit 2, saying so" sh -c "test $? = 2 && grep -q 'is not a socket: is iceccd running' '$T/out'"

# The scheduler's record of each job: "END ID status=0 ... server=NAME";
# each worker's own log: "request for job ID".
on_w1=$(grep -c 'END .* status=0 .*server=w1$' "$F/sched.log")
on_w2=$(grep -c 'END .* status=0 .*server=w2$' "$F/sched.log")
on_client=$(grep -c 'END .* server=client$' "$F/sched.log")
seen=$(cat "$F/w1.log" "$F/w2.log" | grep -c 'request for job')
check "  ... all seven compile jobs ran on the workers (w1 $on_w1, w2 $on_w2, the local daemon $on_client)" \
	test "$((on_w1 + on_w2))" -eq 7 -a "$on_client" -eq 0
check "  ... as the workers' own logs say ($seen jobs)" test "$seen" -eq 7
if [ "$seen" -ne 7 ]; then
	grep -v 'looking for' "$F/sched.log" | tail -n 25 | sed 's/^/# sched: /'
	tail -n 25 "$F/w1.log" | sed 's/^/# w1: /'
fi

# ---- a native stage: the root's own gcc on the farm ----
# Test fixtures (not a bootstrap): groot is a root tree assembled by a
# host-stage step from the host's gcc driver, cc1, as, dash, true and
# stdc-predef.h, with the
# libraries ldd names for them, standing in for plans/gnu's seed (a root
# with a gcc of its own); troot holds dash and a stand-in named
# usr/bin/tcc, standing in for plans/minimal's seed (a root whose compiler
# is tcc, which icecream cannot run).
N=$T/nplan
mkdir -p "$N/recipes/groot" "$N/recipes/troot" "$N/recipes/nprog" "$N/recipes/tprog"
cat >"$N/recipes/groot/recipe" <<'R'
name groot
version 1
license MIT
description test fixture: a root with the host's gcc, cc1, as, dash, true and stdc-predef.h, and their libraries
build host
	put() {
		d="$DESTDIR${2:-$1}"
		mkdir -p "${d%/*}"
		cp -L "$1" "$d"
		ldd "$1" 2>/dev/null | sed -n 's,.*[	 ]\(/[^ ]*\) (0x.*,\1,p' | while read -r l; do
			mkdir -p "$DESTDIR${l%/*}"
			cp -L "$l" "$DESTDIR$l"
		done
	}
	put "$(readlink -f /usr/bin/gcc)" /usr/bin/gcc
	put "$(gcc -print-prog-name=cc1)"
	put "$(readlink -f /usr/bin/as)" /usr/bin/as
	put /bin/dash /bin/sh
	put /bin/true
	put /usr/include/stdc-predef.h
R
cat >"$N/recipes/troot/recipe" <<'R'
name troot
version 1
license MIT
description test fixture: a root whose compiler is tcc (dash, and a stand-in named usr/bin/tcc)
build host
	mkdir -p "$DESTDIR/bin" "$DESTDIR/usr/bin"
	cp -L /bin/dash "$DESTDIR/bin/sh"
	cp -L /bin/dash "$DESTDIR/usr/bin/tcc"
	ldd /bin/dash | sed -n 's,.*[	 ]\(/[^ ]*\) (0x.*,\1,p' | while read -r l; do
		mkdir -p "$DESTDIR${l%/*}"
		cp -L "$l" "$DESTDIR$l"
	done
R
for k in 1 2 3 4 5 6; do
	sed "s/^#include <stdio.h>/int printf(const char *, ...);/" "$P/recipes/cprog/f$k.c" >"$N/recipes/nprog/f$k.c"
done
cp "$P/recipes/cprog/main.c" "$N/recipes/nprog/main.c"
{
	head_of nprog "$N/recipes/nprog"
	echo "build native"
	echo '	for f in f1 f2 f3 f4 f5 f6 main; do gcc -g -O2 -c $f.c -o "$DESTDIR/$f.o" & p="$p $!"; done'
	echo '	for k in $p; do wait $k; done'
} >"$N/recipes/nprog/recipe"
printf 'name tprog\nversion 1\nlicense MIT\nbuild native\n\techo built >"$DESTDIR/built"\n' >"$N/recipes/tprog/recipe"
cat >"$N/plan" <<'R'
plan farmnative
arches x86_64
recipes recipes
set SOURCE_DATE_EPOCH 1700000000
stage host
	step groot
	step troot
stage native rootfs=groot
	step nprog
stage packages rootfs=troot
	step tprog build=native
R
before=$(grep -c 'END .* status=0 .*server=w[12]$' "$F/sched.log")
nrun() { s=$1; shift; sprout --state "$T/$s" --plain -j2 "$@" build "$N" >"$T/nout-$s" 2>&1; }
check "a native stage (a root with its own gcc): built without the farm" nrun nlocal
check "  ... and with --farm" nrun nfarm --farm "$NS-client" --farm-socket "$F/client.sock"
check "  ... the same digests" test "$(digests nlocal)" = "$(digests nfarm)"
check "  ... of seven objects with debug info" \
	test "$(find "$T/nfarm/store" -name '*.o' | wc -l)" -eq 7 -a "$(find "$T/nlocal/store" -name '*.o' | wc -l)" -eq 7
njobs=$(($(grep -c 'END .* status=0 .*server=w[12]$' "$F/sched.log") - before))
nseen=$(cat "$F/w1.log" "$F/w2.log" | grep -c 'request for job')
check "  ... its seven compile jobs ran on the workers ($njobs; the workers' logs say $((nseen - 7)))" \
	test "$njobs" -eq 7 -a "$((nseen - 7))" -eq 7
check "  ... with the environment made from the root's own compiler (env-native-*)" \
	sh -c "ls -d '$F'/envs-w*/*/env-native-* >/dev/null 2>&1 && grep -q '^\[farm\] nprog: its root.s own gcc is on the farm (env-native-' '$T/nout-nfarm'"
if ! ls -d "$F"/envs-w*/*/env-native-* >/dev/null 2>&1; then
	find "$F"/envs-w* -maxdepth 2 | sed 's/^/# /'
	cat "$T/nout-nfarm" | sed 's/^/# /'
fi
check "  ... whose files are the root's: the driver, cc1 and as at the root's own paths" \
	sh -c "tar tf '$T'/nfarm/farm/env-native-*.tar | grep -qx '$(gcc -print-prog-name=cc1 | cut -c2-)' &&
		tar tf '$T'/nfarm/farm/env-native-*.tar | grep -qx 'usr/bin/gcc.real' &&
		tar tf '$T'/nfarm/farm/env-native-*.tar | grep -qx 'usr/bin/as'"
check "  ... a root whose compiler is tcc: built here, and the report says why" \
	grep -q '^\[farm\] tprog: not on the farm, built here: its root.s compiler is tcc' "$T/nout-nfarm"
check "  ... and so does its log" \
	sh -c "grep -q 'tprog: not on the farm, built here: its root.s compiler is tcc' '$T'/nfarm/log/*tprog* 2>/dev/null ||
		grep -rq 'tprog: not on the farm, built here' '$T/nfarm'"

# ---- make check-farm: a real plan (plans/hello: GNU make and hello from
# Debian, configure and all), with and without the farm. FARM_STEPS picks
# steps of it (FARM_PLAN=plans/gnu FARM_STEPS=cross-binutils), and
# FARM_DISTFILES a distfiles store that has their sources. FARM_STATES="A
# B" builds in two state directories made beforehand (copies of a state
# that has every step but FARM_STEPS, e.g. plans/gnu's native m4 and
# binutils): A without the farm, B with it; each step's digest is then
# also compared with the plan's digests.x86_64. FARM_LOCAL=1: the steps
# are ones the farm cannot take (plans/minimal's, by tcc). ----
if [ -n "${FARM_PLAN:-}" ]; then
	FP=$TOP/$FARM_PLAN
	DF=${FARM_DISTFILES:-$T/df}
	if [ -n "${FARM_STATES:-}" ]; then
		SL=${FARM_STATES% *}
		SF=${FARM_STATES#* }
		DFO=
	else
		SL=$T/plocal
		SF=$T/pfarm
		DFO="--distfiles $DF"
		[ -n "${FARM_STEPS:-}" ] || check "$FARM_PLAN: its sources" sprout $DFO fetch "$FP"
	fi
	before=$(grep -c 'END .* status=0 .*server=w[12]$' "$F/sched.log")
	t0=$(date +%s)
	pbuild() { s=$1; shift; sprout $DFO --state "$s" --plain -j2 "$@" build "$FP" ${FARM_STEPS:-} >"$T/pout" 2>&1; }
	check "$FARM_PLAN: built without the farm" pbuild "$SL"
	t1=$(date +%s)
	check "$FARM_PLAN: built with the farm" pbuild "$SF" --farm "$NS-client" --farm-socket "$F/client.sock"
	t2=$(date +%s)
	grep -E '^\[farm\]|built|^farmnative|failed' "$T/pout" | sed 's/^/# /' 
	sdigests() { for k in "$1"/store/*/digest; do cat "$k"; done | sort; }
	check "$FARM_PLAN: the same digests" test "$(sdigests "$SL")" = "$(sdigests "$SF")"
	for st in ${FARM_STEPS:-}; do
		dl=$(cat "$(sprout --state "$SL" path "$FP" "$st")/../digest")
		df=$(cat "$(sprout --state "$SF" path "$FP" "$st")/../digest")
		rec=$(sed -n "s/^$st //p" "$FP/digests.x86_64" 2>/dev/null)
		echo "# $st: without the farm $dl, with it $df, recorded ${rec:-none}"
		[ -z "$rec" ] || check "$FARM_PLAN $st: the recorded digest, with the farm and without" \
			test "$dl" = "$rec" -a "$df" = "$rec"
	done
	after=$(grep -c 'END .* status=0 .*server=w[12]$' "$F/sched.log")
	local_jobs=$(grep -c 'END .* server=client$' "$F/sched.log")
	if [ "${FARM_LOCAL:-}" = 1 ]; then
		# steps the farm cannot take (FARM_PLAN=plans/minimal FARM_STEPS=musl: tcc)
		check "$FARM_PLAN: no compile job on the workers ($((after - before))), and the report says why" \
			sh -c "test $((after - before)) -eq 0 && grep -q '^\[farm\] .*: not on the farm, built here: ' '$T/pout'"
	else
		check "$FARM_PLAN: compile jobs on the workers ($((after - before)); the local daemon $local_jobs)" \
			test "$((after - before))" -gt 0
	fi
	echo "# $FARM_PLAN on this one machine (not a speed-up measurement: the workers share its 2 cores):"
	echo "#   without the farm $((t1 - t0)) s, with it $((t2 - t1)) s; jobs: w1 $(grep -c 'server=w1$' "$F/sched.log"), w2 $(grep -c 'server=w2$' "$F/sched.log")"
fi
echo "1..$n"
