/* Inline assembly as musl's aarch64 headers write it (syscall_arch.h,
   atomic_arch.h, pthread_arch.h, fp_arch.h, src/math/aarch64): compiled by
   the patched tcc's arm64 cross compiler, disassembled, and each
   function's instructions checked by tests/e2e/tcc_arm64_asm.sh. */
typedef unsigned long uintptr_t;
typedef unsigned long long uint64_t;

long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ __volatile__ ("svc 0" : "=r"(x0) : "r"(x8), "0"(x0), "r"(x1), "r"(x2) : "memory", "cc");
	return x0;
}

int ll(volatile int *p)
{
	int v;
	__asm__ __volatile__ ("ldaxr %w0,%1" : "=r"(v) : "Q"(*p));
	return v;
}

int sc(volatile int *p, int v)
{
	int r;
	__asm__ __volatile__ ("stlxr %w0,%w2,%1" : "=&r"(r), "=Q"(*p) : "r"(v) : "memory");
	return !r;
}

void *ll_p(volatile void *p)
{
	void *v;
	__asm__ __volatile__ ("ldaxr %0, %1" : "=r"(v) : "Q"(*(void *volatile *)p));
	return v;
}

void barrier(void)
{
	__asm__ __volatile__ ("dmb ish" : : : "memory");
}

int ctz64(uint64_t x)
{
	__asm__("	rbit %0, %1\n"
		"	clz %0, %0\n"
		: "=r"(x) : "r"(x));
	return x;
}

uintptr_t get_tp(void)
{
	uintptr_t tp;
	__asm__ ("mrs %0,tpidr_el0" : "=r"(tp));
	return tp;
}

double barrier_d(double x)
{
	__asm__ __volatile__ ("" : "+w"(x));
	return x;
}

double my_sqrt(double x)
{
	__asm__ ("fsqrt %d0, %d1" : "=w"(x) : "w"(x));
	return x;
}

float my_fmaf(float x, float y, float z)
{
	__asm__ ("fmadd %s0, %s1, %s2, %s3" : "=w"(x) : "w"(x), "w"(y), "w"(z));
	return x;
}

long my_lrint(double x)
{
	long n;
	__asm__ ("frintx %d1, %d1\n"
		 "fcvtzs %x0, %d1\n" : "=r"(n), "+w"(x));
	return n;
}

int saves_x19(int a)
{
	__asm__ __volatile__ ("mov x19, %x0" : : "r"(a) : "x19", "d8");
	return a;
}

int global_counter;
int add_imm(void)
{
	int r;
	__asm__ ("add %w0, %w1, %2" : "=r"(r) : "r"(global_counter), "i"(42));
	return r;
}
