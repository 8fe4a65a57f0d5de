#!/bin/sh
# Whether compiler $1 can build libFuzzer targets with ASan and UBSan (on
# Debian: clang and libclang-rt-dev, which sh mk/deps.sh --test installs).
cc=${1:-clang}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n){(void)d;(void)n;return 0;}\n' >"$tmp/t.c"
$cc -fsanitize=fuzzer,address,undefined -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1
