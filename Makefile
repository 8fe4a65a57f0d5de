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
	$(CC) $(STD) $(CFLAGS) $(WARN) -Isrc $(CONFIG_DEFS) -c -o $@ $<

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

# Every tier; the last line is "N passed, N failed".
check: all units
	@sh tests/run.sh "$(O)"

# The long tier: slower end-to-end runs (cross-arch, full bootstraps).
check-long: all units
	@SPROUT_LONG=1 sh tests/run.sh "$(O)"

# The aarch64 main job on this host (tests/e2e/minimal_cross.sh): installs
# the cross compiler if missing (mk/deps.sh --cross), then runs
# sprout --arch aarch64 bootstrap end to end under qemu-user.
check-cross: all
	@sh mk/deps.sh --cross
	@SPROUT_CROSS=1 SPROUT_TESTS=e2e/minimal_cross sh tests/run.sh "$(O)"

# The gnu plan (plans/gnu: binutils and GCC on musl) end to end, then sprout
# built inside its final system (mk/check-gnu.sh): hours on 2 cores, so
# never part of `make check`; resumable (GNU_STATE=DIR, GNU_ARCH=ARCH).
check-gnu: all
	@sh mk/check-gnu.sh

# The booted system (tests/e2e/vm.sh): installs what the kernel and qemu
# need (mk/deps.sh --vm), then for x86_64 and aarch64 bootstraps, builds
# the kernel and boots the result from its initramfs and from the disk image.
check-vm: all
	@sh mk/deps.sh --vm
	@SPROUT_VM=1 SPROUT_TESTS=e2e/vm sh tests/run.sh "$(O)"

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

clean:
	rm -rf $(O) sprout

.PHONY: all sprout units check check-long check-cross check-gnu check-vm bench install clean
