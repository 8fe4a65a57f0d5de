# GNU Mes 0.24.2 for the Mes road experiment, in two steps (so that the
# build, half an hour or more, is kept when the test suite, hours, is
# stopped): `sh mes-road.sh build CC [CONFIGURE-ARGS...]` builds Mes with
# the C compiler CC (gcc or tcc), installs it under $DESTDIR/opt/mes and
# keeps the built tree as $DESTDIR/opt/mes-build.tar; `sh mes-road.sh
# check CC` unpacks that tree from the step's mes dependency
# ($SYSROOT/opt/mes-build.tar, at the same /build path) and runs Mes's
# whole test suite in it. Each writes what it measured to
# $DESTDIR/opt/mes/share/mes-road/$STEP.txt. A failure is recorded there,
# not fatal: the point of the step is the record (docs/trust.md, "The road
# to a smaller seed").
set -u
mode=$1 cc=$2
shift 2
res=$DESTDIR/opt/mes/share/mes-road
mkdir -p "$res"
out=$res/$STEP.txt
log() { echo "$*" >>"$out"; }

# mescc-tools (M1, hex2, blood-elf, kaem) and nyacc's modules come from the
# step's dependencies; nothing else of Mes's optional tools is looked for.
export PATH=$SYSROOT/usr/bin:$PATH
export GUILE_LOAD_PATH=$SYSROOT/usr/share/nyacc/module
export GUILE=true GUILD=true M2_PLANET= KAEM=
export CC=$cc
# The final system has no ar: tcc's own archiver (it takes mes's crD).
if [ "$cc" = tcc ]; then export AR="tcc -ar"; fi
# configure.sh leaves @CPPFLAGS@ and @LDFLAGS@ unsubstituted in config.sh,
# which reads them as ${CPPFLAGS-...}: set and empty, they stay empty.
export CPPFLAGS= LDFLAGS=

# Mes's test suite in the built tree (the current directory), every suite
# run, with the counts of each and its failures in the record.
check_suite() {
	# check.sh stops at the first suite with a failure (set -e); without it
	# every suite runs and reports, and its own exit status is still kept.
	sed 's/^set -e$/set +e/' check.sh >check-all.sh
	t3=$(date +%s)
	sh check-all.sh >"$BUILDDIR/check.log" 2>&1
	r=$?; t4=$(date +%s)
	log "check.sh (every suite): exit $r in $((t4 - t3)) s"
	# One line per suite: the test-result counts of its .trs files.
	for d in . gcc-lib mescc-lib; do
		find "$d" -name '*.trs' ! -path "./gcc-lib/*" ! -path "./mescc-lib/*" 2>/dev/null |
			xargs cat 2>/dev/null | sed -n 's/^:test-result: *//p' | sort | uniq -c |
			tr '\n' ' ' | sed "s|^|suite $d: |" >>"$out"
		echo >>"$out"
	done
	grep -E '^(FAIL|XPASS|ERROR):' "$BUILDDIR/check.log" | sed 's/^/  /' >>"$out"
	cp "$BUILDDIR/check.log" "$res/$STEP-check.log"
}

if [ "$mode" = check ]; then
	log "step $STEP: GNU Mes 0.24.2's test suite, Mes built with CC=$cc ($($cc --version 2>&1 | head -n 1))"
	# The source as extracted for this step goes: the built tree takes
	# its place, at the path where it was built.
	rm -rf mes-0.24.2
	tar -xf "$SYSROOT/opt/mes-build.tar" || { log "unpacking the built tree: FAILED"; exit 0; }
	cd mes-0.24.2
	check_suite
	exit 0
fi

cd mes-0.24.2
t0=$(date +%s)
sh configure.sh --prefix=/opt/mes "$@" >"$BUILDDIR/configure.log" 2>&1 || {
	log "configure.sh: FAILED ($?)"; tail -n 20 "$BUILDDIR/configure.log" >>"$out"; exit 0; }
sed -n '/configured for/,/bootstrap:/p' "$BUILDDIR/configure.log" >>"$out"

t1=$(date +%s)
if sh build.sh >"$BUILDDIR/build.log" 2>&1; then
	t2=$(date +%s)
	log "build.sh: ok in $((t2 - t1)) s (configure $((t1 - t0)) s)"
else
	r=$?; t2=$(date +%s)
	log "build.sh: FAILED ($r) after $((t2 - t1)) s; its last lines:"
	tail -n 30 "$BUILDDIR/build.log" >>"$out"
	cp "$BUILDDIR/build.log" "$res/$STEP-build.log"
	exit 0
fi
for b in bin/mes-gcc bin/mes mescc-lib/x86_64-mes/libc.a mescc-lib/x86_64-mes/libc+tcc.a; do
	test -e "$b" && log "size $b: $(wc -c <"$b") bytes"
done

sh install.sh >"$BUILDDIR/install.log" 2>&1 || {
	log "install.sh: FAILED"; tail -n 20 "$BUILDDIR/install.log" >>"$out"; }
log "total $(($(date +%s) - t0)) s"
# The built tree, for the check step (its test suite runs in it).
cd "$BUILDDIR"
tar -cf "$DESTDIR/opt/mes-build.tar" mes-0.24.2 || log "keeping the built tree: FAILED"
