# The core builds with gcc, clang and tcc, with and without the optional
# libraries, warning-free (-Werror), and each build passes the unit tests.
. "$TOP/tests/e2e/lib.sh"
cd "$TOP" || exit 1
for cc in gcc clang tcc; do
	if ! command -v $cc >/dev/null 2>&1; then
		ok "# SKIP $cc is not installed"
		continue
	fi
	for libs in with without; do
		nolibs=
		[ $libs = without ] && nolibs=1
		o=$T/build-$cc-$libs
		if make -s O="$o" CC=$cc NOLIBS=$nolibs CFLAGS="-O2 -Werror" "$o/sprout" units O="$o" >"$T/log" 2>&1; then
			ok "$cc builds sprout $libs the optional libraries, warning-free"
		else
			notok "$cc builds sprout $libs the optional libraries, warning-free"
			sed 's/^/# /' "$T/log" | tail -n 20
			continue
		fi
		failed=
		for t in "$o"/tests/test_*; do
			case "$t" in */test_sandbox*) continue ;; esac
			"$t" >"$T/ut" 2>&1 || failed="$failed $(basename "$t")"
		done
		check "$cc build ($libs libraries) passes the unit tests${failed:+ (failed:$failed)}" test -z "$failed"
		check "$cc build ($libs libraries) runs" "$o/sprout" --version
	done
done
