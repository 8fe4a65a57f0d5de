#!/bin/sh
# seed-cc.sh COMPILER ARG...: run COMPILER, a C compiler the host stage's
# recipes cannot drive as they drive gcc or clang, as a compiler driver
# against the seed's musl in $SYSROOT, static. For the legs of sprout verify
# --diverse that build only the seed tcc (SEED_CC; docs/trust.md).
#
# pcc links through the host's ld with the crt files and libc.a given by
# hand. chibicc has no -nostdinc, no link step for another libc, no GNU
# attributes and no __builtin_va_*: Debian's package has no headers of its
# own either, so chibicc-va.h (beside this script) gives musl's stdarg.h
# what it expects, and the objects are linked with ld.
set -e
cc=$1
shift
lib=$SYSROOT/usr/lib
here=$(dirname "$0")
link=1
for a; do
	case $a in -c | -E | -S | -M | -MM) link= ;; esac
done
case $cc in
*pcc*)
	if [ -z "$link" ]; then
		exec "$cc" -nostdinc -I"$SYSROOT/usr/include" "$@"
	fi
	exec "$cc" -nostdinc -I"$SYSROOT/usr/include" -static -nostdlib -L"$lib" \
		"$lib/crt1.o" "$lib/crti.o" "$@" "$lib/libc.a" "$lib/crtn.o"
	;;
*chibicc*) ;;
*)
	echo "seed-cc.sh: no way known to drive '$cc'" >&2
	exit 1
	;;
esac
ccf="-include $here/tcc-chibicc-va.h -I$SYSROOT/usr/include"
# Drop what chibicc refuses and does not need: optimisation and warning
# flags, and the link-only ones when compiling.
n=$#
i=0
while [ "$i" -lt "$n" ]; do
	a=$1
	shift
	i=$((i + 1))
	case $a in
	-O* | -g | -W* | -fno-strict-aliasing | -s | -static | -std=*) ;;
	-l*) [ -n "$link" ] || set -- "$@" "$a" ;;
	*) set -- "$@" "$a" ;;
	esac
done
if [ -z "$link" ]; then
	exec "$cc" $ccf "$@"
fi
out=a.out objs=
while [ $# -gt 0 ]; do
	case $1 in
	-o)
		out=$2
		shift 2
		;;
	*.c)
		"$cc" $ccf -c "$1" -o "$1.o"
		objs="$objs $1.o"
		shift
		;;
	-*) shift ;;
	*)
		objs="$objs $1"
		shift
		;;
	esac
done
exec ld -static -o "$out" "$lib/crt1.o" "$lib/crti.o" $objs "$lib/libc.a" "$lib/crtn.o"
