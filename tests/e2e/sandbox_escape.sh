# What a hostile step cannot do from any of sprout's sandboxes (issue 12,
# docs/security.md): write to the host, reach the network, ptrace a process
# outside the step, or outlive its step. tests/e2e/data/sandbox_probe.c
# tries all of it from a plan's step, from `sprout shell` in that step's
# sandbox, from sandbox-run --rootfs, --rootfs-rw, --nest and both, and
# under qemu-user for a foreign arch; the test listens outside on TCP (the
# host's address and 127.0.0.1) and on an abstract unix socket, runs a
# process the probe is given the pid of, and looks for the probe's marker
# files on the host and for its daemon afterwards.
. "$TOP/tests/e2e/lib.sh"
chmod 755 "$T"
if ! sprout sandbox-run true >/dev/null 2>&1; then
	ok "# SKIP the sandbox cannot run here"
	echo "1..$n"
	exit 0
fi
CF="-static -nostdlib -ffreestanding -fno-stack-protector -fno-builtin -O2"
cc $CF -o "$T/probe" "$TOP/tests/e2e/data/sandbox_probe.c"
check "the probe builds" test -x "$T/probe"
"$T/probe" m0 127.0.0.1 1 x 1 >"$T/out" 2>&1
check "  ... and refuses to run outside a sandbox" grep -q "refusing to run" "$T/out"

# listeners outside: TCP on every address, and an abstract unix socket
abs=sprout-probe-$$
python3 - "$T/port" "$T/conns" "$abs" <<'P' &
import socket, sys, threading
port, log, abstract = sys.argv[1:4]
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", 0))
t.listen(16)
u = socket.socket(socket.AF_UNIX)
u.bind("\0" + abstract)
u.listen(16)
def serve(s):
    while True:
        c, _ = s.accept()
        with open(log, "a") as f:
            f.write("connection\n")
        c.sendall(b"outside")
        c.close()
threading.Thread(target=serve, args=(u,), daemon=True).start()
with open(port + ".tmp", "w") as f:
    f.write(str(t.getsockname()[1]))
import os
os.rename(port + ".tmp", port)
serve(t)
P
listener=$!
sleep 1000.$$ &
victim=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$T/port" 2>/dev/null)
ip=$(hostname -I 2>/dev/null | awk '{print $1}')
[ -n "$ip" ] || ip=127.0.0.1
check "the listener is up (port $port, host address $ip)" test -n "$port"
# the listener answers from outside: what the probe must not see
check "  ... and reachable from outside" python3 -c "
import socket; s = socket.create_connection(('$ip', $port), 5); assert s.recv(7) == b'outside'"
: >"$T/conns"

# Every place the probe names or sees mounted, on the host: no MARKER.
host_dirs() {
	{ echo / /usr /usr/bin /usr/lib /bin /lib /etc /dev /run /var /home /root /mnt /opt /srv /tmp /var/tmp
	  awk '{print $2}' /proc/self/mounts; } | tr ' ' '\n' | sort -u
}
nothing_written() { # marker [dir that may be written: --rootfs-rw]
	for hd in $(host_dirs); do
		if [ -e "$hd/$1" ]; then
			echo "# $hd/$1 was written" >&2
			rm -rf "${hd:?}/$1" 2>/dev/null
			return 1
		fi
	done
	# (the step's /build is its build tree in the state directory)
	found=$(find "$T" -name "$1" -not -path "$T/state/build/*" ${2:+-not -path "$2/*"} 2>/dev/null | head -n 1)
	[ -z "$found" ] || { echo "# $found was written" >&2; return 1; }
}
gone() { # marker: its daemon is not running
	i=0
	while ps -eo comm= | grep -qx "pd-$1" && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
	! ps -eo comm= | grep -qx "pd-$1"
}
verdict() { # what, marker, output file [rw dir]
	check "$1: the probe ran and found no way out" sh -c "grep -q 'probe done: 0 escapes' '$3' && ! grep -q ESCAPE '$3'"
	grep ESCAPE "$3" | sed 's/^/# /'
	check "  ... wrote nothing on the host" nothing_written "$2" ${4:-}
	check "  ... reached no listener" test ! -s "$T/conns"
	: >"$T/conns"
	check "  ... and left nothing running" gone "$2"
}

# 1. a plan's step, and sprout shell in its sandbox
P=$T/plan
mkdir -p "$P/recipes/hostile"
cp "$T/probe" "$P/recipes/hostile/probe"
h=$(sha256sum "$T/probe" | cut -d' ' -f1)
cat >"$P/recipes/hostile/recipe" <<R
name hostile
version 1
license MIT
source probe
	sha256 $h
	local probe
build host
	chmod +x probe
	./probe a$$ $ip $port $abs $victim
	exit 1
R
printf 'plan esc\narches x86_64 aarch64\nrecipes recipes\nset SOURCE_DATE_EPOCH 0\nstage host\n\tstep hostile\n' >"$P/plan"
chmod -R a+rX "$T"
"$SPROUT" --state "$T/state" build "$P" >"$T/out" 2>&1
verdict "a step of a plan" "a$$" "$T/out"
if command -v script >/dev/null 2>&1; then
	{ sleep 2; echo "./probe b$$ $ip $port $abs $victim; exit"; sleep 2; } |
		timeout 60 script -qec "$SPROUT --state $T/state shell $P hostile" "$T/shell.ts" >/dev/null 2>&1
	tr -d '\r' <"$T/shell.ts" >"$T/shell.out"
	verdict "sprout shell in the failed step's sandbox" "b$$" "$T/shell.out"
else
	ok "# SKIP sprout shell: no script(1) for a terminal"
fi

# 2. sandbox-run in a root of the probe alone
R=$T/root
mkdir -p "$R/bin"
cp "$T/probe" "$R/bin/probe"
chmod -R a+rX "$R"
run_probe() { # marker, sandbox-run options...
	m=$1
	shift
	timeout 120 "$SPROUT" sandbox-run "$@" -- /bin/probe "$m" "$ip" "$port" "$abs" "$victim" >"$T/out" 2>&1
}
run_probe c$$ --rootfs "$R"
verdict "--rootfs" "c$$" "$T/out"
run_probe d$$ --rootfs "$R" --rootfs-rw
verdict "--rootfs-rw (its root is its to write)" "d$$" "$T/out" "$R"
check "  ... and the probe in it is whole" cmp -s "$R/bin/probe" "$T/probe"
run_probe e$$ --rootfs "$R" --nest
verdict "--nest" "e$$" "$T/out"
run_probe f$$ --rootfs "$R" --rootfs-rw --nest
verdict "--rootfs-rw --nest (as bootstrap --stage4 runs)" "f$$" "$T/out" "$R"

# --nest keeps capabilities: with them a step could remount the host's
# read-only binds writable, had its mounts not been locked (issue 12)
mark=/usr/sprout-nest-probe-$$
"$SPROUT" sandbox-run --nest "mount -o remount,rw,bind /usr 2>/dev/null; touch $mark 2>/dev/null; true" >/dev/null 2>&1
check "--nest: the host's /usr cannot be remounted writable and written" test ! -e "$mark"
rm -f "$mark"
check "  ... while a sandbox inside still works" \
	sh -c "'$SPROUT' sandbox-run --nest 'unshare -Ur true && unshare -Urm true' >/dev/null 2>&1"

# 3. a foreign arch, through qemu-user
if [ "$(uname -m)" = x86_64 ] && command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
	aarch64-linux-gnu-gcc $CF -o "$T/probe64" "$TOP/tests/e2e/data/sandbox_probe.c" 2>/dev/null; then
	R64=$T/root64
	mkdir -p "$R64/bin"
	cp "$T/probe64" "$R64/bin/probe"
	chmod -R a+rX "$R64"
	if run_probe g$$ --rootfs "$R64" --arch aarch64 && grep -q 'probe done' "$T/out"; then
		verdict "a foreign arch (aarch64 under qemu-user)" "g$$" "$T/out"
	else
		ok "# SKIP foreign arch: $(head -n 1 "$T/out")"
	fi
else
	ok "# SKIP foreign arch: no aarch64-linux-gnu-gcc (sh mk/deps.sh --cross)"
fi

check "the process outside was never stopped or killed" sh -c "kill -0 $victim && ! grep -q '^State:.*T' /proc/$victim/status"
kill "$victim" "$listener" 2>/dev/null
wait 2>/dev/null
echo "1..$n"
