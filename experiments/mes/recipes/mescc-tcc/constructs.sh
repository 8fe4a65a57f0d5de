# C constructs that tcc's source uses, each in a small program that exits 0
# when it ran correctly: compile with $MESCC (the caller's mescc, with its
# environment), link against Mes's C library, run. One line each to
# $OUT: ok, "compile FAILED" (with mescc's first error), "link FAILED",
# or "WRONG (exit N)" for a program mescc built that computed the wrong
# result. Each snippet names the place in tcc 0.9.27 that needs it.
set -u
mkdir -p constructs && cd constructs
t() { # NAME WHERE: the program on stdin
	cat >"$1.c"
	if ! timeout 600 $MESCC -c -o "$1.o" "$1.c" >"$1.log" 2>&1 || [ ! -s "$1.o" ]; then
		e=$(grep -m 1 -E 'error|parse failed|not supported' "$1.log" | cut -c1-120)
		echo "  $1 ($2): compile FAILED: $e" >>"$OUT"
		return
	fi
	# The library tcc itself would be linked with.
	if ! timeout 600 $MESCC -o "$1" "$1.o" -l c+tcc >>"$1.log" 2>&1 || [ ! -x "$1" ]; then
		e=$(grep -m 1 -E 'not valid|error|undefined' "$1.log" | cut -c1-120)
		echo "  $1 ($2): link FAILED: $e" >>"$OUT"
		return
	fi
	./"$1" >/dev/null 2>&1
	r=$?
	if [ $r = 0 ]; then echo "  $1 ($2): ok" >>"$OUT"; else echo "  $1 ($2): WRONG (exit $r)" >>"$OUT"; fi
}
t attribute-after-declarator "tcc.h:106-108 NORETURN, PRINTF_LIKE" <<'C'
void fail(const char *fmt, ...) __attribute__ ((format (printf, (1), (2))));
void fail(const char *fmt, ...) { }
int main() { return 0; }
C
t typedef-name-as-member "tccrun.c:41 jmp_buf jmp_buf" <<'C'
typedef struct { long a[3]; } buf_t;
struct rt { int n; buf_t buf_t; };
int main() { struct rt r; r.n = 1; r.buf_t.a[0] = 2; return r.n + r.buf_t.a[0] == 3 ? 0 : 1; }
C
t fnptr-typedef-param "libtcc.h:28 tcc_set_error_func" <<'C'
typedef void (*F)(void *o, const char *m);
void set(void *s, F f);
int main() { return 0; }
C
t fnptr-typedef-return "libtcc.h:31 tcc_get_error_func" <<'C'
typedef void (*F)(void *o, const char *m);
static void h(void *o, const char *m) { }
F get(void *s) { return h; }
int main() { return get(0) == h ? 0 : 1; }
C
t fnptr-typedef-member "tcc.h struct TCCState: TCCErrorFunc error_func" <<'C'
typedef int (*F)(int);
static int twice(int x) { return 2 * x; }
struct S { int n; F f; };
int main() { struct S s; s.f = twice; return s.f(21) == 42 ? 0 : 1; }
C
t anonymous-struct-union "tcc.h struct Sym: anonymous unions and structs" <<'C'
struct sym { int v; union { struct { int c; int r; }; long long enum_val; }; };
int main() { struct sym s; s.c = 3; s.r = 4; return s.c + s.r == 7 ? 0 : 1; }
C
t bitfields "tcc.h struct SymAttr: unsigned short aligned : 5, packed : 1 ..." <<'C'
struct attr { unsigned short aligned : 5, packed : 1, weak : 1, visibility : 2; };
int main() { struct attr a; a.aligned = 17; a.packed = 1; a.weak = 0; a.visibility = 3;
	return a.aligned != 17 ? 1 : a.packed != 1 ? 2 : a.weak != 0 ? 3 : a.visibility != 3 ? 4 : 0; }
C
t long-long-arith "tccgen.c constant folding on 64-bit values" <<'C'
int main() { unsigned long long a = 0x123456789abcdefULL, b = 7; long long c = -5;
	return a / b != 0x299c335ccf668fULL ? 1 : a % b != 6 ? 2 : (c >> 1) != -3 ? 3 : (a << 4 >> 4) != a ? 4 : 0; }
C
t double-arith "tccgen.c folding of float and double constants" <<'C'
int main() { double a = 1.5, b = 2.25; float f = 0.5; int i = a * b * 4;
	return i != 13 ? 1 : (int)(f * 8) != 4 ? 2 : 0; }
C
t long-double "tcc.h union CValue: long double ld; tccgen.c folding" <<'C'
int main() { long double x = 3, y = 2; x = x / y; return (int)(x * 4) != 6 ? 1 : 0; }
C
t varargs "libtcc.c tcc_error: va_list" <<'C'
#include <stdarg.h>
static int sum(int n, ...) { va_list ap; int s = 0; va_start(ap, n); while (n--) s += va_arg(ap, int); va_end(ap); return s; }
int main() { int s = sum(4, 1, 2, 3, 4); return s == 10 ? 0 : 100 + (s & 127); }
C
t struct-copy "tccgen.c vswap, vpushv: SValue copied by assignment" <<'C'
typedef struct { unsigned short r, r2; int t; long long c; void *sym; } SValue;
static SValue stack[4];
int main() { SValue tmp; stack[1].r = 5; stack[1].c = 1LL << 40; stack[0].t = 3;
	tmp = stack[0]; stack[0] = stack[1]; stack[1] = tmp;
	return stack[0].r != 5 ? 1 : stack[0].c != 1LL << 40 ? 2 : stack[1].t != 3 ? 3 : 0; }
C
t empty-function-like-macro "libtcc.c:122-123 WAIT_SEM(), POST_SEM() without semaphores" <<'C'
#define WAIT_SEM()
static int n;
static void f(void) { WAIT_SEM(); n++; }
int main() { f(); return n == 1 ? 0 : 1; }
C
t flexible-array "tcc.h TokenSym: char str[1] and allocation past it" <<'C'
#include <stdlib.h>
#include <string.h>
typedef struct T { int len; char str[1]; } T;
int main() { T *t = malloc(sizeof(T) + 8); strcpy(t->str, "abcdefgh"); return t->str[7] == 'h' ? 0 : 1; }
C
t setjmp-longjmp "tccgen.c/libtcc.c: error recovery through longjmp" <<'C'
#include <setjmp.h>
static jmp_buf jb;
static void f(void) { longjmp(jb, 2); }
int main() { int r = setjmp(jb); if (r == 0) { f(); return 1; } return r == 2 ? 0 : 1; }
C
