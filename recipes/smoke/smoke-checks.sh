# Checks the smoke tests of two plans share: recipes/smoke's smoke.sh and
# recipes/smoke-gnu's smoke-gnu.sh (which names this file with 'shared',
# docs/recipes.md) source it. Each function writes its test under the
# current directory; smoke_sh also adds its line to the report, $rep.

# sh runs a script: loops, arithmetic, pipes, case.
smoke_sh() {
	mkdir -p sh-test
	cat >sh-test/t.sh <<'S'
set -e
n=0
for i in 1 2 3 4; do n=$((n + i)); done
case "$n-$(echo abc | tr a-c x-z)" in 10-xyz) echo shell-ok ;; *) exit 1 ;; esac
S
	test "$(sh sh-test/t.sh)" = shell-ok
	echo "sh:    runs a script (loops, arithmetic, pipes, case): ok" >>"$rep"
}

# The C program of the compiler's check, in c-test/c.c: stdio, malloc and
# libm. Run, it prints "499500.0 1.0000 1.4142 good".
smoke_c_program() {
	mkdir -p c-test
	cat >c-test/c.c <<'S'
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
	size_t n = 1000;
	double *v = malloc(n * sizeof *v), sum = 0;
	char *s = malloc(32);
	if (!v || !s)
		return 1;
	for (size_t i = 0; i < n; i++)
		v[i] = sqrt((double)i * i);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	snprintf(s, 32, "%.1f", sum);
	printf("%s %.4f %.4f %s\n", s, cos(0.0), pow(2.0, 0.5), strcmp(s, "499500.0") ? "bad" : "good");
	free(v);
	free(s);
	return 0;
}
S
}
