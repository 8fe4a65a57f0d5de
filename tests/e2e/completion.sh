# bash completion in a real pseudo-terminal, as a user types: TAB after
# --color=n, --runner=, pkg, pkg install --, and build pl (a directory goes
# on with '/', no space), with and without the bash-completion package.
. "$TOP/tests/e2e/lib.sh"
if ! command -v bash >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	ok "# SKIP no bash or no python3 for the pseudo-terminal"
	echo "1..$n"
	exit 0
fi
mkdir -p "$T/bin"
ln -s "$SPROUT" "$T/bin/sprout"
# The driver: an interactive bash on a pty; for each case it types the
# keys, then Ctrl-A, "SHOW=1 " and Enter, so that the line as completed
# runs a function that prints its words as ARGS:<w1><w2>...
cat >"$T/drive.py" <<'PY'
import os, pty, re, select, sys, time
setup, cases = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
def read(until, t=10.0):
    out, end = b"", time.time() + t
    while time.time() < end and until not in out:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out.decode("utf-8", "replace")
os.write(fd, (setup + "; echo READ\"\"Y\r").encode())
read(b"READY\r\n")
for k, keys in enumerate(cases):
    keys = keys.replace("\\t", "\t")
    for part in keys.split("\t")[:-1]:
        os.write(fd, (part + "\t").encode())
        time.sleep(0.4)
    os.write(fd, keys.split("\t")[-1].encode())
    time.sleep(0.2)
    os.write(fd, b"\x01SHOW=1 \r")
    out = read(b"GS:<")
    out += read(b"\n", 3)
    out = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z@]", "", out)
    line = [l for l in out.replace("\r", "").split("\n") if l.startswith("ARGS:")]
    print(line[0] if line else "ARGS:? " + repr(out[-200:]))
    sys.stdout.flush()
os.kill(pid, 9)
PY
cd "$TOP" || exit 1
setup="PS1='\$ '; PATH='$T/bin':\$PATH; bind 'set bell-style none'; bind 'set enable-bracketed-paste off'; . contrib/sprout.bash-completion"
setup="$setup; sprout() { if [ -n \"\$SHOW\" ]; then printf 'AR''GS:'; printf '<%s>' \"\$@\"; echo; else command sprout \"\$@\"; fi; }"
drive() { timeout 120 python3 "$T/drive.py" "$1" \
	'sprout --color=n\t' 'sprout --runner=\tp\t' 'sprout --order=r\t' 'sprout pkg inst\t' \
	'sprout pkg install --ro\t' 'sprout pkg install --allow-u\t' 'sprout build pl\t/hel\t' 'sprout build plans/hello h\t' \
	'sprout --col\tal\t' >"$T/got" 2>&1; }
expect() { # label
	while IFS= read -r want; do
		got=$(sed -n "${i}p" "$T/got")
		if [ "$got" = "$want" ]; then ok "$1: $want"; else notok "$1: $want (got '$got')"; fi
		i=$((i + 1))
	done <<'W'
ARGS:<--color=never>
ARGS:<--runner=plain>
ARGS:<--order=reverse>
ARGS:<pkg><install>
ARGS:<pkg><install><--root>
ARGS:<pkg><install><--allow-untrusted>
ARGS:<build><plans/hello/>
ARGS:<build><plans/hello><hello>
ARGS:<--color=always>
W
}
drive "$setup"
i=1
expect "without bash-completion"
bc=/usr/share/bash-completion/bash_completion
if [ -f "$bc" ]; then
	drive ". $bc; $setup"
	i=1
	expect "with bash-completion"
else
	ok "# SKIP no bash-completion package for the second run"
fi
echo "1..$n"
