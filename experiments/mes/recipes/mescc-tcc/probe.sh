# Run mescc (from the step's mes dependency) on the tcc recipe's source,
# pristine: one translation unit at a time (ONE_SOURCE=0), each with a time
# limit, and record for each whether it compiled, how long it took, and
# mescc's first error. Then, if every unit compiled, link them against
# Mes's C library and run the result. Results go to
# $DESTDIR/usr/share/mes-road/$STEP.txt; nothing here fails the step.
set -u
# MESCC, when set, is the mescc to run (with its environment already
# exported, as explore-debian-mes.sh does); else the step's mes dependency.
if [ -z "${MESCC:-}" ]; then
	M=$SYSROOT/opt/mes
	# Mes 0.24.2's install.sh stops under a POSIX sh (it sets -u, then
	# reads $BASHOPTS, which only bash has), so a mes step built by
	# mes-road.sh may hold its built tree (opt/mes-build.tar) but no
	# installed mescc: install it here from that tree, BASHOPTS set empty
	# (and .git-for-build there, or it would make a ChangeLog with git).
	if [ ! -e "$M/bin/mescc" ] && [ -e "$SYSROOT/opt/mes-build.tar" ]; then
		mkdir -p mes-install
		tar -xf "$SYSROOT/opt/mes-build.tar" -C mes-install
		(cd mes-install/mes-0.24.2 && touch .git-for-build && BASHOPTS= SHELL=/bin/sh DESTDIR="$BUILDDIR/mes-install/root" sh install.sh) \
			>mes-install.log 2>&1 || { echo "installing Mes from its built tree failed:"; tail -n 20 mes-install.log; }
		M=$BUILDDIR/mes-install/root/opt/mes
	fi
	export PATH=$SYSROOT/usr/bin:$M/bin:$PATH
	export MES=$M/bin/mes MES_PREFIX=$M bindir=$M/bin includedir=$M/include libdir=$M/lib
	export GUILE_LOAD_PATH=$M/share/guile/site/2.2:$SYSROOT/usr/share/nyacc/module
	MESCC="sh $M/bin/mescc"
fi
mescc=$MESCC
res=${RESULTS:-$DESTDIR/usr/share/mes-road}
mkdir -p "$res"
out=$res/$STEP.txt
log() { echo "$*" >>"$out"; }
limit=${MESCC_TCC_LIMIT:-2400}
# MESCC_TCC_PASSES, MESCC_TCC_FILES: which passes (below) and which of
# tcc's files to run, default all.
log "step $STEP: mescc ($($mescc --version 2>&1 | head -n 1)) on tcc $VERSION"

# mescc itself works: a hello world through mes's C library.
printf '#include <stdio.h>\nint main(){puts("hello from mescc");return 0;}\n' >hello.c
if $mescc -o hello hello.c >hello.log 2>&1 && ./hello >>"$out" 2>&1; then
	log "hello.c: ok, $(wc -c <hello) bytes"
else
	log "hello.c: FAILED"; tail -n 20 hello.log >>"$out"; exit 0
fi

# The C constructs tcc uses, one small program each (constructs.sh).
log "constructs (compiled, linked against Mes's C library, run):"
(MESCC=$mescc OUT=$out sh "${CONSTRUCTS:-mescc-tcc-constructs.sh}")

# tcc's config.h, which its configure would write: the version, where
# its files live, and nothing else. Pass "pristine" uses it as is; pass
# "shim" adds, for mescc alone (__MESC__), what this probe found mescc and
# nyacc 1.00.2 cannot take, each line with the construct it stands for.
# Neither pass changes a file of tcc; pass "patch" (run only when named in
# MESCC_TCC_PASSES, and last: it changes the tree) does, see patch_tcc.
config() {
	printf '#define TCC_VERSION "0.9.27"\n#define CONFIG_TCCDIR "/usr/lib/tcc"\n#define CONFIG_TCC_STATIC 1\n'
	if [ "$1" = shim ]; then
		echo '#ifdef __MESC__'
		# GNU attributes after a declarator (tcc.h: NORETURN, PRINTF_LIKE,
		# ALIGNED): nyacc's parser fails on them.
		echo '#define __attribute__(x)'
		# static inline function definitions (tcc.h: is_space, isid ...):
		# mescc's fctn-defn:get-type does not take the inline specifier.
		echo '#define inline'
		echo '#endif'
	fi
}
# Pass "patch" also changes tcc, with patches written here, one for each
# construct of the shim pass's failures that a define cannot reach.
patch_tcc() {
	# libtcc.h:31, libtcc.c:602: a function returning a function-pointer
	# typedef (mescc: ast->type: not supported); tcc.c never calls it.
	# The declaration ends at its ";", the definition at its "}".
	for f in libtcc.h:';$' libtcc.c:'^}$'; do
		awk -v end="${f#*:}" '/^LIBTCCAPI TCCErrorFunc tcc_get_error_func/ { print "#ifndef __MESC__"; in_f = 1 }
			{ print }
			in_f && $0 ~ end { print "#endif"; in_f = 0 }' "${f%%:*}" >tmp.new && mv tmp.new "${f%%:*}"
	done
	# tccrun.c:41: a member named like its typedef (jmp_buf jmp_buf).
	sed -i 's/jmp_buf jmp_buf;/jmp_buf jb;/; s/rc->jmp_buf/rc->jb/g' tccrun.c
	# tcc.h:336: semaphores, which Mes's C library lacks (one thread here).
	awk '/^#define CONFIG_TCC_SEMLOCK$/ { print "#ifndef __MESC__"; print; print "#endif"; next } { print }' \
		tcc.h >tcc.h.new && mv tcc.h.new tcc.h
}
defs="-D ONE_SOURCE=0 -D TCC_TARGET_X86_64=1 -D CONFIG_TCC_STATIC=1 -I ."
for pass in ${MESCC_TCC_PASSES:-pristine shim}; do
config $pass >config.h
if [ "$pass" = patch ]; then config shim >config.h; patch_tcc; fi
log "pass $pass:"
objs=
all=yes
# Smallest first, so that a slow unit does not hide the rest.
for f in ${MESCC_TCC_FILES:-x86_64-link.c tccrun.c tccasm.c x86_64-gen.c i386-asm.c libtcc.c tcc.c tccelf.c tccpp.c tccgen.c}; do
	o=${f%.c}.o
	rm -f "$o"
	t0=$(date +%s)
	timeout "$limit" $mescc -c $defs -o "$o" "$f" >"$f.log" 2>&1
	r=$?; t1=$(date +%s)
	if [ $r = 0 ] && [ -s "$o" ]; then
		log "  $f ($(wc -l <"$f") lines): ok in $((t1 - t0)) s, $(wc -c <"$o") bytes of hex2 object"
		objs="$objs $o"
	else
		all=no
		if [ $r = 124 ] || [ $r = 143 ]; then why="timed out after $limit s"; else why="exit $r after $((t1 - t0)) s"; fi
		log "  $f ($(wc -l <"$f") lines): FAILED, $why; mescc's last lines:"
		grep -v '^ *$' "$f.log" | tail -n 8 | sed 's/^/      /' >>"$out"
	fi
	cp "$f.log" "$res/$STEP-$pass-$f.log"
done
if [ $all = yes ]; then
	if $mescc -o tcc-mes $objs -l c+tcc >link.log 2>&1; then
		log "  link: ok, tcc-mes $(wc -c <tcc-mes) bytes"
		./tcc-mes -v >>"$out" 2>&1; log "  tcc-mes -v: exit $?"
	else
		log "  link: FAILED"; tail -n 20 link.log >>"$out"
	fi
fi
done
