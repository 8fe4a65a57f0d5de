# The smoke test of the gnu plan's final system, run inside it (a step of
# the packages stage: nothing but what the bootstrap built). Each check
# must pass (the step fails otherwise) and adds a line to
# $DESTDIR/smoke/report, which `sprout bootstrap` prints:
#   1. sh runs a script;
#   2. gcc compiles C at -O2 (stdio, malloc, libm), linked by default and
#      with -static, and both run;
#   3. g++ compiles C++ at -O2: iostream, std::string, templates (variadic,
#      constexpr), exceptions thrown in one archive and caught in another
#      object, std::thread with a mutex, std::sort; static; it runs;
#   4. make builds a two-file project with ar, and the result runs;
#   5. zlib (Debian's source, the build tree's zlib-*/): configure, make,
#      and its own `make test`.
set -e
. ./smoke-checks.sh
out="$DESTDIR/smoke"
mkdir -p "$out" sh-test c-test cxx-test make-test
rep="$out/report"
: >"$rep"

# 1. sh.
smoke_sh

# 2. C.
smoke_c_program
gcc -O2 -o c-test/c c-test/c.c -lm
gcc -O2 -static -o c-test/c-static c-test/c.c -lm
test "$(c-test/c)" = "499500.0 1.0000 1.4142 good"
test "$(c-test/c-static)" = "499500.0 1.0000 1.4142 good"
echo "gcc:   C at -O2 (stdio, malloc, libm), default and -static links run: ok ($(gcc -dumpversion))" >>"$rep"

# 3. C++.
cat >cxx-test/thrower.cc <<'S'
#include <stdexcept>
#include <string>
void check_positive(int v)
{
	if (v <= 0)
		throw std::invalid_argument("not positive: " + std::to_string(v));
}
S
cat >cxx-test/main.cc <<'S'
#include <algorithm>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
void check_positive(int v);
template <typename... T> constexpr auto sum(T... v) { return (v + ... + 0); }
static_assert(sum(1, 2, 3, 4) == 10, "fold expression");
template <typename C> typename C::value_type largest(const C &c) { return *std::max_element(c.begin(), c.end()); }
int main()
{
	std::string caught;
	try {
		check_positive(-3);
	} catch (const std::invalid_argument &e) {
		caught = e.what();
	}
	long total = 0;
	std::mutex m;
	std::vector<std::thread> ts;
	for (int t = 0; t < 4; t++)
		ts.emplace_back([&, t] {
			long local = 0;
			for (int i = 0; i < 1000; i++)
				local += i * (t + 1);
			std::lock_guard<std::mutex> g(m);
			total += local;
		});
	for (auto &t : ts)
		t.join();
	std::vector<int> v{5, 3, 9, 1};
	std::sort(v.begin(), v.end());
	std::cout << caught << ' ' << total << ' ' << v.front() << v.back() << ' ' << largest(v) << ' ' << sum(1, 2, 3) << '\n';
	return 0;
}
S
g++ -O2 -c -o cxx-test/thrower.o cxx-test/thrower.cc
ar rcs cxx-test/libthrower.a cxx-test/thrower.o
g++ -O2 -static -pthread -o cxx-test/main cxx-test/main.cc -Lcxx-test -lthrower
test "$(cxx-test/main)" = "not positive: -3 4995000 19 9 6"
echo "g++:   C++ at -O2 (iostream, string, variadic and constexpr templates, an exception across an archive, std::thread, sort), static: ok" >>"$rep"

# 4. make.
cat >make-test/a.c <<'S'
int twice(int x) { return 2 * x; }
S
cat >make-test/main.c <<'S'
#include <stdio.h>
int twice(int);
int main(void) { printf("%d\n", twice(21)); return 0; }
S
printf 'prog: main.o liba.a\n\t$(CC) -o $@ main.o liba.a\nliba.a: a.o\n\t$(AR) rcs $@ a.o\n' >make-test/Makefile
make -C make-test CC=gcc >/dev/null
test "$(make-test/prog)" = 42
echo "make:  builds a two-file project with a static library: ok" >>"$rep"

# 5. zlib's own test suite.
cd zlib-*/
CC=gcc CFLAGS=-O2 ./configure --static >configure.log
make >make.log
make test >test.log
grep -q '\*\*\* zlib test OK \*\*\*' test.log
echo "zlib:  $(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' zlib.h) built, 'make test' passed" >>"$rep"
