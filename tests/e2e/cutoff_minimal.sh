# Early cutoff on the real plan (long: make check-long, or SPROUT_LONG=1):
# with plans/minimal built, a comment added to musl's recipe rebuilds the
# two musl steps (seed-musl, musl), to the same bytes, and nothing else.
# (That a real change rebuilds everything after it, and that a SIGKILL
# resumes to the same digests, e2e/build_cache shows on a small plan.)
. "$TOP/tests/e2e/lib.sh"
if [ "${SPROUT_LONG:-}" != 1 ]; then
	ok "# SKIP long test (make check-long, or SPROUT_LONG=1)"
	exit 0
fi
[ "$(uname -m)" = x86_64 ] || { ok "# SKIP x86_64 only (the native musl step is x86_64's)"; exit 0; }
S=$T/state
mkdir -p "$T/plans"
cp -r "$TOP/plans/minimal" "$T/plans/"
cp -r "$TOP/recipes" "$T/recipes"
if [ -n "${SPROUT_DISTFILES:-}" ]; then mkdir -p "$S" && cp -r "$SPROUT_DISTFILES" "$S/distfiles"; fi
sprout --state "$S" -j2 build "$T/plans/minimal" >"$T/out" 2>&1
check "plans/minimal builds" grep -q '^minimal: 15 built' "$T/out"
digests() { sprout --state "$S" plan "$T/plans/minimal" | sed 1d | awk '{print $2, $NF}'; }
digests >"$T/before"
printf '# a comment: the recipe changes, musl does not\n' >>"$T/recipes/musl/recipe"
sprout --state "$S" plan "$T/plans/minimal" >"$T/plan"
check "plan: the musl steps rebuild, the steps after them wait" \
	sh -c "grep -q 'seed-musl .*build .*recipe changed\$' '$T/plan' && grep -q 'seed-tcc .*build .*waits for seed-musl' '$T/plan'"
sprout --state "$S" -j2 build "$T/plans/minimal" >"$T/out" 2>&1
check "a comment in musl's recipe rebuilds seed-musl and musl, nothing else" grep -q '^minimal: 2 built, 13 cached' "$T/out"
check "  ... to the same digests everywhere" sh -c "digests() { '$SPROUT' --state '$S' plan '$T/plans/minimal' | sed 1d | awk '{print \$2, \$NF}'; }; digests | cmp -s - '$T/before'"
