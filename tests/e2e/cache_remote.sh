# The shared step cache (docs/cache.md, "The shared cache") against
# Debian's nginx with its dav module on 127.0.0.1: a second state
# directory builds nothing and gets the same digests; tampered, truncated,
# unsigned and untrusted entries are refused with the reason and built
# here; a cache that is down, or stops answering in the middle of a
# build, does not fail it.
. "$TOP/tests/e2e/lib.sh"
RUNNER=${RUNNER:---runner=plain}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ] || ! sprout pkg keygen "$T/probe" >/dev/null 2>&1; then
	echo "ok 1 # skip nginx (sh mk/deps.sh --test) or libsodium is missing"
	exit 0
fi

# ---- the server: nginx on a free port, PUT allowed, files under $W ----
W=$T/www
mkdir -p "$W" "$T/ngx"
start_nginx() {
	port=$1
	cat >"$T/ngx/nginx.conf" <<C
worker_processes 1;
master_process off;
pid $T/ngx/nginx.pid;
error_log $T/ngx/error.log;
$( [ "$(id -u)" = 0 ] && echo "user root root;" )
events { worker_connections 64; }
http {
	access_log $T/ngx/access.log;
	client_body_temp_path $T/ngx/body;
	proxy_temp_path $T/ngx/proxy;
	fastcgi_temp_path $T/ngx/fastcgi;
	uwsgi_temp_path $T/ngx/uwsgi;
	scgi_temp_path $T/ngx/scgi;
	server {
		listen 127.0.0.1:$port;
		root $W;
		location / {
			dav_methods PUT DELETE;
			create_full_put_path on;
			client_max_body_size 0;
		}
	}
}
C
	"$NGINX" -p "$T/ngx" -c "$T/ngx/nginx.conf" -e "$T/ngx/error.log" 2>>"$T/ngx/start.log"
}
port=
for try in 1 2 3 4 5 6 7 8; do
	p=$((20000 + ($$ * 7 + try * 131) % 20000))
	if start_nginx $p; then port=$p; break; fi
done
if [ -z "$port" ]; then
	notok "nginx starts on 127.0.0.1 (see its log below)"
	cat "$T/ngx/start.log" "$T/ngx/error.log" 2>/dev/null
	exit 1
fi
trap 'kill -CONT $(cat "$T/ngx/nginx.pid") 2>/dev/null; kill $(cat "$T/ngx/nginx.pid") 2>/dev/null; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
URL=http://127.0.0.1:$port/sprout-cache
ok "nginx with dav serves $URL"

# ---- keys: the team's (trusted) and another ----
mkdir -p "$T/trust" "$T/other-trust"
sprout pkg keygen "$T/team" >/dev/null
sprout pkg keygen "$T/other" >/dev/null
cp "$T/team.pub" "$T/trust/"
cp "$T/other.pub" "$T/other-trust/"

# ---- a plan: base <- lib <- stopper <- app ----
P=$T/plan
mkdir -p "$P/recipes/base" "$P/recipes/lib" "$P/recipes/stopper" "$P/recipes/app"
printf 'hello from a local source\n' >"$P/recipes/base/data.txt"
mkrecipe_local "$P/recipes/base" base data.txt <<'R'
build host
	mkdir -p "$DESTDIR/usr/share/empty"
	cp data.txt "$DESTDIR/usr/share/base.txt"
	ln -s base.txt "$DESTDIR/usr/share/link"
R
mkrecipe "$P/recipes/lib" lib <<'R'
depends base
build host
	mkdir -p "$DESTDIR/usr/lib"
	cat "$SYSROOT/usr/share/base.txt" "$SYSROOT/usr/share/base.txt" >"$DESTDIR/usr/lib/lib.txt"
	head -c 200000 /dev/zero | tr '\0' x >"$DESTDIR/usr/lib/big"
R
# stopper stops the server (SIGSTOP: it keeps its socket but answers
# nothing) when $T/stop-now exists: the cache stops answering in the
# middle of a build, after base and lib were pulled.
mkrecipe "$P/recipes/stopper" stopper <<R
depends lib
build host
	mkdir -p "\$DESTDIR/usr/share"
	echo stopper >"\$DESTDIR/usr/share/stopper"
	if [ -f $T/stop-now ]; then kill -STOP \$(cat $T/ngx/nginx.pid); fi
R
mkrecipe "$P/recipes/app" app <<'R'
depends stopper
build host
	mkdir -p "$DESTDIR/usr/bin"
	{ echo '#!/bin/sh'; echo 'echo app'; } >"$DESTDIR/usr/bin/app"
	chmod 755 "$DESTDIR/usr/bin/app"
R
mkplan "$P" cachetest base lib stopper app
export SPROUT_CACHE_TIMEOUT=3
run() { s=$1; shift; sprout --state "$T/$s" $RUNNER --plain "$@" >"$T/out" 2>&1; }
digests() { for k in "$T/$1"/store/*/digest; do cat "$k"; done | sort; }
key_of() { basename "$(dirname "$(sprout --state "$T/s1" path "$P" "$1")")"; }

# ---- one machine builds and pushes ----
check "build with an empty cache" run s1 --cache "$URL" --cache-trust "$T/trust" build "$P"
check "  ... builds every step" grep -q '^cachetest: 4 built, 0 cached' "$T/out"
check "  ... and an empty cache is no error" sh -c "! grep -q 'refused\|not used' '$T/out'"
fails "cache push needs a key" run s1 --cache "$URL" cache push "$P"
check "  ... and says so" grep -q 'no key to sign with' "$T/out"
check "cache push PLAN" run s1 --cache "$URL" cache push --key "$T/team.key" "$P"
check "  ... uploads the four steps" grep -q '^cache push: 4 pushed, 0 already there, 0 failed, 0 not built' "$T/out"
check "  ... as archive, manifest, entry and signature per key" sh -c "ls '$W/sprout-cache' | grep -c '\.entry\.sig\$' | grep -qx 4 && ls '$W/sprout-cache' | grep -c '\.tar\$' | grep -qx 4"
check "  ... the entry names its step and digest" grep -q "^step lib\$" "$W/sprout-cache/$(key_of lib).entry"
check "cache push again (the whole store, no PLAN)" run s1 cache push --to "$URL" --key "$T/team.key"
check "  ... sends nothing again" grep -q '^cache push: 0 pushed, 4 already there, 0 failed' "$T/out"

# ---- a second machine (state directory) builds nothing ----
check "second state directory: build" run s2 --cache "$URL" --cache-trust "$T/trust" build "$P"
check "  ... builds nothing" grep -q '^cachetest: 0 built, 4 cached' "$T/out"
check "  ... says where each step came from" sh -c "grep -c 'pulled .* from $URL' '$T/out' | grep -qx 4"
check "  ... gets the same digests" test "$(digests s1)" = "$(digests s2)"
check "  ... and fetched no source for them" test ! -e "$T/s2/distfiles/data.txt"
check "  ... the outputs are the same trees" diff -r "$(sprout --state "$T/s1" path "$P" lib)" "$(sprout --state "$T/s2" path "$P" lib)"
check "  ... a symlink and an empty directory came through" sh -c "test -L '$(sprout --state "$T/s2" path "$P" base)/usr/share/link' && test -d '$(sprout --state "$T/s2" path "$P" base)/usr/share/empty'"
check "  ... and a build after that is a no-op" run s2 --cache "$URL" --cache-trust "$T/trust" build "$P"
check "  ... with nothing pulled" sh -c "grep -q '^cachetest: 0 built, 4 cached' '$T/out' && ! grep -q pulled '$T/out'"

# ---- what is refused, and why ----
C=$W/sprout-cache
kb=$(key_of base) kl=$(key_of lib)
save() { cp "$C/$1" "$T/saved"; }
restore() { cp "$T/saved" "$C/$1"; }
refused() { # name, state, step, reason
	check "$1: the build still succeeds" run "$2" --cache "$URL" --cache-trust "$T/trust" build "$P"
	check "  ... refused with the reason" grep -q "refused $3 from $URL: $4" "$T/out"
	check "  ... built here" grep -q '^cachetest: [1-9] built' "$T/out"
	check "  ... same digests" test "$(digests "$2")" = "$(digests s1)"
}
save "$kl.tar"
head -c 1000 "$T/saved" >"$C/$kl.tar"
refused "a truncated archive" s3 lib "the archive is 1000 bytes, not the signed"
restore "$kl.tar"
save "$kl.tar"
sed 's/hello from/HELLO FROM/' "$T/saved" >"$C/$kl.tar"
refused "an archive changed, same size" s4 lib "the archive's sha256 is"
restore "$kl.tar"
save "$kb.manifest"
sed 's/^f 0644/f 0755/' "$T/saved" >"$C/$kb.manifest"
refused "a manifest changed" s5 base "the manifest's digest is"
restore "$kb.manifest"
save "$kb.entry"
sed 's/^step base/step basf/' "$T/saved" >"$C/$kb.entry"
refused "an entry changed after signing" s6 base "signature: bad signature"
check "  ... once, not once per look at the step" sh -c "grep -c 'refused base' '$T/out' | grep -qx 1"
restore "$kb.entry"
save "$kb.entry.sig"
rm "$C/$kb.entry.sig"
refused "an unsigned entry" s7 base "not signed"
restore "$kb.entry.sig"
check "a key that is not trusted: the build still succeeds" run s8 --cache "$URL" --cache-trust "$T/other-trust" build "$P"
check "  ... refused: not among the trusted keys" grep -q "refused base from $URL: signature: .*not among the trusted keys" "$T/out"
check "  ... everything built here" grep -q '^cachetest: 4 built, 0 cached' "$T/out"
check "no --cache-trust: nothing is pulled" run s9 --cache "$URL" build "$P"
check "  ... and it says why" grep -q "no keys are trusted for it" "$T/out"

# ---- a cache that is down, or stops answering in the middle ----
check "a cache that is down: the build succeeds" run s10 --cache "http://127.0.0.1:1/x" --cache-trust "$T/trust" build "$P"
check "  ... saying it is not used" grep -q "http://127.0.0.1:1/x is not used for the rest of this run: could not connect" "$T/out"
check "several caches, in order: a dead one, then the good one" run s11 --cache "http://127.0.0.1:1/x" --cache "$URL" --cache-trust "$T/trust" build "$P"
check "  ... the second serves everything" grep -q '^cachetest: 0 built, 4 cached' "$T/out"
ks=$(key_of stopper)
mkdir -p "$T/hidden"
mv "$C/$ks".* "$T/hidden/"
touch "$T/stop-now"
t0=$(date +%s)
check "the cache stops answering after two steps were pulled: the build succeeds" run s12 -v --cache "$URL" --cache-trust "$T/trust" build "$P"
t1=$(date +%s)
rm -f "$T/stop-now"
kill -CONT "$(cat "$T/ngx/nginx.pid")"
check "  ... base and lib were pulled" sh -c "grep -q 'pulled.* base .*from' '$T/out' && grep -q 'pulled.* lib .*from' '$T/out'"
check "  ... app was asked for, and the cache given up" grep -q "$URL is not used for the rest of this run: timed out" "$T/out"
check "  ... stopper and app built here" grep -q '^cachetest: 2 built, 2 cached' "$T/out"
check "  ... same digests" test "$(digests s12)" = "$(digests s1)"
check "  ... within the timeout, not hanging ($((t1 - t0))s)" test $((t1 - t0)) -lt 60
mv "$T/hidden/"* "$C/"
echo "1..$n"
