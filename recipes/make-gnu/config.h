/* config.h for GNU make 4.3 on Linux (glibc or musl), written by hand.

   make-dfsg's tarball has no configure script, and the systems this recipe
   builds on have no autoconf, so this file stands in for what configure
   would write from src/config.h.in.  It defines only what make's sources
   (src/*.c, lib/glob.c, lib/fnmatch.c) test; every feature used here is in
   both glibc and musl.  Left out on purpose: NLS, guile, 'load' (it needs
   dlopen, which a static binary cannot use) and posix_spawn (make then
   uses vfork+exec, whose ENOEXEC fallback to /bin/sh is make's own code and
   does not depend on the libc).  Paths are fixed strings for prefix /usr,
   so nothing of the build tree ends up in the binary.  */

#ifndef SPROUT_MAKE_CONFIG_H
#define SPROUT_MAKE_CONFIG_H 1

/* What configure's AC_USE_SYSTEM_EXTENSIONS defines; makeint.h defines it
   too, but it must be set before the libc header included below.  */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
/* Large files on 32-bit glibc; a no-op on 64-bit and on musl.  */
#define _FILE_OFFSET_BITS 64

/* Package.  */
#define PACKAGE "make"
#define PACKAGE_NAME "GNU make"
#define PACKAGE_TARNAME "make"
#define PACKAGE_VERSION "4.3"
#define PACKAGE_STRING "GNU make 4.3"
#define PACKAGE_BUGREPORT "bug-make@gnu.org"
#define PACKAGE_URL "http://www.gnu.org/software/make/"
#define VERSION "4.3"

/* Fixed paths (configure's defaults for --prefix=/usr; make passes these
   with -D in its Makefile).  LIBDIR is searched for -lNAME prerequisites,
   INCLUDEDIR for include directives.  */
#define LIBDIR "/usr/lib"
#define INCLUDEDIR "/usr/include"
#define LOCALEDIR "/usr/share/locale"

/* The libc: glibc's <limits.h> defines __GLIBC__; musl names itself
   nowhere, so "not glibc" means musl here.  */
#include <limits.h>

/* 'Built for' in make --version: the GNU triplet configure would guess.  */
#if defined __x86_64__
# define SPROUT_MAKE_CPU "x86_64-pc"
#elif defined __aarch64__
# define SPROUT_MAKE_CPU "aarch64-unknown"
#elif defined __i386__
# define SPROUT_MAKE_CPU "i686-pc"
#elif defined __riscv && __riscv_xlen == 64
# define SPROUT_MAKE_CPU "riscv64-unknown"
#else
# define SPROUT_MAKE_CPU "unknown-unknown"
#endif
#ifdef __GLIBC__
# define MAKE_HOST SPROUT_MAKE_CPU "-linux-gnu"
#else
# define MAKE_HOST SPROUT_MAKE_CPU "-linux-musl"
#endif

/* Features of make.  */
#define MAKE_JOBSERVER 1        /* -j across recursive makes (pipe + pselect) */
#define MAKE_SYMLINKS 1         /* -L / --check-symlink-times */
/* Not defined: MAKE_LOAD (no 'load', it needs dlopen), HAVE_GUILE,
   ENABLE_NLS, USE_POSIX_SPAWN.  */
#define PATH_SEPARATOR_CHAR ':'
#define SCCS_GET "get"
#define RETSIGTYPE void

/* Nanosecond file times (struct stat's st_mtim, clock_gettime).  */
#define FILE_TIMESTAMP_HI_RES 1
#define ST_MTIM_NSEC st_mtim.tv_nsec
#define HAVE_CLOCK_GETTIME 1
#define HAVE_GETTIMEOFDAY 1

/* Headers.  */
#define STDC_HEADERS 1
#define HAVE_ALLOCA_H 1
#define HAVE_ALLOCA 1
#define HAVE_DIRENT_H 1
#define HAVE_FCNTL_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_LIMITS_H 1
#define HAVE_LOCALE_H 1
#define HAVE_MEMORY_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_FILE_H 1
#define HAVE_SYS_PARAM_H 1
#define HAVE_SYS_RESOURCE_H 1
#define HAVE_SYS_SELECT_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TIME_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_SYS_WAIT_H 1
#define HAVE_UNISTD_H 1
#define HAVE_WCHAR_H 1
#define TIME_WITH_SYS_TIME 1

/* Functions and types.  */
#define HAVE_ATEXIT 1
#define HAVE_DUP 1
#define HAVE_DUP2 1
#define HAVE_FDOPEN 1
#define HAVE_FORK 1
#define HAVE_WORKING_FORK 1
#define HAVE_VFORK 1
#define HAVE_WORKING_VFORK 1
#define HAVE_GETCWD 1
#define HAVE_GETRLIMIT 1
#define HAVE_SETRLIMIT 1
#define HAVE_ISATTY 1
#define HAVE_TTYNAME 1
#define HAVE_LSTAT 1
#define HAVE_READLINK 1
#define HAVE_SYMLINK 1
#define HAVE_REALPATH 1
#define HAVE_MEMRCHR 1
#define HAVE_MKSTEMP 1
#define HAVE_MKTEMP 1
#define HAVE_PIPE 1
#define HAVE_PSELECT 1
#define HAVE_SA_RESTART 1
#define HAVE_SIGACTION 1
#define HAVE_SETEGID 1
#define HAVE_SETEUID 1
#define HAVE_SETREGID 1
#define HAVE_SETREUID 1
#define HAVE_SETVBUF 1
#define HAVE_SETLINEBUF 1
#define HAVE_STRCASECMP 1
#define HAVE_STRNCASECMP 1
#define HAVE_STRCOLL 1
#define HAVE_STRDUP 1
#define HAVE_STRNDUP 1
#define HAVE_STRSIGNAL 1
#define HAVE_UMASK 1
#define HAVE_WAIT3 1
#define HAVE_WAITPID 1
#define HAVE_STRUCT_DIRENT_D_TYPE 1
#define HAVE_UINTMAX_T 1
#define HAVE_LONG_LONG_INT 1
#define HAVE_UNSIGNED_LONG_LONG_INT 1

/* strsignal() is used, so make never touches sys_siglist (which newer
   glibc no longer declares, and musl never had).  */
#define HAVE_DECL_SYS_SIGLIST 0
#define HAVE_DECL__SYS_SIGLIST 0
#define HAVE_DECL___SYS_SIGLIST 0

/* musl declares bsd_signal() under _GNU_SOURCE; glibc does not (it hides
   it when _GNU_SOURCE asks for POSIX 2008), and then make defines its own
   from sigaction.  */
#ifdef __GLIBC__
# define HAVE_DECL_BSD_SIGNAL 0
#else
# define HAVE_DECL_BSD_SIGNAL 1
#endif

#endif /* SPROUT_MAKE_CONFIG_H */
