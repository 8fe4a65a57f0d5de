# sprout: plain POSIX-ish make. `make` builds ./sprout; `make check` runs
# every test tier; `make O=build-tcc CC=tcc` builds elsewhere with another
# compiler; `make NOLIBS=1` builds without the optional libraries.
CC      ?= cc
AR      ?= ar
O       ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CFLAGS  ?= -O2 -g
WARN    = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wformat=2
STD     = -std=c11 -D_GNU_SOURCE
NOLIBS  ?=

# One folder per subsystem (docs/architecture.md). The library holds every
# folder but cli/, which parses arguments, calls the library and prints.
SRCS  = $(wildcard src/*/*.c)
OBJS  = $(SRCS:src/%.c=$(O)/%.o)
HDRS  = $(wildcard src/*/*.h)
LOBJS = $(filter-out $(O)/cli/%.o,$(OBJS))
COBJS = $(filter $(O)/cli/%.o,$(OBJS))
UNITS = $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test_*.c))

all: sprout

-include $(O)/config.mk

$(O)/config.mk: mk/config.sh
	@mkdir -p $(O)
	@sh mk/config.sh "$(CC)" $@ "$(NOLIBS)"

$(O)/%.o: src/%.c $(HDRS) $(O)/config.mk
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -Isrc $(CONFIG_DEFS) $(DEFS) -c -o $@ $<

# Where installed plans and recipes are when sprout cannot tell from its own
# path (PREFIX/bin/sprout looks in PREFIX/share/sprout first).
$(O)/cli/cmd_hint.o: DEFS = -DSPROUT_DATADIR='"$(PREFIX)/share/sprout"'

$(O)/libsprout.a: $(LOBJS)
	rm -f $@
	$(AR) rcs $@ $(LOBJS)

$(O)/sprout: $(COBJS) $(O)/libsprout.a
	$(CC) $(LDFLAGS) -o $@ $(COBJS) $(O)/libsprout.a $(CONFIG_LIBS)

sprout: $(O)/sprout
	@if [ "$(O)" = build ]; then cp $(O)/sprout sprout.tmp && mv -f sprout.tmp sprout; fi

$(O)/tests/%: tests/unit/%.c tests/unit/*.h $(O)/libsprout.a
	@mkdir -p $(O)/tests
	$(CC) $(STD) $(CFLAGS) -Isrc -o $@ $< $(O)/libsprout.a $(CONFIG_LIBS)

units: $(UNITS)

# Every tier; the last line is "N passed, N failed". The fuzz tier runs
# each fuzz target for a few seconds on its seeds, so that they keep building.
check: all units fuzz-build
	@sh tests/run.sh "$(O)"

# Fuzzing (fuzz/, docs/security.md): libFuzzer targets built by clang with
# ASan and UBSan in $(FO). `make fuzz` runs each alone for FUZZ_SECONDS on
# a copy of its seeds (FUZZ_TARGETS="tar plan" for some); a crash's input
# lands in fuzz/crashes/.
FUZZ_CC      ?= clang
FO           ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_ALL      = $(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c))

fuzz-build:
	@if ! sh mk/fuzz-probe.sh "$(FUZZ_CC)"; then \
		echo "make: $(FUZZ_CC) cannot build libFuzzer targets with ASan and UBSan here;" \
			"sh mk/deps.sh --test installs clang and libclang-rt-dev" >&2; exit 1; fi
	@$(MAKE) --no-print-directory O=$(FO) CC="$(FUZZ_CC)" \
		CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-targets

fuzz-targets: $(FUZZ_ALL:%=$(O)/fuzz/%)

$(O)/fuzz/%: fuzz/%.c fuzz/fuzz.h $(O)/libsprout.a
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -fsanitize=fuzzer -Isrc -o $@ $< $(O)/libsprout.a $(CONFIG_LIBS)

fuzz: fuzz-build
	@sh fuzz/run.sh $(FO) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The unit, golden and e2e tiers against a sprout built by clang with ASan
# and UBSan in $(AO) (any report fails its test: UBSan stops the program,
# ASan's exit code is 23 unless a test looks for another).
AO ?= build-asan
check-asan:
	@$(MAKE) --no-print-directory O=$(AO) CC="$(FUZZ_CC)" CFLAGS="-O1 -g $(FUZZ_SAN)" \
		LDFLAGS="$(FUZZ_SAN)" all units
	@ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=0:exitcode=23:abort_on_error=0} \
		UBSAN_OPTIONS=$${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		SPROUT_BIN=$(AO)/sprout SPROUT_FUZZ=no sh tests/run.sh "$(AO)"

# The long tier: slower end-to-end runs (cross-arch, full bootstraps).
check-long: all units
	@SPROUT_LONG=1 sh tests/run.sh "$(O)"

# The aarch64 main job on this host (tests/e2e/minimal_cross.sh): installs
# the cross compiler if missing (mk/deps.sh --cross), then runs
# sprout --arch aarch64 bootstrap end to end under qemu-user.
check-cross: all
	@sh mk/deps.sh --cross
	@SPROUT_CROSS=1 SPROUT_TESTS=e2e/minimal_cross sh tests/run.sh "$(O)"

# Diverse double-compiling of the minimal plan with four host compilers
# (tests/e2e/diverse_minimal.sh): gcc, clang, pcc and chibicc; the pcc and
# chibicc legs build the seed tcc alone in make check.
check-diverse: all
	@SPROUT_DIVERSE=1 SPROUT_TESTS=e2e/diverse_minimal sh tests/run.sh "$(O)"

# The gnu plan (plans/gnu: binutils and GCC on musl) end to end, then sprout
# built inside its final system, then that system booted in qemu with the
# kernel its GCC built (mk/check-gnu.sh): hours on 2 cores, so
# never part of `make check`; resumable (GNU_STATE=DIR, GNU_ARCH=ARCH).
check-gnu: all
	@sh mk/check-gnu.sh

# A compile farm (tests/e2e/farm.sh, docs/distributed.md): icecream's
# scheduler and two workers in network namespaces of their own, and
# plans/hello built with and without it (same digests, jobs on the
# workers). Root; minutes, so not part of `make check`.
check-farm: all
	@FARM_PLAN=plans/hello SPROUT_TESTS=e2e/farm sh tests/run.sh "$(O)"

# The same for plans/gnu's native stage (mk/farm-gnu.sh): native m4 and
# binutils, compiled by the seed's own GCC on the workers, in hard-linked
# copies of a finished plans/gnu state (GNU_STATE); their recorded digests
# with and without the farm.
check-farm-gnu: all
	@sh mk/farm-gnu.sh "$(O)"

# The Mes road experiment (experiments/mes/README.md, docs/trust.md "The
# road to a smaller seed"): GNU Mes built by gcc and by the minimal plan's
# tcc, its test suite, and mescc run on tcc. Hours; resumable
# (MES_STATE=DIR); an experiment that records, not a test: never part of
# `make check`.
mes-road: all
	@SPROUT=$(O)/sprout sh experiments/mes/run.sh

# The booted system (tests/e2e/vm.sh): installs what the kernel and qemu
# need (mk/deps.sh --vm), then for x86_64 and aarch64 bootstraps, builds
# the kernel and boots the result from its initramfs and from the disk
# image; then (tests/e2e/vmmode.sh, docs/modes.md), in the same state, for
# x86_64: VM mode under TCG, stopped in the middle and resumed, with every
# digest the chroot mode's, and the bare-metal disk booted through UEFI
# firmware, rebuilding the plan's last steps. One scratch state for both,
# removed at the end; SPROUT_VM_STATE=DIR uses (and keeps) DIR instead.
check-vm: all
	@sh mk/deps.sh --vm
	@d=$${SPROUT_VM_STATE:-$$(mktemp -d $${TMPDIR:-/tmp}/sprout-check-vm.XXXXXX)}; \
	SPROUT_VM=1 SPROUT_VMMODE=1 SPROUT_VM_STATE=$$d SPROUT_TESTS=e2e/vm sh tests/run.sh "$(O)"; rc=$$?; \
	if [ -z "$$SPROUT_VM_STATE" ]; then chmod -R u+w "$$d"; rm -rf "$$d"; fi; exit $$rc

# The kernel build is reproducible (tests/e2e/kernel_repro.sh): the kernel
# step built twice, in two state directories, to the same digest, that of
# digests.ARCH. A kernel build is 10 to 20 minutes here: not in .ci/run.
# SPROUT_VM_STATE=DIR takes the first build from DIR (check-vm's state);
# SPROUT_VM_ARCHES="x86_64 aarch64" checks both arches (default x86_64).
check-kernel-repro: all
	@sh mk/deps.sh --vm
	@SPROUT_KERNEL_REPRO=1 SPROUT_TESTS=e2e/kernel_repro sh tests/run.sh "$(O)"

# VM and bare-metal modes in full (tests/e2e/vmmode.sh with
# SPROUT_VMMODE_FULL=1): check-vm's VM-mode run resumed with --stage4
# (stage 4 inside the VM, each step sandboxed), and the bare-metal disk of a
# state with the host stage only, which rebuilds every native step under
# UEFI firmware. 28 minutes of TCG on a loaded 2-core machine (nice 10,
# load 12) with the chroot bootstrap and the kernel built: not in .ci/run.
# SPROUT_VM_STATE=DIR shares check-vm's state.
check-vmmode: all
	@sh mk/deps.sh --vm
	@SPROUT_VMMODE=1 SPROUT_VMMODE_FULL=1 SPROUT_TESTS=e2e/vmmode sh tests/run.sh "$(O)"

# A static sprout for SPROUT_ARCH (default: this machine's), without the
# optional libraries, in $(SO)/sprout: the sprout that runs inside the VM of
# `sprout bootstrap --mode vm` (docs/modes.md), which runs this target
# itself. Built by ARCH-linux-gnu-gcc for another arch; with MUSL=DIR (a
# musl tree with usr/lib/musl-gcc.specs, such as the plan's seed musl)
# against that musl, else against the compiler's own libc.
SPROUT_ARCH ?= $(shell uname -m)
SO          ?= build-static-$(SPROUT_ARCH)
STATIC_CC    = $(if $(filter $(SPROUT_ARCH),$(shell uname -m)),,$(SPROUT_ARCH)-linux-gnu-)gcc$(if $(MUSL), -specs $(MUSL)/usr/lib/musl-gcc.specs)

static-sprout:
	@SYSROOT="$(MUSL)" $(MAKE) --no-print-directory O="$(SO)" NOLIBS=1 CC="$(STATIC_CC)" CFLAGS=-O2 \
		LDFLAGS=-static "$(SO)/sprout"

# bench/phases times plan loading and key computation (bench/b_scale.sh).
$(O)/bench/phases: bench/phases.c $(O)/libsprout.a
	@mkdir -p $(O)/bench
	$(CC) $(STD) $(CFLAGS) $(WARN) -Isrc -o $@ $< $(O)/libsprout.a $(CONFIG_LIBS)

bench: all $(O)/bench/phases
	@SPROUT_PHASES=$(O)/bench/phases sh bench/run.sh

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	cp $(O)/sprout $(DESTDIR)$(PREFIX)/bin/sprout
	chmod 755 $(DESTDIR)$(PREFIX)/bin/sprout
	if [ -f docs/sprout.1 ]; then cp docs/sprout.1 $(DESTDIR)$(PREFIX)/share/man/man1/; fi
	mkdir -p $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	cp contrib/sprout.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sprout
	# The plans and their recipes, found after the working directory's
	# (sprout bootstrap works anywhere); replaced whole, no stale recipe left.
	rm -rf $(DESTDIR)$(PREFIX)/share/sprout/plans $(DESTDIR)$(PREFIX)/share/sprout/recipes
	mkdir -p $(DESTDIR)$(PREFIX)/share/sprout
	cp -R plans recipes $(DESTDIR)$(PREFIX)/share/sprout/

clean:
	rm -rf $(O) $(FO) $(AO) sprout

.PHONY: all sprout units check check-long check-cross check-diverse check-gnu check-farm check-farm-gnu check-vm check-vmmode check-kernel-repro static-sprout mes-road bench install clean fuzz fuzz-build fuzz-targets check-asan
