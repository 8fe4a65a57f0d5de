# sprout.conf: the system's file, the user's, -c FILE and the command line,
# in that order of precedence; sprout config says where each setting came
# from; the state and distfiles directories, mirrors and the default arch
# take effect.
. "$TOP/tests/e2e/lib.sh"
SYS=$T/etc/sprout.conf
USR=$T/home/.config/sprout/sprout.conf
mkdir -p "$T/etc" "$(dirname "$USR")" "$T/work"
export SPROUT_SYSTEM_CONFIG="$SYS" XDG_CONFIG_HOME="$T/home/.config" HOME="$T/home"
cd "$T/work" || exit 1
conf() { "$SPROUT" "$@" config >"$T/out" 2>&1; echo $? >"$T/rc"; }
# has KEY VALUE WHERE: the line of KEY in the output says VALUE and WHERE.
has() { grep -q "^$1 *= $2 *# $3\$" "$T/out"; }

conf
check "no file: jobs is the default" has jobs "$(getconf _NPROCESSORS_ONLN)" 'default (the number of CPUs)'
check "  ... the state too" has state "$T/home/.cache/sprout" 'default.*'
check "  ... the distfiles in the state" has distfiles "$T/home/.cache/sprout/distfiles" 'default (STATE/distfiles)'
check "  ... and the files it looked for" sh -c "grep -q '$SYS (not found)' '$T/out' && grep -q '$USR (not found)' '$T/out'"

printf '# the machine\njobs = 3\narch = aarch64\nmirror = http://system.example/distfiles\n' >"$SYS"
conf
check "system file: jobs from it, with file and line" has jobs 3 "$SYS:2"
printf 'jobs=4\n\n  # the user\nstate = st\nmirror = ~/mirror\n' >"$USR"
conf
check "user file over the system's" has jobs 4 "$USR:1"
check "  ... a relative state is relative to the file" has state "$T/home/.config/sprout/st" "$USR:4"
check "  ... the system's arch still holds" has arch aarch64 "$SYS:3"
check "  ... the user's mirrors replace the system's" sh -c "grep -q '^mirror *= $T/home/mirror ' '$T/out' && ! grep -q system.example '$T/out'"
printf 'jobs = 5\ndistfiles = /var/tmp/df\n' >"$T/c.conf"
conf -c "$T/c.conf"
check "-c FILE over the user's" has jobs 5 "$T/c.conf:1"
check "  ... and its distfiles" has distfiles /var/tmp/df "$T/c.conf:2"
conf -c "$T/c.conf" -j 6 --arch x86_64 --state "$T/s2"
check "the command line over everything" has jobs 6 'command line (--jobs)'
check "  ... --arch too" has arch x86_64 'command line (--arch)'
check "  ... --state too" has state "$T/s2" 'command line (--state)'
conf --mirror /m1 --mirror http://m2.example
check "--mirror replaces the files' mirrors, in order" \
	sh -c "grep '^mirror' '$T/out' | awk '{print \$3}' | tr '\n' ' ' | grep -qx '/m1 http://m2.example '"

printf 'cache = http://a.example/c\ncache = https://b.example/c/\ncache-trust = keys\ncache-key = ~/team.key\n' >"$T/cache.conf"
conf -c "$T/cache.conf"
check "caches in order, the trusted keys beside the file, the key under ~/" \
	sh -c "grep '^cache ' '$T/out' | awk '{print \$3}' | tr '\n' ' ' | grep -qx 'http://a.example/c https://b.example/c/ '"
check "  ... cache-trust" has cache-trust "$T/keys" "$T/cache.conf:3"
check "  ... cache-key" has cache-key "$T/home/team.key" "$T/cache.conf:4"
conf -c "$T/cache.conf" --cache http://c.example
check "--cache replaces the files' caches" sh -c "grep '^cache ' '$T/out' | awk '{print \$3}' | tr '\n' ' ' | grep -qx 'http://c.example '"
printf 'cache = /srv/cache\n' >"$T/bad.conf"
conf -c "$T/bad.conf"
check "a cache that is not an http or https URL is refused (exit 3)" sh -c "test \"\$(cat '$T/rc')\" = 3 && grep -q 'bad.conf:1:9: cache: expected an http:// or https:// URL' '$T/out'"
printf 'farm = farm net\n' >"$T/bad.conf"
conf -c "$T/bad.conf"
check "a farm is one network namespace's name (exit 3)" sh -c "test \"\$(cat '$T/rc')\" = 3 && grep -q 'bad.conf:1:12: farm: expected one word' '$T/out'"
conf --farm farmns --farm-socket s.sock
check "--farm and --farm-socket (a path, from here)" sh -c "grep -q '^farm *= farmns ' '$T/out' && grep -q '^farm-socket *= $T/work/s.sock ' '$T/out'"
conf --cache ftp://x
check "  ... and so is --cache's (exit 2)" sh -c "test \"\$(cat '$T/rc')\" = 2 && grep -q -- '--cache: expected an http:// or https:// URL' '$T/out'"

printf 'jobs = 3\nfrobnicate = yes\n' >"$T/bad.conf"
conf -c "$T/bad.conf"
check "an unknown key: exit 3" test "$(cat "$T/rc")" = 3
check "  ... with file:line:col" grep -q "^sprout: $T/bad.conf:2:1: unknown key 'frobnicate' (expected jobs, state, distfiles, mirror, arch, cache, cache-trust, cache-key, farm or farm-socket)" "$T/out"
printf 'jobs = many\n' >"$T/bad.conf"
conf -c "$T/bad.conf"
check "a bad value: exit 3, at its column" grep -q "^sprout: $T/bad.conf:1:8: jobs: expected a number >= 1, got 'many'" "$T/out"
printf 'jobs = 2\njobs = 3\n' >"$T/bad.conf"
conf -c "$T/bad.conf"
check "a key twice in a file is an error" grep -q "bad.conf:2:1: jobs set twice (first at line 1)" "$T/out"
printf 'mirror = ftp://x\n' >"$T/bad.conf"
conf -c "$T/bad.conf"
check "a mirror that is not http, https, file or a directory is refused" grep -q 'bad.conf:1:10: mirror: expected' "$T/out"
conf -c "$T/missing.conf"
check "-c with a missing file: exit 2" test "$(cat "$T/rc")" = 2
printf 'frobnicate\n' >"$USR"
conf
check "a broken user file stops every command (exit 3)" test "$(cat "$T/rc")" = 3
rm -f "$USR" "$SYS"

# The settings at work: a plan whose source's own origin cannot be reached.
P=$T/plan
mkdir -p "$P/recipes/a" "$T/mirror"
printf 'the pinned bytes\n' >"$T/mirror/data.txt"
h=$(sha256sum "$T/mirror/data.txt" | cut -d' ' -f1)
printf 'name a\nversion 1\nlicense MIT\nsource data.txt\n\tsha256 %s\n\turl http://127.0.0.1:1/data.txt\nbuild host\n\tcp data.txt "$DESTDIR/"\n' "$h" >"$P/recipes/a/recipe"
printf 'plan conftest\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep a\n' >"$P/plan"
printf 'state = %s\ndistfiles = %s\n' "$T/st" "$T/df" >"$USR"
"$SPROUT" fetch "$P" >"$T/out" 2>&1
check "without a mirror the source cannot be fetched" grep -q 'no origin worked' "$T/out"
check "  ... and the message names the origin tried" grep -q '127.0.0.1:1/data.txt' "$T/out"
printf 'mirror = %s\n' "$T/mirror" >>"$USR"
check "a directory mirror gives the file" "$SPROUT" fetch "$P"
check "  ... into the configured distfiles directory" cmp -s "$T/df/data.txt" "$T/mirror/data.txt"
check "  ... not into the state's" test ! -e "$T/st/distfiles/data.txt"
check "and the build finds it there" "$SPROUT" --runner=plain --plain build "$P"
check "  ... in the configured state" test -d "$T/st/store"
rm -rf "$T/df"
printf 'tampered\n' >"$T/bad-mirror-data.txt"
mkdir -p "$T/badmirror"; cp "$T/bad-mirror-data.txt" "$T/badmirror/data.txt"
"$SPROUT" --mirror "file://$T/badmirror" --mirror "$T/mirror" fetch "$P" >"$T/out" 2>&1
check "mirrors are tried in order, and a wrong file from one is refused" cmp -s "$T/df/data.txt" "$T/mirror/data.txt"
rm -rf "$T/df"
"$SPROUT" --mirror "file://$T/badmirror" fetch "$P" >"$T/out" 2>&1
check "  ... a mismatch from a mirror fails like any origin's (exit 4)" grep -q "sha256 mismatch from .*badmirror/data.txt" "$T/out"

if command -v python3 >/dev/null 2>&1; then
	rm -rf "$T/df"
	(cd "$T/mirror" && exec python3 -u -m http.server 0 --bind 127.0.0.1 >"$T/http.log" 2>&1) &
	hp=$!
	port=
	i=0
	while [ -z "$port" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
		port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$T/http.log" | head -n 1)
	done
	"$SPROUT" --mirror "http://127.0.0.1:$port/" fetch "$P" >"$T/out" 2>&1
	check "an http mirror gives the file" cmp -s "$T/df/data.txt" "$T/mirror/data.txt"
	kill $hp 2>/dev/null; wait $hp 2>/dev/null
else
	ok "# SKIP no python3 for an http mirror"
fi

printf 'arch = aarch64\n' >"$USR"
"$SPROUT" --state "$T/st" plan "$P" >"$T/out" 2>&1
check "the default arch from the user's file" grep -q '^plan conftest for aarch64' "$T/out"
"$SPROUT" --state "$T/st" --arch x86_64 plan "$P" >"$T/out" 2>&1
check "  ... and --arch over it" grep -q '^plan conftest for x86_64' "$T/out"
