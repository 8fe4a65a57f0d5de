/* Variable arguments for chibicc against musl's headers (sprout's
 * recipes/tcc, the chibicc leg of verify --diverse). Debian's chibicc has
 * no headers of its own, and musl's stdarg.h expects the compiler's
 * __builtin_va_* names; these give them in terms of what chibicc knows:
 * __va_area__, the register save area of a variadic function, laid out as
 * the x86-64 System V ABI says, and __builtin_reg_class(type): 0 for an
 * integer register, 1 for an SSE register, 2 for memory. */
typedef struct {
	unsigned int gp_offset;         /* next integer register, 0..48 */
	unsigned int fp_offset;         /* next SSE register, 48..176 */
	void *overflow_arg_area;        /* the next argument passed on the stack */
	void *reg_save_area;
} __sprout_va_elem;
typedef __sprout_va_elem __sprout_va_list[1];

static void *__sprout_va_mem(__sprout_va_elem *ap, int size, int align)
{
	unsigned long p = (unsigned long)ap->overflow_arg_area;
	if (align > 8)
		p = (p + 15) / 16 * 16;
	ap->overflow_arg_area = (void *)(p + (size + 7) / 8 * 8);
	return (void *)p;
}

static void *__sprout_va_gp(__sprout_va_elem *ap, int size, int align)
{
	if (ap->gp_offset >= 48)
		return __sprout_va_mem(ap, size, align);
	void *r = (char *)ap->reg_save_area + ap->gp_offset;
	ap->gp_offset += 8;
	return r;
}

static void *__sprout_va_fp(__sprout_va_elem *ap, int size, int align)
{
	if (ap->fp_offset >= 176)
		return __sprout_va_mem(ap, size, align);
	void *r = (char *)ap->reg_save_area + ap->fp_offset;
	ap->fp_offset += 16;
	return r;
}

#define __builtin_va_list __sprout_va_list
#define __builtin_va_start(ap, last) (*(ap) = *(__sprout_va_elem *)__va_area__)
#define __builtin_va_end(ap) ((void)0)
#define __builtin_va_copy(d, s) (*(d) = *(s))
#define __builtin_va_arg(ap, ty) \
	(*(ty *)(__builtin_reg_class(ty) == 0 ? __sprout_va_gp(ap, sizeof(ty), _Alignof(ty)) : \
		 __builtin_reg_class(ty) == 1 ? __sprout_va_fp(ap, sizeof(ty), _Alignof(ty)) : \
		 __sprout_va_mem(ap, sizeof(ty), _Alignof(ty))))

/* chibicc does not parse GNU attributes: tcc's are hints (noreturn,
 * printf-like, aligned for speed), which it may go without. */
#define __attribute__(x)
