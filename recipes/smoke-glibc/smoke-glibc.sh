# The smoke test of the gnu-glibc plan's final system, run inside it (a
# step of the packages stage: nothing but what the bootstrap built). First
# plans/gnu's checks (recipes/smoke-gnu's smoke-gnu.sh, shared as it is: sh,
# C default and -static, C++ static with threads, make, zlib's `make
# test`), then what glibc and multilib add. Each check must pass (the step
# fails otherwise) and adds a line to $DESTDIR/smoke/report, which `sprout
# bootstrap` prints:
#   6. C and C++ linked dynamically by default: the programs need
#      libc.so.6, libstdc++.so.6 and libgcc_s.so.1 and name the system's
#      loader; they run;
#   7. the loader's --list (what ldd runs) resolves every library of each
#      to the system's own directories, nothing else;
#   8. x86_64: the same C and C++ programs built with -m32, dynamic and
#      -static, run; a 32-bit program with threads runs;
#   9. iconv converts UTF-8 to ISO-8859-1 and back (gconv modules), and a
#      program in the C.UTF-8 locale counts characters, not bytes.
set -e
sh smoke-gnu.sh
out="$DESTDIR/smoke"
rep="$out/report"
mkdir -p dyn-test
cp c-test/c.c cxx-test/main.cc cxx-test/thrower.cc dyn-test/
cd dyn-test

case $(uname -m) in
x86_64) abis="64 32" loader64=/lib64/ld-linux-x86-64.so.2 ;;
aarch64) abis=64 loader64=/lib/ld-linux-aarch64.so.1 ;;
*) echo "smoke-glibc.sh: no check for $(uname -m)" >&2; exit 1 ;;
esac
for abi in $abis; do
	m=
	if [ "$abi" = 32 ] || [ "$abis" != 64 ]; then m=-m$abi; fi
	loader=$loader64 lib=$(gcc $m -print-multi-os-directory)
	if [ "$abi" = 32 ]; then loader=/lib/ld-linux.so.2; fi
	gcc $m -O2 -o c$abi c.c -lm
	g++ $m -O2 -pthread -o cxx$abi main.cc thrower.cc
	test "$(./c$abi)" = "499500.0 1.0000 1.4142 good"
	test "$(./cxx$abi)" = "not positive: -3 4995000 19 9 6"
	readelf -l cxx$abi | grep -q "interpreter: $loader\]"
	for n in libc.so.6 libm.so.6 libstdc++.so.6 libgcc_s.so.1; do
		readelf -d cxx$abi c$abi | grep -q "NEEDED.*\[$n\]" || { echo "no $n needed" >&2; exit 1; }
	done
	# 7. The loader's own list: every library from the system's
	# directory for this ABI (usr/lib64 or usr/lib), and the loader.
	"$loader" --list ./cxx$abi >list$abi
	cat list$abi
	want=$(cd /usr/lib && cd "$lib" && pwd)
	n=0
	while read -r name arrow path rest; do
		case $name in linux-vdso.so.*|linux-gate.so.*) continue ;; esac
		case $name in /*) continue ;; esac
		test "$arrow" = "=>" && test "${path%/*}" = "$want" || { echo "$name: not from $want: $path" >&2; exit 1; }
		n=$((n + 1))
	done <list$abi
	test "$n" -ge 4
	echo "glibc: $abi-bit C and C++ linked dynamically by default run; the loader lists $n libraries, all from $want: ok" >>"$rep"
	if [ "$abi" = 32 ]; then
		gcc -m32 -O2 -static -o c32s c.c -lm
		g++ -m32 -O2 -static -pthread -o cxx32s main.cc thrower.cc
		test "$(./c32s)" = "499500.0 1.0000 1.4142 good"
		test "$(./cxx32s)" = "not positive: -3 4995000 19 9 6"
		readelf -h cxx32s | grep -q 'Class:.*ELF32'
		cat >thr.c <<'S'
#include <pthread.h>
#include <stdio.h>
static long total;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static void *work(void *arg)
{
	long n = (long)arg, local = 0;
	for (long i = 0; i < 100000; i++)
		local += i % (n + 2);
	pthread_mutex_lock(&m);
	total += local;
	pthread_mutex_unlock(&m);
	return 0;
}
int main(void)
{
	pthread_t t[8];
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], 0, work, (void *)i);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], 0);
	printf("%ld %d\n", total, (int)sizeof(void *));
	return 0;
}
S
		gcc -m32 -O2 -pthread -o thr32 thr.c
		test "$(./thr32)" = "1799986 4"
		echo "glibc: 32-bit C and C++ -static run; a 32-bit program with 8 threads runs: ok" >>"$rep"
	fi
done

# 9. iconv and C.UTF-8.
printf 'caf\303\251\n' >utf8.txt
iconv -f UTF-8 -t ISO-8859-1 utf8.txt >latin1.txt
test "$(wc -c <latin1.txt)" = 5
test "$(iconv -f ISO-8859-1 -t UTF-8 latin1.txt)" = "$(cat utf8.txt)"
cat >loc.c <<'S'
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
	const char *s = "caf\303\251";
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return 1;
	printf("%zu %zu\n", strlen(s), mbstowcs(NULL, s, 0));
	return 0;
}
S
gcc -O2 -o loc loc.c
test "$(./loc)" = "5 4"
echo "glibc: iconv UTF-8 <-> ISO-8859-1 (gconv modules), the C.UTF-8 locale: ok" >>"$rep"
