# sprout sbom: an SPDX 2.3 document of a synthetic plan's build validates
# against the SPDX 2.3 JSON schema (tests/data/spdx-schema-2.3.json, from
# the SPDX specification's repository), and says what a user must be able
# to check: each step's name, version and license; each source's download
# location, Debian package and sha256; the patches; the relationships; every
# file of the final rootfs with its checksums; the same bytes every time.
. "$TOP/tests/e2e/lib.sh"
RUNNER=${RUNNER:---runner=plain}
SCHEMA=$TOP/tests/data/spdx-schema-2.3.json
P=$T/plan
mkdir -p "$P/recipes/lib" "$P/recipes/app" "$P/recipes/rootfs" "$T/src/lib-2.0"
printf 'int lib(void) { return 2; }\n' >"$T/src/lib-2.0/lib.c"
tar czf "$P/recipes/lib/lib_2.0.orig.tar.gz" -C "$T/src" lib-2.0
h=$(sha256sum "$P/recipes/lib/lib_2.0.orig.tar.gz" | cut -d' ' -f1)
printf -- '--- a/lib.c\n+++ b/lib.c\n' >"$P/recipes/lib/fix.patch"
cat >"$P/recipes/lib/recipe" <<R
name lib
version 2.0
license LGPL-2.1-or-later
description a library
source lib_2.0.orig.tar.gz
	sha256 $h
	local  lib_2.0.orig.tar.gz
	url    https://example.org/releases/lib-2.0.tar.gz
	debian lib 1:2.0-1+b1
	waive  lib-2.0/lib.c not generated; a stand-in for this test
patch fix.patch
build host
	mkdir -p "\$DESTDIR/usr/lib"
	cp lib-2.0/lib.c "\$DESTDIR/usr/lib/lib.c"
R
cat >"$P/recipes/app/recipe" <<'R'
name app
version 1.1
license MIT
depends lib
build host
	mkdir -p "$DESTDIR/usr/bin"
	printf '#!/bin/sh\necho app\n' >"$DESTDIR/usr/bin/app"
	chmod 755 "$DESTDIR/usr/bin/app"
R
cat >"$P/recipes/rootfs/recipe" <<'R'
name rootfs
version 1
license MIT AND LGPL-2.1-or-later
depends app lib
build host
	cp -R "$SYSROOT/." "$DESTDIR/"
	mkdir -p "$DESTDIR/etc"
	echo 'a file name with a space' >"$DESTDIR/etc/with space"
	ln -s ../usr/bin/app "$DESTDIR/etc/link"
R
printf 'plan sb\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 1700000000\nstage host\n\tstep lib\n\tstep app\n\tstep rootfs\nfinal rootfs\n' >"$P/plan"
S=$T/state

sprout --state "$S" $RUNNER sbom "$P" >"$T/out" 2>&1; rc=$?
check "sbom of a plan not built fails (exit 1)" test "$rc" = 1
check "  ... and says to build it, with the plan and --state given" \
	grep -q "; build it first: $SPROUT --state $S .*build $P\$" "$T/out"

sprout --state "$S" $RUNNER build "$P" >"$T/build.out" 2>&1
check "the plan builds" grep -q '^sb: 3 built' "$T/build.out"
sprout --state "$S" sbom "$P" -o "$T/sbom.json" 2>"$T/err"
check "sbom -o FILE writes the document" test -s "$T/sbom.json"
sprout --state "$S" sbom "$P" >"$T/sbom2.json"
check "  ... and the same bytes to stdout, every time" cmp -s "$T/sbom.json" "$T/sbom2.json"

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	ok "# SKIP python3-jsonschema is not installed (sh mk/deps.sh --test)"
	echo "1..$n"
	exit 0
fi
cat >"$T/validate.py" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
PY
check "the document validates against the SPDX 2.3 JSON schema" python3 "$T/validate.py" "$SCHEMA" "$T/sbom.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["SPDXID"]; d["packages"][0]["bogus"]=1; json.dump(d, open(sys.argv[2], "w"))' \
	"$T/sbom.json" "$T/broken.json"
fails "  ... and the check rejects a broken one" sh -c "python3 '$T/validate.py' '$SCHEMA' '$T/broken.json' 2>/dev/null"

# What the document says, checked against the files themselves.
cat >"$T/check.py" <<'PY'
import hashlib, json, os, sys
doc = json.load(open(sys.argv[1]))
what, out, tarball = sys.argv[2], sys.argv[3], sys.argv[4]
pk = {p["SPDXID"]: p for p in doc["packages"]}
rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc["relationships"]}
files = {f["fileName"]: f for f in doc.get("files", [])}
def cks(x):
    return {c["algorithm"]: c["checksumValue"] for c in x["checksums"]}
def sha(path, alg):
    return hashlib.new(alg, open(path, "rb").read()).hexdigest()
lib, app, root = pk["SPDXRef-Step-lib"], pk["SPDXRef-Step-app"], pk["SPDXRef-Step-rootfs"]
src = pk["SPDXRef-Source-lib-2.0.orig.tar.gz"]
if what == "steps":
    ok = (lib["name"], lib["versionInfo"], lib["licenseDeclared"]) == ("lib", "2.0", "LGPL-2.1-or-later") \
        and (app["name"], app["versionInfo"]) == ("app", "1.1") and root["licenseDeclared"] == "MIT AND LGPL-2.1-or-later" \
        and lib["summary"] == "a library"
elif what == "source":
    ok = cks(src) == {"SHA256": sha(tarball, "sha256")} \
        and src["downloadLocation"] == "https://example.org/releases/lib-2.0.tar.gz" \
        and "the Debian source package lib 1:2.0-1+b1" in src["sourceInfo"] \
        and "waive lib-2.0/lib.c: not generated" in src["sourceInfo"] \
        and src["externalRefs"] == [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                     "referenceLocator": "pkg:deb/debian/lib@1%3A2.0-1%2Bb1?arch=source"}]
elif what == "patch":
    p = files["./recipes/lib/fix.patch"]
    ok = cks(p)["SHA256"] == sha(os.path.join(os.path.dirname(tarball), "fix.patch"), "sha256") \
        and (p["SPDXID"], "PATCH_FOR", "SPDXRef-Step-lib") in rels and "fix.patch" in lib["comment"]
elif what == "relationships":
    ok = ("SPDXRef-Step-lib", "GENERATED_FROM", src["SPDXID"]) in rels \
        and ("SPDXRef-Step-app", "DEPENDS_ON", "SPDXRef-Step-lib") in rels \
        and ("SPDXRef-Step-rootfs", "DEPENDS_ON", "SPDXRef-Step-app") in rels \
        and ("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Step-rootfs") in rels \
        and doc["documentDescribes"] == ["SPDXRef-Step-rootfs"]
elif what == "rootfs":
    want = sorted("./" + os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs
                  if not os.path.islink(os.path.join(d, f)))
    got = sorted(f for f in files if not f.startswith("./recipes/"))
    ids = {files[f]["SPDXID"] for f in got}
    ok = want == got and set(root["hasFiles"]) == ids and root["filesAnalyzed"] is True and all(
        cks(files[f]) == {"SHA1": sha(os.path.join(out, f), "sha1"), "SHA256": sha(os.path.join(out, f), "sha256")}
        for f in got)
    if not ok:
        print("want", want, "got", got, file=sys.stderr)
elif what == "vcode":
    s1 = sorted(cks(files[f])["SHA1"] for f in files if files[f]["SPDXID"] in root["hasFiles"])
    ok = root["packageVerificationCode"]["packageVerificationCodeValue"] == hashlib.sha1("".join(s1).encode()).hexdigest()
elif what == "created":
    ok = doc["creationInfo"]["created"] == "2023-11-14T22:13:20Z" and doc["spdxVersion"] == "SPDX-2.3"
sys.exit(0 if ok else 1)
PY
out="$(stored "$S" sb rootfs)/out"
c() { python3 "$T/check.py" "$T/sbom.json" "$1" "$out" "$P/recipes/lib/lib_2.0.orig.tar.gz"; }
check "each step: name, version, SPDX license, summary" c steps
check "each source: download location, Debian package (purl), sha256, audit rules" c source
check "the patches, with their checksums, for the steps given them" c patch
check "relationships: generated from the sources, depends on the dependencies, describes the final rootfs" c relationships
check "every file of the final rootfs (a space in a name too, not the symlink) with its SHA1 and SHA256" c rootfs
check "  ... and the package verification code over them" c vcode
check "created is the plan's SOURCE_DATE_EPOCH" c created
echo "1..$n"
