#!/bin/sh
# Writes the seed corpora fuzz/corpus/TARGET/ from the tree's own fixtures
# and from what ./sprout writes. The seeds are checked in; run this after a
# format changes: sh fuzz/make-corpus.sh (from the repository root, with
# ./sprout built with libsodium).
set -e
s=${SPROUT:-./sprout}
c=fuzz/corpus
t=$(mktemp -d /tmp/sprout-corpus.XXXXXX)
trap 'rm -rf "$t"' EXIT
rm -rf "$c"
mkdir -p "$c/recipe" "$c/plan" "$c/tar" "$c/pkgfile" "$c/repo" "$c/pkgdb" "$c/config" "$c/manifest"

# recipes: a few real ones and the golden fixtures
for r in musl tcc make busybox; do cp "recipes/$r/recipe" "$c/recipe/$r"; done
cp tests/golden/data/pkgplan/recipes/*/recipe "$t/" 2>/dev/null || :
i=0; for r in tests/golden/data/*/recipes/*/recipe; do i=$((i+1)); cp "$r" "$c/recipe/golden-$i"; done

# plans over the harness's recipes a and b
printf 'plan p\narches x86_64 aarch64\nset SOURCE_DATE_EPOCH 0\nrecipes recipes\nstage host\n\tstep a\n\tstep b\nstage native rootfs=b\n\tstep a-native a\n\tstep b-native b use:a=a-native\nfixpoint a a-native\nfinal b-native\n' >"$c/plan/two-stages"
printf 'plan q\ndescription a plan\narches x86_64\ndefault-arch host\nset SOURCE_DATE_EPOCH 1\nset CFLAGS -O2 -g\nrecipes recipes\nstage host\n\tstep a only=x86_64\n\tstep b after=a build=host\nhost-built x86_64 a\nsmoke b\n' >"$c/plan/options"
cp plans/minimal/plan "$c/plan/minimal"

# tar: what python's tarfile writes in each format, and sprout's writer
mkdir -p "$t/tree/d/sub"
printf 'hello\n' >"$t/tree/d/file"
ln -s file "$t/tree/d/link"
ln "$t/tree/d/file" "$t/tree/d/hard"
printf 'x%.0s' $(seq 1 120) >"$t/tree/d/sub/$(printf 'n%.0s' $(seq 1 110))"
find "$t/tree" -exec touch -h -d @1700000000 {} +
python3 - "$t/tree" "$c/tar" <<'P'
import sys, tarfile, os, io, gzip
src, out = sys.argv[1], sys.argv[2]
def clean(ti):
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti
for name, fmt in (("ustar", tarfile.USTAR_FORMAT), ("gnu", tarfile.GNU_FORMAT), ("pax", tarfile.PAX_FORMAT)):
    try:
        with tarfile.open(os.path.join(out, name + ".tar"), "w", format=fmt) as t:
            t.add(src, arcname="t", filter=clean)
    except ValueError:
        pass
raw = open(os.path.join(out, "pax.tar"), "rb").read()
with open(os.path.join(out, "pax-gz.tar.gz"), "wb") as f:
    with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
        g.write(raw)
P
gzip -dc "$c/tar/pax-gz.tar.gz" | head -c 700 >"$c/tar/truncated.tar"

# packages, a signed repository, a root's database
mkdir -p "$t/repo" "$t/trees/a/usr/bin" "$t/trees/b/etc" "$t/trees/bz/usr/share/bz"
printf 'a\n' >"$t/trees/a/usr/bin/a"; chmod 755 "$t/trees/a/usr/bin/a"
ln -s a "$t/trees/a/usr/bin/a-link"
printf 'b\n' >"$t/trees/b/etc/b.conf"
printf 'esc\n' >"$t/trees/b/etc/$(printf 'odd\033name')"
"$s" --arch any pkg create "$t/trees/a" a 1.0 -o "$t/repo/a-1.0.spk" --license MIT --compress=none >/dev/null
"$s" --arch any pkg create "$t/trees/b" b 2.1 -o "$t/repo/b-2.1.spk" --depends "a>=1" --provides bee --compress=none >/dev/null
printf 'bz\n' >"$t/trees/bz/usr/share/bz/data"
"$s" --arch any pkg create "$t/trees/bz" bz 1 -o "$t/repo/bz-1.spk" >/dev/null
cp "$t/repo"/*.spk "$c/pkgfile/"
"$s" pkg index "$t/repo" >/dev/null
"$s" pkg sign --key fuzz/keys/fuzz.key "$t/repo" >/dev/null
{ cat "$t/repo/index"; printf '\0'; cat "$t/repo/index.sig"; } >"$c/repo/signed"
cp "$t/repo/index" "$c/repo/unsigned"
mkdir -p "$t/root/etc/sprout/keys"
cp fuzz/keys/fuzz.pub "$t/root/etc/sprout/keys/"
"$s" --arch any pkg install --root "$t/root" --repo "$t/repo" b >/dev/null
"$s" --arch any pkg remove --root "$t/root" b >/dev/null
"$s" --arch any pkg install --root "$t/root" --repo "$t/repo" a b bz >/dev/null
cp "$t/root/var/lib/sprout/db" "$c/pkgdb/db"

# configuration files
printf '# a comment\njobs = 3\nstate = /var/tmp/s\ndistfiles = /var/tmp/d\nmirror = https://m.example/d\nmirror = file:///srv/m\narch = aarch64\n' >"$c/config/full"
printf 'jobs=1\n' >"$c/config/tight"

# manifests: a package's, and two step manifests with a NUL between
python3 - "$c/pkgdb/db" "$c/manifest" <<'P'
import sys
# the database holds each package's metadata and manifest, with lengths:
# "package SHA256 METALEN MANLEN\n" then the bytes
d = open(sys.argv[1], "rb").read()
k = 0
pos = 0
while True:
    i = d.find(b"package ", pos)
    if i < 0:
        break
    nl = d.index(b"\n", i)
    f = d[i:nl].split()
    ml, nl2 = int(f[2]), int(f[3])
    man = d[nl + 1 + ml:nl + 1 + ml + nl2]
    k += 1
    open("%s/pkg-%d" % (sys.argv[2], k), "wb").write(man)
    pos = nl + 1 + ml + nl2
P
printf 'sprout-manifest 1\nd 755 usr\nf 644 3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad usr/a\nl 777 usr/b -> a\n\0sprout-manifest 1\nd 755 usr\nf 644 3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ae usr/a\n' >"$c/manifest/diff"
echo "fuzz/make-corpus.sh: $(find "$c" -type f | wc -l) seeds"
